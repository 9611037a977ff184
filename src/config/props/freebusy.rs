//! Internet free/busy (`<prefix>/freebusy/<mail address>`): whether a user's busy time
//! is published there, who may read it, and how far into the past and future. Read
//! through the cascade of the user whose busy time is asked for.

use super::super::registry::{Kind, Property, PropertyDef};
use super::super::values::{self, ValueError};

properties! {
    static FREEBUSY;

    PublishInternetFreeBusy {
        name: "com.openexchange.calendar.publishInternetFreeBusy",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "false",
        cascade: true,
        env: None,
        doc: "Whether the user's busy time is published at the Internet free/busy URL <prefix>/freebusy/<mail address>. Off, the URL answers as for an unknown address.",
    }
    InternetFreeBusyMaximumTimerangePast {
        name: "com.openexchange.calendar.internetFreeBusyMaximumTimerangePast",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "12",
        cascade: true,
        env: None,
        doc: "Weeks before today the Internet free/busy URL reaches back at most; an earlier start is moved to it.",
    }
    InternetFreeBusyMaximumTimerangeFuture {
        name: "com.openexchange.calendar.internetFreeBusyMaximumTimerangeFuture",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "26",
        cascade: true,
        env: None,
        doc: "Weeks after today the Internet free/busy URL reaches at most; a later end is moved to it.",
    }
    FreeBusyRequireLogin {
        name: "davgate.freebusy.requireLogin",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether the Internet free/busy URL of the user answers only requests with the credentials of a user of the same context (401 without credentials, 404 for a user of another context). Off, anyone who knows the address may read the busy time.",
    }
}
