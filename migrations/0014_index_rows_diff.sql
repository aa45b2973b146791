-- Replacing a resource's index rows touches only the rows that changed. Before, an update
-- deleted every row of the resource and inserted them all again, although an update usually
-- changes few of its search values (a device Observation merging readings into its hourly
-- SampledData keeps its code, subject, category and period): each of those rows cost a dead
-- tuple and an insertion into every index of its table. Now, for the resources in
-- `replace_keys`, rows the new set lacks are deleted, and only rows the old set lacks are
-- inserted. Arguments and row layout are those of migration 0013; every caller that replaces
-- rows names all the resources of `keys` in `replace_keys`.
CREATE OR REPLACE FUNCTION vesta_write_index_rows(
    keys int8[], replace_keys int8[], bounds int4[], pid text[], grp text[],
    c1 text[], c2 text[], c3 text[], c4 text[], c5 text[]
) RETURNS integer LANGUAGE plpgsql AS $$
-- The arguments pid, grp and the bounds lo, hi share names with index columns; in these
-- statements every column is qualified, so the names mean the arguments.
#variable_conflict use_variable
DECLARE
    lo int4;
    hi int4;
    replacing boolean := cardinality(replace_keys) > 0;
BEGIN
    -- token
    lo := bounds[1]; hi := bounds[2] - 1;
    IF replacing THEN
        DELETE FROM sp_token t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi]) AS v(k, p, g, a, b, c)
             WHERE v.k = t.key AND v.p::int4 = t.pid AND v.g::int2 = t.grp AND v.a::"char" = t.kind
               AND nullif(v.b, '') IS NOT DISTINCT FROM t.system AND v.c = t.code);
    END IF;
    IF hi >= lo THEN
        INSERT INTO sp_token (key, pid, grp, kind, system, code)
        SELECT k, p::int4, g::int2, a::"char", nullif(b, ''), c
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi]) AS v(k, p, g, a, b, c)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM sp_token t WHERE t.key = v.k AND t.pid = v.p::int4 AND t.grp = v.g::int2 AND t.kind = v.a::"char"
                AND t.system IS NOT DISTINCT FROM nullif(v.b, '') AND t.code = v.c));
    END IF;
    -- string
    lo := bounds[2]; hi := bounds[3] - 1;
    IF replacing THEN
        DELETE FROM sp_string t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b)
             WHERE v.k = t.key AND v.p::int4 = t.pid AND v.g::int2 = t.grp AND v.a = t.norm AND v.b = t.exact);
    END IF;
    IF hi >= lo THEN
        INSERT INTO sp_string (key, pid, grp, norm, exact)
        SELECT k, p::int4, g::int2, a, b FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM sp_string t WHERE t.key = v.k AND t.pid = v.p::int4 AND t.grp = v.g::int2 AND t.norm = v.a AND t.exact = v.b));
    END IF;
    -- date
    lo := bounds[3]; hi := bounds[4] - 1;
    IF replacing THEN
        DELETE FROM sp_date t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b)
             WHERE v.k = t.key AND v.p::int4 = t.pid AND v.g::int2 = t.grp AND v.a::timestamptz = t.lo AND v.b::timestamptz = t.hi);
    END IF;
    IF hi >= lo THEN
        INSERT INTO sp_date (key, pid, grp, lo, hi)
        SELECT k, p::int4, g::int2, a::timestamptz, b::timestamptz
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM sp_date t WHERE t.key = v.k AND t.pid = v.p::int4 AND t.grp = v.g::int2
                AND t.lo = v.a::timestamptz AND t.hi = v.b::timestamptz));
    END IF;
    -- number
    lo := bounds[4]; hi := bounds[5] - 1;
    IF replacing THEN
        DELETE FROM sp_number t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b)
             WHERE v.k = t.key AND v.p::int4 = t.pid AND v.g::int2 = t.grp AND v.a::numeric = t.lo AND v.b::numeric = t.hi);
    END IF;
    IF hi >= lo THEN
        INSERT INTO sp_number (key, pid, grp, lo, hi)
        SELECT k, p::int4, g::int2, a::numeric, b::numeric
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi]) AS v(k, p, g, a, b)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM sp_number t WHERE t.key = v.k AND t.pid = v.p::int4 AND t.grp = v.g::int2
                AND t.lo = v.a::numeric AND t.hi = v.b::numeric));
    END IF;
    -- quantity
    lo := bounds[5]; hi := bounds[6] - 1;
    IF replacing THEN
        DELETE FROM sp_quantity t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi], c4[lo:hi], c5[lo:hi])
                          AS v(k, p, g, a, b, c, d, e)
             WHERE v.k = t.key AND v.p::int4 = t.pid AND v.g::int2 = t.grp AND nullif(v.a, '') IS NOT DISTINCT FROM t.system
               AND nullif(v.b, '') IS NOT DISTINCT FROM t.code AND nullif(v.c, '') IS NOT DISTINCT FROM t.unit
               AND v.d::numeric = t.lo AND v.e::numeric = t.hi);
    END IF;
    IF hi >= lo THEN
        INSERT INTO sp_quantity (key, pid, grp, system, code, unit, lo, hi)
        SELECT k, p::int4, g::int2, nullif(a, ''), nullif(b, ''), nullif(c, ''), d::numeric, e::numeric
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi], c4[lo:hi], c5[lo:hi])
               AS v(k, p, g, a, b, c, d, e)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM sp_quantity t WHERE t.key = v.k AND t.pid = v.p::int4 AND t.grp = v.g::int2
                AND t.system IS NOT DISTINCT FROM nullif(v.a, '') AND t.code IS NOT DISTINCT FROM nullif(v.b, '')
                AND t.unit IS NOT DISTINCT FROM nullif(v.c, '') AND t.lo = v.d::numeric AND t.hi = v.e::numeric));
    END IF;
    -- reference
    lo := bounds[6]; hi := bounds[7] - 1;
    IF replacing THEN
        DELETE FROM sp_reference t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi]) AS v(k, p, g, a, b, c)
             WHERE v.k = t.key AND v.p::int4 = t.pid AND v.g::int2 = t.grp AND nullif(v.a, '') IS NOT DISTINCT FROM t.target_type
               AND nullif(v.b, '') IS NOT DISTINCT FROM t.target_id AND nullif(v.c, '') IS NOT DISTINCT FROM t.url);
    END IF;
    IF hi >= lo THEN
        INSERT INTO sp_reference (key, pid, grp, target_type, target_id, url)
        SELECT k, p::int4, g::int2, nullif(a, ''), nullif(b, ''), nullif(c, '')
          FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi]) AS v(k, p, g, a, b, c)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM sp_reference t WHERE t.key = v.k AND t.pid = v.p::int4 AND t.grp = v.g::int2
                AND t.target_type IS NOT DISTINCT FROM nullif(v.a, '') AND t.target_id IS NOT DISTINCT FROM nullif(v.b, '')
                AND t.url IS NOT DISTINCT FROM nullif(v.c, '')));
    END IF;
    -- uri
    lo := bounds[7]; hi := bounds[8] - 1;
    IF replacing THEN
        DELETE FROM sp_uri t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi]) AS v(k, p, g, a)
             WHERE v.k = t.key AND v.p::int4 = t.pid AND v.g::int2 = t.grp AND v.a = t.uri);
    END IF;
    IF hi >= lo THEN
        INSERT INTO sp_uri (key, pid, grp, uri)
        SELECT k, p::int4, g::int2, a FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi]) AS v(k, p, g, a)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM sp_uri t WHERE t.key = v.k AND t.pid = v.p::int4 AND t.grp = v.g::int2 AND t.uri = v.a));
    END IF;
    -- blind term
    lo := bounds[8]; hi := bounds[9] - 1;
    IF replacing THEN
        DELETE FROM sp_blind t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi]) AS v(k, p, g, a)
             WHERE v.k = t.key AND v.p::int4 = t.pid AND v.g::int2 = t.grp AND decode(v.a, 'hex') = t.term);
    END IF;
    IF hi >= lo THEN
        INSERT INTO sp_blind (key, pid, grp, term)
        SELECT k, p::int4, g::int2, decode(a, 'hex') FROM unnest(keys[lo:hi], pid[lo:hi], grp[lo:hi], c1[lo:hi]) AS v(k, p, g, a)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM sp_blind t WHERE t.key = v.k AND t.pid = v.p::int4 AND t.grp = v.g::int2 AND t.term = decode(v.a, 'hex')));
    END IF;
    -- Observation timeline
    lo := bounds[9]; hi := bounds[10] - 1;
    IF replacing THEN
        DELETE FROM observation_timeline t WHERE t.key = ANY (replace_keys) AND NOT EXISTS (
            SELECT 1 FROM unnest(keys[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi], c4[lo:hi]) AS v(k, a, b, c, d)
             WHERE v.k = t.key AND v.a = t.subject AND v.b = t.code AND v.c::timestamptz = t.hi AND v.d::timestamptz = t.lo);
    END IF;
    IF hi >= lo THEN
        INSERT INTO observation_timeline (key, subject, code, hi, lo)
        SELECT k, a, b, c::timestamptz, d::timestamptz
          FROM unnest(keys[lo:hi], c1[lo:hi], c2[lo:hi], c3[lo:hi], c4[lo:hi]) AS v(k, a, b, c, d)
         WHERE NOT (replacing AND EXISTS (
             SELECT 1 FROM observation_timeline t WHERE t.key = v.k AND t.subject = v.a AND t.code = v.b
                AND t.hi = v.c::timestamptz AND t.lo = v.d::timestamptz));
    END IF;
    RETURN bounds[10] - 1;
END
$$;
