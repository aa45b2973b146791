-- Webhook sinks of the change feed (`vesta serve --event-sink URL`, issue 9). One row per sink
-- URL, added the first time a server runs with it: where the sink has got to in the change
-- log's reading order (tx, seq, as the feed's cursors), so a restart resumes after the last
-- batch it accepted; a new sink starts at the first change. A server leases the sink while it
-- delivers (leased_by, leased_until), so replicas with the same sinks take turns; a failing
-- sink waits until next_attempt, whichever server tries it then.
CREATE TABLE event_sink (
    url               text        PRIMARY KEY,
    tx                xid8        NOT NULL DEFAULT '0',
    seq               bigint      NOT NULL DEFAULT 0,
    delivered         bigint      NOT NULL DEFAULT 0,
    failed_attempts   bigint      NOT NULL DEFAULT 0,
    attempts          integer     NOT NULL DEFAULT 0,
    failing_since     timestamptz,
    last_error        text,
    last_delivered_at timestamptz,
    next_attempt      timestamptz NOT NULL DEFAULT clock_timestamp(),
    leased_by         uuid,
    leased_until      timestamptz
);
