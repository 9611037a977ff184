//! The expectation table of the attack matrix: what it names (methods, resources,
//! callers), how its text is read, and what each entry demands of an answer.

use crate::common::http::{parse_xml, Answer, CALDAV, CARDDAV, DAV};

/// Who sends a request. Every resource of the matrix is seen from each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// alice: owns the folders and members the rows name.
    Owner,
    /// bob: same context, no permission on alice's folders.
    Stranger,
    /// vera: same context, Viewer (read all, nothing else) on alice's shared folders.
    Viewer,
    /// rita: same context; on alice's shared folders she may create members and read,
    /// change and delete her own, but not alice's ("read own objects").
    ReadOwn,
    /// oscar: a user of another context.
    Outsider,
    /// No credentials at all.
    Anonymous,
}

impl Caller {
    /// The table's columns, in order.
    pub const ALL: [Caller; 6] = [
        Caller::Owner,
        Caller::Stranger,
        Caller::Viewer,
        Caller::ReadOwn,
        Caller::Outsider,
        Caller::Anonymous,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Caller::Owner => "owner",
            Caller::Stranger => "stranger",
            Caller::Viewer => "viewer",
            Caller::ReadOwn => "readown",
            Caller::Outsider => "outsider",
            Caller::Anonymous => "anonymous",
        }
    }
}

/// The methods of the matrix; REPORT once per kind of report body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Options,
    Get,
    Head,
    Put,
    Delete,
    Propfind0,
    Propfind1,
    Proppatch,
    CalendarMultiget,
    CalendarQuery,
    SyncCollection,
    FreeBusy,
    AddressbookMultiget,
    AddressbookQuery,
    ExpandProperty,
    UnknownReport,
    Mkcol,
    Mkcalendar,
    Copy,
    Move,
    Lock,
    Unlock,
    Post,
    Patch,
    MadeUp,
    Acl,
    AclPrincipalPropSet,
    PrincipalMatch,
}

impl Method {
    pub const ALL: [Method; 28] = [
        Method::Options,
        Method::Get,
        Method::Head,
        Method::Put,
        Method::Delete,
        Method::Propfind0,
        Method::Propfind1,
        Method::Proppatch,
        Method::CalendarMultiget,
        Method::CalendarQuery,
        Method::SyncCollection,
        Method::FreeBusy,
        Method::AddressbookMultiget,
        Method::AddressbookQuery,
        Method::ExpandProperty,
        Method::UnknownReport,
        Method::Mkcol,
        Method::Mkcalendar,
        Method::Copy,
        Method::Move,
        Method::Lock,
        Method::Unlock,
        Method::Post,
        Method::Patch,
        Method::MadeUp,
        Method::Acl,
        Method::AclPrincipalPropSet,
        Method::PrincipalMatch,
    ];

    /// The name the table uses.
    pub fn token(self) -> &'static str {
        match self {
            Method::Options => "OPTIONS",
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Propfind0 => "PROPFIND:0",
            Method::Propfind1 => "PROPFIND:1",
            Method::Proppatch => "PROPPATCH",
            Method::CalendarMultiget => "REPORT:calendar-multiget",
            Method::CalendarQuery => "REPORT:calendar-query",
            Method::SyncCollection => "REPORT:sync-collection",
            Method::FreeBusy => "REPORT:free-busy-query",
            Method::AddressbookMultiget => "REPORT:addressbook-multiget",
            Method::AddressbookQuery => "REPORT:addressbook-query",
            Method::ExpandProperty => "REPORT:expand-property",
            Method::UnknownReport => "REPORT:unknown",
            Method::Mkcol => "MKCOL",
            Method::Mkcalendar => "MKCALENDAR",
            Method::Copy => "COPY",
            Method::Move => "MOVE",
            Method::Lock => "LOCK",
            Method::Unlock => "UNLOCK",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::MadeUp => "FROBNICATE",
            Method::Acl => "ACL",
            Method::AclPrincipalPropSet => "REPORT:acl-principal-prop-set",
            Method::PrincipalMatch => "REPORT:principal-match",
        }
    }

    /// The HTTP method sent.
    pub fn verb(self) -> &'static str {
        match self {
            Method::Propfind0 | Method::Propfind1 => "PROPFIND",
            Method::CalendarMultiget
            | Method::CalendarQuery
            | Method::SyncCollection
            | Method::FreeBusy
            | Method::AddressbookMultiget
            | Method::AddressbookQuery
            | Method::ExpandProperty
            | Method::UnknownReport
            | Method::AclPrincipalPropSet
            | Method::PrincipalMatch => "REPORT",
            other => other.token(),
        }
    }

    /// Whether the method may change what is stored (so the store is checked, and
    /// restored, after it).
    pub fn writes(self) -> bool {
        !matches!(
            self.verb(),
            "OPTIONS" | "GET" | "HEAD" | "PROPFIND" | "REPORT"
        )
    }
}

