-- Restore tests (the "0" of 3-2-1-1-0) with their evidence files and the per-job
-- requirement, and offline media: inventory, custody records, loans, rotation schemes,
-- and which medium a backup run was written to.

-- A job without a row uses RESTORE_TEST_INTERVAL_DAYS; interval_days = 0: no requirement.
CREATE TABLE restore_requirements (
    job_id              INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    interval_days       INTEGER CHECK (interval_days IS NULL OR interval_days >= 0),
    rto_target_minutes  INTEGER CHECK (rto_target_minutes IS NULL OR rto_target_minutes > 0),
    counting_types      TEXT    NOT NULL DEFAULT '[]',
    updated_at          TEXT    NOT NULL
);

CREATE TABLE restore_tests (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id                INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    copy_id               INTEGER REFERENCES job_copies (id) ON DELETE SET NULL,
    test_type             TEXT    NOT NULL,
    result                TEXT    NOT NULL CHECK (result IN ('passed', 'passed_with_issues', 'failed')),
    started_at            TEXT,
    finished_at           TEXT    NOT NULL,
    tester                TEXT    NOT NULL,
    recorded_via          TEXT    NOT NULL CHECK (recorded_via IN ('user', 'api_key', 'ping')),
    user_id               INTEGER REFERENCES users (id) ON DELETE SET NULL,
    api_key_id            INTEGER REFERENCES api_keys (id) ON DELETE SET NULL,
    target_environment    TEXT    NOT NULL DEFAULT '',
    bytes_restored        BIGINT,
    files_restored        BIGINT,
    rto_achieved_minutes  BIGINT,
    rto_target_minutes    BIGINT,
    issues_found          TEXT    NOT NULL DEFAULT '',
    notes                 TEXT    NOT NULL DEFAULT '',
    created_at            TEXT    NOT NULL
);
CREATE INDEX restore_tests_job ON restore_tests (job_id, finished_at);
CREATE INDEX restore_tests_finished ON restore_tests (finished_at);

-- The file lives under <data dir>/attachments/<storage_name>; sha256 is checked on read.
CREATE TABLE restore_attachments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    restore_test_id  INTEGER NOT NULL REFERENCES restore_tests (id) ON DELETE CASCADE,
    filename         TEXT    NOT NULL,
    content_type     TEXT    NOT NULL,
    size_bytes       BIGINT  NOT NULL,
    sha256           TEXT    NOT NULL,
    storage_name     TEXT    NOT NULL UNIQUE,
    uploaded_by      TEXT    NOT NULL,
    uploaded_at      TEXT    NOT NULL
);
CREATE INDEX restore_attachments_test ON restore_attachments (restore_test_id);

CREATE TABLE media_rotations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    scheme      TEXT    NOT NULL,
    start_date  TEXT    NOT NULL,
    copy_id     INTEGER REFERENCES job_copies (id) ON DELETE SET NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE media (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    label            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    barcode          TEXT    UNIQUE COLLATE NOCASE,
    media_kind       TEXT    NOT NULL,
    lto_generation   INTEGER,
    capacity_bytes   BIGINT,
    serial           TEXT    NOT NULL DEFAULT '',
    purchase_date    TEXT,
    encrypted        BOOLEAN NOT NULL DEFAULT 0,
    retention_until  TEXT,
    state            TEXT    NOT NULL CHECK (state IN ('available', 'in_use', 'stored', 'offsite', 'lent', 'retired', 'destroyed')),
    location         TEXT    NOT NULL DEFAULT '',
    custodian        TEXT    NOT NULL DEFAULT '',
    notes            TEXT    NOT NULL DEFAULT '',
    copy_id          INTEGER REFERENCES job_copies (id) ON DELETE SET NULL,
    rotation_id      INTEGER REFERENCES media_rotations (id) ON DELETE SET NULL,
    rotation_set     TEXT,
    disposed_at      TEXT,
    disposed_by      TEXT,
    disposal_method  TEXT,
    certificate_ref  TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX media_state ON media (state);
CREATE INDEX media_copy ON media (copy_id);

-- Append-only: one row per move (the custody chain).
CREATE TABLE media_custody (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    medium_id       INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    action          TEXT    NOT NULL,
    from_state      TEXT,
    to_state        TEXT    NOT NULL,
    from_location   TEXT    NOT NULL,
    to_location     TEXT    NOT NULL,
    from_custodian  TEXT    NOT NULL,
    to_custodian    TEXT    NOT NULL,
    handed_over_by  TEXT    NOT NULL DEFAULT '',
    received_by     TEXT    NOT NULL DEFAULT '',
    recorded_by     TEXT    NOT NULL,
    occurred_at     TEXT    NOT NULL,
    note            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX media_custody_medium ON media_custody (medium_id, id);

CREATE TABLE media_loans (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    medium_id         INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    borrower          TEXT    NOT NULL,
    purpose           TEXT    NOT NULL DEFAULT '',
    lent_from         TEXT    NOT NULL,
    lent_at           TEXT    NOT NULL,
    expected_return   TEXT    NOT NULL,
    returned_at       TEXT,
    return_condition  TEXT,
    lent_by           TEXT    NOT NULL,
    returned_by       TEXT
);
CREATE UNIQUE INDEX media_loans_open ON media_loans (medium_id) WHERE returned_at IS NULL;

-- Which medium a run was written to, and why that write was questionable (lent,
-- retired, under retention), for the "unsafe medium" alert.
ALTER TABLE executions ADD COLUMN medium_id INTEGER REFERENCES media (id) ON DELETE SET NULL;
ALTER TABLE executions ADD COLUMN medium_warning TEXT;
CREATE INDEX executions_medium ON executions (medium_id) WHERE medium_id IS NOT NULL;
