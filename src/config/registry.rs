//! The registry of known properties: name, kind, default, cascade awareness and a
//! one-line description, plus the `Property` trait that gives each one a typed value.

use std::sync::LazyLock;

use super::props;
use super::values::ValueError;

/// A property with a typed value; implemented by the zero-sized types in
/// [`props`](super::props).
pub trait Property {
    /// The property's name as written in files and attributes.
    const NAME: &'static str;
    /// What the string form parses into.
    type Value;
    /// Parses the string form (from a file, an attribute, the environment or the default).
    fn parse(raw: &str) -> Result<Self::Value, ValueError>;
}

/// The shape of a property's value, for documentation and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Integer,
    /// One of the listed words.
    Choice(&'static [&'static str]),
    /// One of the listed words, or a number of days.
    ChoiceOrDays(&'static [&'static str]),
    /// A regular expression.
    Regex,
    /// Comma-separated numeric folder ids.
    IdList,
    /// An address and port to listen on.
    SocketAddr,
    /// A file system path.
    Path,
}

/// One entry of the registry.
#[derive(Debug, Clone, Copy)]
pub struct PropertyDef {
    /// The property's name.
    pub name: &'static str,
    /// The shape of its value.
    pub kind: Kind,
    /// The built-in default, in string form.
    pub default: &'static str,
    /// Whether context sets, context and user attributes may override it.
    pub cascade: bool,
    /// The environment variable that sets it, if any.
    pub env: Option<&'static str>,
    /// What it does, in one line.
    pub doc: &'static str,
    pub(crate) validate: fn(&str) -> Result<(), ValueError>,
}

impl PropertyDef {
    /// Checks a string form without keeping the parsed value.
    pub fn check(&self, raw: &str) -> Result<(), ValueError> {
        (self.validate)(raw)
    }
}

/// Every known property, in a stable order: OX's and the process's, then the limits.
static ALL: LazyLock<Vec<PropertyDef>> = LazyLock::new(|| {
    [
        props::DEFINITIONS,
        props::LIMITS,
        props::LOGINS,
        props::IMIP,
        props::FREEBUSY,
        props::QUOTA,
        props::UI,
        props::PUSH,
    ]
    .into_iter()
    .flatten()
    .copied()
    .collect()
});

/// Every known property, in a stable order.
pub fn registry() -> &'static [PropertyDef] {
    &ALL
}

/// The registry entry for `name`, if the property is known.
pub fn lookup(name: &str) -> Option<&'static PropertyDef> {
    registry().iter().find(|d| d.name == name)
}

/// The registry entry whose environment alias is `var`.
pub(crate) fn lookup_env(var: &str) -> Option<&'static PropertyDef> {
    registry().iter().find(|d| d.env == Some(var))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_default_is_a_valid_value() {
        for def in registry() {
            if let Err(e) = def.check(def.default) {
                panic!("default {:?} of {} is invalid: {e}", def.default, def.name);
            }
        }
    }

    #[test]
    fn names_and_env_aliases_are_unique() {
        let names: BTreeSet<_> = registry().iter().map(|d| d.name).collect();
        assert_eq!(names.len(), registry().len());
        let envs: Vec<_> = registry().iter().filter_map(|d| d.env).collect();
        let unique: BTreeSet<_> = envs.iter().collect();
        assert_eq!(unique.len(), envs.len());
        // davgate's own variables, or the OpenTelemetry standard ones operators already set.
        for env in envs {
            assert!(
                env.starts_with("DAVGATE_") || env.starts_with("OTEL_"),
                "{env} is neither davgate's nor a standard variable"
            );
        }
    }

    #[test]
    fn process_and_path_settings_are_server_only() {
        for def in registry() {
            // Which login methods a user may use, who may read a user's Internet
            // free/busy, a user's quota and what the browser page offers are decided per context
            // and user.
            if def.name.starts_with("davgate.login.")
                || def.name.starts_with("davgate.freebusy.")
                || def.name.starts_with("davgate.quota.")
                || def.name.starts_with("davgate.ui.")
            {
                assert!(def.cascade, "{} must be cascade-aware", def.name);
            } else if def.name.starts_with("davgate.")
                || def.name.starts_with("com.openexchange.dav.")
            {
                assert!(!def.cascade, "{} must not be cascade-aware", def.name);
            }
        }
        assert!(lookup("com.openexchange.caldav.enabled").unwrap().cascade);
        assert!(lookup("com.example.unknown").is_none());
        assert_eq!(
            lookup_env("DAVGATE_LISTEN").map(|d| d.name),
            Some("davgate.listen")
        );
    }

    #[test]
    fn every_limit_is_documented() {
        let doc = include_str!("../../docs/limits.md");
        let limits = super::props::LOGINS
            .iter()
            .filter(|d| d.name.starts_with("davgate.limits."));
        for def in super::props::LIMITS.iter().chain(limits) {
            assert!(
                doc.contains(&format!("`{}`", def.name)),
                "{} is not described in docs/limits.md",
                def.name
            );
        }
    }
}
