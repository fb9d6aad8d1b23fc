//! Logging: env_logger to stderr (journald and nssm capture it) and, with `LOG_DIR`, also
//! to `LOG_DIR/bms.log`, opened in append mode so logrotate's copytruncate is safe.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Writes every log line to stderr and to the log file.
struct TeeWriter {
    file: File,
}

impl Write for TeeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The file is the durable record; stderr is best effort.
        let _ = io::stderr().write_all(buf);
        self.file.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        self.file.flush()
    }
}

/// Initialises the global logger; `RUST_LOG` overrides the default `info` level.
pub fn init(log_dir: Option<&Path>) -> io::Result<()> {
    let mut builder = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    builder.format_timestamp_millis();
    if let Some(dir) = log_dir {
        std::fs::create_dir_all(dir)?;
        let file = OpenOptions::new().create(true).append(true).open(dir.join("bms.log"))?;
        builder.target(env_logger::Target::Pipe(Box::new(TeeWriter { file })));
    }
    // A second init (tests) is harmless; keep the first logger.
    let _ = builder.try_init();
    Ok(())
}
