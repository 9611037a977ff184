//! MKCALENDAR (RFC 4791 5.3.1) and extended MKCOL (RFC 5689) bodies: the resource type
//! of the new collection and the properties to set on it.

use std::collections::HashSet;

use super::body_limits::{BodyLimits, Budget, Exceeded};
use super::dead_value::DeadValue;
use super::document::{parse_document_within, Element};
use super::names::{ElementName, KnownProp, Namespace, PropName};
use super::proppatch::{expect_root, prop_of, set_props, BodyError};

/// A collection to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MkcolRequest {
    /// Always holds `DAV:collection`; MKCALENDAR adds `CALDAV:calendar`, extended MKCOL
    /// whatever its `DAV:resourcetype` names.
    pub resource_types: Vec<ElementName>,
    /// The other properties to set, in document order (`resourcetype` is not among them).
    pub props: Vec<(PropName, DeadValue)>,
}

impl MkcolRequest {
    /// The component names of `CALDAV:supported-calendar-component-set` when the
    /// request sets it.
    pub fn supported_components(&self) -> Option<Vec<String>> {
        let wanted = KnownProp::SupportedCalendarComponentSet.name();
        self.props
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, value)| component_set(value))
    }
}

/// The upper-cased names of the `CALDAV:comp` elements in a
/// `supported-calendar-component-set` value; elements without a name are skipped.
pub fn component_set(value: &DeadValue) -> Vec<String> {
    value
        .elements()
        .iter()
        .filter(|comp| comp.name.is(&Namespace::CalDav, "comp"))
        .filter_map(|comp| comp.attribute("name"))
        .map(|name| name.trim().to_ascii_uppercase())
        .filter(|name| !name.is_empty())
        .collect()
}

/// A MKCALENDAR body within the default bounds; an empty body creates a calendar
/// without properties.
pub fn parse_mkcalendar(body: &[u8]) -> Result<MkcolRequest, BodyError> {
    parse_mkcalendar_within(body, &Budget::default())
}

/// A MKCALENDAR body within `budget`.
pub fn parse_mkcalendar_within(body: &[u8], budget: &Budget) -> Result<MkcolRequest, BodyError> {
    let calendar = vec![
        ElementName::dav("collection"),
        ElementName::caldav("calendar"),
    ];
    let Some(root) = parse_document_within(body, budget)? else {
        return Ok(MkcolRequest {
            resource_types: calendar,
            props: Vec::new(),
        });
    };
    expect_root(&root, &Namespace::CalDav, "mkcalendar")?;
    let mut request = collect(&root, calendar, &budget.limits)?;
    if !request
        .resource_types
        .contains(&ElementName::caldav("calendar"))
    {
        request.resource_types.push(ElementName::caldav("calendar"));
    }
    Ok(request)
}

/// An extended MKCOL body within the default bounds; an empty body creates a plain
/// collection.
pub fn parse_mkcol(body: &[u8]) -> Result<MkcolRequest, BodyError> {
    parse_mkcol_within(body, &Budget::default())
}

/// An extended MKCOL body within `budget`.
pub fn parse_mkcol_within(body: &[u8], budget: &Budget) -> Result<MkcolRequest, BodyError> {
    let plain = vec![ElementName::dav("collection")];
    let Some(root) = parse_document_within(body, budget)? else {
        return Ok(MkcolRequest {
            resource_types: plain,
            props: Vec::new(),
        });
    };
    expect_root(&root, &Namespace::Dav, "mkcol")?;
    collect(&root, plain, &budget.limits)
}

/// The props of every `DAV:set` (at most `max_properties` in all), with `resourcetype`
/// turned into resource types.
fn collect(
    root: &Element,
    mut resource_types: Vec<ElementName>,
    limits: &BodyLimits,
) -> Result<MkcolRequest, BodyError> {
    let resourcetype = KnownProp::ResourceType.name();
    let sets: Vec<&Element> = root.children_named(&Namespace::Dav, "set").collect();
    let mut named = 0;
    for set in &sets {
        named += prop_of(set)?.children.len();
    }
    BodyLimits::check(named, limits.max_properties, Exceeded::Properties)?;
    let mut known: HashSet<ElementName> = resource_types.iter().cloned().collect();
    let mut props = Vec::new();
    for set in sets {
        for (name, value) in set_props(set)? {
            if name != resourcetype {
                props.push((name, value));
                continue;
            }
            for element in value.elements() {
                if known.insert(element.name.clone()) {
                    resource_types.push(element.name);
                }
            }
        }
    }
    Ok(MkcolRequest {
        resource_types,
        props,
    })
}

