//! Members of a collection (calendar objects, vCards): their live properties and the
//! header values they share.

use super::{KnownProp, PropValue, PropfindRequest};

/// The strong entity tag of stored bytes, quoted as headers and DAV:getetag show it.
pub fn quoted_etag(etag: &str) -> String {
    let mut quoted = String::with_capacity(etag.len() + 2);
    quoted.push('"');
    quoted.push_str(etag);
    quoted.push('"');
    quoted
}

/// IMF-fixdate (RFC 9110 5.6.7), as Last-Modified and DAV:getlastmodified use it.
pub fn http_date(epoch: i64) -> String {
    use chrono::{Datelike, Timelike};
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // Written field by field: a listing writes one per member, and strftime's parsing
    // of the pattern costs more than the date.
    let time = chrono::DateTime::from_timestamp(epoch, 0).unwrap_or_default();
    let mut out = String::with_capacity(29);
    let two = |out: &mut String, n: u32| {
        out.push(char::from(b'0' + (n / 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    };
    out.push_str(DAYS[time.weekday().num_days_from_monday() as usize]);
    out.push_str(", ");
    two(&mut out, time.day());
    out.push(' ');
    out.push_str(MONTHS[time.month0() as usize]);
    out.push(' ');
    let year = time.year().clamp(0, 9999) as u32;
    two(&mut out, year / 100);
    two(&mut out, year % 100);
    out.push(' ');
    two(&mut out, time.hour());
    out.push(':');
    two(&mut out, time.minute());
    out.push(':');
    two(&mut out, time.second());
    out.push_str(" GMT");
    out
}

/// The live properties every member has, in the order `allprop` lists them.
pub const MEMBER_PROPS: [KnownProp; 5] = [
    KnownProp::GetEtag,
    KnownProp::GetContentType,
    KnownProp::GetContentLength,
    KnownProp::GetLastModified,
    KnownProp::ResourceType,
];

/// What a member's listing shows of it: its ETag (unquoted), size, last change and the
/// content type its collection serves.
#[derive(Debug, Clone, Copy)]
pub struct MemberFacts<'a> {
    pub etag: &'a str,
    pub size: i64,
    pub modified_at: i64,
    pub content_type: &'a str,
}

impl MemberFacts<'_> {
    /// The value of `prop` (one of `MEMBER_PROPS`; a member's resource type is empty).
    pub fn value(&self, prop: KnownProp) -> PropValue {
        match prop {
            KnownProp::GetEtag => PropValue::Text(quoted_etag(self.etag)),
            KnownProp::GetContentType => PropValue::Text(self.content_type.into()),
            KnownProp::GetContentLength => PropValue::Text(self.size.to_string()),
            KnownProp::GetLastModified => PropValue::Text(http_date(self.modified_at)),
            _ => PropValue::Empty,
        }
    }
}

/// The live properties of a member, those `request` asks for (all of them for
/// `allprop` and `propname`).
pub fn member_properties(
    etag: &str,
    size: i64,
    modified_at: i64,
    content_type: &str,
    request: &PropfindRequest,
) -> Vec<(KnownProp, PropValue)> {
    let facts = MemberFacts {
        etag,
        size,
        modified_at,
        content_type,
    };
    MEMBER_PROPS
        .into_iter()
        .filter(|prop| request.asks_for(*prop))
        .map(|prop| (prop, facts.value(prop)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_imf_fixdate() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_798_761_599), "Thu, 31 Dec 2026 23:59:59 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }
}
