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
