-- The head of the audit hash chain, kept in an explicit row instead of being read from
-- SQLite's sqlite_sequence: the id and hash of the newest entry ever appended. A deleted
-- tail (ids above the newest remaining row) is detected against it, on any backend.
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);

INSERT INTO audit_chain_head (id, last_id, last_hash)
SELECT 1,
       COALESCE(MAX(id), 0),
       COALESCE((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1),
                '0000000000000000000000000000000000000000000000000000000000000000')
FROM audit_log;

-- The scheduler's tasks: when each runs next and how its last run went (persisted, so a
-- run missed while bms was stopped is caught up once at the next start).
CREATE TABLE scheduler_tasks (
    name TEXT PRIMARY KEY NOT NULL,
    next_run_at TEXT NOT NULL,
    last_started_at TEXT,
    last_finished_at TEXT,
    last_duration_ms BIGINT,
    last_outcome TEXT CHECK (last_outcome IN ('success', 'failure')),
    last_error TEXT,
    runs BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0
);

-- Exactly one process runs the tasks: the holder of this row until `expires_at`, renewed
-- while it lives and taken over by another process once it has expired.
CREATE TABLE scheduler_lease (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
