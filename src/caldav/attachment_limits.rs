//! What a calendar tells clients about managed attachments (RFC 8607 section 6): the
//! largest attachment it takes and how many one calendar object may refer to.

use crate::dav::{KnownProp, PropValue};
use crate::limits::AttachmentLimits;

/// CALDAV:max-attachment-size and CALDAV:max-attachments-per-resource of a calendar.
pub fn attachment_limit_props(limits: &AttachmentLimits) -> [(KnownProp, PropValue); 2] {
    [
        (
            KnownProp::MaxAttachmentSize,
            PropValue::Text(limits.max_bytes.to_string()),
        ),
        (
            KnownProp::MaxAttachmentsPerResource,
            PropValue::Text(limits.max_per_resource.to_string()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn props_carry_the_configured_limits() {
        let props = attachment_limit_props(&AttachmentLimits {
            max_bytes: 1234,
            max_per_resource: 7,
        });
        assert_eq!(
            props[0],
            (KnownProp::MaxAttachmentSize, PropValue::Text("1234".into()))
        );
        assert_eq!(
            props[1],
            (
                KnownProp::MaxAttachmentsPerResource,
                PropValue::Text("7".into())
            )
        );
    }
}
