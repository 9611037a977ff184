//! The principal searches of RFC 3744 9.4 and 9.5: `DAV:principal-property-search`, which
//! asks for the principals whose properties contain given strings, and
//! `DAV:principal-search-property-set`, which asks which properties can be searched.

use super::{ReportError, ReportProps};
use crate::dav::body_limits::{BodyLimits, Exceeded};
use crate::dav::document::Element;
use crate::dav::names::{Namespace, PropName};
use crate::dav::propfind::prop_names;

/// A `DAV:principal-property-search`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalSearch {
    /// Each `DAV:property-search`: the properties to look in and the text to find.
    pub searches: Vec<PropertySearch>,
    /// `test="anyof"`: a principal matches when one search does; otherwise all must.
    pub any_of: bool,
    /// The properties each matching principal's response carries.
    pub props: ReportProps,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertySearch {
    pub props: Vec<PropName>,
    /// The `DAV:match` text, compared case-insensitively.
    pub text: String,
    /// `match-type="starts-with"` (an extension Apple clients send); otherwise a
    /// substring anywhere.
    pub starts_with: bool,
}

pub(super) fn parse(root: &Element, limits: &BodyLimits) -> Result<PrincipalSearch, ReportError> {
    let dav = Namespace::Dav;
    let elements: Vec<&Element> = root.children_named(&dav, "property-search").collect();
    BodyLimits::check(elements.len(), limits.max_properties, Exceeded::Properties)?;
    let mut searches = Vec::new();
    for search in elements {
        let prop = search.child(&dav, "prop").ok_or_else(|| {
            ReportError::Malformed("a DAV:property-search needs a DAV:prop".into())
        })?;
        let found = search.child(&dav, "match").ok_or_else(|| {
            ReportError::Malformed("a DAV:property-search needs a DAV:match".into())
        })?;
        let text = found.text.trim().to_lowercase();
        if text.is_empty() {
            return Err(ReportError::Malformed(
                "a DAV:match needs the text to look for".into(),
            ));
        }
        searches.push(PropertySearch {
            props: prop_names(prop, limits)?,
            text,
            starts_with: found
                .attribute("match-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("starts-with")),
        });
    }
    if searches.is_empty() {
        return Err(ReportError::Malformed(
            "a DAV:principal-property-search needs a DAV:property-search".into(),
        ));
    }
    Ok(PrincipalSearch {
        searches,
        any_of: root
            .attribute("test")
            .is_some_and(|t| t.eq_ignore_ascii_case("anyof")),
        props: ReportProps::from_report(root, limits)?,
    })
}

/// What `DAV:principal-property-search` looks in: the properties and their description.
pub const SEARCHABLE: [(&str, &str, &str); 3] = [
    ("DAV:", "displayname", "Display name or login"),
    (
        "urn:ietf:params:xml:ns:caldav",
        "calendar-user-address-set",
        "Mail addresses",
    ),
    (
        "http://calendarserver.org/ns/",
        "email-address-set",
        "Mail addresses",
    ),
];

/// The `DAV:principal-search-property-set` answer (RFC 3744 9.5).
pub fn search_property_set_body() -> Vec<u8> {
    use crate::dav::names::ElementName;
    use crate::dav::xml_writer::{DavXmlWriter, XmlElement};

    let root = ElementName::dav("principal-search-property-set");
    let mut out = DavXmlWriter::new();
    out.start_root(&root);
    for (ns, local, description) in SEARCHABLE {
        let property = ElementName::dav("principal-search-property");
        let prop = ElementName::dav("prop");
        out.start(&property);
        out.start(&prop);
        out.element(&XmlElement::empty(ElementName::new(
            Namespace::from_uri(ns),
            local,
        )));
        out.end(&prop);
        out.element(
            &XmlElement::text(ElementName::dav("description"), description)
                .with_attribute("xml:lang", "en"),
        );
        out.end(&property);
    }
    out.end(&root);
    out.finish()
}
