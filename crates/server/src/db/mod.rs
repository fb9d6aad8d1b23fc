//! The storage seam. SQLite access: the r2d2 pool with per-connection settings, the
//! embedded migrations, `run_db` (the one way handlers reach the database without blocking
//! the executor), the `DbConn` alias every query function takes, `write_transaction` (the
//! one way to open a write transaction), and the helpers every list query shares
//! (`pagination`, `search`). Backend-specific SQL lives in this folder and nowhere else,
//! so a second backend ports a bounded set (see docs/ARCHITECTURE.md).

pub mod maintenance;
pub mod pagination;
pub mod schema;
pub mod search;

use std::path::Path;
use std::time::Duration;

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::ApiError;

/// Every migration in `migrations/` at the repository root, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// The connection every query function takes: the one place that names the backend.
pub type DbConn = SqliteConnection;

/// The connection pool.
pub type DbPool = Pool<ConnectionManager<DbConn>>;

/// Runs `work` in a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken at the start, so two writers queue (busy_timeout) instead of one failing with
/// SQLITE_BUSY when it upgrades from read to write halfway through.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.immediate_transaction(work)
}

/// Result of a migration command.
pub type MigrationResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Applies the settings every connection needs, each time the pool opens one.
#[derive(Debug, Clone, Copy)]
struct SqliteSettings;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqliteSettings {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // WAL lets readers proceed while one writer commits.
        // synchronous=FULL: in WAL mode every commit fsyncs the log, so a result we
        // acknowledge with 2xx survives a power cut, not only a process crash (NORMAL
        // would only guarantee the latter). Throughput is recovered by grouping
        // concurrent writes into one transaction, not by weakening this.
        // busy_timeout: writers queue for the lock instead of failing with SQLITE_BUSY.
        // busy_timeout comes first so that the other pragmas (journal_mode needs a lock on
        // a new file) wait instead of failing when the pool opens connections in parallel.
        // mmap_size and cache_size: reads are served from a memory map and a 16 MiB page
        // cache per connection instead of one pread per page, which under concurrent
        // dashboard and list traffic was most of the CPU time (see docs/BENCHMARKS.md).
        conn.batch_execute(
            "PRAGMA busy_timeout = 10000;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA mmap_size = 268435456;
             PRAGMA cache_size = -16384;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens the pool on a database file, creating its directory and the file if needed.
pub fn connect(database_path: &Path) -> Result<DbPool, Box<dyn std::error::Error + Send + Sync>> {
    if let Some(parent) = database_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let manager = ConnectionManager::<SqliteConnection>::new(database_path.to_string_lossy());
    let pool = Pool::builder()
        .max_size(8)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqliteSettings))
        .build(manager)?;
    Ok(pool)
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending_migrations(conn: &mut SqliteConnection) -> MigrationResult<Vec<String>> {
    let applied = conn.run_pending_migrations(MIGRATIONS)?;
    Ok(applied.into_iter().map(|version| version.to_string()).collect())
}

/// Reverts the last `count` applied migrations; returns the versions reverted.
pub fn revert_migrations(conn: &mut SqliteConnection, count: usize) -> MigrationResult<Vec<String>> {
    let mut reverted = Vec::new();
    for _ in 0..count {
        if conn.applied_migrations()?.is_empty() {
            break;
        }
        reverted.push(conn.revert_last_migration(MIGRATIONS)?.to_string());
    }
    Ok(reverted)
}

/// Versions of the embedded migrations not applied to this database, oldest first.
pub fn pending_migration_versions(conn: &mut SqliteConnection) -> MigrationResult<Vec<String>> {
    Ok(conn.pending_migrations(MIGRATIONS)?.iter().map(|migration| migration.name().version().to_string()).collect())
}

/// Number of migrations applied to this database.
pub fn applied_migration_count(conn: &mut SqliteConnection) -> MigrationResult<usize> {
    Ok(conn.applied_migrations()?.len())
}

/// Number of embedded migrations not applied to this database.
pub fn pending_migration_count(conn: &mut SqliteConnection) -> MigrationResult<usize> {
    Ok(conn.pending_migrations(MIGRATIONS)?.len())
}

/// Runs blocking diesel work on actix's blocking thread pool, taking a pooled connection
/// there too, so that neither the query nor the wait for a connection blocks the executor.
pub async fn run_db<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::*;

    #[derive(QueryableByName)]
    struct TableName {
        #[diesel(sql_type = Text)]
        name: String,
    }

    fn tables(conn: &mut SqliteConnection) -> Vec<String> {
        let rows: Vec<TableName> = diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name != '__diesel_schema_migrations' ORDER BY name",
        )
        .load(conn)
        .expect("list tables");
        rows.into_iter().map(|row| row.name).collect()
    }

    #[test]
    fn every_migration_runs_up_down_and_up_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = connect(&dir.path().join("m.db")).expect("pool");
        let mut conn = pool.get().expect("connection");
        let applied = run_pending_migrations(&mut conn).expect("up");
        assert!(!applied.is_empty());
        let after_up = tables(&mut conn);
        assert!(after_up.contains(&"users".to_owned()) && after_up.contains(&"audit_log".to_owned()), "{after_up:?}");
        assert_eq!(pending_migration_count(&mut conn).expect("pending"), 0);

        let reverted = revert_migrations(&mut conn, applied.len()).expect("down");
        assert_eq!(reverted.len(), applied.len());
        assert!(tables(&mut conn).is_empty(), "down.sql must drop everything up.sql created");
        assert_eq!(pending_migration_count(&mut conn).expect("pending"), applied.len());

        run_pending_migrations(&mut conn).expect("up again");
        assert_eq!(tables(&mut conn), after_up);
    }

    #[test]
    fn connections_are_configured_for_durability_and_integrity() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = connect(&dir.path().join("p.db")).expect("pool");
        let mut conn = pool.get().expect("connection");
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = Text)]
            value: String,
        }
        let read = |conn: &mut SqliteConnection, pragma: &str| -> String {
            let rows: Vec<Setting> =
                diesel::sql_query(format!("SELECT CAST(({pragma}) AS TEXT) AS value")).load(conn).expect("pragma");
            rows.into_iter().next().map(|row| row.value).unwrap_or_default()
        };
        assert_eq!(read(&mut conn, "SELECT journal_mode FROM pragma_journal_mode"), "wal");
        assert_eq!(read(&mut conn, "SELECT synchronous FROM pragma_synchronous"), "2");
        assert_eq!(read(&mut conn, "SELECT foreign_keys FROM pragma_foreign_keys"), "1");
        assert_eq!(read(&mut conn, "SELECT timeout FROM pragma_busy_timeout"), "10000");
    }
}
