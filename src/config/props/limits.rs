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
}
