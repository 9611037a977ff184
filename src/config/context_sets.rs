//! contextSets: YAML blocks that apply properties to every context whose tags match
//! `withTags`, after growing the tags with `addTags` until nothing new is added.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::scope::Scope;
use super::tag_expr::TagExpr;
use super::yaml::{read_mapping, Node};

/// One named block of a contextSets file.
#[derive(Debug, Clone)]
pub(crate) struct ContextSetBlock {
    pub(crate) name: String,
    pub(crate) file: PathBuf,
    pub(crate) with_tags: TagExpr,
    pub(crate) add_tags: Vec<String>,
    pub(crate) properties: BTreeMap<String, String>,
}

/// Every block of every contextSets file, ordered by block name (then file).
#[derive(Debug, Clone, Default)]
pub(crate) struct ContextSets {
    blocks: Vec<ContextSetBlock>,
}

/// The contextSet scope of one subject: its final tags and, per property, the value of
/// the first matching block (by name) that sets it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContextSetScope {
    pub(crate) tags: BTreeSet<String>,
    pub(crate) values: BTreeMap<String, (String, Scope)>,
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ConfigError> {
    let io = |source| ConfigError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        // Hidden entries are not configuration: a Kubernetes ConfigMap volume keeps its
        // files a second time in `..data` and a timestamped `..2026_…` directory.
        if !entry.file_name().to_string_lossy().starts_with('.') {
            entries.push(entry.path());
        }
    }
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_block(file: &Path, name: String, node: Node) -> Result<ContextSetBlock, ConfigError> {
    let fail = |block: &str, message: String| ConfigError::ContextSet {
        path: file.to_owned(),
        block: block.to_owned(),
        message,
    };
    let Node::Mapping(entries) = node else {
        return Err(fail(
            &name,
            "expected a mapping of withTags, addTags and properties".into(),
        ));
    };
    let mut with_tags = None;
    let mut add_tags = Vec::new();
    let mut properties = BTreeMap::new();
    for (key, value) in entries {
        let Node::Text(text) = value else {
            return Err(fail(
                &name,
                format!("{key}: expected a plain value, not a mapping"),
            ));
        };
        match key.as_str() {
            "withTags" => {
                let expr = TagExpr::parse(&text)
                    .map_err(|e| fail(&name, format!("withTags {text:?}: {e}")))?;
                with_tags = Some(expr);
            }
            "addTags" => add_tags = split_tags(&text),
            _ => {
                if super::registry::lookup(&key).is_none() {
                    tracing::debug!(file = %file.display(), block = %name, property = %key,
                        "contextSet sets a property davgate does not know");
                }
                properties.insert(key, text);
            }
        }
    }
    let with_tags = with_tags.ok_or_else(|| fail(&name, "withTags is required".into()))?;
    Ok(ContextSetBlock {
        name,
        file: file.to_owned(),
        with_tags,
        add_tags,
        properties,
    })
}

impl ContextSets {
    /// Reads every `*.yml`/`*.yaml` below `dir`; a missing directory means no blocks.
    pub(crate) fn load(dir: &Path) -> Result<Self, ConfigError> {
        if !dir.is_dir() {
            return Ok(ContextSets::default());
        }
        let mut files = Vec::new();
        yaml_files(dir, &mut files)?;
        let mut blocks = Vec::new();
        for file in files {
            for (name, node) in read_mapping(&file)? {
                blocks.push(parse_block(&file, name, node)?);
            }
        }
        blocks.sort_by(|a, b| (&a.name, &a.file).cmp(&(&b.name, &b.file)));
        Ok(ContextSets { blocks })
    }

    /// Adds the `addTags` of every matching block until no new tag appears.
    /// Terminates because the tag set only grows and the added tags are finite.
    pub(crate) fn resolve_tags(&self, mut tags: BTreeSet<String>) -> BTreeSet<String> {
        loop {
            let mut added = Vec::new();
            for block in &self.blocks {
                if block.with_tags.matches(&tags) {
                    added.extend(
                        block
                            .add_tags
                            .iter()
                            .filter(|t| !tags.contains(*t))
                            .cloned(),
                    );
                }
            }
            if added.is_empty() {
                return tags;
            }
            tags.extend(added);
        }
    }

