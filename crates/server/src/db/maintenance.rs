//! Database operations for administrators: online backup (`VACUUM INTO`, verified after
//! writing), integrity check, restore (refused while a server holds the database; keeps the
//! replaced file), the automatic backup before migrations, and the lock file that tells a
//! running server from a stopped one.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;

/// What can go wrong in a maintenance operation, with the words an operator needs.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    /// Another bms process holds the database.
    #[error("the database {0} is in use by a running bms (lock file {0}.lock is held); stop the service first")]
    InUse(PathBuf),
    /// The file to read does not exist.
    #[error("{0} does not exist")]
    Missing(PathBuf),
    /// The file to write already exists.
    #[error("{0} already exists; choose another file name (backups are never overwritten)")]
    Exists(PathBuf),
    /// The integrity check found problems.
    #[error("{path} failed the integrity check: {problems}")]
    Corrupt {
        /// The file checked.
        path: PathBuf,
        /// What SQLite reported.
        problems: String,
    },
    /// The file is an SQLite database but not a bms one.
    #[error("{0} is not a bms database (no migration table)")]
    NotBms(PathBuf),
    /// The configured database is the old Flask system's, which bms must not migrate over.
    #[error(
        "{0} is the old Backup Management System's (Flask) database, not a bms one; bms does not \
         change it. Move it aside (e.g. `mv backup_mgmt.db backup_mgmt.flask.db`) so bms creates a new \
         database there, or set DATABASE_PATH to another file"
    )]
    LegacyDatabase(PathBuf),
    /// The configured database belongs to some other program.
    #[error("{0} holds tables but is not a bms database; refusing to use it (set DATABASE_PATH to a new file)")]
    ForeignDatabase(PathBuf),
    /// SQLite refused.
    #[error("database error on {path}: {source}")]
    Database {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The file system refused.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: io::Error,
    },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(io::Error) -> MaintenanceError {
    let context = context.into();
    move |source| MaintenanceError::Io { context, source }
}

fn db_error(path: &Path) -> impl FnOnce(diesel::result::Error) -> MaintenanceError + '_ {
    move |source| MaintenanceError::Database { path: path.to_path_buf(), source: Box::new(source) }
}

/// Held for as long as a process owns the database (the server, a restore, a migration).
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
    path: PathBuf,
}

impl DatabaseLock {
    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes the exclusive lock on `<database>.lock` (restore, migrate: nothing else may use
/// the database), or says the database is in use. The operating system releases it when
/// the process ends, however it ends.
pub fn lock_database(database_path: &Path) -> Result<DatabaseLock, MaintenanceError> {
    take_lock(database_path, false)
}

/// Takes a shared lock on `<database>.lock`: several `bms serve` processes may share one
/// database (one of them runs the scheduled tasks, by the lease), while `restore` and
/// `migrate`, which need it exclusively, are refused.
pub fn lock_database_shared(database_path: &Path) -> Result<DatabaseLock, MaintenanceError> {
    take_lock(database_path, true)
}

fn take_lock(database_path: &Path, shared: bool) -> Result<DatabaseLock, MaintenanceError> {
    if let Some(parent) = database_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error(format!("cannot create {}", parent.display())))?;
    }
    let path = lock_path(database_path);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error(format!("cannot open the lock file {}", path.display())))?;
    let taken = if shared { file.try_lock_shared() } else { file.try_lock() };
    match taken {
        Ok(()) => Ok(DatabaseLock { _file: file, path }),
        Err(fs::TryLockError::WouldBlock) => Err(MaintenanceError::InUse(database_path.to_path_buf())),
        Err(fs::TryLockError::Error(source)) => {
            Err(MaintenanceError::Io { context: format!("cannot lock {}", path.display()), source })
        }
    }
}

/// `<database>.lock`.
pub fn lock_path(database_path: &Path) -> PathBuf {
    with_suffix(database_path, ".lock")
}

