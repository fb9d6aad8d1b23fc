-- Foundation: user accounts, login sessions with rotating refresh tokens, API keys and
-- the hash-chained audit log. Timestamps are RFC 3339 UTC text written by diesel/chrono.

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    username              TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    email                 TEXT    NOT NULL,
    full_name             TEXT    NOT NULL DEFAULT '',
    department            TEXT    NOT NULL DEFAULT '',
    role                  TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer', 'auditor')),
    password_hash         TEXT    NOT NULL,
    is_active             BOOLEAN NOT NULL DEFAULT 1,
    must_change_password  BOOLEAN NOT NULL DEFAULT 0,
    failed_login_count    INTEGER NOT NULL DEFAULT 0,
    locked_until          TEXT,
    last_login_at         TEXT,
    password_changed_at   TEXT    NOT NULL,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
);

-- One row per login. Refresh tokens rotate inside a session; reuse of a rotated token
-- revokes the session. Idle timeout is measured from last_seen_at.
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,
    revoked_at      TEXT,
    revoked_reason  TEXT,
    client_ip       TEXT,
    user_agent      TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    rotated_at   TEXT
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    key_hash      TEXT    NOT NULL UNIQUE,
    scopes        TEXT    NOT NULL,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    TEXT    NOT NULL,
    expires_at    TEXT,
    last_used_at  TEXT,
    revoked_at    TEXT
);

-- Append-only. hash = SHA-256(prev_hash || canonical JSON of the row's content); the
-- first row's prev_hash is 64 zeros. `bms audit verify` walks the chain in id order.
CREATE TABLE audit_log (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at       TEXT    NOT NULL,
    actor_kind        TEXT    NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system', 'anonymous')),
    actor_user_id     INTEGER,
    actor_api_key_id  INTEGER,
    actor_name        TEXT,
    client_ip         TEXT,
    action            TEXT    NOT NULL,
    resource_type     TEXT,
    resource_id       TEXT,
    outcome           TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),
    details           TEXT    NOT NULL DEFAULT '{}',
    prev_hash         TEXT    NOT NULL,
    hash              TEXT    NOT NULL
);
CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at);
CREATE INDEX audit_log_action ON audit_log (action);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id);
CREATE INDEX audit_log_actor_user ON audit_log (actor_user_id);
