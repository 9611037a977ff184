//! The named pre- and postconditions of WebDAV, CalDAV and CardDAV as one enum: each
//! knows its HTTP status and renders the `DAV:error` body that tells the client why.

use http::StatusCode;

use super::names::{ElementName, Namespace};

/// davgate's own namespace, for the reason added to error bodies.
pub const NS_DAVGATE: &str = "http://davgate.org/ns/";
use super::xml_writer::{DavXmlWriter, PropValue, XmlElement};

/// A failed precondition (RFC 4918 16, RFC 3744 7.1.1, RFC 6578 3.2, RFC 4791 5.3.2 and
/// 9, RFC 6352 6.3.2 and 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    // DAV:
    /// PROPFIND with `Depth: infinity`, which this server does not walk.
    PropfindFiniteDepth,
    /// A sync token the server does not know or has pruned.
    ValidSyncToken,
    /// The user lacks these privileges on these resources.
    NeedPrivileges(Vec<NeededPrivilege>),
    /// A REPORT matched more resources than the server returns (507).
    NumberOfMatchesWithinLimits,
    /// A REPORT the resource does not support.
    SupportedReport,
    /// PROPPATCH of a property the server computes.
    CannotModifyProtectedProperty,
    /// MKCALENDAR at a URL where a resource exists (RFC 4791 5.3.1.1).
    ResourceMustBeNull,
    /// The ACL method's conditions (RFC 3744 8.1.1), see `http::acl`.
    Acl(AclCondition),
    /// A write that would exceed a quota (RFC 4331 6, 507).
    QuotaNotExceeded,
    // CALDAV:
    ValidCalendarData,
    ValidCalendarObjectResource,
    SupportedCalendarComponent,
    SupportedCalendarData,
    /// Another resource of the collection already holds this UID; carries its href.
    CalendarNoUidConflict(String),
    CalendarMaxResourceSize,
    /// A component with more ATTENDEEs than an instance may have (RFC 4791 5.3.2.1).
    CalendarMaxAttendeesPerInstance,
    MinDateTime,
    MaxDateTime,
    CalendarValidFilter,
    CalendarSupportedFilter,
    /// A `text-match` names a collation the server does not have.
    CalendarSupportedCollation,
    /// MKCALENDAR (or extended MKCOL) at a URL where no calendar can be created.
    CalendarCollectionLocationOk,
    /// A POST to the scheduling outbox that is no valid iTIP message (RFC 6638 6.2).
    ValidSchedulingMessage,
    /// A scheduling message whose ORGANIZER is not the user sending it (RFC 6638 6.2).
    OrganizerAllowed,
    /// An organizer's change a scheduling object may not undergo (RFC 6638 3.2.1).
    AllowedOrganizerSchedulingObjectChange,
    /// An attendee's change beyond her participation, alarms and what is hers
    /// (RFC 6638 3.2.2.1).
    AllowedAttendeeSchedulingObjectChange,
    /// Components of one scheduling object naming different ORGANIZERs (RFC 6638 3.2.4.2).
    SameOrganizerInAllComponents,
    /// Another calendar of the user already holds a scheduling object with this UID
    /// (RFC 6638 3.2.4.1); carries its href.
    UniqueSchedulingObjectResource(String),
    /// An attachment larger than CALDAV:max-attachment-size (RFC 8607 3.7, 413).
    MaxAttachmentSize,
    /// One attachment more than CALDAV:max-attachments-per-resource (RFC 8607 3.7).
    MaxAttachmentsPerResource,
    /// A `managed-id` that names no attachment of the resource (RFC 8607 3.7).
    ValidManagedIdParameter,
    /// A `rid` that names no component of the resource (RFC 8607 3.7).
    ValidRidParameter,
    /// A MANAGED-ID written in an ATTACH that names no attachment the writer may use.
    ValidManagedId,
    // CARDDAV:
    ValidAddressData,
    /// Another resource of the address book already holds this UID; carries its href.
    AddressbookNoUidConflict(String),
    AddressbookMaxResourceSize,
    SupportedAddressData,
    AddressbookSupportedFilter,
    AddressbookSupportedCollation,
    /// Extended MKCOL of a collection where no address book can be (RFC 6352 6.3.1).
    AddressbookCollectionLocationOk,
}

