-- Device credentials for POST /ingest (DESIGN §6, issue 10). A device key is
-- `vdk_<key_id>_<secret>`: key_id is public and finds the row, the secret is 32 random bytes
-- of which only the SHA-256 is stored (a fast hash suffices for a random secret; nothing here
-- lets anyone rebuild a key). device_id is the Device's identifier value as ingestion sees it
-- (what the device mapping's deviceIdExpression yields). A revoked key keeps its row, so
-- `vesta devices list-keys` shows when it was revoked.
CREATE TABLE device_key (
    key_id      text        PRIMARY KEY,
    device_id   text        NOT NULL,
    secret_hash bytea       NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX device_key_device ON device_key (device_id);

-- Only the owner reads the hashes. Where the server connects as a role of its own, grant it
-- SELECT on device_key (authentication) and issue and revoke keys as the owner.
REVOKE ALL ON device_key FROM PUBLIC;

-- The device a batch was posted by, when a device key authenticated the POST (sealed like
-- the messages): the worker refuses that batch's measurements for any other device. NULL for
-- token callers, or with authentication off. Dead letters of such a batch keep it, so a retry
-- is checked against the same device.
ALTER TABLE ingest_batch ADD COLUMN device_id text;
ALTER TABLE ingest_dead_letter ADD COLUMN device_id text;

-- A measurement refused because its device is not the one that posted it.
ALTER TABLE ingest_dead_letter DROP CONSTRAINT ingest_dead_letter_stage_check;
ALTER TABLE ingest_dead_letter ADD CONSTRAINT ingest_dead_letter_stage_check
    CHECK (stage IN ('normalize', 'authorization', 'identity', 'observation'));
