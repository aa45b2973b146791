-- Device ingestion (DESIGN §5). Every accepted POST /ingest is one batch row, committed before
-- the 202 is sent. `messages` is the JSON array of message envelopes as text, so numbers keep
-- the exact lexemes the device sent. Workers claim pending batches with FOR UPDATE SKIP LOCKED
-- and a lease, so a worker that dies mid-batch leaves it to be claimed again after the lease.
CREATE TABLE ingest_batch (
    id            bigserial   PRIMARY KEY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    messages      text        NOT NULL,
    message_count integer     NOT NULL,
    state         text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    lease_until   timestamptz,
    attempts      integer     NOT NULL DEFAULT 0,
    processed_at  timestamptz
);

CREATE INDEX ingest_batch_pending ON ingest_batch (id) WHERE state = 'pending';

-- Messages that could not be turned into Observations, with the stage and reason; they never
-- block the pipeline.
CREATE TABLE ingest_dead_letter (
    id            bigserial   PRIMARY KEY,
    batch_id      bigint      NOT NULL REFERENCES ingest_batch (id),
    stage         text        NOT NULL CHECK (stage IN ('normalize', 'identity', 'observation')),
    reason        text        NOT NULL,
    type_name     text,
    message       text,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