/// A precondition of the ACL method (RFC 3744 8.1.1), each answered 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclCondition {
    /// A deny ACE, where only grants are supported.
    GrantOnly,
    /// An inverted principal.
    NoInvert,
    /// A privilege the resource does not support, or a set no permission grants.
    NotSupportedPrivilege,
    /// Two ACEs of one principal granting different privileges.
    NoAceConflict,
    /// A principal that is no user or group of the viewer's context.
    RecognizedPrincipal,
    /// An ACE for a protected principal other than its protected one.
    NoProtectedAceConflict,
    /// An abstract privilege granted alone.
    NoAbstract,
}

impl AclCondition {
    pub fn local_name(self) -> &'static str {
        match self {
            Self::GrantOnly => "grant-only",
            Self::NoInvert => "no-invert",
            Self::NotSupportedPrivilege => "not-supported-privilege",
            Self::NoAceConflict => "no-ace-conflict",
            Self::RecognizedPrincipal => "recognized-principal",
            Self::NoProtectedAceConflict => "no-protected-ace-conflict",
            Self::NoAbstract => "no-abstract",
        }
    }
}

/// One `DAV:resource` of a `need-privileges` body: the href and the missing privilege
/// (for example `DAV:read` or `DAV:bind`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeededPrivilege {
    pub href: String,
    pub privilege: ElementName,
}

