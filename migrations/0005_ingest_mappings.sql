-- The device and FHIR mappings ingestion runs with (DESIGN §5), as the text that was PUT or
-- loaded from --mappings-dir. Every replica's workers pick up a new version within a second;
-- `version` increases with every change, so a reader knows when to parse again.
CREATE SEQUENCE ingest_mapping_version;

CREATE TABLE ingest_mapping (
    kind       text        PRIMARY KEY CHECK (kind IN ('device', 'fhir')),
    content    text        NOT NULL,
    version    bigint      NOT NULL DEFAULT nextval('ingest_mapping_version'),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What each processed batch produced, for GET /ingest/stats (summed across replicas).
ALTER TABLE ingest_batch
    ADD COLUMN measurements integer,
    ADD COLUMN unmapped     integer,
    ADD COLUMN created      integer,
    ADD COLUMN updated      integer,
    ADD COLUMN unchanged    integer;

-- A batch holds device messages (from POST /ingest) or measurements (dead letters of the
-- identity and observation stages, queued again by POST /ingest/errors/$retry).
ALTER TABLE ingest_batch
    ADD COLUMN content_kind text NOT NULL DEFAULT 'messages' CHECK (content_kind IN ('messages', 'measurements'));
