//! Internal and external DAV paths: where the service mounts its endpoints (prefixPath)
//! and what clients see once the proxy has added its part (proxyPrefixPath).

use crate::config::{props, ServerConfig};

/// The two configured prefixes, normalised: a leading `/`, no trailing `/`, and the
/// empty string for the root (configured as `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavPaths {
    prefix: String,
    proxy_prefix: String,
}

/// The OX default for both `com.openexchange.dav.prefixPath` and
/// `com.openexchange.dav.proxyPrefixPath`.
pub const DEFAULT_PREFIX_PATH: &str = "/servlet/dav";

impl Default for DavPaths {
    fn default() -> Self {
        Self::new(DEFAULT_PREFIX_PATH, DEFAULT_PREFIX_PATH)
    }
}

impl DavPaths {
    /// Builds the paths from `com.openexchange.dav.prefixPath` and
    /// `com.openexchange.dav.proxyPrefixPath` as configured, with any slashes. As in OX,
    /// an empty value means the default `/servlet/dav`; the root is written `/`.
    pub fn new(prefix_path: &str, proxy_prefix_path: &str) -> Self {
        Self {
            prefix: normalise_prefix(prefix_path),
            proxy_prefix: normalise_prefix(proxy_prefix_path),
        }
    }

    /// The paths as the server's configuration sets them
    /// (`com.openexchange.dav.prefixPath`, `com.openexchange.dav.proxyPrefixPath`).
    pub fn configured(config: &ServerConfig) -> Self {
        Self::new(
            &config.get::<props::PrefixPath>(),
            &config.get::<props::ProxyPrefixPath>(),
        )
    }

    /// The prefix the router mounts the DAV endpoints under; `""` for the root.
    pub fn mount_prefix(&self) -> &str {
        &self.prefix
    }

    /// The part of the prefix that the proxy adds; `""` when it adds nothing.
    pub fn proxy_prefix(&self) -> &str {
        &self.proxy_prefix
    }

    /// The route inside the service for a DAV sub-path such as `/caldav/`.
    pub fn internal(&self, sub: &str) -> String {
        let mut path = self.prefix.clone();
        path.push_str(&normalise_sub(sub));
        path
    }

    /// The path a client sees for a DAV sub-path. Every href and every `Location` header
    /// is built here, so the proxy layout is applied in exactly one place.
    pub fn external(&self, sub: &str) -> String {
        let sub = normalise_sub(sub);
        if self.prefix == self.proxy_prefix {
            return sub.into_owned();
        }
        // Built in one string, without formatting: a listing makes one per member.
        let mut full = String::with_capacity(self.prefix.len() + sub.len());
        full.push_str(&self.prefix);
        full.push_str(&sub);
        match strip_segment_prefix(&full, &self.proxy_prefix).map(str::len) {
            Some(_) if full.len() == self.proxy_prefix.len() => "/".to_owned(),
            Some(kept) => {
                full.replace_range(..full.len() - kept, "");
                full
            }
            None => full,
        }
    }

    /// The DAV sub-path of a path as clients see it (an href, a `Destination`): the
    /// inverse of [`DavPaths::external`]. None when the path lies outside the DAV tree.
    pub fn strip_external(&self, external_path: &str) -> Option<String> {
        let external_path = normalise_sub(external_path);
        if self.prefix == self.proxy_prefix {
            return Some(external_path.into_owned());
        }
        // The part of the mount prefix clients see: all of it unless the proxy adds its front.
        let visible = match strip_segment_prefix(&self.prefix, &self.proxy_prefix) {
            Some("/") => "",
            Some(rest) => rest,
            None => &self.prefix,
        };
        strip_segment_prefix(&external_path, visible).map(str::to_owned)
    }

