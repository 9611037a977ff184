//! `CARDDAV:address-data` in a REPORT or PROPFIND `prop` (RFC 6352 10.4): the vCard
//! version to return and which properties.

use super::ReportError;
use crate::content::card_query::AddressDataRequest;
use crate::content::vcard::{media_type_version, VCardVersion};
use crate::dav::document::Element;
use crate::dav::names::Namespace;

/// Reads a `CARDDAV:address-data` request element. A `content-type` other than vCard,
/// or a `version` (attribute or media type parameter) other than 3.0 and 4.0, is
/// `CARDDAV:supported-address-data`. Without a version the stored one is returned.
/// `novalue` is checked but not applied: the values come back in full.
pub fn parse_address_data(element: &Element) -> Result<AddressDataRequest, ReportError> {
    let unsupported = |reason: String| ReportError::UnsupportedAddressData(reason);
    let content_type = element.attribute("content-type").unwrap_or("text/vcard");
    let from_media_type =
        media_type_version(content_type).map_err(|err| unsupported(err.to_string()))?;
    let from_attribute = element
        .attribute("version")
        .map(|text| {
            VCardVersion::from_text(text)
                .ok_or_else(|| unsupported(format!("vCard version {text:?}: only 3.0 and 4.0")))
        })
        .transpose()?;
    let version = match (from_media_type, from_attribute) {
        (Some(a), Some(b)) if a != b => {
            return Err(unsupported(format!(
                "content-type {content_type:?} and version {:?} disagree",
                b.as_str()
            )))
        }
        (a, b) => b.or(a),
    };
    let carddav = Namespace::CardDav;
    let names = element
        .children_named(&carddav, "prop")
        .map(|prop| {
            let malformed = |reason| ReportError::Malformed(format!("address-data: {reason}"));
            super::yes_no(prop, "novalue").map_err(malformed)?;
            super::name_attribute(prop).map_err(malformed)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if element.child(&carddav, "allprop").is_some() && !names.is_empty() {
        return Err(ReportError::Malformed(
            "address-data holds both allprop and prop".into(),
        ));
    }
    Ok(AddressDataRequest {
        version,
        props: (!names.is_empty()).then_some(names),
    })
}
