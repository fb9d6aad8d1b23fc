//! Evidence files of restore tests: the type is sniffed from the bytes (the uploader's
//! claim is ignored), the file is written and fsynced under `ATTACHMENT_DIR` with a random
//! name before its row commits, and its SHA-256 is checked again on every read.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use bms_types::ErrorCode;
use bms_types::restore::AttachmentDto;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::DbConn;
use crate::db::schema::restore_attachments;
use crate::error::ApiError;

/// Types accepted, by what the bytes are (logs and text, screenshots, PDFs, archives).
const BINARY_TYPES: [&str; 7] =
    ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/zip", "application/gzip"];
/// The type given to UTF-8 text without NUL bytes (logs, CSV, JSON, XML).
pub const TEXT_TYPE: &str = "text/plain; charset=utf-8";
/// Most attachments per restore test.
pub const MAX_PER_TEST: i64 = 20;

/// A stored attachment.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = restore_attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub restore_test_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_name: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

impl AttachmentRow {
    /// The attachments of some tests, by test.
    pub fn of_tests(conn: &mut DbConn, test_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<Self>>> {
        let rows: Vec<Self> = restore_attachments::table
            .filter(restore_attachments::restore_test_id.eq_any(test_ids))
            .order(restore_attachments::id)
            .select(Self::as_select())
            .load(conn)?;
        let mut by_test: HashMap<i64, Vec<Self>> = HashMap::new();
        for row in rows {
            by_test.entry(row.restore_test_id).or_default().push(row);
        }
        Ok(by_test)
    }

    /// One attachment of one test, or 404.
    pub fn find(conn: &mut DbConn, test_id: i64, id: i64) -> Result<Self, ApiError> {
        restore_attachments::table
            .find(id)
            .filter(restore_attachments::restore_test_id.eq(test_id))
            .select(Self::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("Attachment"))
    }

    /// The wire form.
    pub fn to_dto(&self) -> AttachmentDto {
        AttachmentDto {
            id: self.id,
            restore_test_id: self.restore_test_id,
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            sha256: self.sha256.clone(),
            uploaded_by: self.uploaded_by.clone(),
            uploaded_at: self.uploaded_at,
        }
    }
}

/// The content type of `bytes`, or 415 when it is not one bms keeps.
pub fn sniff(bytes: &[u8]) -> Result<&'static str, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::invalid_field("file", "not_empty", "the file is empty"));
    }
    if let Some(kind) = infer::get(bytes) {
        return BINARY_TYPES
            .iter()
            .copied()
            .find(|allowed| *allowed == kind.mime_type())
            .ok_or_else(|| unsupported(&format!("{} files are not accepted as evidence", kind.mime_type())));
    }
    if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        return Ok(TEXT_TYPE);
    }
    Err(unsupported("the file is neither text nor a known image, PDF or archive"))
}

fn unsupported(message: &str) -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMediaType, format!("Unsupported evidence file: {message}."))
        .with_details(vec![crate::error::violation("file", "allowed_type", message)])
}

/// A file name safe to show and to put in `Content-Disposition`: the last path segment,
/// control characters and quotes dropped, at most 200 characters.
pub fn clean_filename(raw: &str) -> Result<String, ApiError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        last.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';')).take(200).collect::<String>();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return Err(ApiError::invalid_field("filename", "required", "give the file's name (?filename=...)"));
    }
    Ok(cleaned)
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes the bytes under `dir` with a fresh random name and fsyncs file and folder, so the
/// row that names it is only committed after the content is on disk. Returns the name.
pub fn write_file(dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let name = format!("{:032x}.bin", rand::random::<u128>());
    let temporary = dir.join(format!(".{name}.partial"));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, dir.join(&name))?;
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(name)
}

/// Where a stored attachment's content lives.
pub fn path_of(dir: &Path, storage_name: &str) -> PathBuf {
    dir.join(storage_name)
}

/// Reads a stored attachment and checks it against its recorded SHA-256: a changed or
/// missing file is refused (409, rule `checksum_mismatch` / `file_missing`), never served.
pub fn read_verified(dir: &Path, row: &AttachmentRow) -> Result<Vec<u8>, ApiError> {
    let bytes = std::fs::read(path_of(dir, &row.storage_name)).map_err(|error| {
        log::error!("attachment {} ({}) cannot be read: {error}", row.id, row.storage_name);
        ApiError::conflict_rule("file", "file_missing", "the stored evidence file is missing")
    })?;
    if sha256_hex(&bytes) != row.sha256 {
        log::error!("attachment {} ({}) no longer matches its SHA-256", row.id, row.storage_name);
        return Err(ApiError::conflict_rule(
            "file",
            "checksum_mismatch",
            "the stored evidence file no longer matches its recorded SHA-256",
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        assert_eq!(sniff(&png).ok(), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n...").ok(), Some("application/pdf"));
        assert_eq!(sniff("restore ok: 1,024 files\n復元成功".as_bytes()).ok(), Some(TEXT_TYPE));
        let elf = [0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(sniff(&elf).map_err(|error| error.code()).err(), Some(ErrorCode::UnsupportedMediaType));
        let mz = [b'M', b'Z', 0x90, 0, 3, 0, 0, 0];
        assert!(sniff(&mz).is_err(), "a Windows executable is not evidence");
        assert!(sniff(&[0xFF, 0xFE, 0, 0x41]).is_err(), "binary that is not a known type");
        assert!(sniff(b"").is_err());
    }

    #[test]
    fn file_names_lose_paths_and_header_breakers() {
        assert_eq!(clean_filename("C:\\logs\\restore.log").ok().as_deref(), Some("restore.log"));
        assert_eq!(clean_filename("../../etc/passwd").ok().as_deref(), Some("passwd"));
        assert_eq!(clean_filename("a\"b;c\r\n.txt").ok().as_deref(), Some("abc.txt"));
        assert!(clean_filename("dir/").is_err());
        assert!(clean_filename("..").is_err());
    }
}
