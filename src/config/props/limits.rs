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
}
