//! REPORT request bodies: calendar-multiget, calendar-query and free-busy-query (RFC 4791),
//! sync-collection (RFC 6578) and the CardDAV reports (RFC 6352), read by namespace URI.

mod address_data;
mod calendar_data;
mod calendarserver_search;
mod card_filter;
mod expand_property;
mod filter;
mod principal_search;
mod time_range;

use http::StatusCode;

use super::body_limits::{BodyLimits, Budget, Exceeded};
use super::document::{parse_document_within, Element, XmlError};
use super::names::{ElementName, Namespace};
use super::precondition::Precondition;
use super::propfind::{PropfindError, PropfindRequest};
use crate::content::card_query::{AddressDataRequest, AddressFilter};
use crate::content::query::{CalendarDataRequest, CompFilter, TimeRange};
pub use address_data::parse_address_data;
pub use calendar_data::parse_calendar_data;
pub use calendarserver_search::{CalendarServerSearch, SearchContext, MAX_SEARCH_TOKENS};
pub use expand_property::{ExpandProperty, MAX_EXPAND_DEPTH};
pub use principal_search::{search_property_set_body, PrincipalSearch, PropertySearch, SEARCHABLE};

/// What a REPORT asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportRequest {
    /// RFC 4791 7.9. Hrefs as sent, still percent-encoded.
    CalendarMultiget {
        props: ReportProps,
        hrefs: Vec<String>,
    },
    /// RFC 4791 7.8. The filter's root is the VCALENDAR comp-filter.
    CalendarQuery {
        props: ReportProps,
        filter: CompFilter,
        /// The `CALDAV:timezone` text, an iCalendar object with one VTIMEZONE.
        timezone: Option<String>,
    },
    /// RFC 6578 3.2.
    SyncCollection {
        /// None for the initial sync (an empty `sync-token` element).
        sync_token: Option<String>,
        sync_level: SyncLevel,
        /// `DAV:limit/DAV:nresults`.
        limit: Option<u32>,
        props: ReportProps,
    },
    /// RFC 4791 7.10.
    FreeBusyQuery { range: TimeRange },
    /// RFC 6352 8.7.
    AddressbookMultiget {
        props: ReportProps,
        hrefs: Vec<String>,
    },
    /// RFC 6352 8.6.
    AddressbookQuery {
        props: ReportProps,
        filter: AddressFilter,
        /// `CARDDAV:limit/CARDDAV:nresults`.
        limit: Option<u32>,
    },
    /// RFC 3744 9.4.
    PrincipalPropertySearch(PrincipalSearch),
    /// RFC 3744 9.5.
    PrincipalSearchPropertySet,
    /// Apple's `CS:calendarserver-principal-search`.
    CalendarServerPrincipalSearch(CalendarServerSearch),
    /// RFC 3253 3.8.
    ExpandProperty(Vec<ExpandProperty>),
    /// Any other report: the caller answers 403 `DAV:supported-report`.
    Unsupported(ElementName),
}

/// `DAV:sync-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncLevel {
    /// `1`: the members of the collection.
    One,
    /// `infinite`: every descendant.
    Infinite,
}

/// The properties a report asks for, as in PROPFIND, with the `CALDAV:calendar-data`
/// and `CARDDAV:address-data` requests read out when they are among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportProps {
    pub request: PropfindRequest,
    pub calendar_data: Option<CalendarDataRequest>,
    pub address_data: Option<AddressDataRequest>,
}

