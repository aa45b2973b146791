-- The ordered log of every committed write (create, update, delete) across all resource types.
-- History at every level, and later subscriptions, the event feed and audit, read it.
-- `tx` lets consumers read only below the transaction-visibility watermark, so a late commit
-- with a smaller `seq` is never skipped.
CREATE SEQUENCE resource_key_seq;

CREATE TABLE change_log (
    seq           bigserial   PRIMARY KEY,
    tx            xid8        NOT NULL DEFAULT pg_current_xact_id(),
    resource_type text        NOT NULL,
    id            text        NOT NULL,
    version       integer     NOT NULL,
    operation     "char"      NOT NULL CHECK (operation IN ('C', 'U', 'D')),
    recorded_at   timestamptz NOT NULL
);

CREATE INDEX change_log_by_resource ON change_log (resource_type, id, seq);
CREATE INDEX change_log_by_type ON change_log (resource_type, seq);
CREATE INDEX change_log_by_time ON change_log (recorded_at);
