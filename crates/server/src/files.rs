//! Rotated and dated files in a folder, shared by the database copies (`db::maintenance`)
//! and the log file (`logging`): a name that is not taken yet, and keeping the newest N.

use std::io;
use std::path::{Path, PathBuf};

/// The first of `<stem>.<ext>`, `<stem>-2.<ext>`, ... in `dir` that does not exist, so two
/// files made in the same second never collide.
pub fn unused_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    (1..)
        .map(|n| if n == 1 { dir.join(format!("{stem}.{ext}")) } else { dir.join(format!("{stem}-{n}.{ext}")) })
        .find(|candidate| !candidate.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}.{ext}")))
}

/// Deletes the oldest regular files of `dir` whose names `matches` accepts until `keep`
/// remain (oldest by modification time, then by name — the names carry their time);
/// returns the deleted paths, oldest first. A missing `dir` has nothing to delete.
pub fn keep_newest(dir: &Path, keep: usize, matches: impl Fn(&str) -> bool) -> io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if matches(&name) && entry.file_type().is_ok_and(|kind| kind.is_file()) {
            let modified = entry.metadata().and_then(|meta| meta.modified()).ok();
            files.push((modified, name, entry.path()));
        }
    }
    files.sort();
    let excess = files.len().saturating_sub(keep);
    let mut removed = Vec::with_capacity(excess);
    for (_, _, path) in files.into_iter().take(excess) {
        std::fs::remove_file(&path)?;
        removed.push(path);
    }
    Ok(removed)
}
