//! Logging: env_logger to stderr (journald and nssm capture it) and, with `LOG_DIR`, also
//! to `LOG_DIR/bms.log`, opened in append mode. With external rotation (Linux) logrotate
//! moves the file and SIGHUP reopens it (`reopen`); with builtin rotation (Windows, where
//! there is neither logrotate nor SIGHUP) bms itself starts a new file each day and when
//! the file passes a size, keeping a fixed number of old files.
//!
//! The builtin rotation is a few lines here rather than a crate: file-rotate, the
//! maintained one, rotates by size *or* by time, and the old guide's NSSM settings that
//! users expect rotate by both (`AppRotateSeconds 86400`, `AppRotateBytes 104857600`).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use chrono::{Local, NaiveDate};

use crate::config::LogRotation;

/// The log file and where it lives, once `init` opened it.
struct LogFile {
    path: PathBuf,
    rotation: LogRotation,
    state: Mutex<OpenLog>,
}

struct OpenLog {
    file: File,
    /// Bytes in the current file.
    size: u64,
    /// The local day the current file was started on.
    day: NaiveDate,
}

static LOG_FILE: OnceLock<LogFile> = OnceLock::new();

fn open_append(path: &Path) -> io::Result<OpenLog> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let size = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    Ok(OpenLog { file, size, day: Local::now().date_naive() })
}

impl LogFile {
    fn lock(&self) -> std::sync::MutexGuard<'_, OpenLog> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        let mut state = self.lock();
        if let LogRotation::Builtin { max_bytes, keep_files } = self.rotation {
            let today = Local::now().date_naive();
            if state.size > 0 && (today != state.day || state.size + buf.len() as u64 > max_bytes) {
                // A failed rotation must not lose the line: keep writing to the old file.
                if let Ok(fresh) = rotate(&self.path, keep_files) {
                    *state = fresh;
                }
            }
        }
        state.file.write_all(buf)?;
        state.size += buf.len() as u64;
        Ok(())
    }
}

/// Renames `bms.log` to `bms-<local time>.log`, deletes the oldest rotated files beyond
/// `keep_files`, and opens a new `bms.log`.
fn rotate(path: &Path, keep_files: usize) -> io::Result<OpenLog> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stamp = Local::now().format("%Y%m%d-%H%M%S");
    let target = crate::files::unused_name(dir, &format!("bms-{stamp}"), "log");
    std::fs::rename(path, &target)?;
    crate::files::keep_newest(dir, keep_files, |name| name.starts_with("bms-") && name.ends_with(".log"))?;
    open_append(path)
}

/// Writes every log line to stderr and to the log file.
struct TeeWriter;

impl Write for TeeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The file is the durable record; stderr is best effort.
        let _ = io::stderr().write_all(buf);
        if let Some(log) = LOG_FILE.get() {
            log.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        match LOG_FILE.get() {
            Some(log) => log.lock().file.flush(),
            None => Ok(()),
        }
    }
}

/// Initialises the global logger with `filter` (env_logger syntax, from `RUST_LOG`).
pub fn init(filter: &str, log_dir: Option<&Path>, rotation: LogRotation) -> io::Result<()> {
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(filter);
    builder.format_timestamp_millis();
    if let Some(dir) = log_dir {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("bms.log");
        let state = open_append(&path)?;
        let _ = LOG_FILE.set(LogFile { path, rotation, state: Mutex::new(state) });
        builder.target(env_logger::Target::Pipe(Box::new(TeeWriter)));
    }
    // A second init (tests) is harmless; keep the first logger.
    let _ = builder.try_init();
    Ok(())
}

/// Reopens the log file by name (after logrotate moved it away). Without `LOG_DIR`,
/// nothing to do.
pub fn reopen() -> io::Result<()> {
    if let Some(log) = LOG_FILE.get() {
        let fresh = open_append(&log.path)?;
        *log.lock() = fresh;
        log::info!("reopened the log file {}", log.path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rotation_starts_a_new_file_past_the_size_and_keeps_only_the_newest() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("bms.log");
        let log = LogFile {
            path: path.clone(),
            rotation: LogRotation::Builtin { max_bytes: 100, keep_files: 2 },
            state: Mutex::new(open_append(&path).expect("open")),
        };
        let line = [b'x'; 40];
        // 40 + 40 fit; every further pair starts a new file.
        for _ in 0..10 {
            log.write_all(&line).expect("write");
            log.write_all(b"\n").expect("write");
        }
        let mut rotated: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name != "bms.log")
            .collect();
        rotated.sort();
        assert_eq!(rotated.len(), 2, "{rotated:?}");
        assert!(rotated.iter().all(|name| name.starts_with("bms-") && name.ends_with(".log")));
        let live = std::fs::metadata(&path).expect("live file").len();
        assert!(live > 0 && live <= 100, "live file has {live} bytes");
        for name in rotated {
            let size = std::fs::metadata(dir.path().join(&name)).expect("rotated").len();
            assert!(size <= 100 && size > 0, "{name} has {size} bytes");
        }
    }

    #[test]
    fn builtin_rotation_starts_a_new_file_on_a_new_day() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("bms.log");
        let mut state = open_append(&path).expect("open");
        state.file.write_all(b"yesterday\n").expect("write");
        state.size = 10;
        state.day = Local::now().date_naive().pred_opt().expect("a day before today");
        let log = LogFile {
            path: path.clone(),
            rotation: LogRotation::Builtin { max_bytes: 1 << 20, keep_files: 14 },
            state: Mutex::new(state),
        };
        log.write_all(b"today\n").expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("live"), "today\n");
        let rotated: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name() != "bms.log")
            .collect();
        assert_eq!(rotated.len(), 1);
        assert_eq!(std::fs::read_to_string(rotated[0].path()).expect("old"), "yesterday\n");
    }

    #[test]
    fn external_rotation_never_renames() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("bms.log");
        let log = LogFile {
            path: path.clone(),
            rotation: LogRotation::External,
            state: Mutex::new(open_append(&path).expect("open")),
        };
        for _ in 0..100 {
            log.write_all(&[b'y'; 100]).expect("write");
        }
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
        assert_eq!(std::fs::metadata(&path).expect("live").len(), 10_000);
    }
}
