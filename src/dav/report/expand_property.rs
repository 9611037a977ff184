//! The `DAV:expand-property` REPORT body (RFC 3253 3.8): the properties to report, each
//! with the properties to report of the resources its hrefs name, nested.

use super::ReportError;
use crate::dav::body_limits::{BodyLimits, Exceeded};
use crate::dav::document::Element;
use crate::dav::names::{Namespace, PropName};

/// How deep `DAV:property` elements may nest; deeper ones are refused.
pub const MAX_EXPAND_DEPTH: usize = 3;

/// One `DAV:property`: its name and, for the resources its hrefs name, what to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandProperty {
    pub name: PropName,
    pub expand: Vec<ExpandProperty>,
}

pub(super) fn parse(
    root: &Element,
    limits: &BodyLimits,
) -> Result<Vec<ExpandProperty>, ReportError> {
    let mut count = 0;
    let properties = level(root, limits, 1, &mut count)?;
    if properties.is_empty() {
        return Err(ReportError::Malformed(
            "a DAV:expand-property needs a DAV:property".into(),
        ));
    }
    Ok(properties)
}

fn level(
    element: &Element,
    limits: &BodyLimits,
    depth: usize,
    count: &mut usize,
) -> Result<Vec<ExpandProperty>, ReportError> {
    let mut properties = Vec::new();
    for property in element.children_named(&Namespace::Dav, "property") {
        if depth > MAX_EXPAND_DEPTH {
            return Err(ReportError::Malformed(format!(
                "DAV:property nests at most {MAX_EXPAND_DEPTH} deep"
            )));
        }
        *count += 1;
        BodyLimits::check(*count, limits.max_properties, Exceeded::Properties)?;
        let local = property.attribute("name").unwrap_or("").trim();
        if local.is_empty() {
            return Err(ReportError::Malformed(
                "a DAV:property needs a name attribute".into(),
            ));
        }
        let namespace = property.attribute("namespace").unwrap_or("DAV:");
        properties.push(ExpandProperty {
            name: PropName::new(Namespace::from_uri(namespace), local),
            expand: level(property, limits, depth + 1, count)?,
        });
    }
    Ok(properties)
}
