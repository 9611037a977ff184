//! The browser page at `<prefix>/ui/` (`ui`): whether it is served, and which of its
//! parts a user gets, per context through the cascade.

use super::super::registry::{Kind, Property, PropertyDef};
use super::super::values::{self, ValueError};

properties! {
    static UI;

    UiEnabled {
        name: "davgate.ui.enabled",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether users may log in to the browser page at <prefix>/ui/ (server scope: whether it is served at all; per context or user: whether they may log in).",
    }
    UiSharing {
        name: "davgate.ui.sharing",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether the browser page lets owners share their calendars and address books with users of their context.",
    }
    UiImport {
        name: "davgate.ui.import",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether the browser page lets users import .ics and .vcf files into collections.",
    }
}
