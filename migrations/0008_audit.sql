-- Audit log (DESIGN §6, issue 8). AuditEvent resources live in r_auditevent like any type, so
-- they are read and searched through the same machinery, but the table is append-only:
-- triggers reject UPDATE, DELETE and TRUNCATE for every role (the owner included; only
-- disabling the triggers, which the hash chain then exposes, gets past them). `tx` orders
-- records for the chain: the chainer takes records of finished transactions only, so a record
-- that commits late is never skipped.
ALTER TABLE r_auditevent ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX r_auditevent_tx ON r_auditevent (tx, key);

-- The hash chain: one row per audit record in chain order. hash = SHA-256(previous hash ‖
-- record key ‖ record body as stored); through_tx is the transaction watermark the chainer had
-- reached when it appended the row (records of older transactions are all in the chain).
CREATE TABLE audit_chain (
    position   bigint      PRIMARY KEY,
    key        bigint      NOT NULL UNIQUE,
    through_tx xid8        NOT NULL,
    previous   bytea       NOT NULL,
    hash       bytea       NOT NULL,
    chained_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION vesta_reject_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A record's tx is always its own transaction's, so nobody can slip a record in among chained
-- ones by backdating it without also disabling the triggers.
CREATE FUNCTION vesta_stamp_audit_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tx := pg_current_xact_id();
    RETURN NEW;
END
$$;
CREATE TRIGGER stamp_transaction BEFORE INSERT ON r_auditevent
    FOR EACH ROW EXECUTE FUNCTION vesta_stamp_audit_transaction();

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON r_auditevent
    FOR EACH ROW EXECUTE FUNCTION vesta_reject_audit_change();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON r_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION vesta_reject_audit_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION vesta_reject_audit_change();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION vesta_reject_audit_change();
-- AuditEvent history never receives rows (records are never superseded).
CREATE TRIGGER append_only BEFORE INSERT OR UPDATE OR DELETE ON h_auditevent
    FOR EACH ROW EXECUTE FUNCTION vesta_reject_audit_change();

-- Where the server connects as a role of its own (not the owner), grants say the same.
REVOKE UPDATE, DELETE, TRUNCATE ON r_auditevent, audit_chain, h_auditevent FROM PUBLIC;