impl Precondition {
    /// The status RFC 4791/6352/6578/4918 give the failed condition.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::CalendarNoUidConflict(_) | Self::AddressbookNoUidConflict(_) => {
                StatusCode::CONFLICT
            }
            Self::NumberOfMatchesWithinLimits | Self::QuotaNotExceeded => {
                StatusCode::INSUFFICIENT_STORAGE
            }
            Self::ValidSchedulingMessage => StatusCode::BAD_REQUEST,
            Self::MaxAttachmentSize => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::FORBIDDEN,
        }
    }

    /// The element that goes inside `DAV:error`.
    pub fn element(&self) -> XmlElement {
        let name = self.name();
        let content = match self {
            Self::CalendarNoUidConflict(href)
            | Self::AddressbookNoUidConflict(href)
            | Self::UniqueSchedulingObjectResource(href) => PropValue::Href(href.clone()),
            Self::NeedPrivileges(needed) => PropValue::Elements(
                needed
                    .iter()
                    .map(|needed| {
                        XmlElement::new(
                            ElementName::dav("resource"),
                            PropValue::Elements(vec![
                                XmlElement::text(ElementName::dav("href"), needed.href.clone()),
                                XmlElement::new(
                                    ElementName::dav("privilege"),
                                    PropValue::Elements(vec![XmlElement::empty(
                                        needed.privilege.clone(),
                                    )]),
                                ),
                            ]),
                        )
                    })
                    .collect(),
            ),
            _ => PropValue::Empty,
        };
        XmlElement::new(name, content)
    }

    /// The name of the condition's element.
    pub fn name(&self) -> ElementName {
        match self {
            Self::PropfindFiniteDepth => ElementName::dav("propfind-finite-depth"),
            Self::ValidSyncToken => ElementName::dav("valid-sync-token"),
            Self::NeedPrivileges(_) => ElementName::dav("need-privileges"),
            Self::NumberOfMatchesWithinLimits => {
                ElementName::dav("number-of-matches-within-limits")
            }
            Self::SupportedReport => ElementName::dav("supported-report"),
            Self::CannotModifyProtectedProperty => {
                ElementName::dav("cannot-modify-protected-property")
            }
            Self::ResourceMustBeNull => ElementName::dav("resource-must-be-null"),
            Self::Acl(condition) => ElementName::dav(condition.local_name()),
            Self::QuotaNotExceeded => ElementName::dav("quota-not-exceeded"),
            Self::ValidCalendarData => ElementName::caldav("valid-calendar-data"),
            Self::ValidCalendarObjectResource => {
                ElementName::caldav("valid-calendar-object-resource")
            }
            Self::SupportedCalendarComponent => ElementName::caldav("supported-calendar-component"),
            Self::SupportedCalendarData => ElementName::caldav("supported-calendar-data"),
            Self::CalendarNoUidConflict(_) => ElementName::caldav("no-uid-conflict"),
            Self::CalendarMaxResourceSize => ElementName::caldav("max-resource-size"),
            Self::CalendarMaxAttendeesPerInstance => {
                ElementName::caldav("max-attendees-per-instance")
            }
            Self::MinDateTime => ElementName::caldav("min-date-time"),
            Self::MaxDateTime => ElementName::caldav("max-date-time"),
            Self::CalendarValidFilter => ElementName::caldav("valid-filter"),
            Self::CalendarSupportedFilter => ElementName::caldav("supported-filter"),
            Self::CalendarSupportedCollation => ElementName::caldav("supported-collation"),
            Self::CalendarCollectionLocationOk => {
                ElementName::caldav("calendar-collection-location-ok")
            }
            Self::ValidSchedulingMessage => ElementName::caldav("valid-scheduling-message"),
            Self::OrganizerAllowed => ElementName::caldav("organizer-allowed"),
            Self::AllowedOrganizerSchedulingObjectChange => {
                ElementName::caldav("allowed-organizer-scheduling-object-change")
            }
            Self::AllowedAttendeeSchedulingObjectChange => {
                ElementName::caldav("allowed-attendee-scheduling-object-change")
            }
            Self::SameOrganizerInAllComponents => {
                ElementName::caldav("same-organizer-in-all-components")
            }
            Self::UniqueSchedulingObjectResource(_) => {
                ElementName::caldav("unique-scheduling-object-resource")
            }
            Self::MaxAttachmentSize => ElementName::caldav("max-attachment-size"),
            Self::MaxAttachmentsPerResource => ElementName::caldav("max-attachments-per-resource"),
            Self::ValidManagedIdParameter => ElementName::caldav("valid-managed-id-parameter"),
            Self::ValidRidParameter => ElementName::caldav("valid-rid-parameter"),
            Self::ValidManagedId => ElementName::caldav("valid-managed-id"),
            Self::ValidAddressData => ElementName::carddav("valid-address-data"),
            Self::AddressbookNoUidConflict(_) => ElementName::carddav("no-uid-conflict"),
            Self::AddressbookMaxResourceSize => ElementName::carddav("max-resource-size"),
            Self::SupportedAddressData => ElementName::carddav("supported-address-data"),
            Self::AddressbookSupportedFilter => ElementName::carddav("supported-filter"),
            Self::AddressbookSupportedCollation => ElementName::carddav("supported-collation"),
            Self::AddressbookCollectionLocationOk => {
                ElementName::carddav("addressbook-collection-location-ok")
            }
        }
    }

    /// The response body: `<D:error xmlns:D="DAV:" ...>` holding the condition.
    pub fn to_xml(&self) -> Vec<u8> {
        self.to_xml_with_reason(None)
    }

    /// The response body with, when given, a human-readable reason beside the condition
    /// (`<reason xmlns="http://davgate.org/ns/">`, which DAV:error's open content model
    /// allows and clients that do not know it ignore).
    pub fn to_xml_with_reason(&self, reason: Option<&str>) -> Vec<u8> {
        let mut out = DavXmlWriter::new();
        let root = ElementName::dav("error");
        out.start_root(&root);
        out.element(&self.element());
        if let Some(reason) = reason {
            out.element(&XmlElement::new(
                ElementName::new(Namespace::from_uri(NS_DAVGATE), "reason"),
                PropValue::Text(reason.to_owned()),
            ));
        }
        out.end(&root);
        out.finish()
    }
}

impl std::fmt::Display for Precondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "precondition {} failed", self.name())
    }
}

impl std::error::Error for Precondition {}