/// The resources of the matrix (see `world::World::path` for where each lives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Root,
    Principals,
    UserPrincipals,
    OwnerPrincipal,
    OtherPrincipal,
    /// alice's calendar-proxy-write group: its members are her write delegates.
    OwnerProxyWrite,
    CalendarHome,
    AddressbookHome,
    Calendar,
    TaskList,
    CalendarMember,
    MissingMember,
    UnmappedCalendar,
    ForeignCalendar,
    AddressBook,
    Aggregated,
    Contact,
    Gal,
    GalEntry,
    UnmappedBook,
    ForeignBook,
    WellKnownCaldav,
    WellKnownCarddav,
    HealthLive,
    ScheduleInbox,
    InboxMessage,
    ScheduleOutbox,
    InternetFreeBusy,
    /// alice's WebDAV-Push registration URL on her default calendar.
    PushRegistration,
}

impl Resource {
    pub const ALL: [Resource; 29] = [
        Resource::Root,
        Resource::Principals,
        Resource::UserPrincipals,
        Resource::OwnerPrincipal,
        Resource::OtherPrincipal,
        Resource::OwnerProxyWrite,
        Resource::CalendarHome,
        Resource::AddressbookHome,
        Resource::Calendar,
        Resource::TaskList,
        Resource::CalendarMember,
        Resource::MissingMember,
        Resource::UnmappedCalendar,
        Resource::ForeignCalendar,
        Resource::AddressBook,
        Resource::Aggregated,
        Resource::Contact,
        Resource::Gal,
        Resource::GalEntry,
        Resource::UnmappedBook,
        Resource::ForeignBook,
        Resource::WellKnownCaldav,
        Resource::WellKnownCarddav,
        Resource::HealthLive,
        Resource::ScheduleInbox,
        Resource::InboxMessage,
        Resource::ScheduleOutbox,
        Resource::InternetFreeBusy,
        Resource::PushRegistration,
    ];

    /// The name the table uses.
    pub fn token(self) -> &'static str {
        match self {
            Resource::Root => "dav-root",
            Resource::Principals => "principals",
            Resource::UserPrincipals => "user-principals",
            Resource::OwnerPrincipal => "principal-of-owner",
            Resource::OtherPrincipal => "principal-of-stranger",
            Resource::OwnerProxyWrite => "proxy-write-of-owner",
            Resource::CalendarHome => "calendar-home",
            Resource::AddressbookHome => "addressbook-home",
            Resource::Calendar => "calendar",
            Resource::TaskList => "task-list",
            Resource::CalendarMember => "calendar-member",
            Resource::MissingMember => "missing-member",
            Resource::UnmappedCalendar => "caldav-no-folder",
            Resource::ForeignCalendar => "calendar-of-other-context",
            Resource::AddressBook => "address-book",
            Resource::Aggregated => "aggregated-contacts",
            Resource::Contact => "contact-member",
            Resource::Gal => "global-address-list",
            Resource::GalEntry => "global-address-list-entry",
            Resource::UnmappedBook => "carddav-no-folder",
            Resource::ForeignBook => "address-book-of-other-context",
            Resource::WellKnownCaldav => "well-known-caldav",
            Resource::WellKnownCarddav => "well-known-carddav",
            Resource::HealthLive => "health-live",
            Resource::ScheduleInbox => "schedule-inbox",
            Resource::InboxMessage => "schedule-inbox-message",
            Resource::ScheduleOutbox => "schedule-outbox",
            Resource::InternetFreeBusy => "internet-freebusy",
            Resource::PushRegistration => "push-registration",
        }
    }
}

