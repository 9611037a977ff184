//! The `CALDAV:filter` of a calendar-query (RFC 4791 9.7) read into the query model,
//! checked as the `CALDAV:valid-filter` precondition asks.

use super::time_range::{parse_time_range, Bounds};
use super::ReportError;
use crate::content::query::{CompFilter, ParamFilter, PropFilter, TimeRange};
use crate::content::text_match::{Collation, MatchType, TextMatch};
use crate::dav::document::Element;
use crate::dav::names::Namespace;

/// Reads a `CALDAV:filter`: exactly one `comp-filter`, for VCALENDAR.
pub(super) fn parse_filter(filter: &Element) -> Result<CompFilter, ReportError> {
    let mut comps = filter.children_named(&Namespace::CalDav, "comp-filter");
    let (Some(root), None) = (comps.next(), comps.next()) else {
        return invalid("filter must hold exactly one comp-filter");
    };
    comp_filter(root, None)
}

fn invalid<T>(reason: impl Into<String>) -> Result<T, ReportError> {
    Err(ReportError::InvalidFilter(reason.into()))
}

fn name_of(element: &Element) -> Result<String, ReportError> {
    super::name_attribute(element).map_err(ReportError::InvalidFilter)
}

/// At most one child with this CalDAV name.
fn single<'a>(element: &'a Element, local: &'a str) -> Result<Option<&'a Element>, ReportError> {
    let mut found = element.children_named(&Namespace::CalDav, local);
    let first = found.next();
    if found.next().is_some() {
        return invalid(format!(
            "{} holds more than one {local}",
            element.name.local
        ));
    }
    Ok(first)
}

fn comp_filter(element: &Element, parent: Option<&str>) -> Result<CompFilter, ReportError> {
    let name = name_of(element)?;
    if !may_nest(parent, &name) {
        return invalid(match parent {
            Some(parent) => format!("{name} cannot be a component of {parent}"),
            None => format!("{name} cannot be the outermost component, only VCALENDAR"),
        });
    }
    let is_not_defined = single(element, "is-not-defined")?.is_some();
    let time_range = single(element, "time-range")?
        .map(|range| parse_time_range(range, Bounds::AtLeastOne))
        .transpose()?;
    let prop_filters = element
        .children_named(&Namespace::CalDav, "prop-filter")
        .map(prop_filter)
        .collect::<Result<Vec<_>, _>>()?;
    let comp_filters = element
        .children_named(&Namespace::CalDav, "comp-filter")
        .map(|child| comp_filter(child, Some(&name)))
        .collect::<Result<Vec<_>, _>>()?;
    if is_not_defined
        && (time_range.is_some() || !prop_filters.is_empty() || !comp_filters.is_empty())
    {
        return invalid(format!(
            "comp-filter {name}: is-not-defined cannot be combined with other tests"
        ));
    }
    Ok(CompFilter {
        name,
        is_not_defined,
        time_range,
        prop_filters,
        comp_filters,
    })
}

/// Whether component `child` may appear directly inside `parent` (`None`: the filter
/// itself). Names the server does not know (X- and IANA extensions) may nest anywhere
/// below VCALENDAR.
fn may_nest(parent: Option<&str>, child: &str) -> bool {
    let top_level = ["VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE"];
    match child {
        "VCALENDAR" => parent.is_none(),
        _ if parent.is_none() => false,
        name if top_level.contains(&name) => parent == Some("VCALENDAR"),
        "VALARM" => matches!(parent, Some("VEVENT" | "VTODO")),
        "STANDARD" | "DAYLIGHT" => parent == Some("VTIMEZONE"),
        _ => true,
    }
}

/// Properties whose values are dates or times, the only ones a `time-range` can test;
/// X- properties are let through as their type is unknown.
const TIME_PROPERTIES: &[&str] = &[
    "DTSTART",
    "DTEND",
    "DUE",
    "COMPLETED",
    "CREATED",
    "DTSTAMP",
    "LAST-MODIFIED",
    "RECURRENCE-ID",
    "EXDATE",
    "RDATE",
    "TRIGGER",
    "FREEBUSY",
    "ACKNOWLEDGED",
];

fn prop_filter(element: &Element) -> Result<PropFilter, ReportError> {
    let name = name_of(element)?;
    let is_not_defined = single(element, "is-not-defined")?.is_some();
    let time_range: Option<TimeRange> = single(element, "time-range")?
        .map(|range| parse_time_range(range, Bounds::AtLeastOne))
        .transpose()?;
    let text_match = single(element, "text-match")?.map(text_match).transpose()?;
    let param_filters = element
        .children_named(&Namespace::CalDav, "param-filter")
        .map(param_filter)
        .collect::<Result<Vec<_>, _>>()?;
    if is_not_defined && (time_range.is_some() || text_match.is_some() || !param_filters.is_empty())
    {
        return invalid(format!(
            "prop-filter {name}: is-not-defined cannot be combined with other tests"
        ));
    }
    if time_range.is_some() && text_match.is_some() {
        return invalid(format!(
            "prop-filter {name}: time-range and text-match cannot be combined"
        ));
    }
    if time_range.is_some() && !TIME_PROPERTIES.contains(&name.as_str()) && !name.starts_with("X-")
    {
        return invalid(format!(
            "prop-filter {name}: a time-range only applies to date and time properties"
        ));
    }
    Ok(PropFilter {
        name,
        is_not_defined,
        time_range,
        text_match,
        param_filters,
    })
}

fn param_filter(element: &Element) -> Result<ParamFilter, ReportError> {
    let name = name_of(element)?;
    let is_not_defined = single(element, "is-not-defined")?.is_some();
    let text_match = single(element, "text-match")?.map(text_match).transpose()?;
    if is_not_defined && text_match.is_some() {
        return invalid(format!(
            "param-filter {name}: is-not-defined cannot be combined with text-match"
        ));
    }
    Ok(ParamFilter {
        name,
        is_not_defined,
        text_match,
    })
}

/// `CALDAV:text-match`: a substring test (CalDAV has no match-type) with the collation
/// named, `i;ascii-casemap` when none is.
fn text_match(element: &Element) -> Result<TextMatch, ReportError> {
    let collation = match element.attribute("collation") {
        None => Collation::default(),
        Some(name) => Collation::from_name(name)
            .ok_or_else(|| ReportError::UnsupportedCollation(name.to_owned()))?,
    };
    let negate = super::yes_no(element, "negate-condition").map_err(ReportError::InvalidFilter)?;
    Ok(TextMatch {
        text: element.text.clone(),
        collation,
        match_type: MatchType::Contains,
        negate,
    })
}
