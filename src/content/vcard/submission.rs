//! What a vCard a client submits must satisfy beyond RFC 6352 5.1, so that davgate never
//! stores what it cannot index: no control characters (also none that quoted-printable
//! or base64 decode to in the names the index keeps), at most so many properties, and
//! one UID that the store's index takes.

use calcard::vcard::{VCard, VCardProperty};

use super::VCardError;
use crate::content::limits::ContentLimits;
use crate::content::structure;

/// The control characters of the text, refused before the parser reads past them.
pub(super) fn check_characters(data: &[u8]) -> Result<(), VCardError> {
    match std::str::from_utf8(data) {
        Ok(text) => structure::check_characters(text).map_err(VCardError::Refused),
        Err(_) => Ok(()),
    }
}

/// The text's structure and the parsed vCard.
pub(super) fn check(data: &[u8], vcard: &VCard, limits: &ContentLimits) -> Result<(), VCardError> {
    let refused = |reason: String| Err(VCardError::Refused(reason));
    if let Ok(text) = std::str::from_utf8(data) {
        structure::check(text, limits).map_err(VCardError::Refused)?;
    }
    let mut uids = vcard.properties(&VCardProperty::Uid);
    if let Some(uid) = uids.next() {
        if uids.next().is_some() {
            return refused("the vCard has more than one UID".into());
        }
        let text = uid
            .values
            .first()
            .and_then(|value| value.as_text())
            .unwrap_or_default();
        if text.len() > limits.max_uid_bytes {
            return refused(format!(
                "the UID is longer than {} bytes",
                limits.max_uid_bytes
            ));
        }
    }
    for property in [
        VCardProperty::Uid,
        VCardProperty::Fn,
        VCardProperty::N,
        VCardProperty::Org,
    ] {
        let decoded = vcard.properties(&property).any(|entry| {
            entry.values.iter().any(|value| match value {
                calcard::vcard::VCardValue::Component(parts) => {
                    parts.iter().any(|part| structure::has_control(part))
                }
                other => other.as_text().is_some_and(structure::has_control),
            })
        });
        if decoded {
            return refused(format!(
                "{} holds a control character once decoded",
                property.as_str()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::ContactObject;
    use super::*;

    fn limits() -> ContentLimits {
        crate::limits::Limits::default().content
    }

    fn card(lines: &str) -> String {
        format!("BEGIN:VCARD\nVERSION:3.0\nUID:u\nFN:Ann Example\n{lines}END:VCARD\n")
            .replace('\n', "\r\n")
    }

    fn refused(text: &str, limits: &ContentLimits) -> String {
        match ContactObject::parse_submitted(text.as_bytes(), limits) {
            Err(VCardError::Refused(reason)) => reason,
            other => panic!("not refused for a limit: {other:?}"),
        }
    }

    #[test]
    fn one_uid_within_the_length_limit() {
        assert_eq!(
            refused(&card("UID:v\n"), &limits()),
            "the vCard has more than one UID"
        );
        let short = ContentLimits {
            max_uid_bytes: 1,
            ..limits()
        };
        assert_eq!(
            refused(&card("").replace("UID:u", "UID:uu"), &short),
            "the UID is longer than 1 bytes"
        );
        assert!(ContactObject::parse_submitted(card("").as_bytes(), &short).is_ok());
    }

    #[test]
    fn control_characters_raw_or_decoded_are_refused() {
        assert_eq!(
            refused(&card("NOTE:a\u{1}b\n"), &limits()),
            "line 5: control character U+0001 is not allowed"
        );
        let encoded = card("").replace("FN:Ann Example", "FN;ENCODING=QUOTED-PRINTABLE:Ann=00");
        assert_eq!(
            refused(&encoded, &limits()),
            "FN holds a control character once decoded"
        );
    }

    #[test]
    fn properties_are_counted() {
        let few = ContentLimits {
            max_properties_per_component: 3,
            ..limits()
        };
        assert!(ContactObject::parse_submitted(card("").as_bytes(), &few).is_ok());
        assert_eq!(
            refused(&card("NOTE:x\n"), &few),
            "line 5: VCARD has more than 3 properties"
        );
        // Read as stored, the same vCard parses.
        assert!(ContactObject::parse(card("NOTE:x\n").as_bytes()).is_ok());
    }
}
