//! The limits that keep one client, logged in or not, from exhausting the process: every
//! cost that grows with what a client sends has a property here. Server scope only; the
//! defaults keep a 2-core pod with 1 GiB serving everyone else under any single client.
//! `docs/limits.md` describes each one and what a client gets when it is reached.

use super::super::registry::{Kind, Property, PropertyDef};
use super::super::values::{self, ValueError};

/// A count of at least one.
fn parse_at_least_one(raw: &str) -> Result<u32, ValueError> {
    match values::parse_u32(raw)? {
        0 => Err(ValueError("expected at least 1".into())),
        n => Ok(n),
    }
}

properties! {
    static LIMITS;

    // Connections and requests (http::server).
    MaxConnections {
        name: "davgate.limits.maxConnections",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "1024",
        cascade: false,
        env: Some("DAVGATE_MAX_CONNECTIONS"),
        doc: "Client connections open at once. When full, the connection that has been idle longest (no request under way) is closed to make room; with none idle, a new connection is closed at once. Lowered, with a warning, where the open-file limit (raised to its hard limit at start) leaves fewer than this plus 128 files.",
    }
    HeaderReadTimeoutSeconds {
        name: "davgate.limits.headerReadTimeoutSeconds",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "20",
        cascade: false,
        env: None,
        doc: "Seconds a client has to send a whole request header, counted from the connection's start or the end of the previous response; also how long an idle keep-alive connection stays open.",
    }
    WriteTimeoutSeconds {
        name: "davgate.limits.writeTimeoutSeconds",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "30",
        cascade: false,
        env: None,
        doc: "Seconds a response may wait for the client to take more of it; a client that reads nothing for longer is disconnected.",
    }
    RequestTimeoutSeconds {
        name: "davgate.limits.requestTimeoutSeconds",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "120",
        cascade: false,
        env: None,
        doc: "Seconds one request may take from its header to its response's start, reading the body included; later, it is answered 408 and its work stops.",
    }
    MaxRequestBodyBytes {
        name: "davgate.limits.maxRequestBodyBytes",
        value: u64,
        parse: values::parse_u64,
        kind: Kind::Integer,
        default: "16777216",
        cascade: false,
        env: None,
        doc: "Largest request body accepted (413 beyond it).",
    }

    // Managed attachments (RFC 8607; caldav::attachment_limits).
    MaxAttachmentBytes {
        name: "davgate.limits.maxAttachmentBytes",
        value: u64,
        parse: values::parse_u64,
        kind: Kind::Integer,
        default: "104857600",
        cascade: false,
        env: None,
        doc: "Largest managed attachment in bytes (CALDAV:max-attachment-size on calendars).",
    }
    MaxAttachmentsPerResource {
        name: "davgate.limits.maxAttachmentsPerResource",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "20",
        cascade: false,
        env: None,
        doc: "Managed attachments one calendar object may refer to (CALDAV:max-attachments-per-resource on calendars).",
    }

    // Sync tokens (http::sync, http::carddav_report).
    MaxSyncTokenFolders {
        name: "davgate.limits.maxSyncTokenFolders",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "1000",
        cascade: false,
        env: None,
        doc: "Folders an aggregated address book's sync token may name, or as many as the address book spans now when that is more; a token naming more gets 403 DAV:valid-sync-token.",
    }

    // Names and properties a client chooses (http::request_path, dav::resource_name,
    // PROPPATCH and MKCALENDAR).
    MaxResourceNameBytes {
        name: "davgate.limits.maxResourceNameBytes",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "512",
        cascade: false,
        env: None,
        doc: "Longest name, in UTF-8 bytes, a client may give a new member (PUT, COPY, MOVE) or a new calendar (MKCALENDAR, MKCOL); longer names are refused with 403 and a reason. At most 1024 (larger values count as 1024, which PostgreSQL's indexes still hold).",
    }
    MaxPropertyValueBytes {
        name: "davgate.limits.maxPropertyValueBytes",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "65536",
        cascade: false,
        env: None,
        doc: "Largest value, in bytes, of one property a client sets with PROPPATCH, MKCALENDAR or extended MKCOL (dead properties, and the display name, description and colour kept on the folder); a larger one fails with 507 in its propstat. Dead property values stored larger than this are not served.",
    }
    MaxPropertyNameBytes {
        name: "davgate.limits.maxPropertyNameBytes",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "512",
        cascade: false,
        env: None,
        doc: "Longest name, in bytes, of a dead property a client sets (namespace URI and local name together); a longer one fails with 507 in its propstat. At most 1024.",
    }
    MaxDeadPropertiesPerResource {
        name: "davgate.limits.maxDeadPropertiesPerResource",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "64",
        cascade: false,
        env: None,
        doc: "Dead properties one collection may hold; a PROPPATCH that would add more fails as a whole with 507. Beyond it (stored earlier), only the first ones by name are served.",
    }
    MaxDeadPropertyBytesPerResource {
        name: "davgate.limits.maxDeadPropertyBytesPerResource",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "262144",
        cascade: false,
        env: None,
        doc: "Total bytes of the dead property values of one collection; a PROPPATCH that would store more fails as a whole with 507. Beyond it (stored earlier), only the first values by name that fit are served.",
    }
    MaxCalendarsPerUser {
        name: "davgate.limits.maxCalendarsPerUser",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "200",
        cascade: false,
        env: None,
        doc: "Calendars and task lists a user may own before MKCALENDAR (or extended MKCOL) refuses another with 507; folders made otherwise count too, none are removed.",
    }
    MaxInboxMessages {
        name: "davgate.limits.maxInboxMessages",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "1000",
        cascade: false,
        env: None,
        doc: "Scheduling messages (iTIP REQUEST, REPLY, CANCEL) a user's schedule-inbox keeps; delivering one more removes the oldest beyond it.",
    }
    MaxCopiesUpdatedPerReply {
        name: "davgate.limits.maxCopiesUpdatedPerReply",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "Other attendees' copies of an event that one attendee's answer updates with her new participation status; in an event with more internal attendees the others learn it with the organizer's next change.",
    }
    MaxProxyGroupMembers {
        name: "davgate.limits.maxProxyGroupMembers",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "Users one PROPPATCH of a calendar-proxy-read or calendar-proxy-write group may name as its members; more get 507 for DAV:group-member-set and nothing changes.",
    }
    MaxAddressBooksPerUser {
        name: "davgate.limits.maxAddressBooksPerUser",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "Contact folders a user may own before extended MKCOL refuses another address book with 507; folders made otherwise count too, none are removed.",
    }
    MaxShareesPerCollection {
        name: "davgate.limits.maxShareesPerCollection",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "Users a calendar or address book may be shared with through the browser page; sharing with one more is refused until one is removed.",
    }
    MaxImportItems {
        name: "davgate.limits.maxImportItems",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "5000",
        cascade: false,
        env: None,
        doc: "Items (events, tasks, contacts) one import of the browser page stores at most; the items after them are refused, each with the reason.",
    }

    // Calendar and vCard content (content::limits, caldav::write, carddav::write, reports).
    MaxComponentNesting {
        name: "davgate.limits.maxComponentNesting",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "10",
        cascade: false,
        env: None,
        doc: "Components nested inside one another in a calendar object a client writes, VCALENDAR counting as 1 (VCALENDAR > VEVENT > VALARM is 3); deeper objects are refused with CALDAV:valid-calendar-data.",
    }
    MaxComponentsPerObject {
        name: "davgate.limits.maxComponentsPerObject",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "10000",
        cascade: false,
        env: None,
        doc: "Components in one calendar object a client writes (VCALENDAR, events, overrides, alarms, time zones and their parts); more are refused with CALDAV:valid-calendar-data.",
    }
    MaxPropertiesPerComponent {
        name: "davgate.limits.maxPropertiesPerComponent",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "10000",
        cascade: false,
        env: None,
        doc: "Properties (content lines) directly in one component of a calendar object or in one vCard a client writes; more are refused with CALDAV:valid-calendar-data or CARDDAV:valid-address-data.",
    }
    MaxUidLength {
        name: "davgate.limits.maxUidLength",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "1024",
        cascade: false,
        env: None,
        doc: "Bytes of the UID of a calendar object or vCard a client writes (at most 2000: the store indexes UIDs); longer ones are refused with CALDAV:valid-calendar-data or CARDDAV:valid-address-data.",
    }
    MaxAttendeesPerEvent {
        name: "com.openexchange.calendar.maxAttendeesPerEvent",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "1000",
        cascade: false,
        env: None,
        doc: "ATTENDEE properties of one event, task or journal (per instance) a client writes; more are refused with CALDAV:max-attendees-per-instance.",
    }
    MaxImipRecipients {
        name: "davgate.limits.maxImipRecipients",
        value: u32,
        parse: parse_at_least_one,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "Recipients of one mail the iMIP relay is handed (RCPT TO commands of one SMTP transaction, and the To addresses); a scheduling message to more attendees outside the context goes out as several mails of at most this many.",
    }
    MaxAlarmsPerEvent {
        name: "com.openexchange.calendar.maxAlarmsPerEvent",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "VALARM components of one event or task (per instance) a client writes; more are refused with CALDAV:valid-calendar-data.",
    }
    MaxRecurrenceInstances {
        name: "davgate.limits.maxRecurrenceInstances",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "20000",
        cascade: false,
        env: None,
        doc: "Instances one calendar object's recurrence is expanded to, for its index, a query's time range, expand and free-busy. An expand that needs more answers that object's calendar-data with 507; a free-busy-query 507; a time range it cannot reach lists the object.",
    }
    MaxFreeBusyRecipients {
        name: "davgate.limits.maxFreeBusyRecipients",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "ATTENDEEs one free/busy request to the scheduling outbox may ask about; a request naming more is refused with 403 CALDAV:max-attendees-per-instance.",
    }
    MaxShareesPerRequest {
        name: "davgate.limits.maxShareesPerRequest",
        value: u32,
        parse: parse_at_least_one,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "CS:set and CS:remove elements one sharing request (a CS:share body POSTed to a calendar or address book) may hold; a request with more is refused with 403 and the reason before any sharee is looked up, and changes nothing.",
    }
    MaxFreeBusyRangeDays {
        name: "davgate.limits.maxFreeBusyRangeDays",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "366",
        cascade: false,
        env: None,
        doc: "Days one free/busy lookup may span: a request to the scheduling outbox over a longer range is refused with 403; an Internet free/busy range is cut to it.",
    }
    MaxPrincipalSearchResults {
        name: "davgate.limits.maxPrincipalSearchResults",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "Principals one principal-property-search or calendarserver-principal-search lists (the latter also at most its nresults); when more match, the answer ends with 507 number-of-matches-within-limits for the collection searched.",
    }
    MaxAcesPerRequest {
        name: "davgate.limits.maxAcesPerRequest",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "ACEs one ACL request may carry (each becomes a folder permission); a body with more is refused with 413 and nothing changes.",
    }
    MaxReportCalendarDataBytes {
        name: "davgate.limits.maxReportCalendarDataBytes",
        value: u64,
        parse: values::parse_u64,
        kind: Kind::Integer,
        default: "16777216",
        cascade: false,
        env: None,
        doc: "Bytes of calendar data one report generates (expanded or selected; stored objects sent as they are do not count), and of the busy periods a free-busy-query lists. Members beyond it get their calendar-data answered 507; a free-busy-query listing more, 507.",
    }

    // Request bodies (dav::body_limits, http::body_parsing).
    MaxXmlElements {
        name: "davgate.limits.maxXmlElements",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "20000",
        cascade: false,
        env: None,
        doc: "XML elements in one request body; a body with more gets 413.",
    }
    MaxXmlAttributesPerElement {
        name: "davgate.limits.maxXmlAttributesPerElement",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "32",
        cascade: false,
        env: None,
        doc: "Attributes of one XML element in a request body, namespace declarations included; an element with more gets 413.",
    }
    MaxXmlNamespaceDeclarations {
        name: "davgate.limits.maxXmlNamespaceDeclarations",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "500",
        cascade: false,
        env: None,
        doc: "Namespace declarations (xmlns attributes) in one request body; a body with more gets 413.",
    }
    MaxPropertiesPerRequest {
        name: "davgate.limits.maxPropertiesPerRequest",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "500",
        cascade: false,
        env: None,
        doc: "Properties one list of a request names: a PROPFIND's or REPORT's prop or include, the sets and removes of a PROPPATCH, MKCOL or MKCALENDAR, what a calendar-data or address-data selects; more get 413.",
    }
    MaxHrefsPerRequest {
        name: "davgate.limits.maxHrefsPerRequest",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "10000",
        cascade: false,
        env: None,
        doc: "Hrefs of one calendar-multiget or addressbook-multiget; more get 413.",
    }
    MaxFilterElements {
        name: "davgate.limits.maxFilterElements",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "Elements inside the filter of one calendar-query or addressbook-query, which is tested against every member; more get 413.",
    }
    BodyParseThreads {
        name: "davgate.limits.bodyParseThreads",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "2",
        cascade: false,
        env: None,
        doc: "Request bodies larger than 32 KiB parsed at once, each on a blocking thread off the request-serving workers; others wait their turn (the request timeout and the client's disconnect end the wait).",
    }

    // Logins (auth): the bound on password checks and the throttle on failed logins.
    MaxConcurrentPasswordChecks {
        name: "davgate.limits.maxConcurrentPasswordChecks",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "2",
        cascade: false,
        env: None,
        doc: "argon2 password verifications that run at once (each holds 19 MiB and a core for tens of milliseconds); at least 1.",
    }
    PasswordCheckQueue {
        name: "davgate.limits.passwordCheckQueue",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "16",
        cascade: false,
        env: None,
        doc: "Logins that may wait for a password check; beyond them a login that needs one is answered 503 with Retry-After at once.",
    }
    LoginFailuresPerLogin {
        name: "davgate.limits.loginFailuresPerLogin",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "10",
        cascade: false,
        env: None,
        doc: "Failed logins of one login name within the window after which its further attempts are answered 429 without a password check, except from addresses it logged in from lately; 0: no limit.",
    }
    LoginFailuresPerAddress {
        name: "davgate.limits.loginFailuresPerAddress",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100",
        cascade: false,
        env: None,
        doc: "Failed logins from one client address (IPv6: one /64) within the window after which its further attempts are answered 429 without a password check, except logins that succeeded from it lately; 0: no limit.",
    }
    LoginFailureWindowSeconds {
        name: "davgate.limits.loginFailureWindowSeconds",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "900",
        cascade: false,
        env: None,
        doc: "Seconds over which failed logins are counted, from a login's or address's first failure; the 429's Retry-After is what is left of it.",
    }
    LoginThrottleMaxKeys {
        name: "davgate.limits.loginThrottleMaxKeys",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "100000",
        cascade: false,
        env: None,
        doc: "Logins, addresses and login-address pairs whose failures the process counts at once (about 100 bytes each), and as many remembered successful logins; beyond it the counts with the fewest failures are forgotten first.",
    }
    LoginCacheMaxEntries {
        name: "davgate.limits.loginCacheMaxEntries",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "10000",
        cascade: false,
        env: None,
        doc: "Resolved logins the process caches, and as many users' configuration attributes and groups (a few KiB each at most with typical attributes); when full, expired entries go first, then the oldest eighth. Only logins that name a user are cached.",
    }
    TrustedProxies {
        name: "davgate.trustedProxies",
        value: Vec<ipnet::IpNet>,
        parse: crate::auth::parse_networks,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_TRUSTED_PROXIES"),
        doc: "Addresses or CIDR networks of the reverse proxies in front of davgate (comma-separated). Only from them is the client address taken from davgate.forwardedHeader; empty: the connection's peer is the client.",
    }
    ForwardedHeader {
        name: "davgate.forwardedHeader",
        value: crate::auth::ForwardedHeader,
        parse: crate::auth::parse_forwarded_header,
        kind: Kind::Choice(&["X-Forwarded-For", "Forwarded"]),
        default: "X-Forwarded-For",
        cascade: false,
        env: None,
        doc: "The header trusted proxies append the client address to: X-Forwarded-For (Apache, Envoy/Istio, nginx) or Forwarded (RFC 7239).",
    }

    // The database (store): what a request may wait for it.
    DatabaseConnections {
        name: "davgate.limits.databaseConnections",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "16",
        cascade: false,
        env: None,
        doc: "Database connections the process keeps open at most (PostgreSQL and SQLite). A connection is held only while a query runs, never while a response waits for its client.",
    }
    DatabaseAcquireTimeoutMillis {
        name: "davgate.limits.databaseAcquireTimeoutMillis",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "2000",
        cascade: false,
        env: None,
        doc: "Milliseconds a request waits for a database connection (on SQLite also for the file's write lock); longer, it is answered 503 with Retry-After.",
    }
    DatabaseIdleSeconds {
        name: "davgate.limits.databaseIdleSeconds",
        value: u32,
        parse: parse_at_least_one,
        kind: Kind::Integer,
        default: "30",
        cascade: false,
        env: Some("DAVGATE_DATABASE_IDLE_SECONDS"),
        doc: "Seconds a pooled database connection may stay unused before it is closed (one is always kept), so that what an idle connection holds (SQLite's page cache, a PostgreSQL session's buffers) goes back after a burst.",
    }
    DatabaseRetryAfterSeconds {
        name: "davgate.limits.databaseRetryAfterSeconds",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "2",
        cascade: false,
        env: None,
        doc: "The Retry-After of a 503 for an unreachable or busy database. Once a request found the database unreachable, DAV requests are answered 503 at once while davgate tries the database again at this interval.",
    }
}
