-- Search index (DESIGN §4). Every value a resource has for a declared search parameter is one
-- row in the table of its parameter type, keyed by the resource's internal key (unique across
-- all types, from resource_key_seq). `pid` identifies (resource type, parameter): a 32-bit
-- FNV-1a hash of "Type.code" (composite components: "Type.code#n"), checked collision-free
-- when the server loads the definitions. `grp` ties the components of one composite value
-- together (0 for plain parameters). The rows are replaced in the statement that writes the
-- resource, so the index is never behind the resource.

-- kind: 't' a token, 'x' its display text (`:text`, code holds the normalized text),
-- 'o' an identifier by type (`:of-type`, system holds typeSystem|typeCode),
-- 'i' a Reference.identifier (`:identifier` on a reference parameter).
CREATE TABLE sp_token (
    pid    integer  NOT NULL,
    key    bigint   NOT NULL,
    grp    smallint NOT NULL DEFAULT 0,
    kind   "char"   NOT NULL,
    system text,
    code   text     NOT NULL
);
CREATE INDEX sp_token_value ON sp_token (pid, code, system);
CREATE INDEX sp_token_text ON sp_token (pid, code text_pattern_ops) WHERE kind = 'x';
CREATE INDEX sp_token_key ON sp_token (key, pid);

-- norm: case folded, accents removed (starts-with and :contains); exact: as written.
CREATE TABLE sp_string (
    pid   integer  NOT NULL,
    key   bigint   NOT NULL,
    grp   smallint NOT NULL DEFAULT 0,
    norm  text     NOT NULL,
    exact text     NOT NULL
);
CREATE INDEX sp_string_value ON sp_string (pid, norm text_pattern_ops);
CREATE INDEX sp_string_key ON sp_string (key, pid);

-- [lo, hi): the span the value denotes at its precision; unbounded sides are ±infinity.
CREATE TABLE sp_date (
    pid integer     NOT NULL,
    key bigint      NOT NULL,
    grp smallint    NOT NULL DEFAULT 0,
    lo  timestamptz NOT NULL,
    hi  timestamptz NOT NULL
);
CREATE INDEX sp_date_lo ON sp_date (pid, lo);
CREATE INDEX sp_date_hi ON sp_date (pid, hi);
CREATE INDEX sp_date_key ON sp_date (key, pid);

-- [lo, hi] inclusive: lo = hi = the exact value for a number, the bounds for a range.
CREATE TABLE sp_number (
    pid integer  NOT NULL,
    key bigint   NOT NULL,
    grp smallint NOT NULL DEFAULT 0,
    lo  numeric  NOT NULL,
    hi  numeric  NOT NULL
);
CREATE INDEX sp_number_value ON sp_number (pid, lo);
CREATE INDEX sp_number_key ON sp_number (key, pid);

CREATE TABLE sp_quantity (
    pid    integer  NOT NULL,
    key    bigint   NOT NULL,
    grp    smallint NOT NULL DEFAULT 0,
    system text,
    code   text,
    unit   text,
    lo     numeric  NOT NULL,
    hi     numeric  NOT NULL
);
CREATE INDEX sp_quantity_value ON sp_quantity (pid, code, lo);
CREATE INDEX sp_quantity_key ON sp_quantity (key, pid);

-- A reference: target type and id when it names one (relative, or a URL ending in Type/id),
-- url when written as an absolute URL, URN or canonical.
CREATE TABLE sp_reference (
    pid         integer  NOT NULL,
    key         bigint   NOT NULL,
    grp         smallint NOT NULL DEFAULT 0,
    target_type text,
    target_id   text,
    url         text
);
CREATE INDEX sp_reference_target ON sp_reference (pid, target_id, target_type);
CREATE INDEX sp_reference_url ON sp_reference (pid, url) WHERE url IS NOT NULL;
CREATE INDEX sp_reference_key ON sp_reference (key, pid);

CREATE TABLE sp_uri (
    pid integer  NOT NULL,
    key bigint   NOT NULL,
    grp smallint NOT NULL DEFAULT 0,
    uri text     NOT NULL
);
CREATE INDEX sp_uri_value ON sp_uri (pid, uri text_pattern_ops);
CREATE INDEX sp_uri_key ON sp_uri (key, pid);

-- The remote-monitoring hot path: one row per (subject, coding) of each current Observation,
-- so "patient P, code C, date range, newest first" is one ordered range scan of
-- observation_timeline_order. subject is the relative reference (`Patient/p1`), code
-- `system|code`; hi and lo bound `effective` (hi exclusive), both -infinity when the
-- Observation has no effective time.
CREATE TABLE observation_timeline (
    subject text        NOT NULL,
    code    text        NOT NULL,
    hi      timestamptz NOT NULL,
    lo      timestamptz NOT NULL,
    key     bigint      NOT NULL
);
-- Not unique: a rewrite deletes a resource's old rows and inserts its new ones in one
-- statement, whose parts may run in either order.
CREATE INDEX observation_timeline_order ON observation_timeline (subject, code, hi, key);
CREATE INDEX observation_timeline_key ON observation_timeline (key);

-- Search orders by last_updated and pages by key on every type.
CREATE FUNCTION vesta_index_resource_table(type_name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE INDEX %I ON %I (last_updated, key)', 'r_' || lower(type_name) || '_last_updated', 'r_' || lower(type_name));
END
$$;
SELECT vesta_index_resource_table(substr(tablename, 3)) FROM pg_tables
 WHERE schemaname = current_schema() AND tablename LIKE 'r\_%';
DROP FUNCTION vesta_index_resource_table(text);