/// `path` with `suffix` appended to its file name (`bms.db` + `-wal` = `bms.db-wal`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn open_existing(path: &Path) -> Result<SqliteConnection, MaintenanceError> {
    if !path.is_file() {
        return Err(MaintenanceError::Missing(path.to_path_buf()));
    }
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|source| MaintenanceError::Database { path: path.to_path_buf(), source: Box::new(source) })?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;").map_err(db_error(path))?;
    Ok(conn)
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// What `check` found. Row counts are `None` for tables an older schema lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Applied migrations.
    pub migrations: i64,
    /// Rows in the main tables, for a human to compare.
    pub jobs: Option<i64>,
    /// Stored results.
    pub executions: Option<i64>,
    /// Users.
    pub users: Option<i64>,
    /// File size in bytes.
    pub size_bytes: u64,
}

fn table_exists(conn: &mut SqliteConnection, path: &Path, table: &str) -> Result<bool, MaintenanceError> {
    diesel::sql_query("SELECT COUNT(*) AS count FROM sqlite_master WHERE type = 'table' AND name = ?")
        .bind::<Text, _>(table)
        .get_result::<CountRow>(conn)
        .map(|row| row.count > 0)
        .map_err(db_error(path))
}

fn count(conn: &mut SqliteConnection, path: &Path, table: &str) -> Result<Option<i64>, MaintenanceError> {
    if !table_exists(conn, path, table)? {
        return Ok(None);
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS count FROM {table}"))
        .get_result::<CountRow>(conn)
        .map(|row| Some(row.count))
        .map_err(db_error(path))
}

/// `PRAGMA integrity_check` plus "is this a bms database", with a few row counts.
pub fn check(path: &Path) -> Result<CheckReport, MaintenanceError> {
    let mut conn = open_existing(path)?;
    let results: Result<Vec<TextRow>, _> =
        diesel::sql_query("SELECT integrity_check AS value FROM pragma_integrity_check()").load(&mut conn);
    let results = match results {
        Ok(rows) => rows,
        // Not a database at all ("file is not a database").
        Err(source) => {
            return Err(MaintenanceError::Corrupt { path: path.to_path_buf(), problems: source.to_string() });
        }
    };
    if results.len() != 1 || results[0].value != "ok" {
        let problems = results.into_iter().map(|row| row.value).take(10).collect::<Vec<_>>().join("; ");
        return Err(MaintenanceError::Corrupt { path: path.to_path_buf(), problems });
    }
    let Some(migrations) = count(&mut conn, path, "__diesel_schema_migrations")? else {
        return Err(MaintenanceError::NotBms(path.to_path_buf()));
    };
    Ok(CheckReport {
        migrations,
        jobs: count(&mut conn, path, "jobs")?,
        executions: count(&mut conn, path, "executions")?,
        users: count(&mut conn, path, "users")?,
        size_bytes: fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    })
}

/// A consistent copy of the live database in `target`, taken while the server runs
/// (`VACUUM INTO` reads one snapshot; writers are not blocked in WAL mode), written to a
/// temporary name, checked, then renamed, so `target` is either complete and verified or
/// absent.
pub fn backup(database_path: &Path, target: &Path) -> Result<CheckReport, MaintenanceError> {
    if target.exists() {
        return Err(MaintenanceError::Exists(target.to_path_buf()));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error(format!("cannot create {}", parent.display())))?;
    }
    let partial = with_suffix(target, ".partial");
    let _ = fs::remove_file(&partial);
    let mut conn = open_existing(database_path)?;
    let quoted = partial.to_string_lossy().replace('\'', "''");
    conn.batch_execute(&format!("VACUUM INTO '{quoted}'")).map_err(db_error(database_path))?;
    drop(conn);
    let report = match check(&partial) {
        Ok(report) => report,
        Err(error) => {
            let _ = fs::remove_file(&partial);
            return Err(error);
        }
    };
    sync_file(&partial).map_err(io_error("cannot sync the backup"))?;
    fs::rename(&partial, target).map_err(io_error(format!("cannot rename the backup to {}", target.display())))?;
    sync_dir(target);
    Ok(report)
}

/// Flushes a finished file to disk. Opened for writing: Windows refuses to flush a handle
/// opened read-only (FlushFileBuffers needs write access; "Access denied").
fn sync_file(path: &Path) -> io::Result<()> {
    OpenOptions::new().write(true).open(path)?.sync_all()
}

fn sync_dir(path: &Path) {
    // Makes the rename durable; best effort (not possible on every platform).
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(handle) = File::open(dir)
    {
        let _ = handle.sync_all();
    }
}

