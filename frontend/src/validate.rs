//! Form checks run as the person types. They mirror the server's rules (the server stays
//! the authority and its field errors are shown too); each returns a catalog key under
//! `check.` plus the values its message needs.

use bms_types::rules::{self, Broken};

/// A broken rule, ready to translate with `i18n::t_with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Catalog key, e.g. `check.min_length`.
    pub key: &'static str,
    /// Placeholder values.
    pub params: Vec<(&'static str, String)>,
}

impl Check {
    fn new(key: &'static str) -> Self {
        Self { key, params: Vec::new() }
    }

    fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.params.push((name, value.to_string()));
        self
    }

    /// The catalog entry for a rule shared with the server.
    pub fn from_rule(rule: Broken) -> Self {
        match rule {
            Broken::Required => Self::new("check.required"),
            Broken::Length { .. } => Self::new("check.username_length"),
            Broken::Charset => Self::new("check.username_charset"),
            Broken::MinLength { min } => Self::new("check.min_length").with("min", min),
            Broken::MaxLength { max } => Self::new("check.max_length").with("max", max),
            Broken::ContainsUsername => Self::new("check.contains_username"),
        }
    }

    /// The message in the current language.
    pub fn message(&self) -> String {
        crate::i18n::t_with(self.key, &self.params)
    }
}

/// Minimum password length the server enforces by default (`PASSWORD_MIN_LENGTH`).
pub const PASSWORD_MIN_LENGTH: usize = rules::PASSWORD_MIN_DEFAULT;

/// A value that must not be blank.
pub fn required(value: &str) -> Option<Check> {
    value.trim().is_empty().then(|| Check::new("check.required"))
}

/// At most `max` characters.
pub fn max_length(value: &str, max: usize) -> Option<Check> {
    rules::max_length(value, max).map(Check::from_rule)
}

/// Required and at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Option<Check> {
    required(value).or_else(|| max_length(value.trim(), max))
}

/// 3–64 ASCII letters, digits, `.`, `_`, `-`: the server's rule itself
/// (`bms_types::rules::username`), so the two cannot drift apart.
pub fn username(value: &str) -> Option<Check> {
    rules::username(value.trim()).map(Check::from_rule)
}

/// A plausible e-mail address (the server checks it fully).
pub fn email(value: &str) -> Option<Check> {
    let value = value.trim();
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    }) && !value.contains(char::is_whitespace);
    (!valid).then(|| Check::new("check.email"))
}

/// The password policy rules the browser can check (`bms_types::rules::password_shape`, the
/// server's own; the common-password list is server-side).
pub fn new_password(password: &str, username: &str) -> Option<Check> {
    rules::password_shape(password, username, PASSWORD_MIN_LENGTH).into_iter().next().map(Check::from_rule)
}

/// The confirmation matches.
pub fn confirmation(password: &str, repeated: &str) -> Option<Check> {
    (password != repeated).then(|| Check::new("check.mismatch"))
}

/// Empty, or a whole number in `min..=max`.
pub fn optional_number(value: &str, min: i64, max: i64) -> Option<Check> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match value.parse::<i64>() {
        Ok(number) if (min..=max).contains(&number) => None,
        _ => Some(Check::new("check.range").with("min", min).with("max", max)),
    }
}

/// A whole number in `min..=max`.
pub fn number(value: &str, min: i64, max: i64) -> Option<Check> {
    required(value).or_else(|| optional_number(value, min, max))
}

/// Empty (manual job) or five whitespace-separated cron fields of cron characters.
pub fn cron(value: &str) -> Option<Check> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let fields: Vec<&str> = value.split_whitespace().collect();
    if fields.len() != 5 {
        return Some(Check::new("check.cron_fields"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '?' | 'L' | '#');
    if fields.iter().any(|field| !field.chars().all(allowed)) {
        return Some(Check::new("check.cron_chars"));
    }
    None
}

/// Comma-separated tags: each 1–50 characters, at most 20.
pub fn tags(value: &str) -> Option<Check> {
    let tags = split_tags(value);
    if tags.iter().any(|tag| tag.chars().count() > 50) {
        return Some(Check::new("check.tag_length"));
    }
    (tags.len() > 20).then(|| Check::new("check.tag_count"))
}

/// Splits the tags field, dropping blanks.
pub fn split_tags(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|tag| !tag.is_empty()).map(str::to_owned).collect()
}

