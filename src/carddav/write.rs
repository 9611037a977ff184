//! What a PUT of a vCard must satisfy (RFC 6352 6.3.2.1), and the row it stores: the
//! client's bytes as sent, with the UID and display name extracted for the index.

use crate::content::limits::ContentLimits;
use crate::content::vcard::{media_type_version, ContactObject, VCardError};
use crate::dav::{Precondition, Refusal};
use crate::store::{UserId, WriteObject};

/// The row to store for `body` PUT as `name`, or the precondition it breaks.
pub fn prepare(
    name: &str,
    body: &[u8],
    content_type: Option<&str>,
    max_size: u64,
    limits: &ContentLimits,
    author: UserId,
) -> Result<WriteObject, Refusal> {
    if body.len() as u64 > max_size {
        return Err(Refusal::new(
            Precondition::AddressbookMaxResourceSize,
            format!(
                "{} bytes is more than the {max_size} an address book takes",
                body.len()
            ),
        ));
    }
    if let Some(content_type) = content_type {
        media_type_version(content_type).map_err(refusal)?;
    }
    let contact = ContactObject::parse_submitted(body, limits).map_err(refusal)?;
    let row = stored_row(name, body, &contact, author);
    if row.uid.len() > limits.max_uid_bytes {
        // Only a resource name standing in for a missing UID can get here.
        return Err(Refusal::new(
            Precondition::ValidAddressData,
            format!(
                "the vCard has no UID and its resource name, which stands in for it, is longer than {} bytes",
                limits.max_uid_bytes
            ),
        ));
    }
    Ok(row)
}

/// Data in a version or media type davgate does not take is `supported-address-data`;
/// data that is no single vCard is `valid-address-data` (RFC 6352 6.3.2.1).
fn refusal(err: VCardError) -> Refusal {
    let precondition = if err.is_unsupported() {
        Precondition::SupportedAddressData
    } else {
        Precondition::ValidAddressData
    };
    Refusal::new(precondition, err.to_string())
}

/// The row for a parsed vCard: a contact without a UID is indexed under its resource name.
pub fn stored_row(name: &str, body: &[u8], contact: &ContactObject, author: UserId) -> WriteObject {
    let uid = contact
        .uid()
        .map(str::to_owned)
        .unwrap_or_else(|| name.trim_end_matches(".vcf").to_owned());
    WriteObject {
        resource_name: name.to_owned(),
        uid,
        component: "VCARD".into(),
        data: body.to_vec(),
        start_at: None,
        end_at: None,
        display_name: contact.display_name(),
        user_id: Some(author),
    }
}
