//! The property cascade: registry, server scope, contextSets, context and user attributes.
//! Property names and semantics follow the Open-Xchange middleware so its configuration works unchanged.

mod cascade;
mod context_sets;
mod error;
mod properties_file;
pub mod props;
mod registry;
mod scope;
mod server;
mod subject;
mod tag_expr;
pub mod values;
mod yaml;

pub use cascade::{permission_tag, Attribute, CascadeSubject, ConfigView};
pub use error::ConfigError;
pub use registry::{lookup, registry, Kind, Property, PropertyDef};
pub use scope::{Resolved, Scope};
pub use server::ServerConfig;
pub use subject::subject_for;
pub use values::ValueError;
