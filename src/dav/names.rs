//! XML namespaces and namespace-qualified names of the DAV protocols, with the
//! well-known properties as one typed enum so that handlers never match on strings.

use std::fmt;
use std::hash::{Hash, Hasher};

pub const NS_DAV: &str = "DAV:";
pub const NS_CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const NS_CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
pub const NS_CALENDARSERVER: &str = "http://calendarserver.org/ns/";
pub const NS_APPLE_ICAL: &str = "http://apple.com/ns/ical/";
pub const NS_WEBDAV_PUSH: &str = "https://bitfire.at/webdav-push";

/// An XML namespace. The well-known ones have their own variants; equality is by URI,
/// so `Other("DAV:")` equals `Dav`. The empty URI means "no namespace".
#[derive(Debug, Clone)]
pub enum Namespace {
    Dav,
    CalDav,
    CardDav,
    CalendarServer,
    AppleIcal,
    Other(String),
}

impl Namespace {
    /// The namespace for a URI, using the well-known variant where there is one.
    pub fn from_uri(uri: &str) -> Self {
        match uri {
            NS_DAV => Self::Dav,
            NS_CALDAV => Self::CalDav,
            NS_CARDDAV => Self::CardDav,
            NS_CALENDARSERVER => Self::CalendarServer,
            NS_APPLE_ICAL => Self::AppleIcal,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn uri(&self) -> &str {
        match self {
            Self::Dav => NS_DAV,
            Self::CalDav => NS_CALDAV,
            Self::CardDav => NS_CARDDAV,
            Self::CalendarServer => NS_CALENDARSERVER,
            Self::AppleIcal => NS_APPLE_ICAL,
            Self::Other(uri) => uri,
        }
    }

    /// The prefix the response writer declares on its root element for this namespace.
    pub fn fixed_prefix(&self) -> Option<&'static str> {
        match self.uri() {
            NS_DAV => Some("D"),
            NS_CALDAV => Some("C"),
            NS_CARDDAV => Some("CARD"),
            NS_CALENDARSERVER => Some("CS"),
            NS_APPLE_ICAL => Some("ICAL"),
            _ => None,
        }
    }
}

impl PartialEq for Namespace {
    fn eq(&self, other: &Self) -> bool {
        self.uri() == other.uri()
    }
}

impl Eq for Namespace {}

impl Hash for Namespace {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.uri().hash(state);
    }
}

/// A namespace-qualified element name. DAV properties are named by their element, so
/// the same type names properties ([`PropName`]) and request elements.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ElementName {
    pub ns: Namespace,
    pub local: String,
}

/// The name of a DAV property.
pub type PropName = ElementName;

impl ElementName {
    pub fn new(ns: Namespace, local: impl Into<String>) -> Self {
        Self {
            ns,
            local: local.into(),
        }
    }

    pub fn dav(local: impl Into<String>) -> Self {
        Self::new(Namespace::Dav, local)
    }

    pub fn caldav(local: impl Into<String>) -> Self {
        Self::new(Namespace::CalDav, local)
    }

    pub fn carddav(local: impl Into<String>) -> Self {
        Self::new(Namespace::CardDav, local)
    }

    pub fn calendarserver(local: impl Into<String>) -> Self {
        Self::new(Namespace::CalendarServer, local)
    }

    pub fn apple_ical(local: impl Into<String>) -> Self {
        Self::new(Namespace::AppleIcal, local)
    }

    /// True when this name is `local` in namespace `ns`.
    pub fn is(&self, ns: &Namespace, local: &str) -> bool {
        self.ns == *ns && self.local == local
    }

    /// The typed property this name denotes, if the server knows it.
    pub fn known(&self) -> Option<KnownProp> {
        KnownProp::from_name(self)
    }
}

impl fmt::Display for ElementName {
    /// Clark notation, `{DAV:}getetag`, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}{}", self.ns.uri(), self.local)
    }
}

