//! The server scope, layered with figment: built-in defaults, `*.properties`, then
//! top-level `*.yml`/`*.yaml` of the config directory, then environment variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};

use super::context_sets::ContextSets;
use super::error::ConfigError;
use super::properties_file::PropertiesFile;
use super::registry::{lookup, lookup_env, registry, Property};
use super::scope::{Resolved, Scope};
use super::yaml::YamlFile;

/// The configuration shared by every request: server-scope values and the contextSets.
/// Cheap to clone; per-user resolution goes through [`ConfigView`](super::ConfigView).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    values: BTreeMap<String, (String, Scope)>,
    context_sets: ContextSets,
}

/// The registry defaults as the lowest figment layer.
struct Defaults;

impl Provider for Defaults {
    fn metadata(&self) -> Metadata {
        Metadata::named("built-in defaults")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let dict: Dict = registry()
            .iter()
            .map(|d| (d.name.to_owned(), Value::from(d.default.to_owned())))
            .collect();
        Ok(Map::from([(Profile::Default, dict)]))
    }
}

/// One environment variable (or override), named as the metadata source so that
/// `explain` can say which variable set a value.
struct EnvValue {
    var: String,
    key: String,
    value: String,
}

impl Provider for EnvValue {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment").source(Source::Custom(self.var.clone()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let dict = Dict::from([(self.key.clone(), Value::from(self.value.clone()))]);
        Ok(Map::from([(Profile::Default, dict)]))
    }
}

