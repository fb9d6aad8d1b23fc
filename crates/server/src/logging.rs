//! Logging: env_logger to stderr (journald and nssm capture it) and, with `LOG_DIR`, also
//! to `LOG_DIR/bms.log`, opened in append mode (so logrotate's copytruncate is safe) and
//! reopened on SIGHUP (so logrotate's create mode with a `postrotate` HUP works too).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The log file and where it lives, once `init` opened it.
struct LogFile {
    path: PathBuf,
    file: Mutex<File>,
}

static LOG_FILE: OnceLock<LogFile> = OnceLock::new();

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Writes every log line to stderr and to the log file.
struct TeeWriter;

impl Write for TeeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The file is the durable record; stderr is best effort.
        let _ = io::stderr().write_all(buf);
        if let Some(log) = LOG_FILE.get() {
            let mut file = log.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            file.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        match LOG_FILE.get() {
            Some(log) => log.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner).flush(),
            None => Ok(()),
        }
    }
}

/// Initialises the global logger; `RUST_LOG` overrides the default `info` level.
pub fn init(log_dir: Option<&Path>) -> io::Result<()> {
    let mut builder = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    builder.format_timestamp_millis();
    if let Some(dir) = log_dir {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("bms.log");
        let file = open_append(&path)?;
        let _ = LOG_FILE.set(LogFile { path, file: Mutex::new(file) });
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
        *log.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        log::info!("reopened the log file {}", log.path.display());
    }
    Ok(())
}
