//! The properties davgate's fuzz targets check, written once for both runners: the
//! cargo-fuzz crate in `fuzz/` (coverage-guided, on nightly) and
//! `tests/fuzz_properties.rs` (a bounded, reproducible run over the seed corpus on
//! stable). Each target takes the bytes a client sends, drives davgate's code the way a
//! request does, and panics when a property a user or operator relies on does not hold.
//! Returning normally means the input was handled: accepted within the limits, or
//! refused with a reason.

pub mod calendar;
pub mod contacts;
pub mod request_parts;
pub mod xml_bodies;

use davgate::limits::Limits;

/// One fuzz target: the bytes of a request (or of a request part).
pub type Target = fn(&[u8]);

/// Every target by its cargo-fuzz name.
pub const TARGETS: &[(&str, Target)] = &[
    ("xml_propfind", xml_bodies::xml_propfind),
    ("xml_proppatch", xml_bodies::xml_proppatch),
    ("xml_report", xml_bodies::xml_report),
    ("xml_mkcol", xml_bodies::xml_mkcol),
    ("ical_ingest", calendar::ical_ingest),
    ("ical_filter", calendar::ical_filter),
    ("ical_render", calendar::ical_render),
    ("ical_expand", calendar::ical_expand),
    ("ical_freebusy", calendar::ical_freebusy),
    ("vcard_ingest", contacts::vcard_ingest),
    ("vcard_convert", contacts::vcard_convert),
    ("sync_token", request_parts::sync_token),
    ("request_path", request_parts::request_path),
    ("headers", request_parts::headers),
];

/// The limits the targets run with: the shipped defaults, except the recurrence
/// instance cap, lowered so that a run spends its time on many inputs rather than on a
/// few long expansions (every property is stated against the limits in force).
pub fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.content.max_instances = 500;
    limits.max_report_calendar_data_bytes = 1 << 20;
    limits
}

/// The two parts of an input that carries two (a REPORT body and the object it is
/// evaluated against): split at the first NUL byte, which neither XML nor iCalendar
/// nor vCard text may hold. Without a NUL the second part is empty.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|byte| *byte == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// A refusal must tell the client why: the reason becomes the 4xx body.
pub fn has_reason(error: &dyn std::fmt::Display) {
    let reason = error.to_string();
    assert!(!reason.trim().is_empty(), "a refusal without a reason");
}
