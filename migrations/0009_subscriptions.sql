-- Subscriptions and the change feed (issue 9, DESIGN §4). The change log is the transactional
-- outbox: every write appends to it in its own transaction, so nothing committed can be missed.
-- Its readers take rows of finished transactions only (tx below the snapshot's xmin) in
-- (tx, seq) order, so a transaction that commits late is read after the ones before it instead
-- of being skipped.
CREATE INDEX change_log_by_tx ON change_log (tx, seq);

-- Where the subscription matcher has read the change log to. One row; replicas take turns
-- matching under its row lock.
CREATE TABLE subscription_matcher (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    tx        xid8    NOT NULL,
    seq       bigint  NOT NULL
);
INSERT INTO subscription_matcher (tx, seq) VALUES ('0', 0);

-- One row per change that matched a subscription, numbered 1, 2, 3… per subscription: the
-- number is the event id subscribers de-duplicate on, and what a replay starts from.
CREATE TABLE subscription_event (
    subscription_id text        NOT NULL,
    number          bigint      NOT NULL,
    resource_type   text        NOT NULL,
    id              text        NOT NULL,
    version         integer     NOT NULL,
    committed_at    timestamptz NOT NULL,
    matched_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (subscription_id, number)
);

-- Delivery state per subscription: events 1…delivered were accepted by the endpoint (or sent
-- to every bound websocket); matched is the newest event number. A dispatcher leases a
-- subscription while it delivers, so one subscription's events go out one at a time, in order.
CREATE TABLE subscription_delivery (
    subscription_id   text        PRIMARY KEY,
    matched           bigint      NOT NULL DEFAULT 0,
    delivered         bigint      NOT NULL DEFAULT 0,
    failed_attempts   bigint      NOT NULL DEFAULT 0,
    attempts          integer     NOT NULL DEFAULT 0,
    failing_since     timestamptz,
    next_attempt      timestamptz NOT NULL DEFAULT clock_timestamp(),
    leased_until      timestamptz,
    last_error        text,
    last_delivered_at timestamptz
);
CREATE INDEX subscription_delivery_due ON subscription_delivery (next_attempt) WHERE delivered < matched;