    /// The contextSet scope for a subject with these initial tags.
    pub(crate) fn scope_for(&self, initial: BTreeSet<String>) -> ContextSetScope {
        let tags = self.resolve_tags(initial);
        let mut values: BTreeMap<String, (String, Scope)> = BTreeMap::new();
        for block in self.blocks.iter().filter(|b| b.with_tags.matches(&tags)) {
            for (key, value) in &block.properties {
                match values.get(key) {
                    None => {
                        let scope = Scope::ContextSet {
                            block: block.name.clone(),
                            file: block.file.clone(),
                        };
                        values.insert(key.clone(), (value.clone(), scope));
                    }
                    Some((kept, scope)) if kept != value => {
                        tracing::warn!(property = %key, kept = %kept, from = %scope,
                            ignored = %value, ignored_block = %block.name,
                            "matching contextSets disagree; the block whose name sorts first wins");
                    }
                    Some(_) => {}
                }
            }
        }
        ContextSetScope { tags, values }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn add_tags_reach_a_fixpoint_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        // "gold" only matches once "silver" added its tag, which needs "bronze" first;
        // file and block order are deliberately the reverse of the dependency order.
        write(
            dir.path(),
            "a.yml",
            "gold:\n  withTags: silverPlus & !trial\n  com.openexchange.carddav.exposedCollections: 2\n",
        );
        write(
            dir.path(),
            "nested/b.yaml",
            "silver:\n  withTags: bronzePlus\n  addTags: [silverPlus]\n\
             bronze:\n  withTags: ucInfostore | example.com\n  addTags: bronzePlus, extra\n",
        );
        write(dir.path(), "ignored.txt", "not: yaml: at all");
        let sets = ContextSets::load(dir.path()).unwrap();
        let scope = sets.scope_for(tags(&["example.com", "1"]));
        assert_eq!(
            scope.tags,
            tags(&["example.com", "1", "bronzePlus", "extra", "silverPlus"])
        );
        let (value, from) = &scope.values["com.openexchange.carddav.exposedCollections"];
        assert_eq!(value, "2");
        assert_eq!(
            from,
            &Scope::ContextSet {
                block: "gold".into(),
                file: dir.path().join("a.yml")
            }
        );
        let none = sets.scope_for(tags(&["other.org"]));
        assert!(none.values.is_empty());
        assert_eq!(none.tags, tags(&["other.org"]));
        let trial = sets.scope_for(tags(&["ucInfostore", "trial"]));
        assert!(trial.values.is_empty());
    }

    #[test]
    fn hidden_files_and_directories_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let block = "caldav:\n  withTags: ucInfostore\n  com.openexchange.caldav.enabled: true\n";
        write(dir.path(), "caldav.yml", block);
        // As a Kubernetes ConfigMap volume lays the same file out.
        write(dir.path(), "..2026_11_21_10_00_00.1/caldav.yml", block);
        write(dir.path(), "..data/caldav.yml", block);
        write(dir.path(), ".editor-backup.yml", "broken: [");
        let sets = ContextSets::load(dir.path()).unwrap();
        let (_, from) =
            &sets.scope_for(tags(&["ucInfostore"])).values["com.openexchange.caldav.enabled"];
        assert_eq!(
            from,
            &Scope::ContextSet {
                block: "caldav".into(),
                file: dir.path().join("caldav.yml")
            }
        );
    }

    #[test]
    fn conflicting_blocks_resolve_to_the_first_name() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "x.yml",
            "zeta:\n  withTags: t\n  com.openexchange.caldav.interval.start: one_year\n\
             alpha:\n  withTags: t\n  com.openexchange.caldav.interval.start: six_months\n  \
             com.openexchange.caldav.enabled: true\n",
        );
        let scope = ContextSets::load(dir.path())
            .unwrap()
            .scope_for(tags(&["t"]));
        assert_eq!(
            scope.values["com.openexchange.caldav.interval.start"].0,
            "six_months"
        );
        assert_eq!(scope.values["com.openexchange.caldav.enabled"].0, "true");
    }

    #[test]
    fn a_block_without_with_tags_names_file_and_block() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "broken.yml",
            "premium:\n  com.openexchange.caldav.enabled: true\n",
        );
        let err = ContextSets::load(dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: contextSet \"premium\": withTags is required",
                file.display()
            )
        );
        write(dir.path(), "broken.yml", "premium:\n  withTags: a &\n");
        let err = ContextSets::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("contextSet \"premium\": withTags \"a &\""),
            "{err}"
        );
    }

    #[test]
    fn a_missing_directory_has_no_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let sets = ContextSets::load(&dir.path().join("contextSets")).unwrap();
        assert!(sets.scope_for(tags(&["a"])).values.is_empty());
    }
}
