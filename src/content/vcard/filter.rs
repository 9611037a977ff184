//! addressbook-query filters (RFC 6352 10.5) evaluated on a parsed vCard.
//!
//! A prop-filter passes when one property of its name passes all (allof) or any (anyof)
//! of its text-matches and param-filters: the tests are evaluated per property, so
//! `EMAIL` with `TYPE=work` and text `example.com` needs a work address at example.com.
//! A text-match tests every value of the property, each component of structured values
//! (N, ADR, ORG, ...) and the whole value with its components joined as the vCard
//! writes them (`Doe;Jane;;;`); it passes when any of these matches, and with
//! `negate-condition` when none does. Binary values (inline PHOTO data) are not text.

use std::fmt::Write;

use calcard::common::IanaString;
use calcard::vcard::{
    VCard, VCardEntry, VCardParameter, VCardParameterName, VCardParameterValue, VCardProperty,
    VCardValue, VCardValueType,
};

use crate::content::card_query::{AddressFilter, CardParamFilter, CardPropFilter};
use crate::content::text_match::TextMatch;

pub(super) fn matches(vcard: &VCard, filter: &AddressFilter) -> bool {
    let mut results = filter
        .prop_filters
        .iter()
        .map(|prop_filter| prop_filter_matches(vcard, prop_filter));
    if filter.prop_filters.is_empty() {
        true
    } else if filter.all_of {
        results.all(|passed| passed)
    } else {
        results.any(|passed| passed)
    }
}

fn prop_filter_matches(vcard: &VCard, filter: &CardPropFilter) -> bool {
    let mut properties = vcard
        .entries
        .iter()
        .filter(|entry| is_named(entry, &filter.name));
    if filter.is_not_defined {
        return properties.next().is_none();
    }
    if filter.text_matches.is_empty() && filter.param_filters.is_empty() {
        return properties.next().is_some();
    }
    properties.any(|entry| {
        let mut tests = filter
            .text_matches
            .iter()
            .map(|text_match| value_matches(entry, text_match))
            .chain(
                filter
                    .param_filters
                    .iter()
                    .map(|param_filter| param_filter_matches(entry, param_filter)),
            );
        if filter.all_of {
            tests.all(|passed| passed)
        } else {
            tests.any(|passed| passed)
        }
    })
}

/// Whether `entry` is the property `name` (upper case, optionally `GROUP.NAME`).
pub(super) fn is_named(entry: &VCardEntry, name: &str) -> bool {
    !matches!(entry.name, VCardProperty::Begin | VCardProperty::End)
        && is_selected(entry.group.as_deref(), entry.name.as_str(), name)
}

/// Whether a property `group.name` is what `wanted` names: without a group prefix any
/// group or none matches, with one only that group (RFC 6352 10.4.2 and 10.5.1). Names
/// compare without regard to case.
pub(super) fn is_selected(group: Option<&str>, name: &str, wanted: &str) -> bool {
    match wanted.split_once('.') {
        Some((wanted_group, wanted)) => {
            group.is_some_and(|group| group.eq_ignore_ascii_case(wanted_group))
                && name.eq_ignore_ascii_case(wanted)
        }
        None => name.eq_ignore_ascii_case(wanted),
    }
}

/// Whether the text-match finds its text in any value text of the property, the
/// negation applied once to the whole property.
fn value_matches(entry: &VCardEntry, text_match: &TextMatch) -> bool {
    text_match.matches_any(value_texts(entry).iter().map(String::as_str))
}

/// The texts a text-match is tried on: each value, each item of a comma list inside a
/// structured component, and, for several values, the whole value as written.
fn value_texts(entry: &VCardEntry) -> Vec<String> {
    let mut texts = Vec::new();
    let mut whole = Vec::new();
    for value in &entry.values {
        let text = match value {
            VCardValue::Component(items) => {
                texts.extend(items.iter().cloned());
                Some(items.join(","))
            }
            VCardValue::Binary(_) => None,
            VCardValue::PartialDateTime(date) => {
                let mut text = String::new();
                let _ = date.format_as_vcard(&mut text, &date_type(entry));
                Some(text)
            }
            VCardValue::Integer(number) => Some(number.to_string()),
            VCardValue::Float(number) => Some(number.to_string()),
            VCardValue::Boolean(true) => Some("TRUE".into()),
            VCardValue::Boolean(false) => Some("FALSE".into()),
            other => other.as_text().map(str::to_owned),
        };
        if let Some(text) = text {
            whole.push(text.clone());
            texts.push(text);
        }
    }
    if whole.len() > 1 {
        let separator = match entry.name {
            VCardProperty::Nickname | VCardProperty::Categories => ",",
            _ => ";",
        };
        texts.push(whole.join(separator));
    }
    texts
}

/// The date type a property's values are written in: its VALUE parameter, else the
/// type RFC 6350 gives the property.
fn date_type(entry: &VCardEntry) -> VCardValueType {
    let stated = entry.params.iter().find_map(|param| match param.value {
        VCardParameterValue::ValueType(value_type) if param.name == VCardParameterName::Value => {
            Some(value_type)
        }
        _ => None,
    });
    stated.unwrap_or(match entry.name {
        VCardProperty::Rev => VCardValueType::Timestamp,
        VCardProperty::Tz => VCardValueType::UtcOffset,
        _ => VCardValueType::DateAndOrTime,
    })
}

/// A param-filter on one property: the parameter present (with a value passing the
/// text-match, if any; `TYPE=WORK,VOICE` has the values WORK and VOICE), or absent for
/// `is-not-defined`.
fn param_filter_matches(entry: &VCardEntry, filter: &CardParamFilter) -> bool {
    let values: Vec<String> = entry
        .params
        .iter()
        .filter(|param| param.name.as_str().eq_ignore_ascii_case(&filter.name))
        .filter_map(param_text)
        .collect();
    if filter.is_not_defined {
        return values.is_empty();
    }
    match &filter.text_match {
        None => !values.is_empty(),
        Some(_) if values.is_empty() => false,
        Some(text_match) => text_match.matches_any(values.iter().map(String::as_str)),
    }
}

/// A parameter value as text; a parameter without a value is the empty text. calcard
/// keeps the parameter values it knows (TYPE=work, VALUE=uri) in their registered
/// upper-case spelling.
fn param_text(param: &VCardParameter) -> Option<String> {
    let mut text = String::new();
    match &param.value {
        VCardParameterValue::Text(value) => text.push_str(value),
        VCardParameterValue::Integer(value) => {
            let _ = write!(text, "{value}");
        }
        VCardParameterValue::Timestamp(value) => {
            let _ = write!(text, "{value}");
        }
        VCardParameterValue::Bool(value) => text.push_str(if *value { "TRUE" } else { "FALSE" }),
        VCardParameterValue::ValueType(value) => text.push_str(value.as_str()),
        VCardParameterValue::Type(value) => text.push_str(value.as_str()),
        VCardParameterValue::Calscale(value) => text.push_str(value.as_str()),
        VCardParameterValue::Level(value) => text.push_str(value.as_str()),
        VCardParameterValue::Phonetic(value) => text.push_str(value.as_str()),
        VCardParameterValue::Jscomps(_) => return None,
        VCardParameterValue::Null => {}
    }
    Some(text)
}
