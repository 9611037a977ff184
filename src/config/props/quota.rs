//! Quotas (RFC 4331 and OX's per-module object quotas), read through the cascade of the
//! owner of the folder a write goes to (see `crate::quota`). -1 is unlimited.

use super::super::registry::{Kind, Property, PropertyDef};
use super::super::values::{self, ValueError};

properties! {
    static QUOTA;

    QuotaCalendar {
        name: "com.openexchange.quota.calendar",
        value: i64,
        parse: values::parse_i64,
        kind: Kind::Integer,
        default: "-1",
        cascade: true,
        env: None,
        doc: "How many calendar objects (events) the folders of a context may hold together, as OX counts appointments per context; a write that would add one beyond it is refused with 507 DAV:quota-not-exceeded. -1: unlimited.",
    }
    QuotaTask {
        name: "com.openexchange.quota.task",
        value: i64,
        parse: values::parse_i64,
        kind: Kind::Integer,
        default: "-1",
        cascade: true,
        env: None,
        doc: "How many tasks the task folders of a context may hold together (OX's per-context task quota). -1: unlimited.",
    }
    QuotaContact {
        name: "com.openexchange.quota.contact",
        value: i64,
        parse: values::parse_i64,
        kind: Kind::Integer,
        default: "-1",
        cascade: true,
        env: None,
        doc: "How many contacts the address books of a context may hold together, the global address list included (OX's per-context contact quota). -1: unlimited.",
    }
    QuotaBytes {
        name: "davgate.quota.bytes",
        value: i64,
        parse: values::parse_i64,
        kind: Kind::Integer,
        default: "-1",
        cascade: true,
        env: None,
        doc: "How many bytes of calendar objects, tasks and contacts the folders a user owns may hold together (shown as DAV:quota-used-bytes and DAV:quota-available-bytes); OX has no such quota for these modules. -1: unlimited.",
    }
}