/// What `restore` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Where the database that was replaced now is (`None` when there was none).
    pub replaced: Option<PathBuf>,
    /// The restored database.
    pub restored: CheckReport,
}

/// Replaces the database with `source`: refuses while a server holds it, checks `source`
/// first, keeps the replaced database as `<database>.replaced-<UTC time>`.
pub fn restore(database_path: &Path, source: &Path) -> Result<RestoreReport, MaintenanceError> {
    let _lock = lock_database(database_path)?;
    let restored = check(source)?;
    let replaced = if database_path.exists() {
        // Fold the WAL into the main file first, so the kept copy is complete on its own.
        let mut conn = open_existing(database_path)?;
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);").map_err(db_error(database_path))?;
        drop(conn);
        let kept = with_suffix(database_path, &format!(".replaced-{}", Utc::now().format("%Y%m%dT%H%M%SZ")));
        fs::rename(database_path, &kept).map_err(io_error(format!("cannot move {}", database_path.display())))?;
        for suffix in ["-wal", "-shm"] {
            let _ = fs::remove_file(with_suffix(database_path, suffix));
        }
        Some(kept)
    } else {
        None
    };
    let staging = with_suffix(database_path, ".restoring");
    fs::copy(source, &staging).map_err(io_error(format!("cannot copy {}", source.display())))?;
    sync_file(&staging).map_err(io_error("cannot sync the restored file"))?;
    fs::rename(&staging, database_path).map_err(io_error(format!("cannot write {}", database_path.display())))?;
    sync_dir(database_path);
    Ok(RestoreReport { replaced, restored })
}