/// A precondition a request broke, with a reason the client may show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{precondition}: {reason}")]
pub struct Refusal {
    pub precondition: Precondition,
    pub reason: String,
}

impl Refusal {
    pub fn new(precondition: Precondition, reason: impl Into<String>) -> Self {
        Refusal {
            precondition,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::document::{parse_document, Element};
    use crate::dav::names::{Namespace, NS_CALDAV, NS_CARDDAV, NS_DAV};

    fn body(precondition: &Precondition) -> Element {
        let root = parse_document(&precondition.to_xml()).unwrap().unwrap();
        assert_eq!(root.name, ElementName::dav("error"));
        assert_eq!(root.children.len(), 1);
        root.children.into_iter().next().unwrap()
    }

    #[test]
    fn statuses_and_element_names() {
        let href = || "/caldav/7/a.ics".to_owned();
        let cases = [
            (
                Precondition::PropfindFiniteDepth,
                403,
                NS_DAV,
                "propfind-finite-depth",
            ),
            (
                Precondition::ValidSyncToken,
                403,
                NS_DAV,
                "valid-sync-token",
            ),
            (
                Precondition::NeedPrivileges(vec![]),
                403,
                NS_DAV,
                "need-privileges",
            ),
            (
                Precondition::NumberOfMatchesWithinLimits,
                507,
                NS_DAV,
                "number-of-matches-within-limits",
            ),
            (
                Precondition::QuotaNotExceeded,
                507,
                NS_DAV,
                "quota-not-exceeded",
            ),
            (
                Precondition::SupportedReport,
                403,
                NS_DAV,
                "supported-report",
            ),
            (
                Precondition::CannotModifyProtectedProperty,
                403,
                NS_DAV,
                "cannot-modify-protected-property",
            ),
            (
                Precondition::Acl(AclCondition::RecognizedPrincipal),
                403,
                NS_DAV,
                "recognized-principal",
            ),
            (
                Precondition::ValidCalendarData,
                403,
                NS_CALDAV,
                "valid-calendar-data",
            ),
            (
                Precondition::ValidCalendarObjectResource,
                403,
                NS_CALDAV,
                "valid-calendar-object-resource",
            ),
            (
                Precondition::SupportedCalendarComponent,
                403,
                NS_CALDAV,
                "supported-calendar-component",
            ),
            (
                Precondition::SupportedCalendarData,
                403,
                NS_CALDAV,
                "supported-calendar-data",
            ),
            (
                Precondition::CalendarNoUidConflict(href()),
                409,
                NS_CALDAV,
                "no-uid-conflict",
            ),
            (
                Precondition::CalendarMaxResourceSize,
                403,
                NS_CALDAV,
                "max-resource-size",
            ),
            (
                Precondition::CalendarMaxAttendeesPerInstance,
                403,
                NS_CALDAV,
                "max-attendees-per-instance",
            ),
            (
                Precondition::ValidSchedulingMessage,
                400,
                NS_CALDAV,
                "valid-scheduling-message",
            ),
            (
                Precondition::OrganizerAllowed,
                403,
                NS_CALDAV,
                "organizer-allowed",
            ),
            (Precondition::MinDateTime, 403, NS_CALDAV, "min-date-time"),
            (Precondition::MaxDateTime, 403, NS_CALDAV, "max-date-time"),
            (
                Precondition::CalendarValidFilter,
                403,
                NS_CALDAV,
                "valid-filter",
            ),
            (
                Precondition::CalendarSupportedFilter,
                403,
                NS_CALDAV,
                "supported-filter",
            ),
            (
                Precondition::ValidAddressData,
                403,
                NS_CARDDAV,
                "valid-address-data",
            ),
            (
                Precondition::AddressbookNoUidConflict(href()),
                409,
                NS_CARDDAV,
                "no-uid-conflict",
            ),
            (
                Precondition::AddressbookMaxResourceSize,
                403,
                NS_CARDDAV,
                "max-resource-size",
            ),
            (
                Precondition::SupportedAddressData,
                403,
                NS_CARDDAV,
                "supported-address-data",
            ),
            (
                Precondition::AddressbookSupportedFilter,
                403,
                NS_CARDDAV,
                "supported-filter",
            ),
            (
                Precondition::CalendarSupportedCollation,
                403,
                NS_CALDAV,
                "supported-collation",
            ),
            (
                Precondition::AddressbookSupportedCollation,
                403,
                NS_CARDDAV,
                "supported-collation",
            ),
            (
                Precondition::CalendarCollectionLocationOk,
                403,
                NS_CALDAV,
                "calendar-collection-location-ok",
            ),
            (
                Precondition::AllowedAttendeeSchedulingObjectChange,
                403,
                NS_CALDAV,
                "allowed-attendee-scheduling-object-change",
            ),
            (
                Precondition::AllowedOrganizerSchedulingObjectChange,
                403,
                NS_CALDAV,
                "allowed-organizer-scheduling-object-change",
            ),
            (
                Precondition::SameOrganizerInAllComponents,
                403,
                NS_CALDAV,
                "same-organizer-in-all-components",
            ),
            (
                Precondition::UniqueSchedulingObjectResource(href()),
                403,
                NS_CALDAV,
                "unique-scheduling-object-resource",
            ),
        ];
        for (precondition, status, ns, local) in cases {
            assert_eq!(precondition.status().as_u16(), status, "{precondition:?}");
            let element = body(&precondition);
            assert_eq!(element.name.ns.uri(), ns, "{precondition:?}");
            assert_eq!(element.name.local, local, "{precondition:?}");
        }
    }

    #[test]
    fn error_body_declares_namespaces_on_the_root() {
        let xml = String::from_utf8(Precondition::ValidSyncToken.to_xml()).unwrap();
        assert!(
            xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><D:error xmlns:D="DAV:""#),
            "{xml}"
        );
        assert!(xml.ends_with("><D:valid-sync-token/></D:error>"), "{xml}");
    }

    #[test]
    fn no_uid_conflict_carries_the_conflicting_href() {
        let element = body(&Precondition::CalendarNoUidConflict(
            "/caldav/7/a&b.ics".into(),
        ));
        let href = element.child(&Namespace::Dav, "href").unwrap();
        assert_eq!(href.text, "/caldav/7/a&b.ics");
        let element = body(&Precondition::AddressbookNoUidConflict(
            "/carddav/6/x.vcf".into(),
        ));
        assert_eq!(element.name, ElementName::carddav("no-uid-conflict"));
        assert_eq!(
            element.child(&Namespace::Dav, "href").unwrap().text,
            "/carddav/6/x.vcf"
        );
    }

    #[test]
    fn need_privileges_lists_resources_and_privileges() {
        let element = body(&Precondition::NeedPrivileges(vec![
            NeededPrivilege {
                href: "/caldav/7/".into(),
                privilege: ElementName::dav("bind"),
            },
            NeededPrivilege {
                href: "/caldav/8/".into(),
                privilege: ElementName::dav("read"),
            },
        ]));
        let resources: Vec<(String, ElementName)> = element
            .children_named(&Namespace::Dav, "resource")
            .map(|resource| {
                let href = resource
                    .child(&Namespace::Dav, "href")
                    .unwrap()
                    .text
                    .clone();
                let privilege = resource.child(&Namespace::Dav, "privilege").unwrap();
                (href, privilege.children[0].name.clone())
            })
            .collect();
        assert_eq!(
            resources,
            vec![
                ("/caldav/7/".into(), ElementName::dav("bind")),
                ("/caldav/8/".into(), ElementName::dav("read")),
            ]
        );
    }

    #[test]
    fn a_reason_travels_beside_the_condition() {
        let xml =
            Precondition::ValidAddressData.to_xml_with_reason(Some("two vCards in one resource"));
        let root = parse_document(&xml).unwrap().unwrap();
        assert!(root
            .child(&Namespace::CardDav, "valid-address-data")
            .is_some());
        let reason = root
            .child(&Namespace::from_uri(NS_DAVGATE), "reason")
            .expect("reason element");
        assert_eq!(reason.text, "two vCards in one resource");
    }
}
