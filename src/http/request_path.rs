//! The segments of a path a client sends (a request target, a `Destination`, a multiget
//! href): split at `/` before percent-decoding, so that an encoded `%2F` stays inside its
//! segment, and refused when a segment is `.` or `..` (encoded or not) or holds a NUL,
//! which no stored name can hold and PostgreSQL cannot even compare.

use super::paths::{decode_path, PathDecodeError};

/// Why a path's segments cannot name a resource; the client gets 400 with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error(transparent)]
    Decode(#[from] PathDecodeError),
    #[error("path segments . and .. are not accepted; send the path with them resolved")]
    DotSegment,
    #[error("a path may not contain NUL (%00)")]
    Nul,
}

/// The decoded segments of `encoded`, a DAV sub-path as it arrived (still
/// percent-encoded); empty segments (from `//` or the slashes at either end) are dropped.
pub fn segments(encoded: &str) -> Result<Vec<String>, PathError> {
    encoded
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(segment)
        .collect()
}

/// One segment of a path (no `/` in it), decoded as `segments` decodes each.
pub fn segment(encoded: &str) -> Result<String, PathError> {
    let decoded = decode_path(encoded)?;
    if decoded == "." || decoded == ".." {
        return Err(PathError::DotSegment);
    }
    if decoded.contains('\0') {
        return Err(PathError::Nul);
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(path: &str) -> Vec<String> {
        segments(path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn segments_are_decoded_one_by_one() {
        assert_eq!(ok("/caldav/7/a%20b.ics"), ["caldav", "7", "a b.ics"]);
        assert_eq!(ok("/caldav//7/"), ["caldav", "7"]);
        assert_eq!(ok("/"), Vec::<String>::new());
        // An encoded slash stays inside its segment instead of splitting it.
        assert_eq!(ok("/caldav/7/a%2Fb.ics"), ["caldav", "7", "a/b.ics"]);
        // Dots inside a name are ordinary.
        assert_eq!(
            ok("/caldav/7/.hidden/..a"),
            ["caldav", "7", ".hidden", "..a"]
        );
    }

    #[test]
    fn dot_segments_are_refused_encoded_or_not() {
        for path in [
            "/caldav/7/..",
            "/caldav/7/.",
            "/caldav/../principals/",
            "/caldav/7/%2e%2e",
            "/caldav/7/%2E%2e/",
            "/caldav/7/%2e",
            "/caldav/7/.%2E",
        ] {
            assert_eq!(segments(path), Err(PathError::DotSegment), "{path}");
        }
    }

    #[test]
    fn nul_and_malformed_escapes_are_refused() {
        assert_eq!(segments("/caldav/7/a%00b.ics"), Err(PathError::Nul));
        assert_eq!(segments("/caldav/%00/"), Err(PathError::Nul));
        assert_eq!(
            segments("/caldav/7/a%zz"),
            Err(PathError::Decode(PathDecodeError::BadEscape))
        );
        assert_eq!(
            segments("/caldav/7/%C3"),
            Err(PathError::Decode(PathDecodeError::NotUtf8))
        );
    }
}
