//! Per-user resolution: user -> context -> contextSets -> server -> default, the first
//! scope with a valid value winning; server-only properties skip the first three.

use std::collections::{BTreeMap, BTreeSet};

use super::context_sets::ContextSetScope;
use super::error::ConfigError;
use super::registry::{lookup, Property, PropertyDef};
use super::scope::{Resolved, Scope};
use super::server::ServerConfig;
use super::values::ValueError;

/// An attribute of a context or user (the store's type). Only `config/<property>`
/// attributes take part in the cascade; `is_final` on a context attribute stops users
/// from overriding it.
pub use crate::store::Attribute;

impl Attribute {
    /// A `config/<property>` attribute.
    pub fn config(property: &str, value: &str, is_final: bool) -> Self {
        Attribute {
            name: format!("config/{property}"),
            value: value.to_owned(),
            is_final,
        }
    }
}

/// Everything the cascade needs to know about a user, filled by the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CascadeSubject {
    /// The context's numeric id; also a tag.
    pub context_id: i64,
    /// The context's name; also a tag.
    pub context_name: String,
    /// The context's `taxonomy/types` attribute: comma-separated tags.
    pub taxonomy_types: String,
    /// The user's module permissions (`calendar`, `infostore`, `caldav`, ...).
    pub permissions: Vec<String>,
    /// Attributes of the context.
    pub context_attributes: Vec<Attribute>,
    /// Attributes of the user.
    pub user_attributes: Vec<Attribute>,
}

/// OX spells permission tags with their own capitalisation.
const PERMISSION_TAGS: &[(&str, &str)] = &[
    ("webmail", "ucWebMail"),
    ("calendar", "ucCalendar"),
    ("contacts", "ucContacts"),
    ("tasks", "ucTasks"),
    ("infostore", "ucInfostore"),
    ("caldav", "ucCalDAV"),
    ("carddav", "ucCardDAV"),
    ("webdav", "ucWebDAV"),
    ("webdavxml", "ucWebDAVXML"),
    ("ical", "ucICal"),
    ("vcard", "ucVCard"),
    ("syncml", "ucSyncML"),
    ("usm", "ucUSM"),
    ("olox20", "ucOLOX20"),
    ("activesync", "ucActiveSync"),
    ("editpublicfolders", "ucEditPublicFolders"),
    ("readcreatesharedfolders", "ucReadCreateSharedFolders"),
    ("delegatetasks", "ucDelegateTasks"),
    ("editgroup", "ucEditGroup"),
    ("editresource", "ucEditResource"),
    ("editpassword", "ucEditPassword"),
    ("collectemailaddresses", "ucCollectEmailAddresses"),
    ("multiplemailaccounts", "ucMultipleMailAccounts"),
    ("subscription", "ucSubscription"),
    ("publication", "ucPublication"),
];

/// The tag of a module permission: `infostore` -> `ucInfostore`, `caldav` -> `ucCalDAV`;
/// permissions OX does not name become `uc` plus the name with its first letter capitalised.
pub fn permission_tag(permission: &str) -> String {
    let permission = permission.trim();
    if let Some((_, tag)) = PERMISSION_TAGS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(permission))
    {
        return (*tag).to_owned();
    }
    let mut chars = permission.chars();
    match chars.next() {
        Some(first) => format!("uc{}{}", first.to_uppercase(), chars.as_str()),
        None => "uc".to_owned(),
    }
}

impl CascadeSubject {
    /// The tags contextSets are matched against, before `addTags`: context name and id,
    /// `taxonomy/types` entries (field or context attribute) and permission tags.
    pub fn tags(&self) -> BTreeSet<String> {
        let mut tags = BTreeSet::new();
        if !self.context_name.is_empty() {
            tags.insert(self.context_name.clone());
        }
        tags.insert(self.context_id.to_string());
        let types_attribute = self
            .context_attributes
            .iter()
            .filter(|a| a.name == "taxonomy/types")
            .map(|a| a.value.as_str());
        for types in std::iter::once(self.taxonomy_types.as_str()).chain(types_attribute) {
            tags.extend(
                types
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
            );
        }
        tags.extend(
            self.permissions
                .iter()
                .filter(|p| !p.trim().is_empty())
                .map(|p| permission_tag(p)),
        );
        tags
    }
}

