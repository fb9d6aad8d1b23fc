//! Text search: the one way a list filters by "contains this text".
//!
//! Case-insensitive on both backends: SQLite's `LIKE` ignores the case of ASCII letters;
//! names are compared with the `NOCASE` collation of their columns. A PostgreSQL backend
//! uses `ILIKE` with the same pattern (and `citext` or `lower()` for names) — the pattern
//! and its escape character below stay the same.

/// The escape character of `contains_pattern`; pass it to diesel's `.escape(...)`.
pub const LIKE_ESCAPE: char = '\\';

/// `%text%` with `LIKE`'s wildcards (`%`, `_`) and the escape character itself escaped, so
/// the text matches literally.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_') || c == LIKE_ESCAPE {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn wildcards_and_the_escape_character_are_escaped() {
        assert_eq!(contains_pattern("nas"), "%nas%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
