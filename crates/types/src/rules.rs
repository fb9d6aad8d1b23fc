//! Validation rules that the server and the SPA both apply, written once. Each returns the
//! rule that was broken (with the bound it names); the server turns it into a field
//! violation (`FieldViolation.rule` is `Broken::code`), the SPA into a message in the
//! person's language. The server stays the authority: it also checks what needs data the
//! browser does not have (the common-password list, uniqueness).

/// A rule a value breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// Blank where a value is required.
    Required,
    /// Outside `min..=max` characters.
    Length {
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
    },
    /// Fewer than `min` characters.
    MinLength {
        /// Fewest characters.
        min: usize,
    },
    /// More than `max` characters.
    MaxLength {
        /// Most characters.
        max: usize,
    },
    /// A character outside the allowed set.
    Charset,
    /// A password that contains the username.
    ContainsUsername,
}

impl Broken {
    /// The rule's name in `FieldViolation.rule` (stable; the SPA maps it to a message).
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Length { .. } => "length",
            Self::MinLength { .. } => "min_length",
            Self::MaxLength { .. } => "max_length",
            Self::Charset => "charset",
            Self::ContainsUsername => "contains_username",
        }
    }

    /// The English explanation the server sends with it.
    pub fn message(self) -> String {
        match self {
            Self::Required => "is required".to_owned(),
            Self::Length { min, max } => format!("must be {min} to {max} characters long"),
            Self::MinLength { min } => format!("must be at least {min} characters long"),
            Self::MaxLength { max } => format!("must be at most {max} characters long"),
            Self::Charset => "may contain only letters, digits, `.`, `_` and `-`".to_owned(),
            Self::ContainsUsername => "must not be or contain the username".to_owned(),
        }
    }
}

/// Shortest username.
pub const USERNAME_MIN: usize = 3;
/// Longest username.
pub const USERNAME_MAX: usize = 64;
/// Longest display name or department.
pub const PROFILE_TEXT_MAX: usize = 200;
/// Default `PASSWORD_MIN_LENGTH`.
pub const PASSWORD_MIN_DEFAULT: usize = 12;
/// Longest password accepted; bounds the cost of hashing attacker-chosen input.
pub const PASSWORD_MAX: usize = 256;

/// 3–64 ASCII letters, digits, `.`, `_` or `-` (ASCII only: usernames appear in logs,
/// audit rows and URLs, and must compare case-insensitively on every database).
pub fn username(value: &str) -> Option<Broken> {
    let length = value.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&length) {
        return Some(Broken::Length { min: USERNAME_MIN, max: USERNAME_MAX });
    }
    (!value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))).then_some(Broken::Charset)
}

/// At most `max` characters.
pub fn max_length(value: &str, max: usize) -> Option<Broken> {
    (value.chars().count() > max).then_some(Broken::MaxLength { max })
}

/// The password rules that need no data: length and not containing the username.
pub fn password_shape(password: &str, username: &str, min_length: usize) -> Vec<Broken> {
    let mut broken = Vec::new();
    let length = password.chars().count();
    if length < min_length {
        broken.push(Broken::MinLength { min: min_length });
    }
    if length > PASSWORD_MAX {
        broken.push(Broken::MaxLength { max: PASSWORD_MAX });
    }
    let username = username.trim().to_lowercase();
    if !username.is_empty() && password.to_lowercase().contains(&username) {
        broken.push(Broken::ContainsUsername);
    }
    broken
}

/// Usernames and the rule each breaks: the table both sides' tests run.
pub const USERNAME_CASES: &[(&str, Option<&str>)] = &[
    ("ops", None),
    ("backup.admin_01-x", None),
    ("ab", Some("length")),
    ("a2345678901234567890123456789012345678901234567890123456789012345", Some("length")),
    ("a234567890123456789012345678901234567890123456789012345678901234", None),
    ("yamada taro", Some("charset")),
    ("山田太郎", Some("charset")),
    ("müller", Some("charset")),
    ("ops@site", Some("charset")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_shared_table() {
        for (value, expected) in USERNAME_CASES {
            assert_eq!(username(value).map(Broken::code), *expected, "{value:?}");
        }
    }

    #[test]
    fn password_shape_reports_every_rule() {
        assert_eq!(password_shape("short", "", 12), vec![Broken::MinLength { min: 12 }]);
        assert_eq!(password_shape("xx-Operator-xx-2026", "operator", 12), vec![Broken::ContainsUsername]);
        assert!(password_shape("a-long-enough-phrase", "ops2", 12).is_empty());
        assert_eq!(password_shape(&"p".repeat(257), "", 12), vec![Broken::MaxLength { max: 256 }]);
    }
}