/// The body of a MKCALENDAR (`CALDAV:mkcalendar-response`, RFC 4791 5.3.1) or extended
/// MKCOL (`DAV:mkcol-response`, RFC 5689 3) that created nothing because `failed` could
/// not be set as asked: `failed` with `status`, every other requested property with 424,
/// and the reason in `DAV:responsedescription`.
pub fn refusal_body(
    extended_mkcol: bool,
    failed: &PropName,
    status: http::StatusCode,
    others: &[PropName],
    reason: &str,
) -> Vec<u8> {
    use super::multistatus::status_line;
    use super::xml_writer::{DavXmlWriter, XmlElement};

    let root = if extended_mkcol {
        ElementName::dav("mkcol-response")
    } else {
        ElementName::caldav("mkcalendar-response")
    };
    let mut out = DavXmlWriter::new();
    out.start_root(&root);
    let mut propstat = |names: &[&PropName], status: http::StatusCode| {
        let propstat = ElementName::dav("propstat");
        let prop = ElementName::dav("prop");
        out.start(&propstat);
        out.start(&prop);
        for name in names {
            out.element(&XmlElement::empty((*name).clone()));
        }
        out.end(&prop);
        out.text_element(&ElementName::dav("status"), &status_line(status));
        out.end(&propstat);
    };
    propstat(&[failed], status);
    let others: Vec<&PropName> = others.iter().filter(|name| *name != failed).collect();
    if !others.is_empty() {
        propstat(&others, http::StatusCode::FAILED_DEPENDENCY);
    }
    out.text_element(&ElementName::dav("responsedescription"), reason);
    out.end(&root);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
    }

    fn names(request: &MkcolRequest) -> Vec<String> {
        request
            .props
            .iter()
            .map(|(name, _)| name.to_string())
            .collect()
    }

    #[test]
    fn rfc4791_mkcalendar_example() {
        let request =
            parse_mkcalendar(&fixture("requests/rfc4791-5.3.1.2-mkcalendar.xml")).unwrap();
        assert_eq!(
            request.resource_types,
            vec![
                ElementName::dav("collection"),
                ElementName::caldav("calendar")
            ]
        );
        assert_eq!(
            names(&request),
            vec![
                "{DAV:}displayname",
                "{urn:ietf:params:xml:ns:caldav}calendar-description",
                "{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set",
                "{urn:ietf:params:xml:ns:caldav}calendar-timezone",
            ]
        );
        assert_eq!(request.props[0].1.text(), "Lisa's Events");
        assert_eq!(request.props[1].1.text(), "Calendar restricted to events.");
        assert_eq!(request.supported_components(), Some(vec!["VEVENT".into()]));
        let timezone = request.props[3].1.text();
        assert!(
            timezone.starts_with("BEGIN:VCALENDAR\nPRODID:"),
            "{timezone}"
        );
        assert!(timezone.contains("TZNAME:Eastern Standard Time (US & Canada)\n"));
        assert!(timezone.ends_with("END:VCALENDAR\n"));
    }

    #[test]
    fn empty_bodies() {
        let calendar = parse_mkcalendar(b"").unwrap();
        assert_eq!(
            calendar.resource_types,
            vec![
                ElementName::dav("collection"),
                ElementName::caldav("calendar")
            ]
        );
        assert!(calendar.props.is_empty());
        assert_eq!(calendar.supported_components(), None);
        let plain = parse_mkcol(b"\n").unwrap();
        assert_eq!(plain.resource_types, vec![ElementName::dav("collection")]);
        let bare =
            parse_mkcalendar(br#"<mkcalendar xmlns="urn:ietf:params:xml:ns:caldav"/>"#).unwrap();
        assert_eq!(bare, calendar);
    }

    #[test]
    fn rfc5689_extended_mkcol() {
        let request = parse_mkcol(&fixture("requests/rfc5689-3.4-extended-mkcol.xml")).unwrap();
        assert_eq!(
            request.resource_types,
            vec![
                ElementName::dav("collection"),
                ElementName::new(
                    Namespace::Other("http://example.com/ns/".into()),
                    "special-resource"
                ),
            ]
        );
        assert_eq!(names(&request), vec!["{DAV:}displayname"]);
        assert_eq!(request.props[0].1.text(), "Special Resource");
    }

    #[test]
    fn extended_mkcol_of_a_calendar_with_other_prefixes() {
        let request = parse_mkcol(&fixture("requests/extended-mkcol-calendar.xml")).unwrap();
        assert_eq!(
            request.resource_types,
            vec![
                ElementName::dav("collection"),
                ElementName::caldav("calendar")
            ]
        );
        assert_eq!(request.supported_components(), Some(vec!["VEVENT".into()]));

        let body = br#"<mkcol xmlns="DAV:"><set><prop>
  <resourcetype><collection/><A:addressbook xmlns:A="urn:ietf:params:xml:ns:carddav"/></resourcetype>
  <q:supported-calendar-component-set xmlns:q="urn:ietf:params:xml:ns:caldav"><q:comp name="vtodo"/><q:comp/><comp name="VEVENT"/><q:comp name="VJOURNAL"/></q:supported-calendar-component-set>
</prop></set></mkcol>"#;
        let request = parse_mkcol(body).unwrap();
        assert_eq!(
            request.resource_types,
            vec![
                ElementName::dav("collection"),
                ElementName::carddav("addressbook")
            ]
        );
        // Only CALDAV:comp counts; the DAV:comp and the nameless one do not.
        assert_eq!(
            request.supported_components(),
            Some(vec!["VTODO".into(), "VJOURNAL".into()])
        );
    }

    #[test]
    fn refused_bodies() {
        assert!(matches!(
            parse_mkcalendar(br#"<mkcol xmlns="DAV:"/>"#),
            Err(BodyError::WrongRoot { expected, .. }) if expected == "{urn:ietf:params:xml:ns:caldav}mkcalendar"
        ));
        assert!(matches!(
            parse_mkcol(br#"<C:mkcalendar xmlns:C="urn:ietf:params:xml:ns:caldav"/>"#),
            Err(BodyError::WrongRoot { .. })
        ));
        assert_eq!(
            parse_mkcol(br#"<mkcol xmlns="DAV:"><set/></mkcol>"#),
            Err(BodyError::MissingProp("{DAV:}set".into()))
        );
        assert!(matches!(parse_mkcol(b"<mkcol"), Err(BodyError::Xml(_))));
    }
}
