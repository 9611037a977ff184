//! vCard: what a PUT does with an address object (the checks and the row it stores), and
//! what reports do with stored ones (address-data in 3.0 or 4.0 with a property
//! selection, addressbook-query filters).

use davgate::carddav::write::prepare;
use davgate::content::card_query::AddressDataRequest;
use davgate::content::vcard::{ContactObject, VCardVersion};
use davgate::dav::{parse_report_within, Budget, ReportRequest};

use super::{has_reason, limits, split};

/// What `davgate.vcardMaxSize`-like sizes would let through: more than any input here.
const MAX_SIZE: u64 = 1 << 20;

/// PUT of a vCard: an accepted one is stored as sent under a UID the index takes, and
/// reads back as the same contact.
pub fn vcard_ingest(data: &[u8]) {
    let limits = limits();
    if let Ok(stored) = ContactObject::parse(data) {
        let _ = stored.display_name();
        let _ = stored.uid();
    }
    let row = match prepare(
        "contact.vcf",
        data,
        Some("text/vcard"),
        MAX_SIZE,
        &limits.content,
        1,
    ) {
        Ok(row) => row,
        Err(refusal) => return has_reason(&refusal.reason),
    };
    assert_eq!(row.data, data, "the vCard is not stored as sent");
    assert!(!row.uid.is_empty(), "indexed without a UID");
    assert!(
        row.uid.len() <= limits.content.max_uid_bytes,
        "a UID of {} bytes",
        row.uid.len()
    );
    let contact = ContactObject::parse(data).expect("an accepted vCard reads back");
    if let Some(uid) = contact.uid() {
        assert_eq!(row.uid, uid);
    }
    assert_eq!(
        ContactObject::render(data, &AddressDataRequest::default()),
        data
    );
}

/// address-data of a stored vCard: a body asking for address-data (a REPORT) and the
/// vCard, split at the first NUL. Any stored vCard converts without a panic; for one
/// davgate accepts on PUT, whatever version and properties are asked for, the answer is
/// one vCard of that version with the same UID, and converting to the other version and
/// back keeps the UID and the name. (Data another writer stored, with control
/// characters or stray lines, is served as calcard reads it.)
pub fn vcard_convert(data: &[u8]) {
    let (body, vcf) = split(data);
    let Ok(contact) = ContactObject::parse(vcf) else {
        return;
    };
    let mut requests = vec![
        AddressDataRequest {
            version: Some(VCardVersion::V3),
            props: None,
        },
        AddressDataRequest {
            version: Some(VCardVersion::V4),
            props: None,
        },
    ];
    if let Ok(report) = parse_report_within(body, &Budget::new(limits().bodies)) {
        match report {
            ReportRequest::AddressbookMultiget { props, .. } => {
                requests.extend(props.address_data);
            }
            ReportRequest::AddressbookQuery { props, filter, .. } => {
                let matched = contact.matches(&filter);
                assert_eq!(
                    contact.matches(&filter),
                    matched,
                    "the filter decided differently"
                );
                requests.extend(props.address_data);
            }
            _ => {}
        }
    }
    let accepted = ContactObject::parse_submitted(vcf, &limits().content).is_ok();
    for request in &requests {
        let answer = ContactObject::render(vcf, request);
        if !accepted {
            continue;
        }
        if request.version.is_none() && request.props.is_none() {
            assert_eq!(answer, vcf, "the stored bytes changed");
            continue;
        }
        let wanted = request.version.unwrap_or(contact.version());
        let converted = same_contact(&contact, &answer, wanted);
        if request.props.is_none() {
            let other = match wanted {
                VCardVersion::V3 => VCardVersion::V4,
                VCardVersion::V4 => VCardVersion::V3,
            };
            let back = ContactObject::render(
                &answer,
                &AddressDataRequest {
                    version: Some(other),
                    props: None,
                },
            );
            let back = same_contact(&converted, &back, other);
            assert_eq!(
                back.display_name(),
                contact.display_name(),
                "the name changed"
            );
        }
    }
}

/// `answer` is one vCard of version `wanted` with the UID of `original`.
fn same_contact(original: &ContactObject, answer: &[u8], wanted: VCardVersion) -> ContactObject {
    let parsed = ContactObject::parse(answer).unwrap_or_else(|error| {
        panic!(
            "address-data in {} does not parse ({error}):\n{}",
            wanted.as_str(),
            String::from_utf8_lossy(answer)
        )
    });
    assert_eq!(parsed.version(), wanted, "address-data in another version");
    assert_eq!(parsed.uid(), original.uid(), "the UID changed");
    parsed
}