/// Why a REPORT body (or the calendar-data or address-data part of a PROPFIND) was
/// refused. CalDAV and CardDAV name their preconditions in their own namespaces, so each
/// has its own variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("REPORT needs a request body")]
    Empty,
    /// Wrong structure: a required element missing, an unknown value (400).
    #[error("{0}")]
    Malformed(String),
    /// RFC 4791 9.7 broken (403 `CALDAV:valid-filter`).
    #[error("invalid filter: {0}")]
    InvalidFilter(String),
    /// 403 `CALDAV:supported-collation`.
    #[error("unsupported collation {0:?}")]
    UnsupportedCollation(String),
    /// A calendar-data media type other than iCalendar 2.0 (403
    /// `CALDAV:supported-calendar-data`).
    #[error("unsupported calendar data {0}")]
    UnsupportedCalendarData(String),
    /// A CardDAV text-match collation the server lacks (403
    /// `CARDDAV:supported-collation`).
    #[error("unsupported collation {0:?}")]
    UnsupportedCardCollation(String),
    /// A CardDAV prop-filter or param-filter the server cannot evaluate (403
    /// `CARDDAV:supported-filter`).
    #[error("unsupported filter: {0}")]
    UnsupportedCardFilter(String),
    /// An address-data media type or version other than vCard 3.0 or 4.0 (403
    /// `CARDDAV:supported-address-data`).
    #[error("unsupported address data: {0}")]
    UnsupportedAddressData(String),
    /// A body beyond its bounds (413).
    #[error("request body too complex: {0}")]
    TooComplex(#[from] Exceeded),
}

impl ReportError {
    /// The precondition the client gets in a `DAV:error` body; None means a plain 400.
    pub fn precondition(&self) -> Option<Precondition> {
        match self {
            Self::Xml(_) | Self::Empty | Self::Malformed(_) | Self::TooComplex(_) => None,
            Self::InvalidFilter(_) => Some(Precondition::CalendarValidFilter),
            Self::UnsupportedCollation(_) => Some(Precondition::CalendarSupportedCollation),
            Self::UnsupportedCalendarData(_) => Some(Precondition::SupportedCalendarData),
            Self::UnsupportedCardCollation(_) => Some(Precondition::AddressbookSupportedCollation),
            Self::UnsupportedCardFilter(_) => Some(Precondition::AddressbookSupportedFilter),
            Self::UnsupportedAddressData(_) => Some(Precondition::SupportedAddressData),
        }
    }

    pub fn status(&self) -> StatusCode {
        if self.exceeded().is_some() {
            return StatusCode::PAYLOAD_TOO_LARGE;
        }
        self.precondition()
            .map_or(StatusCode::BAD_REQUEST, |p| p.status())
    }

    /// The bound the body went beyond, if that is why it was refused.
    pub fn exceeded(&self) -> Option<Exceeded> {
        match self {
            Self::Xml(xml) => xml.exceeded(),
            Self::TooComplex(exceeded) => Some(*exceeded),
            _ => None,
        }
    }
}

impl From<PropfindError> for ReportError {
    fn from(err: PropfindError) -> Self {
        match err {
            PropfindError::Xml(xml) => Self::Xml(xml),
            PropfindError::TooComplex(exceeded) => Self::TooComplex(exceeded),
            other => Self::Malformed(other.to_string()),
        }
    }
}

/// Parses a REPORT body within the default bounds. Reports davgate does not know come
/// back as `Unsupported`.
pub fn parse_report(body: &[u8]) -> Result<ReportRequest, ReportError> {
    parse_report_within(body, &Budget::default())
}

