//! address-data output (RFC 6352 10.4): the stored vCard, a selection of its properties,
//! or the vCard written in the other version.
//!
//! Conversion goes through calcard's writer, which turns dates and inline binary data
//! into the target version's syntax. Two things it leaves alone are mapped here: the
//! preferred-value marker (`TYPE=pref` in 3.0, `PREF=1` in 4.0; other PREF ranks have no
//! 3.0 form and are dropped) and inline data in 4.0, written as a plain `data:` URI
//! (`data:image/jpeg;base64,...`) without 3.0's media-type token (`TYPE=JPEG`).
//! Properties one version has and the other lacks (3.0 LABEL, Apple's
//! X-ADDRESSBOOKSERVER-KIND/-MEMBER groups, 4.0 KIND/MEMBER/GENDER) are carried over
//! under their own names, unchanged.

use base64::Engine;
use calcard::vcard::{
    VCardEntry, VCardParameter, VCardParameterName, VCardParameterValue, VCardValue,
};

use super::filter::{is_named, is_selected};
use super::{parse, VCardVersion};
use crate::content::card_query::AddressDataRequest;

pub(super) fn render(original: &[u8], request: &AddressDataRequest) -> Vec<u8> {
    if request.props.is_none() && request.version.is_none() {
        return original.to_vec();
    }
    let Ok((mut vcard, stored)) = parse::parse(original) else {
        return original.to_vec();
    };
    let wanted = request.version.unwrap_or(stored);
    if wanted == stored {
        return match &request.props {
            None => original.to_vec(),
            Some(names) => selected_lines(original, names),
        };
    }
    if let Some(names) = &request.props {
        vcard.entries.retain(|entry| {
            always_kept(entry.name.as_str()) || names.iter().any(|name| is_named(entry, name))
        });
    }
    for entry in &mut vcard.entries {
        match wanted {
            VCardVersion::V4 => {
                preference_to_v4(entry);
                binary_to_data_uri(entry);
            }
            VCardVersion::V3 => preference_to_v3(entry),
        }
    }
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = vcard.write_to(&mut out, wanted.calcard());
    out.into_bytes()
}

/// What every address-data selection returns: the vCard's frame, its VERSION (the
/// version the data is in) and its UID (what clients match contacts by).
fn always_kept(name: &str) -> bool {
    ["BEGIN", "END", "VERSION", "UID"]
        .iter()
        .any(|kept| kept.eq_ignore_ascii_case(name))
}

/// The content lines (with their folded continuations) of the selected properties, as
/// stored.
fn selected_lines(original: &[u8], names: &[String]) -> Vec<u8> {
    let text = String::from_utf8_lossy(original);
    let mut out = String::with_capacity(text.len());
    let mut keep = false;
    for line in text.split_inclusive('\n') {
        if !line.starts_with([' ', '\t']) {
            let head = line
                .trim_start_matches('\u{feff}')
                .split([':', ';'])
                .next()
                .unwrap_or_default()
                .trim();
            let (group, name) = match head.split_once('.') {
                Some((group, name)) => (Some(group), name),
                None => (None, head),
            };
            keep = always_kept(name) || names.iter().any(|wanted| is_selected(group, name, wanted));
        }
        if keep {
            out.push_str(line);
        }
    }
    out.into_bytes()
}

fn is_pref_type(param: &VCardParameter) -> bool {
    param.name == VCardParameterName::Type
        && matches!(&param.value, VCardParameterValue::Text(text) if text.eq_ignore_ascii_case("pref"))
}

/// 3.0 `TYPE=pref` becomes 4.0 `PREF=1`.
fn preference_to_v4(entry: &mut VCardEntry) {
    if !entry.params.iter().any(is_pref_type) {
        return;
    }
    entry.params.retain(|param| !is_pref_type(param));
    if !entry
        .params
        .iter()
        .any(|param| param.name == VCardParameterName::Pref)
    {
        entry.params.push(VCardParameter::new(
            VCardParameterName::Pref,
            VCardParameterValue::Integer(1),
        ));
    }
}

/// 4.0 `PREF=1` becomes 3.0 `TYPE=pref`, beside the other TYPE values; other ranks are
/// dropped, 3.0 has no order of preference.
fn preference_to_v3(entry: &mut VCardEntry) {
    let first = entry.params.iter().any(|param| {
        param.name == VCardParameterName::Pref
            && matches!(param.value, VCardParameterValue::Integer(1))
    });
    entry
        .params
        .retain(|param| param.name != VCardParameterName::Pref);
    if first && !entry.params.iter().any(is_pref_type) {
        let at = entry
            .params
            .iter()
            .rposition(|param| param.name == VCardParameterName::Type)
            .map_or(entry.params.len(), |last| last + 1);
        entry.params.insert(
            at,
            VCardParameter::new(
                VCardParameterName::Type,
                VCardParameterValue::Text("pref".into()),
            ),
        );
    }
}

/// Inline binary data (3.0 `ENCODING=b`) as a 4.0 `data:` URI. The legacy media-type
/// token and `VALUE=binary` go: the URI carries the media type.
fn binary_to_data_uri(entry: &mut VCardEntry) {
    let mut converted = false;
    for value in &mut entry.values {
        if let VCardValue::Binary(data) = value {
            let uri = format!(
                "data:{};base64,{}",
                data.content_type.as_deref().unwrap_or_default(),
                base64::engine::general_purpose::STANDARD.encode(&data.data)
            );
            *value = VCardValue::Text(uri);
            converted = true;
        }
    }
    if converted {
        entry.params.retain(|param| {
            !matches!(
                (&param.name, &param.value),
                (
                    VCardParameterName::Type | VCardParameterName::Value,
                    VCardParameterValue::Text(_)
                )
            )
        });
    }
}