    /// Like [`DavPaths::external`], from unencoded path segments: each one is
    /// percent-encoded, and a collection gets its trailing slash.
    pub fn external_segments(&self, segments: &[&str], collection: bool) -> String {
        let mut sub = String::new();
        for segment in segments {
            sub.push('/');
            sub.push_str(&encode_segment(segment));
        }
        if collection || sub.is_empty() {
            sub.push('/');
        }
        self.external(&sub)
    }

    /// The DAV sub-path of an incoming request path, or `None` when the request lies
    /// outside the mount prefix. The sub-path always starts with `/` and keeps a trailing
    /// slash.
    pub fn strip_internal<'a>(&self, request_path: &'a str) -> Option<&'a str> {
        strip_segment_prefix(request_path, &self.prefix)
    }
}

/// Leading `/`, no trailing `/`; `/` alone is the root, written `""`; an empty value is
/// the default.
fn normalise_prefix(raw: &str) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return DEFAULT_PREFIX_PATH.to_owned();
    }
    let trimmed = raw.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// A sub-path always starts with `/`; its trailing slash is meaningful (collections).
fn normalise_sub(sub: &str) -> std::borrow::Cow<'_, str> {
    if sub.starts_with('/') {
        std::borrow::Cow::Borrowed(sub)
    } else {
        std::borrow::Cow::Owned(format!("/{sub}"))
    }
}

/// Removes `prefix` from the front of `path` only where it ends on a segment boundary,
/// so `/dav` is stripped from `/dav/x` but not from `/davx`. The result starts with `/`.
fn strip_segment_prefix<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    if rest.is_empty() {
        Some("/")
    } else if rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// Percent-encodes one path segment for an href: RFC 3986 unreserved characters stay,
/// every other byte of the UTF-8 form becomes `%XX`.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    encode_segment_into(&mut out, segment);
    out
}

/// [`encode_segment`] appended to `out`, so a path is built in one string.
pub fn encode_segment_into(out: &mut String, segment: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = segment.as_bytes();
    // Runs of unreserved bytes (ASCII, so each run is a str of its own) are copied
    // whole: a member name is mostly such a run, and a listing encodes one per member.
    let mut run = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            continue;
        }
        out.push_str(std::str::from_utf8(&bytes[run..at]).unwrap_or_default());
        out.push('%');
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        run = at + 1;
    }
    out.push_str(std::str::from_utf8(&bytes[run..]).unwrap_or_default());
}

/// The href of the member `name` of the collection whose href is `collection_href` (as
/// [`DavPaths::external`] gives it for the collection's sub-path, ending in `/`): the
/// same as `external` of the member's sub-path, since the prefixes lie above every
/// collection, but without building that path and applying the prefixes again for each
/// member of a listing.
pub fn member_href(collection_href: &str, name: &str) -> String {
    let mut href = String::with_capacity(collection_href.len() + name.len() + 8);
    href.push_str(collection_href);
    encode_segment_into(&mut href, name);
    href
}

/// Why an incoming path could not be percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathDecodeError {
    #[error("malformed percent escape in path")]
    BadEscape,
    #[error("decoded path is not UTF-8")]
    NotUtf8,
}

