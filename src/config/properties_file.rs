//! Java `.properties` files, as OX ships them: the parser and a figment provider that
//! reports each file as the source of its values.

use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};

use super::error::ConfigError;

/// One `key = value` pair and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, escapes resolved.
    pub key: String,
    /// The value, escapes resolved; trailing whitespace kept as Java does.
    pub value: String,
    /// The 1-based line where the entry starts.
    pub line: usize,
}

/// Parses properties text. Later duplicates are kept; the last one wins when merged.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let lines = split_lines(text);
    let mut index = 0;
    while index < lines.len() {
        let start = index;
        let first = trim_start(lines[index]);
        index += 1;
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        let mut logical = String::from(first);
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.get(index) {
                Some(next) => {
                    logical.push_str(trim_start(next));
                    index += 1;
                }
                None => break,
            }
        }
        let (key, value) = split_key_value(&logical);
        let line = start + 1;
        entries.push(Entry {
            key: unescape(key).map_err(|e| format!("line {line}: {e}"))?,
            value: unescape(value).map_err(|e| format!("line {line}: {e}"))?,
            line,
        });
    }
    Ok(entries)
}

fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find(['\n', '\r']) {
        lines.push(&rest[..pos]);
        let skip = if rest[pos..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[pos + skip..];
    }
    if !rest.is_empty() {
        lines.push(rest);
    }
    lines
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

fn trim_start(line: &str) -> &str {
    line.trim_start_matches(is_blank)
}

/// An odd number of trailing backslashes joins the next line.
fn ends_with_continuation(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// The key ends at the first unescaped `=`, `:` or blank; one separator and the blanks
/// around it are dropped.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut key_end = line.len();
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' || is_blank(c) {
            key_end = i;
            break;
        }
    }
    let key = &line[..key_end];
    let mut rest = trim_start(&line[key_end..]);
    if let Some(stripped) = rest.strip_prefix(['=', ':']) {
        rest = trim_start(stripped);
    }
    (key, rest)
}

fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .ok_or_else(|| format!("malformed \\u escape \"\\u{hex}\""))?;
                out.push(decode_utf16_unit(code, &mut chars)?);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

/// `\uXXXX` escapes are UTF-16 code units; a high surrogate must be followed by an
/// escaped low surrogate.
fn decode_utf16_unit(code: u32, chars: &mut std::str::Chars<'_>) -> Result<char, String> {
    if let Some(c) = char::from_u32(code) {
        return Ok(c);
    }
    if (0xD800..0xDC00).contains(&code) {
        let rest = chars.as_str();
        if let Some(low) = rest
            .strip_prefix("\\u")
            .and_then(|r| r.get(..4))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .filter(|low| (0xDC00..0xE000).contains(low))
        {
            chars.nth(5);
            let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            if let Some(c) = char::from_u32(combined) {
                return Ok(c);
            }
        }
    }
    Err(format!("\\u{code:04X} is an unpaired surrogate"))
}

/// A `.properties` file read eagerly, so that syntax errors surface with their file
/// name, and served to figment with that file as the metadata source.
#[derive(Debug, Clone)]
pub struct PropertiesFile {
    path: PathBuf,
    entries: Vec<Entry>,
}

impl PropertiesFile {
    /// Reads and parses `path`.
    pub fn open(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let entries = parse(&text).map_err(|message| ConfigError::Syntax {
            path: path.to_owned(),
            message,
        })?;
        Ok(PropertiesFile {
            path: path.to_owned(),
            entries,
        })
    }
}

impl Provider for PropertiesFile {
    fn metadata(&self) -> Metadata {
        Metadata::from("properties file", self.path.as_path())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let dict: Dict = self
            .entries
            .iter()
            .map(|e| (e.key.clone(), Value::from(e.value.clone())))
            .collect();
        Ok(Map::from([(Profile::Default, dict)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn separators_comments_and_blank_lines() {
        let text = "# comment\n! also a comment\n\n  a = 1\nb:2\nc 3\nd\t=\t four words \ne=\n";
        assert_eq!(
            pairs(text),
            vec![
                pair("a", "1"),
                pair("b", "2"),
                pair("c", "3"),
                pair("d", "four words "),
                pair("e", ""),
            ]
        );
    }

    #[test]
    fn only_the_first_separator_splits() {
        assert_eq!(
            pairs("url = https://host:8443/a=b\nkey  : : x"),
            vec![pair("url", "https://host:8443/a=b"), pair("key", ": x")]
        );
    }

    #[test]
    fn continuation_lines_join_without_leading_blanks() {
        let text = "list = 1, \\\n       2, \\\r\n   3\nnext = x\n";
        let entries = parse(text).unwrap();
        assert_eq!(entries[0].value, "1, 2, 3");
        assert_eq!(entries[1].key, "next");
        assert_eq!(entries[1].line, 4);
        // An even number of trailing backslashes is an escaped backslash, not a continuation.
        assert_eq!(
            pairs("path = C:\\\\\nother = y"),
            vec![pair("path", "C:\\"), pair("other", "y")]
        );
        // A comment line never continues.
        assert_eq!(pairs("# note \\\nkey = v"), vec![pair("key", "v")]);
    }

    #[test]
    fn escapes_in_keys_and_values() {
        assert_eq!(
            pairs(r"my\ key\=x = tab\there\nnl \u00e9t\u00E9 \:\#"),
            vec![pair("my key=x", "tab\there\nnl été :#")]
        );
        assert_eq!(pairs(r"emoji = \ud83d\ude00"), vec![pair("emoji", "😀")]);
    }

    #[test]
    fn malformed_unicode_escape_names_the_line() {
        let err = parse("ok = 1\nbad = \\u12G4\n").unwrap_err();
        assert_eq!(err, "line 2: malformed \\u escape \"\\u12G4\"");
        assert!(parse("bad = \\ud83d alone").is_err());
    }

    #[test]
    fn provider_reports_the_file_as_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dav.properties");
        std::fs::write(&path, "com.openexchange.dav.prefixPath = /dav\n").unwrap();
        let figment = figment::Figment::from(PropertiesFile::open(&path).unwrap());
        let whole = figment.find_value("").unwrap();
        let dict = whole.as_dict().unwrap();
        let value = &dict["com.openexchange.dav.prefixPath"];
        assert_eq!(value.as_str(), Some("/dav"));
        let meta = figment.get_metadata(value.tag()).unwrap();
        assert_eq!(
            meta.source.as_ref().unwrap().file_path(),
            Some(path.as_path())
        );
    }
}
