//! Import of an existing media inventory from CSV: the whole file is parsed and checked
//! first (every error named by line and column), and only a file without errors is
//! stored, in one transaction; a dry run stores nothing.

use std::collections::HashSet;

use bms_types::media::{CreateMediumRequest, MediaKind, MediaState};
use chrono::NaiveDate;

use crate::db::DbConn;
use crate::error::{ApiError, Violations};
use crate::media::{NewMedium, check_new, check_unique};

/// Columns understood (`label` and `media_kind` required; the rest optional).
pub const COLUMNS: [&str; 13] = [
    "label",
    "barcode",
    "media_kind",
    "lto_generation",
    "capacity",
    "serial",
    "purchase_date",
    "encrypted",
    "retention_until",
    "state",
    "location",
    "custodian",
    "notes",
];
/// Most rows in one file.
pub const MAX_ROWS: usize = 10_000;

fn cell_field(line: u64, column: &str) -> String {
    format!("line[{line}].{column}")
}

/// A capacity in bytes: a number with an optional decimal (`GB`, `TB`) or binary (`GiB`,
/// `TiB`) unit, e.g. `12TB`, `2.5 TiB`, `1000000`.
pub fn parse_capacity(text: &str) -> Option<i64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1_048_576.0,
        "gib" => 1_073_741_824.0,
        "tib" => 1_099_511_627_776.0,
        _ => return None,
    };
    let bytes = (number * factor).round();
    (1.0..9.0e18).contains(&bytes).then_some(bytes as i64)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" | "n" => Some(false),
        "true" | "yes" | "1" | "y" => Some(true),
        _ => None,
    }
}

/// Parses and checks a whole file; the media to create, or every problem found.
pub fn parse(conn: &mut DbConn, body: &[u8], today: NaiveDate) -> Result<Vec<NewMedium>, ApiError> {
    let text = std::str::from_utf8(body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body))
        .map_err(|_| ApiError::invalid_field("file", "utf8", "the CSV file must be UTF-8 (with or without a BOM)"))?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| ApiError::invalid_field("line[1]", "csv", error.to_string()))?
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    let mut violations = Violations::new();
    for name in &headers {
        if !COLUMNS.contains(&name.as_str()) {
            violations.add(cell_field(1, name), "unknown_column", format!("known columns: {}", COLUMNS.join(", ")));
        }
    }
    for required in ["label", "media_kind"] {
        if !headers.iter().any(|name| name == required) {
            violations.add(cell_field(1, required), "required_column", "the header must have this column");
        }
    }
    let column = |name: &str| headers.iter().position(|header| header == name);
    let mut media = Vec::new();
    let mut labels: HashSet<String> = HashSet::new();
    let mut barcodes: HashSet<String> = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, csv::Position::line);
                violations.add(cell_field(line, "*"), "csv", error.to_string());
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if media.len() >= MAX_ROWS {
            violations.add(cell_field(line, "*"), "max_rows", format!("a file has at most {MAX_ROWS} rows"));
            break;
        }
        let cell = |name: &str| column(name).and_then(|index| record.get(index)).unwrap_or("").to_owned();
        let field = |name: &str| cell_field(line, name);
        let optional = |name: &str| Some(cell(name)).filter(|text| !text.is_empty());
        let mut typed = |name: &str, rule: &str, message: &str, value: &str, ok: bool| {
            if !value.is_empty() && !ok {
                violations.add(field(name), rule, message);
            }
        };
        let kind_text = cell("media_kind");
        let media_kind = MediaKind::parse(&kind_text.to_ascii_lowercase());
        typed(
            "media_kind",
            "unknown_value",
            "must be lto, external_hdd, usb, rdx, optical or other",
            &kind_text,
            media_kind.is_some(),
        );
        let generation_text = cell("lto_generation");
        let lto_generation = generation_text.trim_start_matches(['L', 'l']).parse::<i32>().ok();
        typed(
            "lto_generation",
            "integer",
            "must be a number such as 8 or L8",
            &generation_text,
            lto_generation.is_some(),
        );
        let capacity_text = cell("capacity");
        let capacity_bytes = parse_capacity(&capacity_text);
        typed(
            "capacity",
            "capacity",
            "must be bytes or a number with GB, TB, GiB or TiB",
            &capacity_text,
            capacity_bytes.is_some(),
        );
        let date = |name: &str| NaiveDate::parse_from_str(cell(name).trim(), "%Y-%m-%d").ok();
        let (purchase_date, retention_until) = (date("purchase_date"), date("retention_until"));
        for (name, parsed) in [("purchase_date", purchase_date), ("retention_until", retention_until)] {
            typed(name, "date", "must be a date YYYY-MM-DD", &cell(name), parsed.is_some());
        }
        let encrypted_text = cell("encrypted");
        let encrypted = parse_bool(&encrypted_text);
        typed("encrypted", "boolean", "must be true/false, yes/no or 1/0", &encrypted_text, encrypted.is_some());
        let state_text = cell("state");
        let state = MediaState::parse(&state_text.to_ascii_lowercase());
        typed("state", "unknown_value", "must be available, stored or offsite", &state_text, state.is_some());
        let request = CreateMediumRequest {
            label: cell("label"),
            barcode: optional("barcode"),
            media_kind: if kind_text.is_empty() { None } else { media_kind.or(Some(MediaKind::Other)) },
            lto_generation,
            capacity_bytes,
            serial: optional("serial"),
            purchase_date,
            encrypted,
            retention_until,
            state,
            location: optional("location"),
            custodian: optional("custodian"),
            notes: optional("notes"),
            copy_id: None,
        };
        let Some(new) = check_new(&request, today, &mut violations, &field) else { continue };
        if !labels.insert(new.label.to_lowercase()) {
            violations.add(field("label"), "duplicate", "the label appears twice in the file");
        }
        if let Some(barcode) = &new.barcode
            && !barcodes.insert(barcode.to_lowercase())
        {
            violations.add(field("barcode"), "duplicate", "the barcode appears twice in the file");
        }
        check_unique(conn, &new, None, &mut violations, &field)?;
        media.push(new);
    }
    violations.finish(media)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_with_units() {
        assert_eq!(parse_capacity("12TB"), Some(12_000_000_000_000));
        assert_eq!(parse_capacity("2.5 TiB"), Some(2_748_779_069_440));
        assert_eq!(parse_capacity("1000"), Some(1000));
        assert_eq!(parse_capacity("12 furlongs"), None);
        assert_eq!(parse_capacity("0"), None);
        assert_eq!(parse_capacity(""), None);
    }
}
