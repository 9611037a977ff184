//! The request bodies of RFC 3744: the ACL method's `DAV:acl` (8.1), and the
//! `DAV:acl-principal-prop-set` (9.2) and `DAV:principal-match` (9.3) reports, read with
//! the `document` element tree within the body's bounds. What the ACEs mean is the
//! caller's to decide; here they are only read as sent.

use super::body_limits::Budget;
use super::document::{parse_document_within, Element, XmlError};
use super::names::{ElementName, Namespace};
use super::propfind::{PropfindError, PropfindRequest};

/// Whom an ACE of a request names (RFC 3744 5.5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalRef {
    /// A principal URL as sent, still percent-encoded.
    Href(String),
    All,
    Authenticated,
    Unauthenticated,
    SelfPrincipal,
    /// `DAV:property` naming a property whose value is the principal (`DAV:owner`).
    Property(ElementName),
}

/// One ACE of an ACL request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedAce {
    pub principal: PrincipalRef,
    /// The principal was given inside `DAV:invert`.
    pub inverted: bool,
    /// `DAV:deny` rather than `DAV:grant`.
    pub deny: bool,
    /// The privilege elements, in request order.
    pub privileges: Vec<ElementName>,
}

/// Why an ACL or ACL report body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AclBodyError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("{0}")]
    Malformed(String),
    /// More ACEs than `davgate.limits.maxAcesPerRequest`.
    #[error("more than {0} ACEs in one request (davgate.limits.maxAcesPerRequest)")]
    TooManyAces(usize),
}

impl From<PropfindError> for AclBodyError {
    fn from(err: PropfindError) -> Self {
        match err {
            PropfindError::Xml(xml) => Self::Xml(xml),
            other => Self::Malformed(other.to_string()),
        }
    }
}

impl AclBodyError {
    /// Whether the body went beyond one of its bounds (413) rather than being malformed.
    pub fn is_too_large(&self) -> bool {
        match self {
            Self::Xml(xml) => xml.exceeded().is_some(),
            Self::TooManyAces(_) => true,
            Self::Malformed(_) => false,
        }
    }
}

fn malformed(text: impl Into<String>) -> AclBodyError {
    AclBodyError::Malformed(text.into())
}

/// Parses an ACL body of at most `max_aces` ACEs within `budget`.
pub fn parse_acl_within(
    body: &[u8],
    budget: &Budget,
    max_aces: usize,
) -> Result<Vec<RequestedAce>, AclBodyError> {
    let dav = Namespace::Dav;
    let root = parse_document_within(body, budget)?
        .ok_or_else(|| malformed("ACL needs a DAV:acl body"))?;
    if !root.name.is(&dav, "acl") {
        return Err(malformed(format!("ACL body is {}, not DAV:acl", root.name)));
    }
    if root.children_named(&dav, "ace").count() > max_aces {
        return Err(AclBodyError::TooManyAces(max_aces));
    }
    root.children_named(&dav, "ace").map(ace).collect()
}

fn ace(element: &Element) -> Result<RequestedAce, AclBodyError> {
    let dav = Namespace::Dav;
    let (principal, inverted) = match (
        element.child(&dav, "principal"),
        element.child(&dav, "invert"),
    ) {
        (Some(principal), None) => (principal_ref(principal)?, false),
        (None, Some(invert)) => {
            let inner = invert
                .child(&dav, "principal")
                .ok_or_else(|| malformed("DAV:invert needs a DAV:principal"))?;
            (principal_ref(inner)?, true)
        }
        _ => return Err(malformed("an ACE names one principal or one invert")),
    };
    let (list, deny) = match (element.child(&dav, "grant"), element.child(&dav, "deny")) {
        (Some(grant), None) => (grant, false),
        (None, Some(deny)) => (deny, true),
        _ => return Err(malformed("an ACE has one grant or one deny")),
    };
    let mut privileges = Vec::new();
    for privilege in list.children_named(&dav, "privilege") {
        match privilege.children.as_slice() {
            [one] => privileges.push(one.name.clone()),
            _ => return Err(malformed("a DAV:privilege holds one privilege")),
        }
    }
    if privileges.is_empty() {
        return Err(malformed("an ACE names at least one privilege"));
    }
    Ok(RequestedAce {
        principal,
        inverted,
        deny,
        privileges,
    })
}

fn principal_ref(principal: &Element) -> Result<PrincipalRef, AclBodyError> {
    let dav = Namespace::Dav;
    let [one] = principal.children.as_slice() else {
        return Err(malformed("a DAV:principal holds one element"));
    };
    if one.name.ns != dav {
        return Err(malformed(format!("{} names no principal", one.name)));
    }
    Ok(match one.name.local.as_str() {
        "href" if !one.text.trim().is_empty() => PrincipalRef::Href(one.text.trim().to_owned()),
        "all" => PrincipalRef::All,
        "authenticated" => PrincipalRef::Authenticated,
        "unauthenticated" => PrincipalRef::Unauthenticated,
        "self" => PrincipalRef::SelfPrincipal,
        "property" => match one.children.as_slice() {
            [property] => PrincipalRef::Property(property.name.clone()),
            _ => return Err(malformed("DAV:property names one property")),
        },
        _ => return Err(malformed(format!("{} names no principal", one.name))),
    })
}

