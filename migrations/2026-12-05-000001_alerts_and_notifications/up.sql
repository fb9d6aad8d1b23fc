-- Alerts and notifications: rule settings with per-job / per-tag overrides, alerts with
-- their timeline, notification channels (secrets encrypted), routes, maintenance
-- windows, the outbox (alert changes queued per route in the same transaction as the
-- change) and the deliveries made from it with every attempt.

-- Global setting per rule kind; a kind without a row uses its built-in default.
CREATE TABLE alert_rules (
    kind        TEXT    PRIMARY KEY,
    enabled     BOOLEAN NOT NULL,
    severity    TEXT    NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    threshold   INTEGER,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE alert_rule_overrides (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    job_id      INTEGER REFERENCES jobs (id) ON DELETE CASCADE,
    tag         TEXT    COLLATE NOCASE,
    enabled     BOOLEAN,
    severity    TEXT    CHECK (severity IN ('critical', 'warning', 'info')),
    threshold   INTEGER,
    created_at  TEXT    NOT NULL,
    CHECK ((job_id IS NULL) <> (tag IS NULL))
);
CREATE UNIQUE INDEX alert_rule_overrides_job ON alert_rule_overrides (kind, job_id) WHERE job_id IS NOT NULL;
CREATE UNIQUE INDEX alert_rule_overrides_tag ON alert_rule_overrides (kind, tag) WHERE tag IS NOT NULL;

-- dedup_key: rule + job / copy / key / compliance rule. At most one open alert per key.
-- occurrence: what the condition is about this time (the failed run, the expected
-- time): an alert resolved by hand does not reopen for the same occurrence.
CREATE TABLE alerts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key          TEXT    NOT NULL,
    rule_kind          TEXT    NOT NULL,
    severity           TEXT    NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    status             TEXT    NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved')),
    job_id             INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    copy_id            INTEGER,
    api_key_id         INTEGER,
    subject            TEXT,
    summary            TEXT    NOT NULL,
    summary_ja         TEXT    NOT NULL,
    evidence           TEXT,
    occurrence         TEXT    NOT NULL,
    fired_at           TEXT    NOT NULL,
    last_occurred_at   TEXT    NOT NULL,
    occurrences        INTEGER NOT NULL DEFAULT 1,
    silenced           BOOLEAN NOT NULL DEFAULT 0,
    acknowledged_by    TEXT,
    acknowledged_at    TEXT,
    acknowledge_note   TEXT,
    resolved_at        TEXT,
    resolved_by        TEXT,
    resolve_note       TEXT,
    escalated_at       TEXT,
    last_notified_at   TEXT
);
CREATE UNIQUE INDEX alerts_open_key ON alerts (dedup_key) WHERE status <> 'resolved';
CREATE INDEX alerts_key ON alerts (dedup_key, id);
CREATE INDEX alerts_status ON alerts (status, severity);
CREATE INDEX alerts_job ON alerts (job_id);

CREATE TABLE alert_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id  INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at        TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    actor     TEXT,
    detail    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

-- settings: the non-secret JSON; secrets: XChaCha20-Poly1305 ciphertext (hex of
-- nonce || ciphertext) of a JSON object, with a key derived from SECRET_KEY.
CREATE TABLE notification_channels (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    kind            TEXT    NOT NULL CHECK (kind IN ('email', 'teams', 'slack', 'webhook')),
    language        TEXT    NOT NULL CHECK (language IN ('ja', 'en')),
    enabled         BOOLEAN NOT NULL DEFAULT 1,
    managed_by_env  BOOLEAN NOT NULL DEFAULT 0,
    settings        TEXT    NOT NULL,
    secrets         TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

-- The match lists and channel lists are JSON arrays (empty: any).
CREATE TABLE notification_routes (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    name                     TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    enabled                  BOOLEAN NOT NULL DEFAULT 1,
    severities               TEXT    NOT NULL,
    rule_kinds               TEXT    NOT NULL,
    tags                     TEXT    NOT NULL,
    job_ids                  TEXT    NOT NULL,
    channel_ids              TEXT    NOT NULL,
    notify_staff             BOOLEAN NOT NULL DEFAULT 0,
    escalate_after_minutes   INTEGER,
    escalation_channel_ids   TEXT    NOT NULL,
    renotify_hours           INTEGER,
    group_wait_seconds       INTEGER NOT NULL,
    group_interval_seconds   INTEGER NOT NULL,
    quiet_hours              TEXT,
    managed_by_env           BOOLEAN NOT NULL DEFAULT 0,
    last_batch_at            TEXT,
    created_at               TEXT    NOT NULL,
    updated_at               TEXT    NOT NULL
);

CREATE TABLE route_subscriptions (
    route_id  INTEGER NOT NULL REFERENCES notification_routes (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (route_id, user_id)
);

ALTER TABLE users ADD COLUMN message_language TEXT NOT NULL DEFAULT 'ja';
ALTER TABLE users ADD COLUMN alert_email_opt_out BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE maintenance_windows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    scope       TEXT    NOT NULL CHECK (scope IN ('all', 'tags', 'jobs')),
    tags        TEXT    NOT NULL,
    job_ids     TEXT    NOT NULL,
    starts_at   TEXT    NOT NULL,
    ends_at     TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    weekly      TEXT,
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX maintenance_windows_ends ON maintenance_windows (ends_at);

-- The outbox: one row per (route, alert change), written in the transaction of the
-- change. The dispatcher turns rows whose group window has passed into deliveries
-- (batched_at set), also in one transaction.
CREATE TABLE notification_queue (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    route_id    INTEGER NOT NULL REFERENCES notification_routes (id) ON DELETE CASCADE,
    alert_id    INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    event       TEXT    NOT NULL CHECK (event IN ('fired', 'resolved', 'reminder', 'escalation')),
    created_at  TEXT    NOT NULL,
    not_before  TEXT    NOT NULL,
    batched_at  TEXT
);
CREATE INDEX notification_queue_waiting ON notification_queue (route_id, id) WHERE batched_at IS NULL;

-- One message to one channel (and, for e-mail, one set of recipients in one language),
-- rendered when it was made, so sending is a pure replay.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id       INTEGER NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    route_id         INTEGER,
    event            TEXT    NOT NULL,
    alert_ids        TEXT    NOT NULL,
    recipients       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    idempotency_key  TEXT    NOT NULL UNIQUE,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    created_at       TEXT    NOT NULL,
    delivered_at     TEXT
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');

CREATE TABLE delivery_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    at           TEXT    NOT NULL,
    ok           BOOLEAN NOT NULL,
    status       TEXT,
    error        TEXT,
    duration_ms  INTEGER NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
