//! The PROPFIND request body (RFC 4918 section 9.1): which properties the client asks
//! for, read by namespace URI whatever prefixes the client chose.

use std::collections::HashSet;

use super::body_limits::{BodyLimits, Budget, Exceeded};
use super::document::{parse_document_within, Element, XmlError};
use super::names::{KnownProp, Namespace, PropName};

/// What a PROPFIND asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropfindRequest {
    /// All live and dead properties the server chooses to return, plus the `include`d
    /// ones (which `allprop` leaves out, such as `calendar-data` or
    /// `supported-report-set`).
    AllProp { include: Vec<PropName> },
    /// The names of all properties, without values.
    PropName,
    /// Exactly these properties, in the client's order, without duplicates.
    Prop(Vec<PropName>),
}

impl PropfindRequest {
    /// Whether the answer lists `prop`: always for `allprop` and `propname` (whose
    /// callers decide what they include), else when it is among the names.
    pub fn asks_for(&self, prop: KnownProp) -> bool {
        match self {
            PropfindRequest::AllProp { .. } | PropfindRequest::PropName => true,
            PropfindRequest::Prop(names) => {
                let (ns, local) = prop.parts();
                names
                    .iter()
                    .any(|name| name.local == local && name.ns == ns)
            }
        }
    }
}

/// Why a PROPFIND body was refused; the HTTP layer answers 400 with this as the reason,
/// or 413 for a body beyond its bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropfindError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("root element is {0}, expected {{DAV:}}propfind")]
    NotPropfind(String),
    #[error("{0} must hold at most one of prop, allprop, propname")]
    Conflicting(String),
    #[error("request body too complex: {0}")]
    TooComplex(#[from] Exceeded),
}

impl PropfindError {
    /// The bound the body went beyond, if that is why it was refused.
    pub fn exceeded(&self) -> Option<Exceeded> {
        match self {
            Self::Xml(xml) => xml.exceeded(),
            Self::TooComplex(exceeded) => Some(*exceeded),
            _ => None,
        }
    }
}

impl PropfindRequest {
    /// Parses a PROPFIND body within the default bounds. An empty body means `allprop`
    /// (RFC 4918 9.1), and so does a `propfind` element without a request child, which
    /// some clients send.
    pub fn parse(body: &[u8]) -> Result<Self, PropfindError> {
        Self::parse_within(body, &Budget::default())
    }

    /// Parses a PROPFIND body within `budget`.
    pub fn parse_within(body: &[u8], budget: &Budget) -> Result<Self, PropfindError> {
        let Some(root) = parse_document_within(body, budget)? else {
            return Ok(Self::AllProp {
                include: Vec::new(),
            });
        };
        if !root.name.is(&Namespace::Dav, "propfind") {
            return Err(PropfindError::NotPropfind(root.name.to_string()));
        }
        Self::request_in(&root, &budget.limits)
    }

    /// The `prop`, `allprop` (with `include`) or `propname` child of `root`, which is
    /// a `propfind` or a REPORT body; none of them means `allprop`.
    pub fn request_in(root: &Element, limits: &BodyLimits) -> Result<Self, PropfindError> {
        let dav = Namespace::Dav;
        let prop = root.child(&dav, "prop");
        let allprop = root.child(&dav, "allprop");
        let propname = root.child(&dav, "propname");
        match (prop, allprop, propname) {
            (Some(prop), None, None) => Ok(Self::Prop(prop_names(prop, limits)?)),
            (None, Some(_), None) => Ok(Self::AllProp {
                include: match root.child(&dav, "include") {
                    Some(include) => prop_names(include, limits)?,
                    None => Vec::new(),
                },
            }),
            (None, None, Some(_)) => Ok(Self::PropName),
            (None, None, None) => Ok(Self::AllProp {
                include: Vec::new(),
            }),
            _ => Err(PropfindError::Conflicting(root.name.to_string())),
        }
    }
}

