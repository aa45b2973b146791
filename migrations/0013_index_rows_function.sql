-- Search index rows are written by one function instead of one data-modifying CTE per index
-- table in every write statement. PostgreSQL parsed, analysed and planned those CTEs again on
-- every write (about 40% of its CPU per create, measured with perf); PL/pgSQL prepares the
-- statements below once per connection and reuses their plans, and the write statements
-- shrink to the resource row, the change-log row and one call.
--
-- Rows come as parallel arrays, one element per row, grouped by table in the order token,
-- string, date, number, quantity, reference, uri, blind term, Observation timeline: rows
-- bounds[i] .. bounds[i + 1] - 1 (1-based) belong to the i-th table. `keys` holds each row's
-- resource key, `pid`/`grp` its parameter key and composite group, `c1`…`c5` the table's
-- remaining columns as text, in the order of its CREATE TABLE (the timeline: subject, code,
-- hi, lo). Every index row of the resources in `replace_keys` is removed first (an update, a
-- reindex, a tombstone).
CREATE FUNCTION vesta_write_index_rows(
    keys int8[], replace_keys int8[], bounds int4[], pid text[], grp text[],
    c1 text[], c2 text[], c3 text[], c4 text[], c5 text[]
) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    lo int4;
    hi int4;
BEGIN
    IF cardinality(replace_keys) > 0 THEN
        DELETE FROM sp_token WHERE key = ANY (replace_keys);
        DELETE FROM sp_string WHERE key = ANY (replace_keys);
        DELETE FROM sp_date WHERE key = ANY (replace_keys);
        DELETE FROM sp_number WHERE key = ANY (replace_keys);
        DELETE FROM sp_quantity WHERE key = ANY (replace_keys);
        DELETE FROM sp_reference WHERE key = ANY (replace_keys);
        DELETE FROM sp_uri WHERE key = ANY (replace_keys);
        DELETE FROM sp_blind WHERE key = ANY (replace_keys);
        DELETE FROM observation_timeline WHERE key = ANY (replace_keys);
    END IF;
    lo := bounds[1]; hi := bounds[2] - 1;
    IF hi >= lo THEN
        INSERT INTO sp_token (key, pid, grp, kind, system, code)
        SELECT k, p::int4, g::int2, a::"char", nullif(b, ''), c
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi]) AS v(k, p, g, a, b, c);
    END IF;
    lo := bounds[2]; hi := bounds[3] - 1;
    IF hi >= lo THEN
        INSERT INTO sp_string (key, pid, grp, norm, exact)
        SELECT k, p::int4, g::int2, a, b FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b);
    END IF;
    lo := bounds[3]; hi := bounds[4] - 1;
    IF hi >= lo THEN
        INSERT INTO sp_date (key, pid, grp, lo, hi)
        SELECT k, p::int4, g::int2, a::timestamptz, b::timestamptz
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b);
    END IF;
    lo := bounds[4]; hi := bounds[5] - 1;
    IF hi >= lo THEN
        INSERT INTO sp_number (key, pid, grp, lo, hi)
        SELECT k, p::int4, g::int2, a::numeric, b::numeric
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b);
    END IF;
    lo := bounds[5]; hi := bounds[6] - 1;
    IF hi >= lo THEN
        INSERT INTO sp_quantity (key, pid, grp, system, code, unit, lo, hi)
        SELECT k, p::int4, g::int2, nullif(a, ''), nullif(b, ''), nullif(c, ''), d::numeric, e::numeric
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi], c4[lo:hi], c5[lo:hi])
               AS v(k, p, g, a, b, c, d, e);
    END IF;
    lo := bounds[6]; hi := bounds[7] - 1;
    IF hi >= lo THEN
        INSERT INTO sp_reference (key, pid, grp, target_type, target_id, url)
        SELECT k, p::int4, g::int2, nullif(a, ''), nullif(b, ''), nullif(c, '')
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi]) AS v(k, p, g, a, b, c);
    END IF;
    lo := bounds[7]; hi := bounds[8] - 1;
    IF hi >= lo THEN
        INSERT INTO sp_uri (key, pid, grp, uri)
        SELECT k, p::int4, g::int2, a FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi]) AS v(k, p, g, a);
    END IF;
    lo := bounds[8]; hi := bounds[9] - 1;
    IF hi >= lo THEN
        INSERT INTO sp_blind (key, pid, grp, term)
        SELECT k, p::int4, g::int2, decode(a, 'hex') FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi]) AS v(k, p, g, a);
    END IF;
    lo := bounds[9]; hi := bounds[10] - 1;
    IF hi >= lo THEN
        INSERT INTO observation_timeline (key, subject, code, hi, lo)
        SELECT k, a, b, c::timestamptz, d::timestamptz
          FROM unnest(keys[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi], c4[lo:hi]) AS v(k, a, b, c, d);
    END IF;
    RETURN bounds[10] - 1;
END
$$;
