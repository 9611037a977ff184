//! `CALDAV:calendar-data` in a REPORT or PROPFIND `prop` (RFC 4791 9.6): which parts of
//! each calendar object to return, and whether to expand or limit recurrences.

use super::time_range::{parse_time_range, Bounds};
use super::ReportError;
use crate::content::query::{CalendarDataRequest, CompSelection, PropSelection};
use crate::dav::document::Element;
use crate::dav::names::Namespace;

/// Reads a `CALDAV:calendar-data` request element. A media type other than
/// iCalendar 2.0 is `CALDAV:supported-calendar-data`; an `expand` or `limit-*` without
/// a proper start and end is `CALDAV:valid-filter`.
pub fn parse_calendar_data(element: &Element) -> Result<CalendarDataRequest, ReportError> {
    let content_type = element.attribute("content-type").unwrap_or("text/calendar");
    let version = element.attribute("version").unwrap_or("2.0");
    if !content_type.trim().eq_ignore_ascii_case("text/calendar") || version.trim() != "2.0" {
        return Err(ReportError::UnsupportedCalendarData(format!(
            "{content_type} version {version}"
        )));
    }
    let caldav = Namespace::CalDav;
    let comp = element.child(&caldav, "comp").map(comp).transpose()?;
    let range = |local: &str| {
        element
            .child(&caldav, local)
            .map(|child| parse_time_range(child, Bounds::Both))
            .transpose()
    };
    let expand = range("expand")?;
    let limit_recurrence_set = range("limit-recurrence-set")?;
    if expand.is_some() && limit_recurrence_set.is_some() {
        return Err(ReportError::Malformed(
            "calendar-data holds both expand and limit-recurrence-set".into(),
        ));
    }
    Ok(CalendarDataRequest {
        comp,
        expand,
        limit_recurrence_set,
        limit_freebusy_set: range("limit-freebusy-set")?,
    })
}

/// The upper-cased `name` of a `comp` or `prop` selection.
fn name_of(element: &Element) -> Result<String, ReportError> {
    super::name_attribute(element)
        .map_err(|reason| ReportError::Malformed(format!("calendar-data: {reason}")))
}

fn comp(element: &Element) -> Result<CompSelection, ReportError> {
    let caldav = Namespace::CalDav;
    let name = name_of(element)?;
    let conflict = |what: &str| {
        Err(ReportError::Malformed(format!(
            "calendar-data: comp {name} holds both all{what} and {what}"
        )))
    };
    let allprop = element.child(&caldav, "allprop").is_some();
    let props = element
        .children_named(&caldav, "prop")
        .map(|prop| {
            let novalue = super::yes_no(prop, "novalue")
                .map_err(|reason| ReportError::Malformed(format!("calendar-data: {reason}")))?;
            Ok::<_, ReportError>(PropSelection {
                name: name_of(prop)?,
                novalue,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let allcomp = element.child(&caldav, "allcomp").is_some();
    let comps = element
        .children_named(&caldav, "comp")
        .map(comp)
        .collect::<Result<Vec<_>, _>>()?;
    if allprop && !props.is_empty() {
        return conflict("prop");
    }
    if allcomp && !comps.is_empty() {
        return conflict("comp");
    }
    Ok(CompSelection {
        name,
        // Neither allprop nor any prop: everything, as RFC 4791 7.8.1 answers for an
        // empty <C:comp name="VTIMEZONE"/>.
        props: (!props.is_empty()).then_some(props),
        comps: (!comps.is_empty()).then_some(comps),
    })
}
