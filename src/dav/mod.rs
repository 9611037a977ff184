//! WebDAV protocol: request parsing, multistatus writing, headers and preconditions.
//! Pure protocol: no database and no axum, only the `http` crate's types.

pub mod document;
pub mod names;
pub mod propfind;

pub use document::{parse_document, Element, XmlError};
pub use names::{ElementName, KnownProp, Namespace, PropName};
pub use propfind::{PropfindError, PropfindRequest};