/// Refuses a database file that has tables but is not bms's (most likely the old Flask
/// system's `backup_mgmt.db`, which the old guide put at the path bms now uses by default):
/// running bms's migrations over it would mix two schemas in one file. A missing or empty
/// file is fine: bms creates its schema there.
pub fn refuse_foreign_database(path: &Path) -> Result<(), MaintenanceError> {
    if fs::metadata(path).map_or(true, |meta| meta.len() == 0) {
        return Ok(());
    }
    let mut conn = open_existing(path)?;
    let tables: i64 = diesel::sql_query(
        "SELECT COUNT(*) AS count FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .get_result::<CountRow>(&mut conn)
    .map(|row| row.count)
    .map_err(db_error(path))?;
    if tables == 0 || table_exists(&mut conn, path, "__diesel_schema_migrations")? {
        return Ok(());
    }
    let legacy = table_exists(&mut conn, path, "backup_jobs")? && table_exists(&mut conn, path, "offline_media")?;
    Err(if legacy {
        MaintenanceError::LegacyDatabase(path.to_path_buf())
    } else {
        MaintenanceError::ForeignDatabase(path.to_path_buf())
    })
}

/// Deletes the oldest finished copies (`.db`; a `.partial` never matches) of `dir` whose
/// names `matches` accepts until `keep` remain; returns the deleted paths, oldest first.
fn prune_matching(dir: &Path, keep: usize, matches: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, MaintenanceError> {
    crate::files::keep_newest(dir, keep, |name| name.ends_with(".db") && matches(name))
        .map_err(io_error(format!("cannot prune the copies in {}", dir.display())))
}

/// Prefix of the copies `bms db backup --dir` writes (and `--keep` prunes).
pub const SCHEDULED_BACKUP_PREFIX: &str = "bms-backup-";

/// A verified copy named `bms-backup-<UTC time>.db` in `dir`, then the oldest such copies
/// deleted so that `keep` remain (the nightly backup of the old guide's daily checklist).
pub fn backup_into_dir(
    database_path: &Path,
    dir: &Path,
    keep: usize,
) -> Result<(PathBuf, CheckReport, Vec<PathBuf>), MaintenanceError> {
    let stem = format!("{SCHEDULED_BACKUP_PREFIX}{}", Utc::now().format("%Y%m%dT%H%M%SZ"));
    fs::create_dir_all(dir).map_err(io_error(format!("cannot create {}", dir.display())))?;
    let target = crate::files::unused_name(dir, &stem, "db");
    let report = backup(database_path, &target)?;
    let removed = prune_matching(dir, keep, |name| name.starts_with(SCHEDULED_BACKUP_PREFIX))?;
    Ok((target, report, removed))
}

/// Prefix of the automatic copies taken before migrations.
const MIGRATION_BACKUP_PREFIX: &str = "bms-";

/// Where automatic backups go: `backups/` next to the database.
pub fn backup_dir(database_path: &Path) -> PathBuf {
    database_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("backups")
}

/// Before migrations change a database that already has data, copy it to
/// `backups/bms-<UTC time>-before-<first pending version>.db`, then prune those copies to
/// the newest `keep`. A new (empty) database is not backed up.
pub fn backup_before_migrations(
    database_path: &Path,
    applied: usize,
    first_pending: &str,
    keep: usize,
) -> Result<Option<PathBuf>, MaintenanceError> {
    if applied == 0 {
        return Ok(None);
    }
    let stem = format!("{MIGRATION_BACKUP_PREFIX}{}-before-{first_pending}", Utc::now().format("%Y%m%dT%H%M%SZ"));
    let dir = backup_dir(database_path);
    let target = crate::files::unused_name(&dir, &stem, "db");
    backup(database_path, &target)?;
    // Only the pre-migration copies (their names hold `-before-`): the nightly
    // `bms-backup-*` copies in the same folder have their own `--keep`.
    let removed = prune_matching(&dir, keep, |name| {
        name.starts_with(MIGRATION_BACKUP_PREFIX)
            && !name.starts_with(SCHEDULED_BACKUP_PREFIX)
            && name.contains("-before-")
    })?;
    for path in removed {
        log::info!("deleted the old pre-migration copy {}", path.display());
    }
    Ok(Some(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrated(path: &Path) {
        let pool = crate::db::connect(path).expect("pool");
        let mut conn = pool.get().expect("conn");
        crate::db::run_pending_migrations(&mut conn).expect("migrate");
    }

    #[test]
    fn a_backup_is_verified_never_overwrites_and_restores_keeping_the_old_file() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("bms.db");
        migrated(&db);
        let target = dir.path().join("copy.db");
        let report = backup(&db, &target).expect("backup");
        assert!(report.migrations >= 2, "{report:?}");
        assert!(!with_suffix(&target, ".partial").exists());
        assert!(matches!(backup(&db, &target), Err(MaintenanceError::Exists(_))));

        let restored = restore(&db, &target).expect("restore");
        let kept = restored.replaced.expect("the old file is kept");
        assert!(kept.to_string_lossy().contains(".replaced-"));
        assert_eq!(check(&kept).expect("kept is intact").migrations, report.migrations);
        assert_eq!(check(&db).expect("restored").migrations, report.migrations);
    }

    #[test]
    fn restore_is_refused_while_the_database_is_locked_and_garbage_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("bms.db");
        migrated(&db);
        let copy = dir.path().join("copy.db");
        backup(&db, &copy).expect("backup");
        let held = lock_database(&db).expect("first lock");
        assert!(matches!(restore(&db, &copy), Err(MaintenanceError::InUse(_))));
        drop(held);
        // Servers share the database; a restore is refused while any of them runs.
        let first = lock_database_shared(&db).expect("a server");
        let second = lock_database_shared(&db).expect("a second server on the same database");
        assert!(matches!(restore(&db, &copy), Err(MaintenanceError::InUse(_))));
        drop((first, second));
        let exclusive = lock_database(&db).expect("exclusive");
        assert!(matches!(lock_database_shared(&db), Err(MaintenanceError::InUse(_))), "no server during a restore");
        drop(exclusive);

        let garbage = dir.path().join("garbage.db");
        fs::write(&garbage, b"this is not an SQLite file at all, just some bytes").expect("write");
        assert!(matches!(restore(&db, &garbage), Err(MaintenanceError::Corrupt { .. })));
        let empty_sqlite = dir.path().join("other.db");
        SqliteConnection::establish(&empty_sqlite.to_string_lossy())
            .expect("open")
            .batch_execute("CREATE TABLE t (x INTEGER);")
            .expect("create");
        assert!(matches!(check(&empty_sqlite), Err(MaintenanceError::NotBms(_))));
        assert!(matches!(check(&dir.path().join("absent.db")), Err(MaintenanceError::Missing(_))));
        // The live database was not touched by the refused restores.
        assert!(check(&db).is_ok());
    }
}
