//! Members of a collection (calendar objects, vCards): their live properties and the
//! header values they share.

use super::{KnownProp, PropValue};

/// The strong entity tag of stored bytes, quoted as headers and DAV:getetag show it.
pub fn quoted_etag(etag: &str) -> String {
    format!("\"{etag}\"")
}

/// IMF-fixdate (RFC 9110 5.6.7), as Last-Modified and DAV:getlastmodified use it.
pub fn http_date(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// The live properties of a member served as `content_type`.
pub fn member_properties(
    etag: &str,
    size: i64,
    modified_at: i64,
    content_type: &str,
) -> Vec<(KnownProp, PropValue)> {
    vec![
        (KnownProp::GetEtag, PropValue::Text(quoted_etag(etag))),
        (
            KnownProp::GetContentType,
            PropValue::Text(content_type.into()),
        ),
        (
            KnownProp::GetContentLength,
            PropValue::Text(size.to_string()),
        ),
        (
            KnownProp::GetLastModified,
            PropValue::Text(http_date(modified_at)),
        ),
        (KnownProp::ResourceType, PropValue::Empty),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_imf_fixdate() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