/// The properties the server knows by name. Anything else stays a [`PropName`] and is
/// answered in a 404 propstat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KnownProp {
    // DAV: (RFC 4918, 3744, 5397, 6578, 3253)
    CurrentUserPrincipal,
    PrincipalUrl,
    DisplayName,
    ResourceType,
    PrincipalCollectionSet,
    Owner,
    SupportedReportSet,
    CurrentUserPrivilegeSet,
    GetEtag,
    GetContentType,
    GetContentLength,
    GetLastModified,
    SyncToken,
    GroupMembership,
    GroupMemberSet,
    AlternateUriSet,
    ResourceId,
    QuotaAvailableBytes,
    QuotaUsedBytes,
    // CALDAV: (RFC 4791, 6638)
    CalendarHomeSet,
    CalendarUserAddressSet,
    CalendarDescription,
    CalendarTimezone,
    SupportedCalendarComponentSet,
    SupportedCalendarData,
    CalendarMaxResourceSize,
    /// RFC 8607: largest managed attachment, and how many one object may have.
    MaxAttachmentSize,
    MaxAttachmentsPerResource,
    MinDateTime,
    MaxDateTime,
    ScheduleInboxUrl,
    ScheduleOutboxUrl,
    ScheduleDefaultCalendarUrl,
    /// OX answers the default task list in the CalDAV namespace (Apple's server names
    /// it in its own).
    ScheduleDefaultTasksUrl,
    CalendarUserType,
    CalendarData,
    /// RFC 7809: where the time zone service is.
    TimezoneServiceSet,
    // CARDDAV: (RFC 6352)
    AddressbookHomeSet,
    AddressbookDescription,
    SupportedAddressData,
    AddressbookMaxResourceSize,
    AddressData,
    // Calendar Server extensions
    GetCtag,
    CalendarProxyReadFor,
    CalendarProxyWriteFor,
    EmailAddressSet,
    /// Apple's calendarserver-sharing: who a collection is shared with.
    Invite,
    AllowedSharingModes,
    // Apple iCal extensions
    CalendarColor,
    CalendarOrder,
    // WebDAV-Push (draft, `https://bitfire.at/webdav-push`)
    PushTransports,
    PushTopic,
    PushSupportedTriggers,
}

