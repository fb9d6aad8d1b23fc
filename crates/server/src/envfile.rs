//! `.env` files read the way the old Flask system read them (python-dotenv): unquoted
//! values are literal — `DATABASE_PATH=C:\ProgramData\...` keeps its backslashes —, `#`
//! starts a comment at the start of a line or after whitespace, values may be single- or
//! double-quoted (and then span lines), `export ` is allowed before a name, and `${NAME}` /
//! `${NAME:-default}` expand in unquoted and double-quoted values.
//!
//! dotenvy (and most Rust parsers) follow the shell instead and refuse `\P`, which stopped
//! bms on the Windows paths of the old guide; python-dotenv's rules are what our users'
//! files were written for, so they are implemented here, small and table-tested.

use std::collections::HashMap;

/// One `NAME=value` assignment of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    /// The variable name.
    pub name: String,
    /// The value, unquoted and unescaped, before `${...}` expansion.
    pub raw: RawValue,
    /// 1-based line where the assignment starts.
    pub line: usize,
}

/// A value as written: expansion applies to unquoted and double-quoted values only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    /// The text after quote removal and escape decoding.
    pub text: String,
    /// Whether `${...}` expands in it (false for single-quoted values).
    pub expands: bool,
}

/// A line the parser cannot read; the message says which rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct EnvFileError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a whole file. A malformed line is an error (python-dotenv warns and skips it; a
/// skipped `SECRET_KEY=` line would silently change the key, so bms stops and names it).
pub fn parse(text: &str) -> Result<Vec<EnvEntry>, EnvFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser { rest: text, line: 1 };
    let mut entries = Vec::new();
    while let Some(entry) = parser.next_entry()? {
        entries.push(entry);
    }
    Ok(entries)
}

/// Resolves `${NAME}` and `${NAME:-default}` in order of appearance. Like python-dotenv
/// without `override`, a variable of the process environment (`outer`) wins over one
/// defined earlier in the file.
pub fn resolve(entries: &[EnvEntry], outer: &dyn Fn(&str) -> Option<String>) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = HashMap::new();
    for entry in entries {
        let value = if entry.raw.expands {
            expand(&entry.raw.text, &|name| outer(name).or_else(|| values.get(name).cloned()))
        } else {
            entry.raw.text.clone()
        };
        values.insert(entry.name.clone(), value);
    }
    values
}

fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        if is_name(name) {
            // As python-dotenv: the default applies when the name is unset, not when empty.
            match lookup(name) {
                Some(value) => out.push_str(&value),
                None => out.push_str(default.unwrap_or("")),
            }
        } else {
            // Not a reference python-dotenv would expand: keep it as written.
            out.push_str(&rest[start..start + 2 + end + 1]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct Parser<'a> {
    rest: &'a str,
    line: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>) -> EnvFileError {
        EnvFileError { line: self.line, message: message.into() }
    }

    /// Consumes `n` bytes, counting the line breaks in them.
    fn advance(&mut self, n: usize) -> &'a str {
        let (taken, rest) = self.rest.split_at(n);
        self.line += taken.matches('\n').count();
        self.rest = rest;
        taken
    }

    fn skip_inline_space(&mut self) {
        let n = self.rest.len() - self.rest.trim_start_matches([' ', '\t']).len();
        self.advance(n);
    }

    /// The rest of the current line, without its line break (which is consumed).
    fn take_line(&mut self) -> &'a str {
        let end = self.rest.find('\n').unwrap_or(self.rest.len());
        let line = self.advance(end);
        if !self.rest.is_empty() {
            self.advance(1);
        }
        line.strip_suffix('\r').unwrap_or(line)
    }

    fn next_entry(&mut self) -> Result<Option<EnvEntry>, EnvFileError> {
        loop {
            self.skip_inline_space();
            if self.rest.is_empty() {
                return Ok(None);
            }
            if self.rest.starts_with('#') || self.rest.starts_with('\n') || self.rest.starts_with("\r\n") {
                self.take_line();
                continue;
            }
            break;
        }
        let line = self.line;
        if let Some(after) = self.rest.strip_prefix("export")
            && after.starts_with([' ', '\t'])
        {
            self.advance("export".len());
            self.skip_inline_space();
        }
        let name = self.take_name()?;
        self.skip_inline_space();
        if !self.rest.starts_with('=') {
            // python-dotenv reads a bare `NAME` as "no value": nothing to set.
            let trailing = self.take_line().trim();
            if trailing.is_empty() || trailing.starts_with('#') {
                return self.next_entry();
            }
            return Err(EnvFileError { line, message: format!("expected `=` after `{name}`") });
        }
        self.advance(1);
        self.skip_inline_space();
        let raw = match self.rest.chars().next() {
            Some(quote @ ('\'' | '"')) => self.take_quoted(quote, line)?,
            _ => RawValue { text: unquoted_value(self.take_line()), expands: true },
        };
        Ok(Some(EnvEntry { name, raw, line }))
    }

    fn take_name(&mut self) -> Result<String, EnvFileError> {
        if let Some(after) = self.rest.strip_prefix('\'') {
            let end = after.find('\'').ok_or_else(|| self.error("unterminated quoted name"))?;
            let name = after[..end].to_owned();
            self.advance(end + 2);
            return Ok(name);
        }
        let end = self.rest.find(|c: char| c == '=' || c == '#' || c.is_whitespace()).unwrap_or(self.rest.len());
        if end == 0 {
            return Err(self.error("expected a variable name"));
        }
        Ok(self.advance(end).to_owned())
    }

    fn take_quoted(&mut self, quote: char, start_line: usize) -> Result<RawValue, EnvFileError> {
        let body = &self.rest[1..];
        let mut end = None;
        let mut escaped = false;
        for (index, c) in body.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == quote {
                end = Some(index);
                break;
            }
        }
        let Some(end) = end else {
            return Err(EnvFileError { line: start_line, message: format!("unterminated {quote}-quoted value") });
        };
        let inner = &body[..end];
        self.advance(1 + end + 1);
        let trailing = self.take_line().trim();
        if !trailing.is_empty() && !trailing.starts_with('#') {
            return Err(EnvFileError {
                line: start_line,
                message: format!("unexpected `{trailing}` after the closing quote"),
            });
        }
        Ok(if quote == '\'' {
            RawValue { text: decode_single_quoted(inner), expands: false }
        } else {
            RawValue { text: decode_double_quoted(inner), expands: true }
        })
    }
}

