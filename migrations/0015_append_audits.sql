-- Audit records of reads and searches are appended by one PL/pgSQL function, planned once per
-- connection: PostgreSQL's statement log showed a quarter to a third of each group insert
-- spent parsing and planning it (two statements, keys then rows, built for each group size).
-- `ids`, `recorded`, `bodies`, `exact_text` hold one element per record; the index rows are
-- those of `vesta_write_index_rows` (migration 0013) with `record` giving each row's record
-- (1-based) instead of a key, since the keys are taken here. Returns the number of records.
CREATE FUNCTION vesta_append_audits(
    ids text[], recorded timestamptz[], bodies text[], exact_text text[],
    record int8[], bounds int4[], pid text[], grp text[], c1 text[], c2 text[], c3 text[], c4 text[], c5 text[]
) RETURNS integer LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    keys int8[];
BEGIN
    keys := ARRAY(SELECT nextval('resource_key_seq') FROM generate_series(1, cardinality(ids)));
    INSERT INTO r_auditevent (key, id, version, last_updated, body, exact_text)
    SELECT k, i, 1, r, b::jsonb, nullif(e, '')
      FROM unnest(keys, ids, recorded, bodies, exact_text) AS v(k, i, r, b, e);
    PERFORM vesta_write_index_rows(ARRAY(SELECT keys[n::int4] FROM unnest(record) WITH ORDINALITY AS x(n, o) ORDER BY o),
                                   '{}'::int8[], bounds, pid, grp, c1, c2, c3, c4, c5);
    RETURN cardinality(ids);
END
$$;
