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