fn config_attributes(attributes: &[Attribute]) -> BTreeMap<String, Attribute> {
    attributes
        .iter()
        .filter_map(|a| {
            let property = a.name.strip_prefix("config/")?;
            Some((property.to_owned(), a.clone()))
        })
        .collect()
}

/// The configuration as one user sees it. Build one per request (or cache per user);
/// building it matches the contextSets once.
#[derive(Debug, Clone)]
pub struct ConfigView {
    server: ServerConfig,
    user: BTreeMap<String, Attribute>,
    context: BTreeMap<String, Attribute>,
    sets: ContextSetScope,
}

impl ConfigView {
    /// Resolves the contextSets for `subject` and keeps its config attributes.
    pub fn new(server: &ServerConfig, subject: &CascadeSubject) -> Self {
        ConfigView {
            server: server.clone(),
            user: config_attributes(&subject.user_attributes),
            context: config_attributes(&subject.context_attributes),
            sets: server.context_sets().scope_for(subject.tags()),
        }
    }

    /// The subject's tags after contextSets added theirs.
    pub fn tags(&self) -> &BTreeSet<String> {
        &self.sets.tags
    }

    /// The candidate values of a property, most specific first.
    fn candidates(&self, def: &PropertyDef) -> Vec<(String, Scope)> {
        let name = def.name;
        let user = self.user.get(name);
        let context = self.context.get(name);
        let set = self.sets.values.get(name);
        let mut out = Vec::new();
        if def.cascade {
            match (user, context) {
                (Some(_), Some(ctx)) if ctx.is_final => {
                    tracing::debug!(
                        property = name,
                        "context attribute is final; ignoring the user attribute"
                    );
                }
                (Some(u), _) => out.push((u.value.clone(), Scope::User)),
                _ => {}
            }
            if let Some(ctx) = context {
                out.push((ctx.value.clone(), Scope::Context));
            }
            if let Some((value, scope)) = set {
                out.push((value.clone(), scope.clone()));
            }
        } else if user.is_some() || context.is_some() || set.is_some() {
            tracing::debug!(
                property = name,
                "server-only property; ignoring user, context and contextSet values"
            );
        }
        if let Some(server) = self.server.server_value(name) {
            out.push((server.value, server.scope));
        }
        out.push((def.default.to_owned(), Scope::Default));
        out
    }

    fn first_valid<T>(
        &self,
        def: &PropertyDef,
        parse: impl Fn(&str) -> Result<T, ValueError>,
    ) -> (T, String, Scope) {
        for (raw, scope) in self.candidates(def) {
            match parse(&raw) {
                Ok(value) => return (value, raw, scope),
                Err(reason) => tracing::warn!(property = def.name, scope = %scope,
                    value = %raw, reason = %reason, "ignoring an invalid value"),
            }
        }
        panic!("the default of {} is invalid", def.name)
    }

    /// The typed value of a property for this user. Invalid values at a scope are
    /// logged and skipped, so the result falls back towards the default.
    pub fn get<P: Property>(&self) -> P::Value {
        match lookup(P::NAME) {
            Some(def) => self.first_valid(def, P::parse).0,
            None => self.server.get::<P>(),
        }
    }

    /// The raw value a known property resolves to for this user, and its scope.
    /// Unknown names are an error even if some file or attribute sets them: davgate
    /// would not act on them, so showing a value would mislead.
    pub fn explain(&self, name: &str) -> Result<Resolved, ConfigError> {
        let def = lookup(name).ok_or_else(|| ConfigError::UnknownProperty(name.to_owned()))?;
        let (_, value, scope) = self.first_valid(def, |raw| def.check(raw));
        Ok(Resolved {
            name: name.to_owned(),
            value,
            scope,
        })
    }
}

