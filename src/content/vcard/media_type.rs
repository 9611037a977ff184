//! vCard media types: the Content-Type of a PUT, the `content-type`/`version` of
//! `CARDDAV:address-data`, and the version an Accept header asks for.

use super::{VCardError, VCardVersion};

/// The Content-Type of a vCard response.
pub const VCARD_CONTENT_TYPE: &str = "text/vcard; charset=utf-8";

/// The media types that mean vCard: `text/vcard` (RFC 6350) and the names vCard 3.0
/// clients still send (`text/x-vcard`, and `text/directory` of RFC 2425).
const VCARD_TYPES: &[&str] = &["text/vcard", "text/x-vcard", "text/directory"];

/// A media type split into its lower-cased essence and its parameters (names lower-cased,
/// values unquoted).
struct MediaType<'a> {
    essence: String,
    params: Vec<(String, &'a str)>,
}

impl<'a> MediaType<'a> {
    fn parse(text: &'a str) -> Self {
        let mut parts = text.split(';');
        let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let params = parts
            .filter_map(|param| {
                let (name, value) = param.split_once('=')?;
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                Some((name.trim().to_ascii_lowercase(), value))
            })
            .collect();
        Self { essence, params }
    }

    fn param(&self, name: &str) -> Option<&'a str> {
        self.params
            .iter()
            .find(|(param, _)| param == name)
            .map(|(_, value)| *value)
    }

    fn is_vcard(&self) -> bool {
        VCARD_TYPES.contains(&self.essence.as_str())
    }
}

/// The vCard version a Content-Type names: `text/vcard` (or `text/x-vcard`,
/// `text/directory`) with an optional `version` of 3.0 or 4.0 and an optional charset of
/// UTF-8 (or its subset US-ASCII), in any letter case. None when no version is given.
/// Anything else is `UnsupportedMediaType` (`CARDDAV:supported-address-data`).
pub fn media_type_version(content_type: &str) -> Result<Option<VCardVersion>, VCardError> {
    let unsupported = || VCardError::UnsupportedMediaType(content_type.trim().to_owned());
    let media_type = MediaType::parse(content_type);
    if !media_type.is_vcard() {
        return Err(unsupported());
    }
    if let Some(charset) = media_type.param("charset") {
        if !["utf-8", "utf8", "us-ascii"].contains(&charset.to_ascii_lowercase().as_str()) {
            return Err(unsupported());
        }
    }
    media_type
        .param("version")
        .map(|version| VCardVersion::from_text(version).ok_or_else(unsupported))
        .transpose()
}

/// The vCard version an HTTP Accept header prefers: the version of the vCard media range
/// with the highest q-value (the first of equals) among those that name one. None when
/// the header is absent, names no vCard version, or ranks a vCard media range without a
/// version (or `*/*`) at least as high: the client takes any version then. A version
/// excluded with `q=0` while the other is not named yields the other.
pub fn negotiate(accept: Option<&str>) -> Option<VCardVersion> {
    let mut best: Option<(f32, Option<VCardVersion>)> = None;
    let mut excluded = Vec::new();
    for range in accept?.split(',') {
        let media_type = MediaType::parse(range);
        let any = matches!(media_type.essence.as_str(), "*/*" | "text/*");
        if !media_type.is_vcard() && !any {
            continue;
        }
        let q = match media_type.param("q") {
            None => 1.0,
            Some(q) => match q.trim().parse::<f32>() {
                Ok(q) if (0.0..=1.0).contains(&q) => q,
                _ => continue,
            },
        };
        let version = match media_type.param("version") {
            Some(text) if !any => match VCardVersion::from_text(text) {
                Some(version) => Some(version),
                None => continue,
            },
            _ => None,
        };
        if q == 0.0 {
            excluded.extend(version);
            continue;
        }
        if best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, version));
        }
    }
    match best {
        Some((_, version)) if version.is_some() => version,
        _ => match excluded.as_slice() {
            [VCardVersion::V3] => Some(VCardVersion::V4),
            [VCardVersion::V4] => Some(VCardVersion::V3),
            _ => None,
        },
    }
}