impl KnownProp {
    /// Every known property, for reverse lookup and exhaustive tests.
    pub const ALL: &'static [KnownProp] = &[
        Self::CurrentUserPrincipal,
        Self::PrincipalUrl,
        Self::DisplayName,
        Self::ResourceType,
        Self::PrincipalCollectionSet,
        Self::Owner,
        Self::SupportedReportSet,
        Self::CurrentUserPrivilegeSet,
        Self::GetEtag,
        Self::GetContentType,
        Self::GetContentLength,
        Self::GetLastModified,
        Self::SyncToken,
        Self::GroupMembership,
        Self::GroupMemberSet,
        Self::AlternateUriSet,
        Self::ResourceId,
        Self::QuotaAvailableBytes,
        Self::QuotaUsedBytes,
        Self::CalendarHomeSet,
        Self::CalendarUserAddressSet,
        Self::CalendarDescription,
        Self::CalendarTimezone,
        Self::SupportedCalendarComponentSet,
        Self::SupportedCalendarData,
        Self::CalendarMaxResourceSize,
        Self::MaxAttachmentSize,
        Self::MaxAttachmentsPerResource,
        Self::MinDateTime,
        Self::MaxDateTime,
        Self::ScheduleInboxUrl,
        Self::ScheduleOutboxUrl,
        Self::ScheduleDefaultCalendarUrl,
        Self::ScheduleDefaultTasksUrl,
        Self::CalendarUserType,
        Self::CalendarData,
        Self::TimezoneServiceSet,
        Self::AddressbookHomeSet,
        Self::AddressbookDescription,
        Self::SupportedAddressData,
        Self::AddressbookMaxResourceSize,
        Self::AddressData,
        Self::GetCtag,
        Self::CalendarProxyReadFor,
        Self::CalendarProxyWriteFor,
        Self::EmailAddressSet,
        Self::Invite,
        Self::AllowedSharingModes,
        Self::CalendarColor,
        Self::CalendarOrder,
        Self::PushTransports,
        Self::PushTopic,
        Self::PushSupportedTriggers,
    ];

    /// Namespace and local name of the property element.
    pub fn parts(self) -> (Namespace, &'static str) {
        use Namespace::*;
        match self {
            Self::CurrentUserPrincipal => (Dav, "current-user-principal"),
            Self::PrincipalUrl => (Dav, "principal-URL"),
            Self::DisplayName => (Dav, "displayname"),
            Self::ResourceType => (Dav, "resourcetype"),
            Self::PrincipalCollectionSet => (Dav, "principal-collection-set"),
            Self::Owner => (Dav, "owner"),
            Self::SupportedReportSet => (Dav, "supported-report-set"),
            Self::CurrentUserPrivilegeSet => (Dav, "current-user-privilege-set"),
            Self::GetEtag => (Dav, "getetag"),
            Self::GetContentType => (Dav, "getcontenttype"),
            Self::GetContentLength => (Dav, "getcontentlength"),
            Self::GetLastModified => (Dav, "getlastmodified"),
            Self::SyncToken => (Dav, "sync-token"),
            Self::GroupMembership => (Dav, "group-membership"),
            Self::GroupMemberSet => (Dav, "group-member-set"),
            Self::AlternateUriSet => (Dav, "alternate-URI-set"),
            Self::ResourceId => (Dav, "resource-id"),
            Self::QuotaAvailableBytes => (Dav, "quota-available-bytes"),
            Self::QuotaUsedBytes => (Dav, "quota-used-bytes"),
            Self::CalendarHomeSet => (CalDav, "calendar-home-set"),
            Self::CalendarUserAddressSet => (CalDav, "calendar-user-address-set"),
            Self::CalendarDescription => (CalDav, "calendar-description"),
            Self::CalendarTimezone => (CalDav, "calendar-timezone"),
            Self::SupportedCalendarComponentSet => (CalDav, "supported-calendar-component-set"),
            Self::SupportedCalendarData => (CalDav, "supported-calendar-data"),
            Self::CalendarMaxResourceSize => (CalDav, "max-resource-size"),
            Self::MaxAttachmentSize => (CalDav, "max-attachment-size"),
            Self::MaxAttachmentsPerResource => (CalDav, "max-attachments-per-resource"),
            Self::MinDateTime => (CalDav, "min-date-time"),
            Self::MaxDateTime => (CalDav, "max-date-time"),
            Self::ScheduleInboxUrl => (CalDav, "schedule-inbox-URL"),
            Self::ScheduleOutboxUrl => (CalDav, "schedule-outbox-URL"),
            Self::ScheduleDefaultCalendarUrl => (CalDav, "schedule-default-calendar-URL"),
            Self::ScheduleDefaultTasksUrl => (CalDav, "schedule-default-tasks-URL"),
            Self::CalendarUserType => (CalDav, "calendar-user-type"),
            Self::CalendarData => (CalDav, "calendar-data"),
            Self::TimezoneServiceSet => (CalDav, "timezone-service-set"),
            Self::AddressbookHomeSet => (CardDav, "addressbook-home-set"),
            Self::AddressbookDescription => (CardDav, "addressbook-description"),
            Self::SupportedAddressData => (CardDav, "supported-address-data"),
            Self::AddressbookMaxResourceSize => (CardDav, "max-resource-size"),
            Self::AddressData => (CardDav, "address-data"),
            Self::GetCtag => (CalendarServer, "getctag"),
            Self::CalendarProxyReadFor => (CalendarServer, "calendar-proxy-read-for"),
            Self::CalendarProxyWriteFor => (CalendarServer, "calendar-proxy-write-for"),
            Self::EmailAddressSet => (CalendarServer, "email-address-set"),
            Self::Invite => (CalendarServer, "invite"),
            Self::AllowedSharingModes => (CalendarServer, "allowed-sharing-modes"),
            Self::CalendarColor => (AppleIcal, "calendar-color"),
            Self::CalendarOrder => (AppleIcal, "calendar-order"),
            Self::PushTransports => (Other(NS_WEBDAV_PUSH.into()), "transports"),
            Self::PushTopic => (Other(NS_WEBDAV_PUSH.into()), "topic"),
            Self::PushSupportedTriggers => (Other(NS_WEBDAV_PUSH.into()), "supported-triggers"),
        }
    }

    pub fn name(self) -> PropName {
        let (ns, local) = self.parts();
        PropName::new(ns, local)
    }

    /// The known property with this name; `None` for names the server does not know.
    /// Answers use it for every requested name of every member, so the names are looked
    /// up by local name in an index built once.
    pub fn from_name(name: &PropName) -> Option<Self> {
        static BY_LOCAL: std::sync::OnceLock<
            std::collections::HashMap<&'static str, Vec<(Namespace, KnownProp)>>,
        > = std::sync::OnceLock::new();
        let index = BY_LOCAL.get_or_init(|| {
            let mut index: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
            for prop in Self::ALL {
                let (ns, local) = prop.parts();
                index.entry(local).or_default().push((ns, *prop));
            }
            index
        });
        index
            .get(name.local.as_str())?
            .iter()
            .find(|(ns, _)| *ns == name.ns)
            .map(|(_, prop)| *prop)
    }
}