/// The two reports of RFC 3744 9.2 and 9.3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclReport {
    /// The properties asked of each principal named in the resource's ACL.
    PrincipalPropSet(PropfindRequest),
    /// Members matching the current user: `DAV:self`, or through a property.
    PrincipalMatch {
        matching: PrincipalMatch,
        props: PropfindRequest,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalMatch {
    SelfPrincipal,
    Property(ElementName),
}

/// Whether a REPORT body's root element is one of RFC 3744's ACL reports, read from the
/// first element alone so that other reports are not parsed twice.
pub fn is_acl_report(body: &[u8]) -> bool {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    let mut reader = quick_xml::NsReader::from_reader(body);
    loop {
        match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(ns), Event::Start(e) | Event::Empty(e))) => {
                let local = e.local_name();
                return ns.as_ref() == b"DAV:"
                    && matches!(
                        local.as_ref(),
                        b"acl-principal-prop-set" | b"principal-match"
                    );
            }
            Ok((_, Event::Start(_) | Event::Empty(_))) | Ok((_, Event::Eof)) | Err(_) => {
                return false
            }
            Ok(_) => {}
        }
    }
}

/// Parses an ACL report body within `budget`.
pub fn parse_acl_report_within(body: &[u8], budget: &Budget) -> Result<AclReport, AclBodyError> {
    let dav = Namespace::Dav;
    let root =
        parse_document_within(body, budget)?.ok_or_else(|| malformed("REPORT needs a body"))?;
    let props = || -> Result<PropfindRequest, AclBodyError> {
        Ok(match root.child(&dav, "prop") {
            Some(_) => PropfindRequest::request_in(&root, &budget.limits)?,
            None => PropfindRequest::Prop(Vec::new()),
        })
    };
    if root.name.is(&dav, "acl-principal-prop-set") {
        return Ok(AclReport::PrincipalPropSet(props()?));
    }
    if !root.name.is(&dav, "principal-match") {
        return Err(malformed(format!("{} is no ACL report", root.name)));
    }
    let matching = match (
        root.child(&dav, "self"),
        root.child(&dav, "principal-property"),
    ) {
        (Some(_), None) => PrincipalMatch::SelfPrincipal,
        (None, Some(property)) => match property.children.as_slice() {
            [one] => PrincipalMatch::Property(one.name.clone()),
            _ => return Err(malformed("DAV:principal-property names one property")),
        },
        _ => {
            return Err(malformed(
                "principal-match holds DAV:self or DAV:principal-property",
            ))
        }
    };
    Ok(AclReport::PrincipalMatch {
        matching,
        props: props()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Vec<RequestedAce>, AclBodyError> {
        parse_acl_within(body.as_bytes(), &Budget::default(), 3)
    }

    #[test]
    fn aces_are_read_with_their_principals_and_privileges() {
        let aces = parse(
            r#"<a:acl xmlns:a="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
              <a:ace><a:principal><a:href>/dav/principals/users/4/</a:href></a:principal>
                <a:grant><a:privilege><a:read/></a:privilege><a:privilege><c:read-free-busy/></a:privilege></a:grant></a:ace>
              <a:ace><a:invert><a:principal><a:authenticated/></a:principal></a:invert>
                <a:deny><a:privilege><a:write/></a:privilege></a:deny></a:ace>
            </a:acl>"#,
        )
        .unwrap();
        assert_eq!(
            aces[0].principal,
            PrincipalRef::Href("/dav/principals/users/4/".into())
        );
        assert_eq!(
            aces[0].privileges,
            [
                ElementName::dav("read"),
                ElementName::caldav("read-free-busy")
            ]
        );
        assert!(aces[1].inverted && aces[1].deny);
        assert_eq!(aces[1].principal, PrincipalRef::Authenticated);
    }

    #[test]
    fn bodies_beyond_the_ace_limit_or_malformed_are_refused() {
        let ace = r#"<D:ace><D:principal><D:all/></D:principal><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace>"#;
        let four = format!(r#"<D:acl xmlns:D="DAV:">{}</D:acl>"#, ace.repeat(4));
        let err = parse(&four).unwrap_err();
        assert!(err.is_too_large(), "{err}");
        for bad in [
            r#"<D:propfind xmlns:D="DAV:"/>"#,
            r#"<D:acl xmlns:D="DAV:"><D:ace><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace></D:acl>"#,
            r#"<D:acl xmlns:D="DAV:"><D:ace><D:principal><D:all/></D:principal><D:grant/></D:ace></D:acl>"#,
        ] {
            let err = parse(bad).unwrap_err();
            assert!(!err.is_too_large(), "{bad}: {err}");
        }
    }

    #[test]
    fn acl_reports_are_recognised_by_their_root_alone() {
        assert!(is_acl_report(
            br#"<?xml version="1.0"?><x:principal-match xmlns:x="DAV:"><x:self/></x:principal-match>"#
        ));
        assert!(is_acl_report(
            br#"<acl-principal-prop-set xmlns="DAV:"><prop><displayname/></prop></acl-principal-prop-set>"#
        ));
        assert!(!is_acl_report(
            br#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav"/>"#
        ));
        assert!(!is_acl_report(b"not xml"));
        let report = parse_acl_report_within(
            br#"<D:principal-match xmlns:D="DAV:"><D:principal-property><D:owner/></D:principal-property><D:prop><D:getetag/></D:prop></D:principal-match>"#,
            &Budget::default(),
        )
        .unwrap();
        assert_eq!(
            report,
            AclReport::PrincipalMatch {
                matching: PrincipalMatch::Property(ElementName::dav("owner")),
                props: PropfindRequest::Prop(vec![ElementName::dav("getetag")]),
            }
        );
    }
}
