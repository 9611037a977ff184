//! The one error type of the configuration module: unreadable files, syntax errors,
//! invalid server values, malformed contextSet blocks and unknown property names.

use std::path::PathBuf;

use super::scope::Scope;

/// Why the configuration could not be loaded or a property could not be explained.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file or directory could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not valid `.properties` or YAML.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong, with a line number where known.
        message: String,
    },
    /// A known property has a value its type rejects.
    #[error("invalid value {value:?} for {property} (from {scope}): {reason}")]
    InvalidValue {
        /// The property's name.
        property: String,
        /// The rejected value.
        value: String,
        /// Where the value came from.
        scope: Scope,
        /// Why it was rejected.
        reason: String,
    },
    /// A contextSet block is malformed.
    #[error("{}: contextSet \"{block}\": {message}", path.display())]
    ContextSet {
        /// The file holding the block.
        path: PathBuf,
        /// The block's name.
        block: String,
        /// What is wrong.
        message: String,
    },
    /// The property is not in the registry.
    #[error("unknown property {0}: it is not in davgate's registry of properties")]
    UnknownProperty(String),
}
