-- Backup tracking: jobs and their expectations, copies, executions (ingested results and
-- ping events), derived job status with its state-change history, daily compliance
-- history, daily execution counters for the dashboard, and API-key job restrictions.

CREATE TABLE jobs (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    name                  TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    description           TEXT    NOT NULL DEFAULT '',
    job_type              TEXT    NOT NULL CHECK (job_type IN ('system_image', 'file', 'database', 'vm', 'application')),
    backup_tool           TEXT    NOT NULL CHECK (backup_tool IN ('veeam', 'wsb', 'aomei', 'restic', 'borg', 'rsync', 'robocopy', 'custom')),
    target_server         TEXT    NOT NULL DEFAULT '',
    target_path           TEXT    NOT NULL DEFAULT '',
    owner                 TEXT    NOT NULL DEFAULT '',
    is_active             BOOLEAN NOT NULL DEFAULT 1,
    retention_days        INTEGER,
    external_ref          TEXT,
    cron_expression       TEXT,              -- NULL: manual (no expectation)
    timezone              TEXT    NOT NULL,
    grace_minutes         INTEGER NOT NULL,
    max_duration_minutes  INTEGER,
    min_copies            INTEGER,           -- per-job compliance overrides (NULL: global)
    min_media_types       INTEGER,
    min_offsite           INTEGER,
    min_offline           INTEGER,
    ping_token            TEXT    NOT NULL UNIQUE,
    -- Facts about the latest runs, maintained by the ingest writer in the same
    -- transaction as the execution rows, so evaluating a job never scans its history.
    last_run_id           INTEGER,
    last_run_result       TEXT,
    last_run_started_at   TEXT,
    last_run_at           TEXT,
    last_success_at       TEXT,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
);
CREATE UNIQUE INDEX jobs_external_ref ON jobs (external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX jobs_backup_tool ON jobs (backup_tool);

CREATE TABLE job_tags (
    job_id  INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL COLLATE NOCASE,
    PRIMARY KEY (job_id, tag)
);
CREATE INDEX job_tags_tag ON job_tags (tag);

CREATE TABLE job_copies (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id           INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    copy_type        TEXT    NOT NULL CHECK (copy_type IN ('primary', 'secondary', 'offsite', 'offline')),
    media_type       TEXT    NOT NULL CHECK (media_type IN ('disk', 'nas', 'tape', 'cloud', 'external_hdd', 'usb', 'optical')),
    location         TEXT    NOT NULL DEFAULT '',
    storage_path     TEXT    NOT NULL DEFAULT '',
    is_offsite       BOOLEAN NOT NULL DEFAULT 0,
    is_offline       BOOLEAN NOT NULL DEFAULT 0,
    is_immutable     BOOLEAN NOT NULL DEFAULT 0,
    is_encrypted     BOOLEAN NOT NULL DEFAULT 0,
    freshness_hours  INTEGER,              -- NULL: derived from the job schedule
    -- Latest runs written to this copy (maintained by the ingest writer).
    last_success_id  INTEGER,
    last_success_at  TEXT,
    last_run_id      INTEGER,
    last_run_at      TEXT,
    last_run_failed  BOOLEAN,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX job_copies_job_id ON job_copies (job_id);

-- result: success | warning | failed (a finished run), running (a start ping not yet
-- finished), log (a /log ping: recorded, no effect on state).
CREATE TABLE executions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    copy_id         INTEGER REFERENCES job_copies (id) ON DELETE SET NULL,
    result          TEXT    NOT NULL CHECK (result IN ('success', 'warning', 'failed', 'running', 'log')),
    started_at      TEXT,
    finished_at     TEXT,
    size_bytes      INTEGER,
    file_count      INTEGER,
    error_message   TEXT,
    tool_version    TEXT,
    source          TEXT    NOT NULL CHECK (source IN ('api', 'ping', 'veeam', 'manual')),
    external_id     TEXT,
    run_id          TEXT,
    log             TEXT,
    api_key_id      INTEGER,
    user_id         INTEGER,
    received_at     TEXT    NOT NULL
);
CREATE UNIQUE INDEX executions_external_id ON executions (job_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX executions_job ON executions (job_id);
-- Covers the last-24-hours count by result without touching the table.
CREATE INDEX executions_finished ON executions (finished_at, result);
CREATE INDEX executions_open_runs ON executions (job_id, run_id) WHERE result = 'running';

-- The latest derived state and compliance verdict per job.
CREATE TABLE job_status (
    job_id             INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    state              TEXT    NOT NULL,
    state_since        TEXT    NOT NULL,
    next_expected_at   TEXT,
    last_result        TEXT,
    last_run_at        TEXT,
    last_success_at    TEXT,
    compliance_status  TEXT    NOT NULL,
    compliance         TEXT    NOT NULL,   -- the rules with their evidence, JSON
    evaluated_at       TEXT    NOT NULL
);
-- Covers the dashboard's counts by state and compliance without reading the rows.
CREATE INDEX job_status_state_compliance ON job_status (state, compliance_status);
CREATE INDEX job_status_compliance ON job_status (compliance_status);

-- Every state change ("flip"), for alerting and history.
CREATE TABLE job_state_flips (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    from_state  TEXT,
    to_state    TEXT    NOT NULL,
    flipped_at  TEXT    NOT NULL
);
CREATE INDEX job_state_flips_job ON job_state_flips (job_id, flipped_at);

-- One row per job per day (the day's latest verdict), never one per check.
CREATE TABLE compliance_daily (
    job_id   INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    day      TEXT    NOT NULL,   -- YYYY-MM-DD in DEFAULT_TIMEZONE
    status   TEXT    NOT NULL,
    PRIMARY KEY (job_id, day)
);
CREATE INDEX compliance_daily_day ON compliance_daily (day);

-- Finished runs per day and result, maintained at ingest so dashboard rates never scan
-- the executions table.
CREATE TABLE execution_daily_counts (
    day     TEXT    NOT NULL,   -- YYYY-MM-DD in DEFAULT_TIMEZONE
    result  TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (day, result)
);

-- The same per UTC hour ("YYYY-MM-DD HH"), for the last-24-hours tile.
CREATE TABLE execution_hourly_counts (
    hour    TEXT    NOT NULL,
    result  TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (hour, result)
);

-- An ingest key restricted to jobs may report only for them (no rows: any job).
CREATE TABLE api_key_jobs (
    api_key_id  INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    PRIMARY KEY (api_key_id, job_id)
);