/// Parses a REPORT body within `budget`.
pub fn parse_report_within(body: &[u8], budget: &Budget) -> Result<ReportRequest, ReportError> {
    let limits = &budget.limits;
    let mut root = parse_document_within(body, budget)?.ok_or(ReportError::Empty)?;
    let (dav, caldav, carddav) = (Namespace::Dav, Namespace::CalDav, Namespace::CardDav);
    let name = &root.name;
    if name.is(&caldav, "calendar-multiget") {
        let props = ReportProps::from_report(&root, limits)?;
        Ok(ReportRequest::CalendarMultiget {
            props,
            hrefs: hrefs(&mut root, limits)?,
        })
    } else if name.is(&caldav, "calendar-query") {
        let filter = required(&root, &caldav, "filter")?;
        check_filter(filter, limits)?;
        Ok(ReportRequest::CalendarQuery {
            props: ReportProps::from_report(&root, limits)?,
            filter: filter::parse_filter(filter)?,
            timezone: root.child(&caldav, "timezone").map(|tz| tz.text.clone()),
        })
    } else if name.is(&dav, "sync-collection") {
        sync_collection(&root, limits)
    } else if name.is(&caldav, "free-busy-query") {
        let range = required(&root, &caldav, "time-range")?;
        Ok(ReportRequest::FreeBusyQuery {
            range: time_range::parse_time_range(range, time_range::Bounds::AtLeastOne)?,
        })
    } else if name.is(&carddav, "addressbook-multiget") {
        let props = ReportProps::from_report(&root, limits)?;
        Ok(ReportRequest::AddressbookMultiget {
            props,
            hrefs: hrefs(&mut root, limits)?,
        })
    } else if name.is(&carddav, "addressbook-query") {
        let filter = required(&root, &carddav, "filter")?;
        check_filter(filter, limits)?;
        Ok(ReportRequest::AddressbookQuery {
            props: ReportProps::from_report(&root, limits)?,
            filter: card_filter::parse_card_filter(filter)?,
            limit: limit(&root)?,
        })
    } else if name.is(&dav, "principal-property-search") {
        Ok(ReportRequest::PrincipalPropertySearch(
            principal_search::parse(&root, limits)?,
        ))
    } else if name.is(&dav, "principal-search-property-set") {
        Ok(ReportRequest::PrincipalSearchPropertySet)
    } else if name.is(
        &Namespace::CalendarServer,
        "calendarserver-principal-search",
    ) {
        Ok(ReportRequest::CalendarServerPrincipalSearch(
            calendarserver_search::parse(&root, limits)?,
        ))
    } else if name.is(&dav, "expand-property") {
        Ok(ReportRequest::ExpandProperty(expand_property::parse(
            &root, limits,
        )?))
    } else {
        Ok(ReportRequest::Unsupported(root.name.clone()))
    }
}

impl ReportProps {
    /// The `prop` / `allprop` / `propname` of a report body (none: `allprop`).
    fn from_report(root: &Element, limits: &BodyLimits) -> Result<Self, ReportError> {
        Ok(Self {
            request: PropfindRequest::request_in(root, limits)?,
            calendar_data: calendar_data_in(root, limits)?,
            address_data: address_data_in(root, limits)?,
        })
    }
}

/// A filter is evaluated against every member, so its size is bounded.
fn check_filter(filter: &Element, limits: &BodyLimits) -> Result<(), ReportError> {
    let elements = filter.descendants();
    Ok(BodyLimits::check(
        elements,
        limits.max_filter_elements,
        Exceeded::FilterElements,
    )?)
}

/// A calendar-data or address-data selection is applied to every member, so what it
/// names (components, properties, ranges) counts as a list of properties.
fn check_selection(selection: &Element, limits: &BodyLimits) -> Result<(), ReportError> {
    Ok(BodyLimits::check(
        selection.descendants(),
        limits.max_properties,
        Exceeded::Properties,
    )?)
}

/// The upper-cased `name` attribute of a filter or selection element (iCalendar names
/// are case-insensitive); Err names what lacks it.
fn name_attribute(element: &Element) -> Result<String, String> {
    match element.attribute("name").map(str::trim) {
        Some(name) if !name.is_empty() => Ok(name.to_ascii_uppercase()),
        _ => Err(format!("{} without a name", element.name.local)),
    }
}

/// A `yes`/`no` attribute (`negate-condition`, `novalue`); absent is no.
fn yes_no(element: &Element, attribute: &str) -> Result<bool, String> {
    match element.attribute(attribute) {
        None | Some("no") => Ok(false),
        Some("yes") => Ok(true),
        Some(other) => Err(format!("{attribute} must be yes or no, not {other:?}")),
    }
}

/// The `CALDAV:calendar-data` element in the `DAV:prop` (or the `DAV:include` of an
/// `allprop`) of `root`.
fn calendar_data_in(
    root: &Element,
    limits: &BodyLimits,
) -> Result<Option<CalendarDataRequest>, ReportError> {
    requested(root, &Namespace::CalDav, "calendar-data")
        .map(|element| {
            check_selection(element, limits)?;
            parse_calendar_data(element)
        })
        .transpose()
}