/// An unquoted value: literal, up to the end of the line, without a ` #` comment and
/// trailing whitespace (python-dotenv's `re.sub(r"\s+#.*", "", value).rstrip()`).
fn unquoted_value(line: &str) -> String {
    let mut cut = line.len();
    let mut previous_is_space = false;
    for (index, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            cut = index;
            break;
        }
        previous_is_space = c.is_whitespace();
    }
    line[..cut].trim_end().to_owned()
}

/// Single quotes: only `\\` and `\'` are escapes.
fn decode_single_quoted(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next @ ('\\' | '\'')) = chars.peek()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// Double quotes: the escapes python-dotenv decodes (`\\ \' \" \a \b \f \n \r \t \v`);
/// any other backslash stays literal, so `"C:\ProgramData"` keeps its backslash.
fn decode_double_quoted(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
        {
            let decoded = match next {
                '\\' => Some('\\'),
                '\'' => Some('\''),
                '"' => Some('"'),
                'a' => Some('\u{7}'),
                'b' => Some('\u{8}'),
                'f' => Some('\u{c}'),
                'n' => Some('\n'),
                'r' => Some('\r'),
                't' => Some('\t'),
                'v' => Some('\u{b}'),
                _ => None,
            };
            if let Some(decoded) = decoded {
                out.push(decoded);
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String)> {
        let entries = parse(text).expect("parses");
        let resolved = resolve(&entries, &|_| None);
        entries.iter().map(|entry| (entry.name.clone(), resolved[&entry.name].clone())).collect()
    }

    fn one(text: &str) -> String {
        let all = values(text);
        assert_eq!(all.len(), 1, "{text:?} gave {all:?}");
        all[0].1.clone()
    }

    #[test]
    fn values_follow_python_dotenv() {
        let cases: &[(&str, &str)] = &[
            (
                r"A=C:\ProgramData\BackupManagementSystem\data\backup_mgmt.db",
                r"C:\ProgramData\BackupManagementSystem\data\backup_mgmt.db",
            ),
            ("A=plain", "plain"),
            ("A = spaced  ", "spaced"),
            ("A=value # comment", "value"),
            ("A=value#not-a-comment", "value#not-a-comment"),
            ("A=", ""),
            ("A='single # kept'", "single # kept"),
            (r"A='it\'s \\ \n'", r"it's \ \n"),
            (r#"A="double \"q\" \n \t end""#, "double \"q\" \n \t end"),
            (r#"A="C:\ProgramData\new""#, "C:\\ProgramData\new"),
            ("A=\"multi\nline\"", "multi\nline"),
            ("export A=exported", "exported"),
            ("A=\"quoted\"  # trailing comment", "quoted"),
            ("A=crlf\r\n", "crlf"),
            ("\u{feff}A=bom", "bom"),
            ("'A'=quoted-name", "quoted-name"),
            ("A=https://host:9398/path?x=1&y=2", "https://host:9398/path?x=1&y=2"),
        ];
        for (text, expected) in cases {
            assert_eq!(one(text), *expected, "for {text:?}");
        }
    }

    #[test]
    fn comments_blank_lines_and_bare_names_set_nothing() {
        let text = "# heading\n\n   # indented comment\nBARE\nA=1\r\n\r\nB=2 # two\n";
        assert_eq!(values(text), vec![("A".into(), "1".into()), ("B".into(), "2".into())]);
    }

    #[test]
    fn line_numbers_count_multiline_values() {
        let entries = parse("A=\"x\ny\"\nB=1\n# c\nC=2").expect("parses");
        assert_eq!(entries.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 3, 5]);
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("A=1\nB=\"open", 2, "unterminated"),
            ("A='x' junk", 1, "after the closing quote"),
            ("A=1\n=value", 2, "expected a variable name"),
            ("NAME value", 1, "expected `=`"),
        ];
        for (text, line, needle) in cases {
            let error = parse(text).expect_err("must fail");
            assert_eq!(error.line, *line, "{text:?}: {error}");
            assert!(error.message.contains(needle), "{text:?}: {error}");
        }
    }

    #[test]
    fn expansion_uses_the_environment_first_then_earlier_lines() {
        let entries = parse(
            "BASE=/srv\nDB=${BASE}/bms.db\nRAW='${BASE}'\nDEF=${MISSING:-fallback}\nHOME2=${HOME}\nODD=${not valid}",
        )
        .expect("parses");
        let resolved = resolve(&entries, &|name| (name == "HOME").then(|| "/root".to_owned()));
        assert_eq!(resolved["DB"], "/srv/bms.db");
        assert_eq!(resolved["RAW"], "${BASE}");
        assert_eq!(resolved["DEF"], "fallback");
        assert_eq!(resolved["HOME2"], "/root");
        assert_eq!(resolved["ODD"], "${not valid}");
    }
}