fn files_with_extension(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, ConfigError> {
    let io = |source| ConfigError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if path.is_file() && extensions.contains(&ext) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn string_form(value: &Value) -> String {
    match value {
        Value::String(_, s) => s.clone(),
        Value::Char(_, c) => c.to_string(),
        Value::Bool(_, b) => b.to_string(),
        Value::Num(_, n) => n
            .to_i128()
            .map(|i| i.to_string())
            .or_else(|| n.to_f64().map(|f| f.to_string()))
            .unwrap_or_default(),
        Value::Empty(..) => String::new(),
        Value::Array(_, items) => items.iter().map(string_form).collect::<Vec<_>>().join(","),
        Value::Dict(..) => String::new(),
    }
}

fn scope_of(figment: &Figment, value: &Value) -> Scope {
    match figment
        .get_metadata(value.tag())
        .and_then(|m| m.source.as_ref())
    {
        Some(Source::File(path)) => Scope::ServerFile(path.clone()),
        Some(Source::Custom(var)) => Scope::Environment(var.clone()),
        _ => Scope::Default,
    }
}

impl ServerConfig {
    /// Loads `config_dir` and the `DAVGATE_*` environment variables of the process.
    pub fn load(config_dir: &Path) -> Result<Self, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars()
            .filter(|(var, _)| lookup_env(var).is_some())
            .collect();
        Self::build(config_dir, env)
    }

    /// Loads `config_dir`, the `DAVGATE_*` environment, then `overrides` (command-line
    /// flags), each later one winning. With `missing_dir_ok`, an absent directory means
    /// built-in defaults only (the command line's implicit `./config`).
    pub fn load_with_flags(
        config_dir: &Path,
        overrides: &[(&str, &str)],
        missing_dir_ok: bool,
    ) -> Result<Self, ConfigError> {
        if missing_dir_ok && !config_dir.exists() {
            let env = std::env::vars()
                .filter(|(var, _)| lookup_env(var).is_some())
                .chain(
                    overrides
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string())),
                )
                .collect();
            return Self::build_from(config_dir, env, false);
        }
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(var, _)| lookup_env(var).is_some())
            .collect();
        env.extend(
            overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        Self::build(config_dir, env)
    }

    /// Loads `config_dir` with `overrides` in place of the process environment, which is
    /// not read. A key is an environment alias (`DAVGATE_LISTEN`) or a property name.
    pub fn load_with(config_dir: &Path, overrides: &[(&str, &str)]) -> Result<Self, ConfigError> {
        let env = overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::build(config_dir, env)
    }

    /// The built-in defaults alone: no files, no environment.
    pub fn defaults() -> Self {
        Self::build_from(Path::new("."), Vec::new(), false)
            .expect("every built-in default is a valid value")
    }

    fn build(dir: &Path, env: Vec<(String, String)>) -> Result<Self, ConfigError> {
        Self::build_from(dir, env, true)
    }

    fn build_from(
        dir: &Path,
        env: Vec<(String, String)>,
        read_files: bool,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Defaults);
        if read_files {
            for path in files_with_extension(dir, &["properties"])? {
                figment = figment.merge(PropertiesFile::open(&path)?);
            }
            for path in files_with_extension(dir, &["yml", "yaml"])? {
                figment = figment.merge(YamlFile::open(&path)?);
            }
        }
        for (var, value) in env {
            let key = lookup_env(&var).map_or_else(|| var.clone(), |d| d.name.to_owned());
            figment = figment.merge(EnvValue { var, key, value });
        }

        // find_value splits dotted paths, so read the whole top-level dictionary instead.
        let merged = figment.find_value("").map_err(|e| ConfigError::Syntax {
            path: dir.to_owned(),
            message: e.to_string(),
        })?;
        let mut values = BTreeMap::new();
        for (key, value) in merged.as_dict().into_iter().flatten() {
            let raw = string_form(value);
            let scope = scope_of(&figment, value);
            match lookup(key) {
                Some(def) => {
                    if let Err(reason) = def.check(&raw) {
                        return Err(ConfigError::InvalidValue {
                            property: key.clone(),
                            value: raw,
                            scope,
                            reason: reason.0,
                        });
                    }
                }
                None => tracing::debug!(property = %key, from = %scope,
                    "keeping a property davgate does not use"),
            }
            values.insert(key.clone(), (raw, scope));
        }

        let context_sets = ContextSets::load(&dir.join("contextSets"))?;
        Ok(ServerConfig {
            inner: Arc::new(Inner {
                dir: dir.to_owned(),
                values,
                context_sets,
            }),
        })
    }

    /// The configuration directory this was loaded from.
    pub fn config_dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The server-scope value of a property (file, environment or default).
    pub fn get<P: Property>(&self) -> P::Value {
        let raw = self.inner.values.get(P::NAME).map(|(raw, _)| raw.as_str());
        // Known values were checked at load time, so only a registry bug can fail here.
        raw.and_then(|raw| P::parse(raw).ok())
            .or_else(|| lookup(P::NAME).and_then(|d| P::parse(d.default).ok()))
            .unwrap_or_else(|| panic!("{} has no valid value or default", P::NAME))
    }

    /// The server-scope raw value of a known property and where it came from.
    pub fn explain(&self, name: &str) -> Result<Resolved, ConfigError> {
        lookup(name).ok_or_else(|| ConfigError::UnknownProperty(name.to_owned()))?;
        Ok(self
            .server_value(name)
            .expect("known properties always have a default"))
    }

    /// The server-scope raw value of any property, known or not.
    pub(crate) fn server_value(&self, name: &str) -> Option<Resolved> {
        self.inner.values.get(name).map(|(value, scope)| Resolved {
            name: name.to_owned(),
            value: value.clone(),
            scope: scope.clone(),
        })
    }

    pub(crate) fn context_sets(&self) -> &ContextSets {
        &self.inner.context_sets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::props;
    use crate::config::values::LogFormat;
    use figment::Jail;

    #[test]
    fn defaults_when_the_directory_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig::load_with(dir.path(), &[]).unwrap();
        assert_eq!(config.get::<props::PrefixPath>(), "/servlet/dav");
        assert_eq!(config.get::<props::DatabaseUrl>(), None);
        assert_eq!(config.get::<props::SyncTokenRetentionDays>(), 30);
        assert_eq!(
            config.explain("davgate.listen").unwrap().scope,
            Scope::Default
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure must return figment::Error
    fn later_files_win_then_yaml_then_environment() {
        Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file(
                "config/a.properties",
                "com.openexchange.dav.prefixPath = /a\ncom.openexchange.caldav.tree = 1\n\
                 com.example.other.module = kept\n",
            )?;
            jail.create_file(
                "config/b.properties",
                "com.openexchange.dav.prefixPath = /b\ndavgate.logFormat = json\n",
            )?;
            jail.create_file(
                "config/davgate.yml",
                "davgate.listen: 0.0.0.0:9000\ndavgate.syncTokenRetentionDays: 14\n",
            )?;
            jail.set_env("DAVGATE_SYNC_TOKEN_RETENTION_DAYS", "7");
            jail.set_env("DAVGATE_UNRELATED", "x");
            let config = ServerConfig::load(Path::new("config")).unwrap();

            assert_eq!(config.get::<props::PrefixPath>(), "/b");
            assert_eq!(
                config
                    .explain("com.openexchange.dav.prefixPath")
                    .unwrap()
                    .scope,
                Scope::ServerFile(PathBuf::from("config/b.properties"))
            );
            assert_eq!(config.get::<props::CaldavTree>(), 1);
            assert_eq!(config.get::<props::LogFormat>(), LogFormat::Json);
            assert_eq!(config.get::<props::Listen>().port(), 9000);
            assert_eq!(
                config.explain("davgate.listen").unwrap().scope,
                Scope::ServerFile(PathBuf::from("config/davgate.yml"))
            );
            assert_eq!(config.get::<props::SyncTokenRetentionDays>(), 7);
            assert_eq!(
                config.explain("davgate.syncTokenRetentionDays").unwrap(),
                Resolved {
                    name: "davgate.syncTokenRetentionDays".into(),
                    value: "7".into(),
                    scope: Scope::Environment("DAVGATE_SYNC_TOKEN_RETENTION_DAYS".into()),
                }
            );
            assert_eq!(
                config
                    .server_value("com.example.other.module")
                    .unwrap()
                    .value,
                "kept"
            );
            assert!(matches!(
                config.explain("com.example.other.module"),
                Err(ConfigError::UnknownProperty(_))
            ));
            Ok(())
        });
    }

    #[test]
    fn overrides_replace_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.properties"), "davgate.dataDir = /srv\n").unwrap();
        let config = ServerConfig::load_with(
            dir.path(),
            &[
                ("DAVGATE_DATA_DIR", "/var/lib/davgate"),
                ("com.openexchange.dav.prefixPath", "/dav"),
            ],
        )
        .unwrap();
        assert_eq!(
            config.get::<props::DataDir>(),
            PathBuf::from("/var/lib/davgate")
        );
        assert_eq!(config.get::<props::PrefixPath>(), "/dav");
        assert_eq!(
            config
                .explain("com.openexchange.dav.prefixPath")
                .unwrap()
                .scope,
            Scope::Environment("com.openexchange.dav.prefixPath".into())
        );
    }

    #[test]
    fn an_invalid_server_value_names_property_value_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("carddav.properties");
        std::fs::write(&file, "com.openexchange.carddav.exposedCollections = 3\n").unwrap();
        let err = ServerConfig::load_with(dir.path(), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid value \"3\" for com.openexchange.carddav.exposedCollections \
                 (from file {}): expected 0 (automatic), 1 (folders only) or 2 (aggregated only)",
                file.display()
            )
        );
        let err = ServerConfig::load_with(dir.path(), &[("DAVGATE_LISTEN", "nowhere")]);
        assert!(err.is_err());
        std::fs::remove_file(&file).unwrap();
        let err = ServerConfig::load_with(dir.path(), &[("DAVGATE_LISTEN", "nowhere")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("environment variable DAVGATE_LISTEN"), "{err}");
    }

    #[test]
    fn a_missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = ServerConfig::load_with(&dir.path().join("absent"), &[]).unwrap_err();
        assert!(matches!(err, ConfigError::Io { .. }));
    }

    #[test]
    fn server_config_is_shareable() {
        fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
        assert_shareable::<ServerConfig>();
    }
}