/// Decodes `%XX` escapes of an incoming path (or segment). `+` is not a space in paths.
pub fn decode_path(path: &str) -> Result<String, PathDecodeError> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(PathDecodeError::BadEscape)?;
            let high = hex_value(hex[0]).ok_or(PathDecodeError::BadEscape)?;
            let low = hex_value(hex[1]).ok_or(PathDecodeError::BadEscape)?;
            out.push(high << 4 | low);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PathDecodeError::NotUtf8)
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|value| value as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_href_is_the_external_path_of_the_member() {
        let prefixes = [
            ("/servlet/dav/", "/servlet/dav/"),
            ("/servlet/dav/hidden/", "/servlet/dav/"),
            ("/dav/", "/"),
            ("/dav/", ""),
            ("", "/servlet/dav/"),
            ("", "/"),
            ("/a/b", "/a/b/caldav/20"),
            ("/a/b", "/a/b/caldav/2"),
        ];
        let names = [
            "event-1.ics",
            "a b/c%d.ics",
            "\u{e9}t\u{e9}.vcf",
            "..",
            "x?y#z",
        ];
        for (prefix, proxy) in prefixes {
            let paths = DavPaths::new(prefix, proxy);
            let collection = "/caldav/20/";
            for name in names {
                let mut member = collection.to_owned();
                encode_segment_into(&mut member, name);
                assert_eq!(
                    member_href(&paths.external(collection), name),
                    paths.external(&member),
                    "prefix={prefix} proxy={proxy} name={name}"
                );
            }
        }
    }

    #[test]
    fn external_path_vectors() {
        let vectors = [
            ("/servlet/dav/", "/servlet/dav/", "caldav", "/caldav"),
            (
                "/servlet/dav/hidden/",
                "/servlet/dav/",
                "/caldav/",
                "/hidden/caldav/",
            ),
            ("/dav/", "/", "/caldav/", "/dav/caldav/"),
            ("/dav/", "", "/caldav/", "/dav/caldav/"),
            // Empty is OX's default, /servlet/dav, for either property.
            ("/servlet/dav/hidden/", "", "/caldav/", "/hidden/caldav/"),
            ("", "/servlet/dav/", "/caldav/", "/caldav/"),
            ("", "/", "/caldav/", "/servlet/dav/caldav/"),
        ];
        for (prefix, proxy, sub, external) in vectors {
            let paths = DavPaths::new(prefix, proxy);
            assert_eq!(
                paths.external(sub),
                external,
                "prefix={prefix} proxy={proxy} sub={sub}"
            );
        }
    }

    #[test]
    fn prefixes_are_normalised() {
        assert_eq!(
            DavPaths::new("/servlet/dav/", "").mount_prefix(),
            "/servlet/dav"
        );
        assert_eq!(
            DavPaths::new("servlet/dav", "").mount_prefix(),
            "/servlet/dav"
        );
        assert_eq!(DavPaths::new(" /dav// ", "").mount_prefix(), "/dav");
        assert_eq!(DavPaths::new("/", "").mount_prefix(), "");
        assert_eq!(DavPaths::new("", "/").mount_prefix(), "/servlet/dav");
        assert_eq!(DavPaths::new(" ", "/").mount_prefix(), "/servlet/dav");
        assert_eq!(DavPaths::new("/dav", "").proxy_prefix(), "/servlet/dav");
        assert_eq!(DavPaths::new("/dav", "/").proxy_prefix(), "");
        assert_eq!(DavPaths::new("/a", "b/").proxy_prefix(), "/b");
        assert_eq!(DavPaths::default().mount_prefix(), "/servlet/dav");
        assert_eq!(DavPaths::default().proxy_prefix(), "/servlet/dav");
    }

    #[test]
    fn sub_without_leading_slash_gets_one() {
        let paths = DavPaths::new("/dav", "");
        assert_eq!(paths.internal("caldav/"), "/dav/caldav/");
        assert_eq!(paths.external("caldav/"), "/dav/caldav/");
        assert_eq!(paths.external(""), "/dav/");
        let root = DavPaths::new("/", "/");
        assert_eq!(root.internal("principals/"), "/principals/");
        assert_eq!(root.external(""), "/");
    }

    #[test]
    fn internal_path_is_prefix_plus_sub() {
        let paths = DavPaths::new("/servlet/dav/", "/servlet/dav/");
        assert_eq!(paths.internal("/caldav/"), "/servlet/dav/caldav/");
        assert_eq!(
            paths.internal("/caldav/7/a.ics"),
            "/servlet/dav/caldav/7/a.ics"
        );
    }

    #[test]
    fn proxy_prefix_is_removed_only_at_a_segment_boundary() {
        let paths = DavPaths::new("/servlet/davx", "/servlet/dav");
        assert_eq!(paths.external("/caldav/"), "/servlet/davx/caldav/");
        let paths = DavPaths::new("/servlet/dav/hidden", "/servlet/dav");
        assert_eq!(paths.external(""), "/hidden/");
    }

    #[test]
    fn proxy_prefix_not_in_front_leaves_the_full_path() {
        let paths = DavPaths::new("/dav", "/other");
        assert_eq!(paths.external("/carddav/"), "/dav/carddav/");
    }

    #[test]
    fn strip_external_inverts_external_for_every_layout() {
        for (prefix, proxy) in [
            ("/servlet/dav/", "/servlet/dav/"),
            ("/servlet/dav/hidden/", "/servlet/dav/"),
            ("/dav/", "/"),
            ("/", ""),
            ("/", "/servlet/dav"),
            ("/dav", ""),
        ] {
            let paths = DavPaths::new(prefix, proxy);
            for sub in ["/caldav/", "/caldav/12/a%20b.ics", "/"] {
                let external = paths.external(sub);
                assert_eq!(
                    paths.strip_external(&external).as_deref(),
                    Some(sub),
                    "{prefix} {proxy} {sub}"
                );
            }
        }
        let paths = DavPaths::new("/dav/", "/");
        assert_eq!(paths.strip_external("/other/caldav/"), None);
    }

    #[test]
    fn strip_internal_returns_the_sub_path() {
        let paths = DavPaths::new("/servlet/dav", "/servlet/dav");
        assert_eq!(
            paths.strip_internal("/servlet/dav/caldav/"),
            Some("/caldav/")
        );
        assert_eq!(paths.strip_internal("/servlet/dav"), Some("/"));
        assert_eq!(paths.strip_internal("/servlet/dav/"), Some("/"));
        assert_eq!(paths.strip_internal("/servlet/davx/caldav/"), None);
        assert_eq!(paths.strip_internal("/caldav/"), None);
        let root = DavPaths::new("/", "/");
        assert_eq!(root.strip_internal("/caldav/1/"), Some("/caldav/1/"));
    }

    #[test]
    fn external_segments_encode_each_segment() {
        let paths = DavPaths::new("/dav", "/");
        assert_eq!(
            paths.external_segments(&["caldav", "my cal", "ä/b.ics"], false),
            "/dav/caldav/my%20cal/%C3%A4%2Fb.ics"
        );
        assert_eq!(
            paths.external_segments(&["carddav", "6"], true),
            "/dav/carddav/6/"
        );
        assert_eq!(paths.external_segments(&[], false), "/dav/");
    }

    #[test]
    fn encode_segment_keeps_only_unreserved() {
        assert_eq!(encode_segment("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode_segment("a b+c/d?e#f%"), "a%20b%2Bc%2Fd%3Fe%23f%25");
        assert_eq!(encode_segment("\u{e9}t\u{e9}-1"), "%C3%A9t%C3%A9-1");
        assert_eq!(encode_segment("%"), "%25");
        assert_eq!(encode_segment("Kalender €"), "Kalender%20%E2%82%AC");
        assert_eq!(encode_segment(""), "");
    }

    #[test]
    fn decode_reverses_encode() {
        for s in ["plain", "my cal", "ä/ö €", "100%", "a+b"] {
            assert_eq!(decode_path(&encode_segment(s)).unwrap(), s);
        }
        assert_eq!(decode_path("/dav/a%2fb+c").unwrap(), "/dav/a/b+c");
    }

    #[test]
    fn decode_rejects_malformed_input() {
        assert_eq!(decode_path("%"), Err(PathDecodeError::BadEscape));
        assert_eq!(decode_path("%4"), Err(PathDecodeError::BadEscape));
        assert_eq!(decode_path("%zz"), Err(PathDecodeError::BadEscape));
        assert_eq!(decode_path("%+1"), Err(PathDecodeError::BadEscape));
        assert_eq!(decode_path("%C3"), Err(PathDecodeError::NotUtf8));
    }
}