/// The `CARDDAV:address-data` element, found as `calendar_data_in` finds its own.
fn address_data_in(
    root: &Element,
    limits: &BodyLimits,
) -> Result<Option<AddressDataRequest>, ReportError> {
    requested(root, &Namespace::CardDav, "address-data")
        .map(|element| {
            check_selection(element, limits)?;
            parse_address_data(element)
        })
        .transpose()
}

fn requested<'a>(root: &'a Element, ns: &Namespace, local: &str) -> Option<&'a Element> {
    let dav = Namespace::Dav;
    root.child(&dav, "prop")
        .or_else(|| root.child(&dav, "include"))
        .and_then(|list| list.child(ns, local))
}

fn required<'a>(
    root: &'a Element,
    ns: &Namespace,
    local: &str,
) -> Result<&'a Element, ReportError> {
    root.child(ns, local).ok_or_else(|| {
        ReportError::Malformed(format!(
            "{} needs a {} element",
            root.name,
            ElementName::new(ns.clone(), local)
        ))
    })
}

/// The `DAV:href` children, at least one and at most `max_hrefs`, each trimmed of
/// surrounding white space.
/// The hrefs' text is taken out of `root` (the elements are not read again), not copied.
fn hrefs(root: &mut Element, limits: &BodyLimits) -> Result<Vec<String>, ReportError> {
    let count = root.children_named(&Namespace::Dav, "href").count();
    BodyLimits::check(count, limits.max_hrefs, Exceeded::Hrefs)?;
    let hrefs: Vec<String> = root
        .children
        .iter_mut()
        .filter(|child| child.name.is(&Namespace::Dav, "href"))
        .map(|href| {
            let text = std::mem::take(&mut href.text);
            match text.trim() {
                trimmed if trimmed.len() == text.len() => text,
                trimmed => trimmed.to_owned(),
            }
        })
        .collect();
    if hrefs.is_empty() {
        return Err(ReportError::Malformed(format!(
            "{} needs at least one {{DAV:}}href",
            root.name
        )));
    }
    if hrefs.iter().any(String::is_empty) {
        return Err(ReportError::Malformed("empty {DAV:}href".into()));
    }
    Ok(hrefs)
}

/// `DAV:limit` with its `DAV:nresults` (RFC 5323 5.17, used by RFC 6578 and 6352).
fn limit(root: &Element) -> Result<Option<u32>, ReportError> {
    let dav = Namespace::Dav;
    let Some(limit) = root
        .child(&dav, "limit")
        .or_else(|| root.child(&Namespace::CardDav, "limit"))
    else {
        return Ok(None);
    };
    let nresults = limit
        .child(&dav, "nresults")
        .or_else(|| limit.child(&Namespace::CardDav, "nresults"))
        .ok_or_else(|| ReportError::Malformed("limit needs an nresults element".into()))?;
    let text = nresults.text.trim();
    text.parse::<u32>()
        .map(Some)
        .map_err(|_| ReportError::Malformed(format!("nresults must be a number, not {text:?}")))
}

fn sync_collection(root: &Element, limits: &BodyLimits) -> Result<ReportRequest, ReportError> {
    let dav = Namespace::Dav;
    let token = required(root, &dav, "sync-token")?.text.trim();
    // RFC 6578 makes sync-level mandatory; clients written against its drafts leave it
    // out and mean the members of the collection.
    let sync_level = match root.child(&dav, "sync-level").map(|l| l.text.trim()) {
        None | Some("1") => SyncLevel::One,
        Some(level) if level.eq_ignore_ascii_case("infinite") => SyncLevel::Infinite,
        Some(other) => {
            return Err(ReportError::Malformed(format!(
                "sync-level must be 1 or infinite, not {other:?}"
            )))
        }
    };
    Ok(ReportRequest::SyncCollection {
        sync_token: (!token.is_empty()).then(|| token.to_owned()),
        sync_level,
        limit: limit(root)?,
        props: ReportProps::from_report(root, limits)?,
    })
}

#[cfg(test)]
mod card_tests;
#[cfg(test)]
mod tests;
