//! The only place that touches the YAML parser: server YAML files flattened into
//! `key -> string` pairs, and the raw top-level mappings of contextSets files.

use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};
use serde_yaml::Value as Yaml;

use super::error::ConfigError;

/// A YAML node reduced to what configuration needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A scalar or a list of scalars, in string form (lists joined with commas).
    Text(String),
    /// A nested mapping, keys in file order.
    Mapping(Vec<(String, Node)>),
}

/// Reads the top-level mapping of a YAML file; an empty file is an empty mapping.
pub(crate) fn read_mapping(path: &Path) -> Result<Vec<(String, Node)>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_owned(),
        source,
    })?;
    let syntax = |message: String| ConfigError::Syntax {
        path: path.to_owned(),
        message,
    };
    let doc: Yaml = serde_yaml::from_str(&text).map_err(|e| syntax(e.to_string()))?;
    match convert(doc).map_err(syntax)? {
        Node::Mapping(entries) => Ok(entries),
        Node::Text(t) if t.is_empty() => Ok(Vec::new()),
        Node::Text(_) => Err(syntax("expected a mapping of keys to values".into())),
    }
}

fn convert(value: Yaml) -> Result<Node, String> {
    Ok(match value {
        Yaml::Null => Node::Text(String::new()),
        Yaml::Bool(b) => Node::Text(b.to_string()),
        Yaml::Number(n) => Node::Text(n.to_string()),
        Yaml::String(s) => Node::Text(s),
        Yaml::Tagged(tagged) => convert(tagged.value)?,
        Yaml::Sequence(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                match convert(item)? {
                    Node::Text(t) => parts.push(t),
                    Node::Mapping(_) => return Err("a list may hold only plain values".into()),
                }
            }
            Node::Text(parts.join(","))
        }
        Yaml::Mapping(mapping) => {
            let mut entries = Vec::with_capacity(mapping.len());
            for (key, value) in mapping {
                let key = match convert(key)? {
                    Node::Text(k) => k,
                    Node::Mapping(_) => return Err("a key must be a plain value".into()),
                };
                entries.push((key, convert(value)?));
            }
            Node::Mapping(entries)
        }
    })
}

/// Joins nested mappings into dotted keys, so `davgate: {listen: x}` and
/// `davgate.listen: x` mean the same.
fn flatten(prefix: &str, entries: Vec<(String, Node)>, out: &mut Vec<(String, String)>) {
    for (key, node) in entries {
        let full = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match node {
            Node::Text(text) => out.push((full, text)),
            Node::Mapping(inner) => flatten(&full, inner, out),
        }
    }
}

/// A server YAML file with flat (or nested, then joined) property keys, served to
/// figment with the file as the metadata source.
#[derive(Debug, Clone)]
pub(crate) struct YamlFile {
    path: PathBuf,
    entries: Vec<(String, String)>,
}

impl YamlFile {
    /// Reads and flattens `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, ConfigError> {
        let mut entries = Vec::new();
        flatten("", read_mapping(path)?, &mut entries);
        Ok(YamlFile {
            path: path.to_owned(),
            entries,
        })
    }
}

impl Provider for YamlFile {
    fn metadata(&self) -> Metadata {
        Metadata::from("YAML file", self.path.as_path())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let dict: Dict = self
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        Ok(Map::from([(Profile::Default, dict)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_their_string_form_and_nesting_flattens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("davgate.yml");
        std::fs::write(
            &path,
            "davgate.listen: 0.0.0.0:80\ndavgate:\n  syncTokenRetentionDays: 7\n  \
             databaseUrl:\ncom.openexchange.caldav.enabled: true\nids: [6, 7]\n",
        )
        .unwrap();
        let file = YamlFile::open(&path).unwrap();
        let get = |k: &str| {
            file.entries
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("davgate.listen"), Some("0.0.0.0:80"));
        assert_eq!(get("davgate.syncTokenRetentionDays"), Some("7"));
        assert_eq!(get("davgate.databaseUrl"), Some(""));
        assert_eq!(get("com.openexchange.caldav.enabled"), Some("true"));
        assert_eq!(get("ids"), Some("6,7"));
    }

    #[test]
    fn non_mapping_documents_are_syntax_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.yml");
        std::fs::write(&path, "- a\n- b\n").unwrap();
        let err = YamlFile::open(&path).unwrap_err();
        assert!(matches!(err, ConfigError::Syntax { .. }), "{err}");
        std::fs::write(&path, "key: [unclosed\n").unwrap();
        let err = YamlFile::open(&path).unwrap_err().to_string();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        std::fs::write(&path, "").unwrap();
        assert!(YamlFile::open(&path).unwrap().entries.is_empty());
    }
}
