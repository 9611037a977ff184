//! vCard address object resources for CardDAV: validation on write (RFC 6352 5.1), the
//! names a listing shows, addressbook-query filters and address-data output in 3.0 or 4.0.

mod filter;
mod media_type;
mod parse;
mod render;
mod submission;

use calcard::vcard::{VCard, VCardProperty, VCardValue};

use super::card_query::{AddressDataRequest, AddressFilter};
use super::limits::ContentLimits;

pub use media_type::{media_type_version, negotiate, VCARD_CONTENT_TYPE};

/// The vCard versions CardDAV stores and serves (RFC 6352 5.1 requires 3.0; 4.0 is the
/// current one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VCardVersion {
    V3,
    V4,
}

impl VCardVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V3 => "3.0",
            Self::V4 => "4.0",
        }
    }

    /// `3.0` or `4.0` (surrounding white space ignored); anything else is None.
    pub fn from_text(text: &str) -> Option<Self> {
        match text.trim() {
            "3.0" => Some(Self::V3),
            "4.0" => Some(Self::V4),
            _ => None,
        }
    }

    fn calcard(self) -> calcard::vcard::VCardVersion {
        match self {
            Self::V3 => calcard::vcard::VCardVersion::V3_0,
            Self::V4 => calcard::vcard::VCardVersion::V4_0,
        }
    }
}

/// Why a vCard was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VCardError {
    #[error("vCard data is not UTF-8")]
    NotUtf8,
    /// The data does not begin with `BEGIN:VCARD`.
    #[error("vCard data must start with BEGIN:VCARD")]
    NotVCard,
    #[error("BEGIN:VCARD without END:VCARD")]
    Unterminated,
    #[error("two vCards in one resource")]
    SeveralVCards,
    /// Text after `END:VCARD` that is not a second vCard.
    #[error("content after END:VCARD: {0:?}")]
    TrailingContent(String),
    /// A line calcard could not read as a property; the content line is attached.
    #[error("invalid vCard line: {0:?}")]
    InvalidLine(String),
    #[error("VERSION missing")]
    MissingVersion,
    #[error("more than one VERSION")]
    SeveralVersions,
    /// A version other than 3.0 and 4.0, named as the data or the media type states it.
    #[error("VERSION {0}: CardDAV needs vCard 3.0 or 4.0")]
    UnsupportedVersion(String),
    /// A media type that is not vCard, or a `version` parameter that is not 3.0 or 4.0.
    #[error("unsupported address data type {0:?}: only text/vcard 3.0 and 4.0")]
    UnsupportedMediaType(String),
    /// A vCard davgate does not store: control characters, two UIDs, a UID longer than
    /// the limit, more properties than the limit.
    #[error("{0}")]
    Refused(String),
}

impl VCardError {
    /// Whether the data is readable but in a version or media type the server does not
    /// take (CardDAV's supported-address-data), rather than no single valid vCard at all
    /// (valid-address-data).
    pub fn is_unsupported(&self) -> bool {
        match self {
            Self::UnsupportedVersion(_) | Self::UnsupportedMediaType(_) => true,
            Self::NotUtf8
            | Self::NotVCard
            | Self::Unterminated
            | Self::SeveralVCards
            | Self::TrailingContent(_)
            | Self::InvalidLine(_)
            | Self::MissingVersion
            | Self::SeveralVersions
            | Self::Refused(_) => false,
        }
    }
}

/// A validated address object resource: one vCard 3.0 or 4.0.
#[derive(Debug, Clone)]
pub struct ContactObject {
    vcard: VCard,
    version: VCardVersion,
}

impl ContactObject {
    /// Parses and validates an address object resource (RFC 6352 5.1): UTF-8 text holding
    /// exactly one `BEGIN:VCARD` .. `END:VCARD` with one VERSION of 3.0 or 4.0, and nothing
    /// the parser would otherwise skip (lines without a property, text after the vCard).
    /// UID and FN are not required: clients omit them, and the resource name stands in
    /// for a missing UID.
    pub fn parse(data: &[u8]) -> Result<ContactObject, VCardError> {
        let (vcard, version) = parse::parse(data)?;
        Ok(ContactObject { vcard, version })
    }

    /// Parses a vCard a client submits: what `parse` checks, and what davgate stores
    /// (`submission`): no control characters, at most so many properties, one UID that
    /// the store's index takes.
    pub fn parse_submitted(
        data: &[u8],
        limits: &ContentLimits,
    ) -> Result<ContactObject, VCardError> {
        submission::check_characters(data)?;
        let contact = Self::parse(data)?;
        submission::check(data, &contact.vcard, limits)?;
        Ok(contact)
    }

    pub fn version(&self) -> VCardVersion {
        self.version
    }

    /// The UID, when the vCard has a non-empty one.
    pub fn uid(&self) -> Option<&str> {
        self.vcard
            .uid()
            .map(str::trim)
            .filter(|uid| !uid.is_empty())
    }

    /// What a listing shows for the contact: FN; else the parts of N in reading order
    /// (prefix, given, additional, family, suffix); else the organization name of ORG.
    pub fn display_name(&self) -> Option<String> {
        let texts = |property: &VCardProperty| -> Vec<String> {
            self.vcard
                .property(property)
                .map(|entry| {
                    entry
                        .values
                        .iter()
                        .map(|value| match value {
                            VCardValue::Component(items) => items.join(" "),
                            other => other.as_text().unwrap_or_default().to_owned(),
                        })
                        .map(|text| text.trim().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let full_name = texts(&VCardProperty::Fn).join(" ");
        if !full_name.trim().is_empty() {
            return Some(full_name.trim().to_owned());
        }
        let n = texts(&VCardProperty::N);
        let part = |index: usize| n.get(index).map(String::as_str).unwrap_or_default();
        let name = [part(3), part(1), part(2), part(0), part(4)]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            return Some(name);
        }
        texts(&VCardProperty::Org)
            .into_iter()
            .next()
            .filter(|org| !org.is_empty())
    }

    /// Whether the vCard passes an addressbook-query filter (RFC 6352 10.5).
    pub fn matches(&self, filter: &AddressFilter) -> bool {
        filter::matches(&self.vcard, filter)
    }

    /// address-data output (RFC 6352 10.4) of the stored bytes `original`. Without a
    /// property selection and with no version or the stored one asked for, the stored
    /// bytes come back unchanged; a selection in the stored version keeps the selected
    /// content lines as stored; only a version change rewrites the vCard. BEGIN, END,
    /// VERSION and UID are always kept. Stored data that no longer parses is returned as
    /// it is.
    pub fn render(original: &[u8], request: &AddressDataRequest) -> Vec<u8> {
        render::render(original, request)
    }
}

#[cfg(test)]
mod filter_tests;
#[cfg(test)]
mod tests;
