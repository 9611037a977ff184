//! The limits that keep one client, logged in or not, from exhausting the process: every
//! cost that grows with what a client sends has a property here. Server scope only; the
//! defaults keep a 2-core pod with 1 GiB serving everyone else under any single client.
//! `docs/limits.md` describes each one and what a client gets when it is reached.

use super::super::registry::{Kind, Property, PropertyDef};
use super::super::values::{self, ValueError};

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
        doc: "Client connections open at once. When full, the connection that has been idle longest (no request under way) is closed to make room; with none idle, a new connection is closed at once.",
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
    MaxReportCalendarDataBytes {
        name: "davgate.limits.maxReportCalendarDataBytes",
        value: u64,
        parse: values::parse_u64,
        kind: Kind::Integer,
        default: "16777216",
        cascade: false,
        env: None,
        doc: "Bytes of calendar data one report generates (expanded or selected; stored objects sent as they are do not count). Members beyond it get their calendar-data answered 507.",
    }
}