impl ServerConfig {
    /// The configuration as `subject` sees it.
    pub fn view(&self, subject: &CascadeSubject) -> ConfigView {
        ConfigView::new(self, subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::props;
    use crate::config::values::{ExposedCollections, IntervalStart};
    use std::path::{Path, PathBuf};

    const EXPOSED: &str = "com.openexchange.carddav.exposedCollections";

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Server file says 1, contextSet "premium" (tag ucInfostore) says 2.
    fn layered() -> (tempfile::TempDir, ServerConfig) {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "carddav.properties",
            "com.openexchange.carddav.exposedCollections = 1\n\
             com.openexchange.caldav.interval.start = six_months\n",
        );
        write(
            dir.path(),
            "contextSets/carddav.yml",
            "premium:\n  withTags: ucInfostore\n  com.openexchange.carddav.exposedCollections: 2\n  \
             com.openexchange.dav.prefixPath: /premium\n",
        );
        let config = ServerConfig::load_with(dir.path(), &[]).unwrap();
        (dir, config)
    }

    fn subject(permissions: &[&str]) -> CascadeSubject {
        CascadeSubject {
            context_id: 1,
            context_name: "example.com".into(),
            permissions: permissions.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn permissions_become_ox_spelled_tags() {
        assert_eq!(permission_tag("infostore"), "ucInfostore");
        assert_eq!(permission_tag("caldav"), "ucCalDAV");
        assert_eq!(permission_tag("CardDAV"), "ucCardDAV");
        assert_eq!(permission_tag("webdav"), "ucWebDAV");
        assert_eq!(permission_tag("webmail"), "ucWebMail");
        assert_eq!(permission_tag("projects"), "ucProjects");
        let mut s = subject(&["calendar", "contacts", "tasks"]);
        s.taxonomy_types = "gold, eu ,".into();
        s.context_attributes.push(Attribute {
            name: "taxonomy/types".into(),
            value: "beta".into(),
            is_final: false,
        });
        let expected: BTreeSet<String> = [
            "example.com",
            "1",
            "gold",
            "eu",
            "beta",
            "ucCalendar",
            "ucContacts",
            "ucTasks",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(s.tags(), expected);
    }

    #[test]
    fn most_specific_scope_wins() {
        let (dir, config) = layered();
        let set_scope = Scope::ContextSet {
            block: "premium".into(),
            file: dir.path().join("contextSets/carddav.yml"),
        };

        // default: not set anywhere
        let plain = config.view(&subject(&[]));
        assert!(!plain.get::<props::ReducedAggregatedCollection>());
        assert_eq!(
            plain
                .explain("com.openexchange.carddav.reducedAggregatedCollection")
                .unwrap()
                .scope,
            Scope::Default
        );
        // server file
        assert_eq!(
            plain.get::<props::ExposedCollections>(),
            ExposedCollections::FoldersOnly
        );
        assert_eq!(
            plain.explain(EXPOSED).unwrap().scope,
            Scope::ServerFile(dir.path().join("carddav.properties"))
        );
        // contextSet
        let mut s = subject(&["infostore"]);
        let view = config.view(&s);
        assert_eq!(
            view.get::<props::ExposedCollections>(),
            ExposedCollections::AggregatedOnly
        );
        assert_eq!(view.explain(EXPOSED).unwrap().scope, set_scope);
        // context
        s.context_attributes
            .push(Attribute::config(EXPOSED, "1", false));
        let view = config.view(&s);
        assert_eq!(
            view.get::<props::ExposedCollections>(),
            ExposedCollections::FoldersOnly
        );
        assert_eq!(view.explain(EXPOSED).unwrap().scope, Scope::Context);
        // user
        s.user_attributes
            .push(Attribute::config(EXPOSED, "0", false));
        s.user_attributes.push(Attribute {
            name: "alias".into(),
            value: "2".into(),
            is_final: false,
        });
        let view = config.view(&s);
        assert_eq!(
            view.get::<props::ExposedCollections>(),
            ExposedCollections::Auto
        );
        assert_eq!(
            view.explain(EXPOSED).unwrap().to_string(),
            "com.openexchange.carddav.exposedCollections = 0 (from user attribute)"
        );
    }

    #[test]
    fn a_final_context_attribute_hides_the_user_attribute() {
        let (_dir, config) = layered();
        let mut s = subject(&[]);
        s.context_attributes
            .push(Attribute::config(EXPOSED, "1", true));
        s.user_attributes
            .push(Attribute::config(EXPOSED, "2", false));
        let view = config.view(&s);
        assert_eq!(
            view.get::<props::ExposedCollections>(),
            ExposedCollections::FoldersOnly
        );
        assert_eq!(view.explain(EXPOSED).unwrap().scope, Scope::Context);
        s.context_attributes[0].is_final = false;
        assert_eq!(
            config.view(&s).get::<props::ExposedCollections>(),
            ExposedCollections::AggregatedOnly
        );
    }

    #[test]
    fn server_only_properties_ignore_user_context_and_context_sets() {
        let (_dir, config) = layered();
        let mut s = subject(&["infostore"]);
        s.user_attributes.push(Attribute::config(
            "com.openexchange.dav.prefixPath",
            "/mine",
            false,
        ));
        s.context_attributes
            .push(Attribute::config("davgate.listen", "0.0.0.0:1", false));
        let view = config.view(&s);
        assert_eq!(view.get::<props::PrefixPath>(), "/servlet/dav");
        assert_eq!(
            view.explain("com.openexchange.dav.prefixPath")
                .unwrap()
                .scope,
            Scope::Default
        );
        assert_eq!(view.get::<props::Listen>().port(), 8080);
    }

    #[test]
    fn invalid_per_user_values_fall_back_to_the_next_scope() {
        let (_dir, config) = layered();
        let mut s = subject(&[]);
        s.user_attributes.push(Attribute::config(
            "com.openexchange.caldav.interval.start",
            "fortnight",
            false,
        ));
        s.context_attributes
            .push(Attribute::config(EXPOSED, "7", false));
        s.user_attributes.push(Attribute::config(
            "com.openexchange.caldav.enabled",
            "maybe",
            false,
        ));
        let view = config.view(&s);
        // user value invalid -> server file value
        assert_eq!(view.get::<props::IntervalStart>(), IntervalStart::SixMonths);
        // context value invalid -> server file value
        assert_eq!(
            view.get::<props::ExposedCollections>(),
            ExposedCollections::FoldersOnly
        );
        assert_eq!(view.explain(EXPOSED).unwrap().value, "1");
        // user value invalid, nothing else set -> default
        assert!(view.get::<props::CaldavEnabled>());
        assert_eq!(
            view.explain("com.openexchange.caldav.enabled").unwrap(),
            Resolved {
                name: "com.openexchange.caldav.enabled".into(),
                value: "true".into(),
                scope: Scope::Default,
            }
        );
    }

    #[test]
    fn explaining_an_unknown_property_is_an_error() {
        let (_dir, config) = layered();
        let mut s = subject(&[]);
        s.user_attributes
            .push(Attribute::config("com.example.custom", "x", false));
        let err = config.view(&s).explain("com.example.custom").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown property com.example.custom: it is not in davgate's registry of properties"
        );
    }

    #[test]
    fn shipped_configuration_enables_dav_for_infostore_users_only() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
        let config = ServerConfig::load_with(&dir, &[]).unwrap();
        let with = config.view(&subject(&["calendar", "contacts", "infostore"]));
        assert!(with.get::<props::CaldavEnabled>());
        assert!(with.get::<props::CarddavEnabled>());
        assert!(matches!(
            with.explain("com.openexchange.caldav.enabled")
                .unwrap()
                .scope,
            Scope::ContextSet { .. }
        ));
        let without = config.view(&subject(&["calendar", "contacts"]));
        assert!(!without.get::<props::CaldavEnabled>());
        assert!(!without.get::<props::CarddavEnabled>());
        assert_eq!(
            without
                .explain("com.openexchange.caldav.enabled")
                .unwrap()
                .scope,
            Scope::ServerFile(dir.join("caldav.properties"))
        );
        // Shipped: the /dav prefix passed through by the proxy (OX's recommended style),
        // which also serves clients that talk to davgate directly.
        assert_eq!(config.get::<props::PrefixPath>(), "/dav");
        assert_eq!(config.get::<props::ProxyPrefixPath>(), "/");
        // Apart from these, the shipped files spell out the built-in defaults.
        for def in crate::config::registry() {
            let shipped = config.explain(def.name).unwrap();
            if def.name.to_ascii_lowercase().ends_with("prefixpath") {
                continue;
            }
            // OX's module switches are off, and on for users with the module.
            if def.name.ends_with(".enabled") && def.name.starts_with("com.openexchange.") {
                assert_eq!(shipped.value, "false", "{}", def.name);
            } else {
                assert_eq!(shipped.value, def.default, "{}", def.name);
                assert_ne!(shipped.scope, Scope::Default, "{} is not shipped", def.name);
            }
        }
    }
}