/// The property names listed as children of a `DAV:prop` (or `DAV:include`) element,
/// in document order with repeats dropped; more than `max_properties` are refused.
/// Their content is not looked at here.
pub fn prop_names(prop: &Element, limits: &BodyLimits) -> Result<Vec<PropName>, Exceeded> {
    BodyLimits::check(
        prop.children.len(),
        limits.max_properties,
        Exceeded::Properties,
    )?;
    let mut seen: HashSet<&PropName> = HashSet::with_capacity(prop.children.len());
    Ok(prop
        .children
        .iter()
        .filter(|child| seen.insert(&child.name))
        .map(|child| child.name.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::names::{NS_APPLE_ICAL, NS_CALDAV, NS_CALENDARSERVER, NS_CARDDAV, NS_DAV};

    const ME: &str = "http://me.com/_namespace/";

    fn props(body: &str) -> Vec<(String, String)> {
        match PropfindRequest::parse(body.as_bytes()).unwrap() {
            PropfindRequest::Prop(names) => names
                .into_iter()
                .map(|n| (n.ns.uri().to_owned(), n.local))
                .collect(),
            other => panic!("expected prop, got {other:?}"),
        }
    }

    fn expect(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(ns, local)| (ns.to_string(), local.to_string()))
            .collect()
    }

    #[test]
    fn apple_wellknown_propfind() {
        let body = include_str!("../../tests/fixtures/clients/apple-wellknown-propfind.xml");
        assert_eq!(
            props(body),
            expect(&[
                (NS_DAV, "current-user-principal"),
                (NS_DAV, "principal-URL"),
                (NS_DAV, "resourcetype"),
            ])
        );
    }

    #[test]
    fn apple_principal_propfind() {
        let body = include_str!("../../tests/fixtures/clients/apple-principal-propfind.xml");
        assert_eq!(
            props(body),
            expect(&[
                (NS_CALDAV, "calendar-home-set"),
                (NS_CALDAV, "calendar-user-address-set"),
                (NS_DAV, "current-user-principal"),
                (NS_DAV, "displayname"),
                (NS_CALENDARSERVER, "dropbox-home-URL"),
                (NS_CALENDARSERVER, "email-address-set"),
                (NS_CALENDARSERVER, "notification-URL"),
                (NS_DAV, "principal-collection-set"),
                (NS_DAV, "principal-URL"),
                (NS_DAV, "resource-id"),
                (NS_CALDAV, "schedule-inbox-URL"),
                (NS_CALDAV, "schedule-outbox-URL"),
                (NS_DAV, "supported-report-set"),
            ])
        );
    }

    #[test]
    fn apple_calendar_home_propfind() {
        let body = include_str!("../../tests/fixtures/clients/apple-calendar-home-propfind.xml");
        assert_eq!(
            props(body),
            expect(&[
                (NS_DAV, "add-member"),
                (NS_CALENDARSERVER, "allowed-sharing-modes"),
                (NS_APPLE_ICAL, "autoprovisioned"),
                (ME, "bulk-requests"),
                (NS_APPLE_ICAL, "calendar-color"),
                (NS_CALDAV, "calendar-description"),
                (NS_CALDAV, "calendar-free-busy-set"),
                (NS_APPLE_ICAL, "calendar-order"),
                (NS_CALDAV, "calendar-timezone"),
                (NS_DAV, "current-user-privilege-set"),
                (NS_CALDAV, "default-alarm-vevent-date"),
                (NS_CALDAV, "default-alarm-vevent-datetime"),
                (NS_DAV, "displayname"),
                (NS_CALENDARSERVER, "getctag"),
                (NS_CALENDARSERVER, "invite"),
                (NS_APPLE_ICAL, "language-code"),
                (NS_APPLE_ICAL, "location-code"),
                (NS_DAV, "owner"),
                (NS_CALENDARSERVER, "pre-publish-url"),
                (NS_CALENDARSERVER, "publish-url"),
                (NS_CALENDARSERVER, "push-transports"),
                (NS_CALENDARSERVER, "pushkey"),
                (NS_DAV, "quota-available-bytes"),
                (NS_DAV, "quota-used-bytes"),
                (NS_APPLE_ICAL, "refreshrate"),
                (NS_DAV, "resource-id"),
                (NS_DAV, "resourcetype"),
                (NS_CALDAV, "schedule-calendar-transp"),
                (NS_CALDAV, "schedule-default-calendar-URL"),
                (NS_CALENDARSERVER, "source"),
                (NS_CALENDARSERVER, "subscribed-strip-alarms"),
                (NS_CALENDARSERVER, "subscribed-strip-attachments"),
                (NS_CALENDARSERVER, "subscribed-strip-todos"),
                (NS_CALDAV, "supported-calendar-component-set"),
                (NS_CALDAV, "supported-calendar-component-sets"),
                (NS_DAV, "supported-report-set"),
                (NS_DAV, "sync-token"),
            ])
        );
    }

    #[test]
    fn apple_addressbook_principal_propfind() {
        let body =
            include_str!("../../tests/fixtures/clients/apple-addressbook-principal-propfind.xml");
        assert_eq!(
            props(body),
            expect(&[
                (NS_CARDDAV, "addressbook-home-set"),
                (NS_CARDDAV, "directory-gateway"),
                (NS_DAV, "displayname"),
                (NS_CALENDARSERVER, "email-address-set"),
                (NS_DAV, "principal-collection-set"),
                (NS_DAV, "principal-URL"),
                (NS_DAV, "resource-id"),
                (NS_DAV, "supported-report-set"),
                (NS_CALENDARSERVER, "me-card"),
            ])
        );
    }

    #[test]
    fn apple_addressbook_home_propfind() {
        let body = include_str!("../../tests/fixtures/clients/apple-addressbook-home-propfind.xml");
        assert_eq!(
            props(body),
            expect(&[
                (ME, "bulk-requests"),
                (NS_DAV, "current-user-privilege-set"),
                (NS_DAV, "displayname"),
                (NS_CALENDARSERVER, "getctag"),
                (NS_CARDDAV, "max-image-size"),
                (NS_CARDDAV, "max-resource-size"),
                (NS_CALENDARSERVER, "me-card"),
                (NS_DAV, "owner"),
                (NS_CALENDARSERVER, "push-transports"),
                (NS_CALENDARSERVER, "pushkey"),
                (NS_DAV, "quota-available-bytes"),
                (NS_DAV, "quota-used-bytes"),
                (NS_DAV, "resource-id"),
                (NS_DAV, "resourcetype"),
                (NS_DAV, "supported-report-set"),
                (NS_DAV, "sync-token"),
            ])
        );
    }

    #[test]
    fn davx5_home_propfind_with_default_namespace() {
        let body = include_str!("../../tests/fixtures/clients/davx5-home-propfind.xml");
        assert_eq!(
            props(body),
            expect(&[
                (NS_DAV, "resourcetype"),
                (NS_DAV, "displayname"),
                (NS_DAV, "owner"),
                (NS_DAV, "current-user-privilege-set"),
                (NS_APPLE_ICAL, "calendar-color"),
                (NS_CALDAV, "calendar-description"),
                (NS_CALDAV, "calendar-timezone"),
                (NS_CALDAV, "supported-calendar-component-set"),
                (NS_CARDDAV, "addressbook-description"),
                (NS_CALENDARSERVER, "source"),
                (NS_DAV, "sync-token"),
                (NS_CALENDARSERVER, "getctag"),
            ])
        );
    }

    #[test]
    fn report_bodies_in_the_corpus_are_not_propfinds() {
        for body in [
            include_str!("../../tests/fixtures/clients/calendar-multiget.xml"),
            include_str!("../../tests/fixtures/clients/addressbook-multiget.xml"),
            include_str!("../../tests/fixtures/clients/sync-collection-initial.xml"),
            include_str!("../../tests/fixtures/clients/thunderbird-calendar-query.xml"),
        ] {
            assert!(matches!(
                PropfindRequest::parse(body.as_bytes()),
                Err(PropfindError::NotPropfind(_))
            ));
        }
    }

    #[test]
    fn rfc4918_allprop_with_include() {
        // RFC 4918 section 9.1.6
        let body = r#"<?xml version="1.0" encoding="utf-8" ?>
     <D:propfind xmlns:D="DAV:">
       <D:allprop/>
       <D:include>
         <D:supported-live-property-set/>
         <D:supported-report-set/>
       </D:include>
     </D:propfind>"#;
        assert_eq!(
            PropfindRequest::parse(body.as_bytes()).unwrap(),
            PropfindRequest::AllProp {
                include: vec![
                    PropName::dav("supported-live-property-set"),
                    PropName::dav("supported-report-set"),
                ]
            }
        );
    }

    #[test]
    fn rfc4918_propname() {
        // RFC 4918 section 9.1.4
        let body = r#"<?xml version="1.0" encoding="utf-8" ?>
     <propfind xmlns="DAV:">
       <propname/>
     </propfind>"#;
        assert_eq!(
            PropfindRequest::parse(body.as_bytes()).unwrap(),
            PropfindRequest::PropName
        );
    }

    #[test]
    fn rfc4918_named_properties_in_a_foreign_namespace() {
        // RFC 4918 section 9.1.3
        let body = r#"<?xml version="1.0" encoding="utf-8" ?>
     <D:propfind xmlns:D="DAV:">
       <D:prop xmlns:R="http://ns.example.com/boxschema/">
         <R:bigbox/>
         <R:author/>
         <R:DingALing/>
         <R:Random/>
       </D:prop>
     </D:propfind>"#;
        let ns = "http://ns.example.com/boxschema/";
        assert_eq!(
            props(body),
            expect(&[
                (ns, "bigbox"),
                (ns, "author"),
                (ns, "DingALing"),
                (ns, "Random")
            ])
        );
    }

    #[test]
    fn empty_body_and_empty_propfind_mean_allprop() {
        let allprop = PropfindRequest::AllProp {
            include: Vec::new(),
        };
        assert_eq!(PropfindRequest::parse(b"").unwrap(), allprop);
        assert_eq!(PropfindRequest::parse(b"\n  ").unwrap(), allprop);
        assert_eq!(
            PropfindRequest::parse(br#"<propfind xmlns="DAV:"/>"#).unwrap(),
            allprop
        );
        assert_eq!(
            PropfindRequest::parse(br#"<propfind xmlns="DAV:"><allprop/></propfind>"#).unwrap(),
            allprop
        );
    }

    #[test]
    fn unusual_prefixes_and_redeclared_defaults() {
        let body = r#"<?xml version="1.0"?>
<dav:propfind xmlns:dav="DAV:" xmlns="urn:ietf:params:xml:ns:carddav">
  <dav:prop>
    <addressbook-home-set/>
    <getetag xmlns="DAV:"/>
    <ns0:getctag xmlns:ns0="http://calendarserver.org/ns/"/>
    <dav:displayname></dav:displayname>
    <dav:displayname/>
    <x:getetag xmlns:x="urn:not-dav"/>
    <plain xmlns=""/>
  </dav:prop>
</dav:propfind>"#;
        assert_eq!(
            props(body),
            expect(&[
                (NS_CARDDAV, "addressbook-home-set"),
                (NS_DAV, "getetag"),
                (NS_CALENDARSERVER, "getctag"),
                (NS_DAV, "displayname"),
                ("urn:not-dav", "getetag"),
                ("", "plain"),
            ])
        );
    }

    #[test]
    fn a_propfind_outside_dav_namespace_is_refused() {
        let err = PropfindRequest::parse(b"<propfind><prop><getetag/></prop></propfind>");
        assert_eq!(err, Err(PropfindError::NotPropfind("{}propfind".into())));
        let err = PropfindRequest::parse(br#"<D:propfind xmlns:D="dav:"/>"#);
        assert!(matches!(err, Err(PropfindError::NotPropfind(_))));
    }

    #[test]
    fn malformed_bodies_are_refused_with_a_reason() {
        let err = PropfindRequest::parse(br#"<D:propfind xmlns:D="DAV:"><D:prop>"#).unwrap_err();
        assert!(matches!(err, PropfindError::Xml(XmlError::Malformed(_))));
        assert!(err.to_string().contains("missing end tag"), "{err}");
        let err = PropfindRequest::parse(br#"<A:propfind><A:prop/></A:propfind>"#).unwrap_err();
        assert_eq!(err, PropfindError::Xml(XmlError::UnknownPrefix("A".into())));
    }

    #[test]
    fn conflicting_request_children_are_refused() {
        let body = br#"<propfind xmlns="DAV:"><allprop/><prop><getetag/></prop></propfind>"#;
        let conflicting = Err(PropfindError::Conflicting("{DAV:}propfind".into()));
        assert_eq!(PropfindRequest::parse(body), conflicting);
        let body = br#"<propfind xmlns="DAV:"><propname/><prop/></propfind>"#;
        assert_eq!(PropfindRequest::parse(body), conflicting);
    }
}
