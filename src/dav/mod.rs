//! WebDAV protocol: request parsing, multistatus writing, headers and preconditions.
//! Pure protocol: no database and no axum, only the `http` crate's types.

pub mod acl_body;
pub mod body_limits;
#[cfg(test)]
mod bounds_tests;
pub mod dead_value;
pub mod document;
pub mod headers;
pub mod member;
pub mod mkcol;
pub mod multistatus;
pub mod names;
mod namespace_scope;
pub mod precondition;
pub mod propfind;
pub mod proppatch;
pub mod report;
pub mod resource_name;
pub mod schedule_response;
pub mod share_body;
pub(crate) mod xml_writer;

pub use body_limits::{BodyLimits, Budget, Cancel, Exceeded};
pub use dead_value::DeadValue;
pub use document::{parse_document, parse_document_within, Element, Node, XmlError};
pub use headers::{Depth, EntityTag, EtagCondition, HeaderError};
pub use mkcol::{
    component_set, parse_mkcalendar, parse_mkcalendar_within, parse_mkcol, parse_mkcol_within,
    refusal_body, MkcolRequest,
};
pub use multistatus::{
    status_line, supported_report_set, Multistatus, MultistatusStream, PropValue, Property,
    Propstat, Response, ResponseBody, XmlElement,
};
pub use names::{ElementName, KnownProp, Namespace, PropName};
pub use precondition::{AclCondition, NeededPrivilege, Precondition, Refusal};
pub use propfind::{PropfindError, PropfindRequest};
pub use proppatch::{BodyError, PropOperation, ProppatchRequest};
pub use report::{
    parse_address_data, parse_calendar_data, parse_report, parse_report_within, ReportError,
    ReportProps, ReportRequest, SyncLevel,
};
pub use resource_name::{check_new_name, NameError};
pub use xml_writer::xml_document;