impl From<KnownProp> for PropName {
    fn from(prop: KnownProp) -> Self {
        prop.name()
    }
}

impl TryFrom<&PropName> for KnownProp {
    type Error = ();

    fn try_from(name: &PropName) -> Result<Self, Self::Error> {
        Self::from_name(name).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_known_prop_round_trips_through_its_name() {
        for prop in KnownProp::ALL {
            assert_eq!(KnownProp::from_name(&prop.name()), Some(*prop), "{prop:?}");
        }
    }

    #[test]
    fn known_prop_names_are_distinct() {
        let names: HashSet<PropName> = KnownProp::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names.len(), KnownProp::ALL.len());
    }

    #[test]
    fn same_local_name_in_different_namespaces_is_different() {
        assert_eq!(
            KnownProp::from_name(&PropName::caldav("max-resource-size")),
            Some(KnownProp::CalendarMaxResourceSize)
        );
        assert_eq!(
            KnownProp::from_name(&PropName::carddav("max-resource-size")),
            Some(KnownProp::AddressbookMaxResourceSize)
        );
        assert_eq!(
            KnownProp::from_name(&PropName::dav("max-resource-size")),
            None
        );
    }

    #[test]
    fn names_are_case_sensitive() {
        assert_eq!(
            KnownProp::from_name(&PropName::dav("principal-URL")),
            Some(KnownProp::PrincipalUrl)
        );
        assert_eq!(KnownProp::from_name(&PropName::dav("principal-url")), None);
    }

    #[test]
    fn unknown_names_stay_prop_names() {
        let name = PropName::calendarserver("me-card");
        assert_eq!(name.known(), None);
        assert!(KnownProp::try_from(&name).is_err());
        assert_eq!(name.to_string(), "{http://calendarserver.org/ns/}me-card");
    }

    #[test]
    fn namespace_equality_is_by_uri() {
        assert_eq!(Namespace::Other("DAV:".into()), Namespace::Dav);
        assert_eq!(Namespace::from_uri(NS_CARDDAV), Namespace::CardDav);
        assert_ne!(Namespace::from_uri("dav:"), Namespace::Dav);
        assert_eq!(
            PropName::new(Namespace::Other(NS_DAV.into()), "getetag").known(),
            Some(KnownProp::GetEtag)
        );
        assert_eq!(
            Namespace::Other(NS_APPLE_ICAL.into()).fixed_prefix(),
            Some("ICAL")
        );
        assert_eq!(Namespace::Other("urn:x".into()).fixed_prefix(), None);
    }
}
