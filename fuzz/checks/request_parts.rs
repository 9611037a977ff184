//! The parts of a request besides its body: the path, the headers davgate reads
//! (Depth, If-Match, If-None-Match, If-Schedule-Tag-Match, Overwrite, Destination,
//! Prefer, Authorization, X-Forwarded-For / Forwarded) and the sync tokens clients send
//! back.

use std::net::SocketAddr;

use base64::Engine;
use davgate::auth::{parse_basic, parse_networks, ForwardedHeader, TrustedProxies};
use davgate::dav::headers::{
    destination, if_match, if_none_match, if_schedule_tag_match, names_host, overwrite,
    prefers_minimal, reference_path,
};
use davgate::dav::{Depth, EtagCondition};
use davgate::http::paths::{encode_segment, DavPaths};
use davgate::http::request_path::segments;
use davgate::sync_token::{parse_sync_token, sync_token as folder_token, SpanToken};
use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, HOST};

use super::{has_reason, limits};

/// The prefix layouts paths are read with: the default, the root, and a proxy adding
/// its own front.
fn layouts() -> [DavPaths; 3] {
    [
        DavPaths::default(),
        DavPaths::new("/", "/"),
        DavPaths::new("/servlet/dav", "/dav"),
    ]
}

/// A client's sync token: parsed only in the form davgate writes, naming at most the
/// folders allowed, and written back as the same token.
pub fn sync_token(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(seq) = parse_sync_token(text) {
        assert!(seq >= 0, "sequence {seq}");
        assert_eq!(parse_sync_token(&folder_token(seq)), Some(seq));
    }
    let allowed = limits().sync.max_token_folders;
    for max_folders in [0, 1, 3, allowed] {
        let Some(token) = SpanToken::parse(text, max_folders) else {
            continue;
        };
        assert!(
            token.folders.len() <= max_folders,
            "{} folders",
            token.folders.len()
        );
        assert!(token.seq >= 0);
        assert!(token.folders.iter().all(|folder| *folder > 0));
        assert!(token.folders.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(SpanToken::new(token.seq, &token.folders), token);
        assert_eq!(
            SpanToken::parse(&token.to_uri(), max_folders),
            Some(token.clone())
        );
        assert_eq!(
            parse_sync_token(text),
            None,
            "{text:?} is both kinds of token"
        );
    }
}

/// A request path: its segments never hold `.`, `..`, an empty name or NUL, and the
/// href davgate writes for them leads back to the same segments.
pub fn request_path(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_path(text);
    for paths in layouts() {
        if let Some(sub) = paths.strip_internal(text) {
            assert!(sub.starts_with('/'), "{sub:?}");
            check_path(sub);
        }
        if let Some(sub) = paths.strip_external(text) {
            assert!(sub.starts_with('/'), "{sub:?}");
        }
    }
}

/// The segments of a DAV sub-path, as every resource lookup reads them.
fn check_path(encoded: &str) {
    let parts = match segments(encoded) {
        Ok(parts) => parts,
        Err(error) => return has_reason(&error),
    };
    for part in &parts {
        assert!(
            !part.is_empty() && part != "." && part != ".." && !part.contains('\0'),
            "segment {part:?} of {encoded:?}"
        );
    }
    let names: Vec<&str> = parts.iter().map(String::as_str).collect();
    for paths in layouts() {
        let href = paths.external_segments(&names, false);
        let sub = paths
            .strip_external(&href)
            .unwrap_or_else(|| panic!("href {href:?} lies outside the DAV tree"));
        assert_eq!(segments(&sub).as_ref(), Ok(&parts), "href {href:?}");
    }
    for part in &parts {
        assert!(!encode_segment(part).contains('/'));
    }
}

/// A multiget `DAV:href` or `Destination` value, resolved as the request resolves it.
pub fn check_reference(href: &str) {
    let Some(path) = reference_path(href) else {
        return;
    };
    assert!(path.starts_with('/'), "{href:?} gave {path:?}");
    for paths in layouts() {
        if let Some(sub) = paths.strip_external(&path) {
            check_path(&sub);
        }
    }
}

/// Headers, one `name: value` a line: each header davgate reads is understood or
/// refused with a reason, and what it yields is usable as it says.
pub fn headers(data: &[u8]) {
    let mut headers = HeaderMap::new();
    for line in data.split(|byte| *byte == b'\n') {
        let Some(colon) = line.iter().position(|byte| *byte == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    if let Err(error) = Depth::from_headers(&headers, Depth::Infinity) {
        has_reason(&error);
    }
    for condition in [if_match(&headers), if_none_match(&headers)] {
        match condition {
            Ok(Some(EtagCondition::Tags(tags))) => {
                assert!(!tags.is_empty(), "an empty tag list accepted");
                for tag in &tags {
                    assert!(!tag.opaque.contains('"'), "{tag:?}");
                    let quoted = format!("\"{}\"", tag.opaque);
                    assert!(tag.weak_matches(&quoted));
                    assert_eq!(tag.strong_matches(&quoted), !tag.weak);
                }
            }
            Ok(Some(EtagCondition::Any)) | Ok(None) => {}
            Err(error) => has_reason(&error),
        }
    }
    if let Ok(Some(condition)) = if_match(&headers) {
        assert!(
            !condition.if_match_passes(None),
            "If-Match passed on nothing"
        );
    }
    match if_schedule_tag_match(&headers) {
        Ok(Some(tag)) => assert!(!tag.weak && !tag.opaque.contains('"')),
        Ok(None) => {}
        Err(error) => has_reason(&error),
    }
    if let Err(error) = overwrite(&headers) {
        has_reason(&error);
    }
    let _ = prefers_minimal(&headers);
    match destination(&headers) {
        Ok(Some(target)) => {
            assert!(target.path.starts_with('/'), "{target:?}");
            if let Some(authority) = &target.authority {
                for host in headers.get_all(HOST) {
                    if let Ok(host) = host.to_str() {
                        let _ = names_host(authority, host);
                    }
                }
                assert!(names_host(authority, authority.as_str()));
            }
            for paths in layouts() {
                if let Some(sub) = paths.strip_external(&target.path) {
                    check_path(&sub);
                }
            }
        }
        Ok(None) => {}
        Err(error) => has_reason(&error),
    }
    for value in headers.get_all(AUTHORIZATION) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        match parse_basic(value) {
            Ok((login, password)) => {
                assert!(!login.contains(':'), "login {login:?}");
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"));
                let again = parse_basic(&format!("Basic {encoded}")).expect("re-encoded");
                assert_eq!(again, (login, password));
            }
            Err(error) => has_reason(&error),
        }
    }
    let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    assert_eq!(
        TrustedProxies::none().client(Some(peer), &headers),
        Some(peer.ip()),
        "the client of a request from an untrusted peer is the peer"
    );
    let loopback = parse_networks("127.0.0.0/8, ::1").unwrap();
    for header in [ForwardedHeader::XForwardedFor, ForwardedHeader::Forwarded] {
        let proxies = TrustedProxies::new(loopback.clone(), header);
        assert!(proxies.client(Some(peer), &headers).is_some());
        assert_eq!(proxies.client(None, &headers), None);
    }
}