/// What one entry of the table demands of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this status; nothing more is asked of the answer.
    Status(u16),
    /// `401`: with a Basic challenge in WWW-Authenticate.
    Unauthorized,
    /// `405`: with an Allow header that does not list the method.
    NotAllowed,
    /// `403np`: a `DAV:error` body with `DAV:need-privileges` (RFC 3744 7.1.1).
    NeedPrivileges,
    /// `403sr`: a `DAV:error` body with `DAV:supported-report` (RFC 3253 3.6).
    SupportedReport,
    /// `403rn`: a `DAV:error` body with `DAV:resource-must-be-null` (RFC 4791 5.3.1.1).
    ResourceMustBeNull,
    /// `403lo`: a `DAV:error` body with `CALDAV:calendar-collection-location-ok` or
    /// `CARDDAV:addressbook-collection-location-ok` (RFC 4791 5.3.1.1, RFC 6352 6.3.1).
    LocationOk,
    /// `301`: a permanent redirect to the DAV root.
    RedirectToRoot,
}

impl Expect {
    fn parse(token: &str) -> Result<Expect, String> {
        Ok(match token {
            "401" => Expect::Unauthorized,
            "405" => Expect::NotAllowed,
            "403np" => Expect::NeedPrivileges,
            "403sr" => Expect::SupportedReport,
            "403rn" => Expect::ResourceMustBeNull,
            "403lo" => Expect::LocationOk,
            "301" => Expect::RedirectToRoot,
            plain => Expect::Status(
                plain
                    .parse()
                    .map_err(|_| format!("unknown expectation {plain:?}"))?,
            ),
        })
    }

    pub fn label(self) -> String {
        match self {
            Expect::Status(status) => status.to_string(),
            Expect::Unauthorized => "401".into(),
            Expect::NotAllowed => "405".into(),
            Expect::NeedPrivileges => "403np".into(),
            Expect::SupportedReport => "403sr".into(),
            Expect::ResourceMustBeNull => "403rn".into(),
            Expect::LocationOk => "403lo".into(),
            Expect::RedirectToRoot => "301".into(),
        }
    }

    /// Whether a write with this answer was meant to change the store.
    pub fn is_success(self) -> bool {
        matches!(self, Expect::Status(status) if (200..300).contains(&status))
    }