/// Parses an optional whole number field already checked by `optional_number`.
pub fn parse_optional(value: &str) -> Option<i64> {
    value.trim().parse().ok()
}

/// Splits a list typed with commas or one item a line, dropping blanks (e-mail recipients).
pub fn split_list(value: &str) -> Vec<String> {
    value.split([',', '\n', ';']).map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

/// Comma- or line-separated ids, `None` when one is not a whole number.
pub fn split_ids(value: &str) -> Option<Vec<i64>> {
    split_list(value).iter().map(|item| item.trim_start_matches('#').parse().ok()).collect()
}

/// Comma- or line-separated positive ids (job ids).
pub fn ids(value: &str) -> Option<Check> {
    let valid = split_ids(value).is_some_and(|ids| ids.iter().all(|id| *id > 0));
    (!valid).then(|| Check::new("check.ids"))
}

/// Empty, or a time of day `HH:MM` (24 hours).
pub fn optional_time(value: &str) -> Option<Check> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let valid = value.split_once(':').is_some_and(|(hours, minutes)| {
        hours.len() == 2
            && minutes.len() == 2
            && hours.parse::<u8>().is_ok_and(|h| h < 24)
            && minutes.parse::<u8>().is_ok_and(|m| m < 60)
    });
    (!valid).then(|| Check::new("check.time"))
}

/// `Name: value` lines (webhook headers), `None` when a line has no name or no colon.
pub fn parse_headers(value: &str) -> Option<Vec<(String, String)>> {
    value
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line.split_once(':')?;
            let name = name.trim();
            (!name.is_empty() && !name.contains(char::is_whitespace))
                .then(|| (name.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// Every non-blank line is a `Name: value` header.
pub fn headers(value: &str) -> Option<Check> {
    parse_headers(value).is_none().then(|| Check::new("check.headers"))
}

/// A text field's value, `None` when blank.
pub fn optional_text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Bytes per unit of a capacity: decimal `KB`…`PB`, binary `KiB`…`PiB`, plain bytes.
fn capacity_unit(unit: &str) -> Option<i128> {
    let power = |base: i128, exponent: u32| base.checked_pow(exponent);
    match unit.to_ascii_lowercase().as_str() {
        "" | "b" => Some(1),
        "kb" => power(1000, 1),
        "mb" => power(1000, 2),
        "gb" => power(1000, 3),
        "tb" => power(1000, 4),
        "pb" => power(1000, 5),
        "kib" => power(1024, 1),
        "mib" => power(1024, 2),
        "gib" => power(1024, 3),
        "tib" => power(1024, 4),
        "pib" => power(1024, 5),
        _ => None,
    }
}

/// A capacity as typed, `18000000000000`, `18 TB` or `2.5 TiB`, in bytes (the CSV import
/// reads the same units). Fixed-point arithmetic on purpose: float parsing would add its
/// code to the WASM for one field.
pub fn parse_capacity(value: &str) -> Option<i64> {
    let value = value.trim();
    let split = value.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || fraction.len() > 6 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let unit = capacity_unit(unit.trim())?;
    let whole: i128 = whole.parse().ok()?;
    let scale = 10i128.pow(fraction.len() as u32);
    let fraction: i128 = if fraction.is_empty() { 0 } else { fraction.parse().ok()? };
    let bytes = whole.checked_mul(unit)?.checked_add(fraction.checked_mul(unit)? / scale)?;
    i64::try_from(bytes).ok().filter(|bytes| *bytes > 0)
}

/// Empty, or a capacity `parse_capacity` reads.
pub fn capacity(value: &str) -> Option<Check> {
    (!value.trim().is_empty() && parse_capacity(value).is_none()).then(|| Check::new("check.capacity"))
}

/// Empty, or a date (`YYYY-MM-DD`, what a date input gives).
pub fn optional_date(value: &str) -> Option<Check> {
    (!value.trim().is_empty() && crate::format::parse_date(value).is_none()).then(|| Check::new("check.date"))
}

/// A date (`YYYY-MM-DD`).
pub fn date(value: &str) -> Option<Check> {
    required(value).or_else(|| optional_date(value))
}
