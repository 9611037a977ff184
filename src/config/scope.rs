//! Where a resolved value came from: user, context, a contextSet block, a server file,
//! the environment or the built-in default.

use std::fmt;
use std::path::PathBuf;

/// The origin of a property value, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A `config/<property>` attribute of the user.
    User,
    /// A `config/<property>` attribute of the user's context.
    Context,
    /// A block of a contextSets file whose `withTags` matched.
    ContextSet {
        /// The block's name.
        block: String,
        /// The file that holds the block.
        file: PathBuf,
    },
    /// A `.properties` or YAML file of the server's configuration directory.
    ServerFile(PathBuf),
    /// An environment variable (or an explicit override given in its place).
    Environment(String),
    /// The built-in default.
    Default,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::User => f.write_str("user attribute"),
            Scope::Context => f.write_str("context attribute"),
            Scope::ContextSet { block, file } => {
                write!(f, "contextSet \"{block}\" in {}", file.display())
            }
            Scope::ServerFile(path) => write!(f, "file {}", path.display()),
            Scope::Environment(var) => write!(f, "environment variable {var}"),
            Scope::Default => f.write_str("built-in default"),
        }
    }
}

/// A property's raw value together with the scope that supplied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The property's name.
    pub name: String,
    /// The value in string form, as written at its scope.
    pub value: String,
    /// Where the value came from.
    pub scope: Scope,
}

impl fmt::Display for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {} (from {})", self.name, self.value, self.scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolved_renders_as_one_cli_line() {
        let resolved = Resolved {
            name: "com.openexchange.carddav.exposedCollections".into(),
            value: "2".into(),
            scope: Scope::ContextSet {
                block: "premium".into(),
                file: PathBuf::from("config/contextSets/carddav.yml"),
            },
        };
        assert_eq!(
            resolved.to_string(),
            "com.openexchange.carddav.exposedCollections = 2 \
             (from contextSet \"premium\" in config/contextSets/carddav.yml)"
        );
        assert_eq!(
            Scope::Environment("DAVGATE_LISTEN".into()).to_string(),
            "environment variable DAVGATE_LISTEN"
        );
        assert_eq!(
            Scope::ServerFile("config/dav.properties".into()).to_string(),
            "file config/dav.properties"
        );
    }
}