    /// Why `answer` does not meet the expectation, if it does not.
    pub fn check(self, method: Method, answer: &Answer) -> Result<(), String> {
        let status = answer.status.as_u16();
        let wanted = match self {
            Expect::Status(status) => status,
            Expect::Unauthorized => 401,
            Expect::NotAllowed => 405,
            Expect::NeedPrivileges
            | Expect::SupportedReport
            | Expect::ResourceMustBeNull
            | Expect::LocationOk => 403,
            Expect::RedirectToRoot => 301,
        };
        if status != wanted {
            return Err(format!("{status}{}", described(answer)));
        }
        match self {
            Expect::Status(_) => Ok(()),
            Expect::Unauthorized => {
                let challenge = answer.header("www-authenticate").unwrap_or("");
                let basic = challenge
                    .split_whitespace()
                    .next()
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic"));
                basic
                    .then_some(())
                    .ok_or_else(|| format!("401 with WWW-Authenticate {challenge:?}"))
            }
            Expect::NotAllowed => {
                let allow = answer
                    .header("allow")
                    .ok_or_else(|| "405 without Allow".to_string())?;
                let listed = allow
                    .split(',')
                    .any(|m| m.trim().eq_ignore_ascii_case(method.verb()));
                match listed {
                    true => Err(format!("405 whose Allow lists the method: {allow}")),
                    false => Ok(()),
                }
            }
            Expect::NeedPrivileges => dav_error(answer, DAV, "need-privileges"),
            Expect::SupportedReport => dav_error(answer, DAV, "supported-report"),
            Expect::ResourceMustBeNull => dav_error(answer, DAV, "resource-must-be-null"),
            Expect::LocationOk => dav_error(answer, CALDAV, "calendar-collection-location-ok")
                .or_else(|_| dav_error(answer, CARDDAV, "addressbook-collection-location-ok")),
            Expect::RedirectToRoot => match answer.header("location") {
                Some("/dav/") => Ok(()),
                other => Err(format!("301 to {other:?}")),
            },
        }
    }
}

/// The condition a `DAV:error` body must carry.
fn dav_error(answer: &Answer, ns: &str, condition: &str) -> Result<(), String> {
    let is_xml = answer
        .header("content-type")
        .is_some_and(|t| t.contains("xml"));
    if is_xml && parse_xml(&answer.body).is(DAV, "error") {
        let root = parse_xml(&answer.body);
        if root.child(ns, condition).is_some() {
            return Ok(());
        }
    }
    Err(format!(
        "403 without {{{ns}}}{condition}{}",
        described(answer)
    ))
}

/// A short quote of the answer's body for a failure message.
fn described(answer: &Answer) -> String {
    let body = String::from_utf8_lossy(&answer.body);
    let body = body.trim();
    if body.is_empty() {
        return String::new();
    }
    let quoted: String = body.chars().take(120).collect();
    format!(" ({quoted})")
}

/// One entry: the expected answer of `caller` to `method` on `resource`.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    pub resource: Resource,
    pub method: Method,
    pub caller: Caller,
    pub expect: Expect,
}

/// Reads the tables: `[resource]` starts a block, each other line is a method and one
/// expectation per caller, in the order of `Caller::ALL`; `#` starts a comment. Every
/// method must appear once per resource and every resource once.
pub fn cells(tables: &[&str]) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut resource: Option<Resource> = None;
    let mut seen: Vec<(Resource, Method)> = Vec::new();
    for (number, line) in tables.iter().flat_map(|t| t.lines()).enumerate() {
        let line = line.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let found = Resource::ALL.into_iter().find(|r| r.token() == name);
            resource = Some(found.unwrap_or_else(|| panic!("line {number}: resource {name:?}")));
            continue;
        }
        let resource = resource.unwrap_or_else(|| panic!("line {number}: row before [resource]"));
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let method = Method::ALL
            .into_iter()
            .find(|m| m.token() == tokens[0])
            .unwrap_or_else(|| panic!("line {number}: method {:?}", tokens[0]));
        assert_eq!(
            tokens.len(),
            1 + Caller::ALL.len(),
            "line {number}: one expectation per caller: {line}"
        );
        assert!(
            !seen.contains(&(resource, method)),
            "line {number}: {} {} twice",
            resource.token(),
            method.token()
        );
        seen.push((resource, method));
        for (caller, token) in Caller::ALL.into_iter().zip(&tokens[1..]) {
            let expect = Expect::parse(token).unwrap_or_else(|e| panic!("line {number}: {e}"));
            cells.push(Cell {
                resource,
                method,
                caller,
                expect,
            });
        }
    }
    for resource in Resource::ALL {
        for method in Method::ALL {
            assert!(
                seen.contains(&(resource, method)),
                "the table lacks {} on {}",
                method.token(),
                resource.token()
            );
        }
    }
    cells
}
