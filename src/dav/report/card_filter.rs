//! The `CARDDAV:filter` of an addressbook-query (RFC 6352 10.5) read into the query
//! model. CardDAV has no valid-filter precondition: a filter against the DTD is a 400;
//! a collation the server lacks is 403 `CARDDAV:supported-collation`, a property or
//! parameter name no vCard can hold is 403 `CARDDAV:supported-filter` (RFC 6352 8.6).

use super::ReportError;
use crate::content::card_query::{AddressFilter, CardParamFilter, CardPropFilter};
use crate::content::text_match::{Collation, MatchType, TextMatch};
use crate::dav::document::Element;
use crate::dav::names::Namespace;

/// Reads a `CARDDAV:filter`: its `test` and its prop-filters.
pub(super) fn parse_card_filter(filter: &Element) -> Result<AddressFilter, ReportError> {
    Ok(AddressFilter {
        all_of: all_of(filter)?,
        prop_filters: filter
            .children_named(&Namespace::CardDav, "prop-filter")
            .map(prop_filter)
            .collect::<Result<Vec<_>, _>>()?,
    })
}

fn malformed<T>(reason: impl Into<String>) -> Result<T, ReportError> {
    Err(ReportError::Malformed(reason.into()))
}

/// `test="anyof"` (the default) or `test="allof"`.
fn all_of(element: &Element) -> Result<bool, ReportError> {
    match element.attribute("test") {
        None | Some("anyof") => Ok(false),
        Some("allof") => Ok(true),
        Some(other) => malformed(format!(
            "{}: test must be anyof or allof, not {other:?}",
            element.name.local
        )),
    }
}

/// The upper-cased name of a prop-filter (`GROUP.NAME` allowed) or param-filter.
fn name_of(element: &Element, grouped: bool) -> Result<String, ReportError> {
    let name = super::name_attribute(element).map_err(ReportError::Malformed)?;
    let is_token = |part: &str| {
        !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let valid = match name.split_once('.') {
        Some((group, property)) => grouped && is_token(group) && is_token(property),
        None => is_token(&name),
    };
    if !valid {
        return Err(ReportError::UnsupportedCardFilter(format!(
            "{} {name:?} names no vCard {}",
            element.name.local,
            if grouped { "property" } else { "parameter" }
        )));
    }
    Ok(name)
}

fn prop_filter(element: &Element) -> Result<CardPropFilter, ReportError> {
    let carddav = Namespace::CardDav;
    let name = name_of(element, true)?;
    let is_not_defined = element.child(&carddav, "is-not-defined").is_some();
    let text_matches = element
        .children_named(&carddav, "text-match")
        .map(text_match)
        .collect::<Result<Vec<_>, _>>()?;
    let param_filters = element
        .children_named(&carddav, "param-filter")
        .map(param_filter)
        .collect::<Result<Vec<_>, _>>()?;
    if is_not_defined && (!text_matches.is_empty() || !param_filters.is_empty()) {
        return malformed(format!(
            "prop-filter {name}: is-not-defined cannot be combined with other tests"
        ));
    }
    Ok(CardPropFilter {
        all_of: all_of(element)?,
        name,
        is_not_defined,
        text_matches,
        param_filters,
    })
}

fn param_filter(element: &Element) -> Result<CardParamFilter, ReportError> {
    let carddav = Namespace::CardDav;
    let name = name_of(element, false)?;
    let is_not_defined = element.child(&carddav, "is-not-defined").is_some();
    let mut text_matches = element.children_named(&carddav, "text-match");
    let text_match = text_matches.next().map(text_match).transpose()?;
    if text_matches.next().is_some() {
        return malformed(format!(
            "param-filter {name} holds more than one text-match"
        ));
    }
    if is_not_defined && text_match.is_some() {
        return malformed(format!(
            "param-filter {name}: is-not-defined cannot be combined with text-match"
        ));
    }
    Ok(CardParamFilter {
        name,
        is_not_defined,
        text_match,
    })
}

/// `CARDDAV:text-match` with its defaults: `i;unicode-casemap` (also for the collation
/// named `default`, RFC 4790 3.1) and `contains`.
fn text_match(element: &Element) -> Result<TextMatch, ReportError> {
    let collation = match element.attribute("collation") {
        None | Some("default") => Collation::UnicodeCasemap,
        Some(name) => Collation::from_name(name)
            .ok_or_else(|| ReportError::UnsupportedCardCollation(name.to_owned()))?,
    };
    let match_type = match element.attribute("match-type") {
        None => MatchType::Contains,
        Some(name) => match MatchType::from_name(name) {
            Some(match_type) => match_type,
            None => {
                return malformed(format!(
                    "match-type must be equals, contains, starts-with or ends-with, not {name:?}"
                ))
            }
        },
    };
    let negate = super::yes_no(element, "negate-condition").map_err(ReportError::Malformed)?;
    Ok(TextMatch {
        text: element.text.clone(),
        collation,
        match_type,
        negate,
    })
}
