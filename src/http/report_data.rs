//! The calendar data of a report's members, rendered under the caps of
//! `davgate.limits`: at most `maxRecurrenceInstances` instances per object and at most
//! `maxReportCalendarDataBytes` of generated data per report. A member whose data does
//! not fit is answered with its other properties and `calendar-data` in a 507 propstat,
//! `DAV:number-of-matches-within-limits` saying why (RFC 4791 7.8, RFC 5323 5.17); a
//! query or multiget that left data out ends with the 507 for the request URI.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
use http::StatusCode;

use super::error::DavError;
use super::offload;
use super::sync::too_many;
use crate::content::ical::TimezoneRefs;
use crate::content::ical::{CalendarObject, RenderError};
use crate::content::limits::ContentLimits;
use crate::content::query::CalendarDataRequest;
use crate::dav::{KnownProp, Precondition, PropValue, Property, Response, ResponseBody};

/// What is left of one report's allowance of generated calendar data, and whether any
/// member's data was left out.
#[derive(Debug, Clone)]
pub(super) struct CalendarDataBudget {
    remaining: Arc<AtomicUsize>,
    left_out: Arc<AtomicBool>,
    max: usize,
    /// VTIMEZONEs filled in or left out, as the client asked (RFC 7809).
    timezones: TimezoneRefs,
}

/// Why a member's calendar data was left out, for the client to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LeftOut(pub String);

impl CalendarDataBudget {
    pub fn new(max: usize) -> Self {
        CalendarDataBudget {
            remaining: Arc::new(AtomicUsize::new(max)),
            left_out: Arc::new(AtomicBool::new(false)),
            max,
            timezones: TimezoneRefs::default(),
        }
    }

    /// The same budget, serving VTIMEZONEs as `timezones` says.
    pub fn with_timezones(mut self, timezones: TimezoneRefs) -> Self {
        self.timezones = timezones;
        self
    }

    /// The calendar data of `stored` (parsed already as `parsed`, when the caller did) as
    /// `request` asks. Data that is sent as stored is not counted; data that does not
    /// parse is sent as stored.
    pub fn render<'a>(
        &self,
        stored: &'a [u8],
        parsed: Option<&CalendarObject>,
        request: &CalendarDataRequest,
        limits: &ContentLimits,
    ) -> Result<Cow<'a, [u8]>, LeftOut> {
        let data = self.render_zoneless(stored, parsed, request, limits)?;
        let before = data.len();
        let data = self.timezones.apply_to(data);
        // Filled-in VTIMEZONEs are generated data: they count against the allowance.
        let added = data.len().saturating_sub(before);
        if added > 0 {
            let _ = self
                .remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                    Some(left.saturating_sub(added))
                });
        }
        Ok(data)
    }

    fn render_zoneless<'a>(
        &self,
        stored: &'a [u8],
        parsed: Option<&CalendarObject>,
        request: &CalendarDataRequest,
        limits: &ContentLimits,
    ) -> Result<Cow<'a, [u8]>, LeftOut> {
        if CalendarObject::renders_as_stored(request) {
            return Ok(Cow::Borrowed(stored));
        }
        let large = stored.len() >= offload::LARGE_OBJECT_BYTES;
        offload::run(large, || match parsed {
            Some(object) => self.render_parsed(object, request).map(Cow::Owned),
            None => match CalendarObject::parse(stored, limits) {
                Ok(object) => self.render_parsed(&object, request).map(Cow::Owned),
                // Stored by another writer and not parseable: served as stored.
                Err(_) => Ok(Cow::Borrowed(stored)),
            },
        })
    }

    fn render_parsed(
        &self,
        object: &CalendarObject,
        request: &CalendarDataRequest,
    ) -> Result<Vec<u8>, LeftOut> {
        let remaining = self.remaining.load(Ordering::Relaxed);
        if remaining == 0 {
            return Err(self.leave_out(format!(
                "this report's calendar data reached the limit of {} bytes",
                self.max
            )));
        }
        let expands = request.expand.is_some() && object.is_recurring();
        match offload::run(expands, || object.render(request, remaining)) {
            Ok(data) => {
                self.remaining
                    .fetch_sub(data.len().min(remaining), Ordering::Relaxed);
                Ok(data)
            }
            Err(RenderError::TooManyInstances(max)) => Err(self.leave_out(format!(
                "the object has more than {max} instances to expand; ask for a shorter range"
            ))),
            Err(RenderError::TooLarge(_)) => {
                // What the next members would render is not worth starting.
                self.remaining.store(0, Ordering::Relaxed);
                Err(self.leave_out(format!(
                    "this report's calendar data reached the limit of {} bytes",
                    self.max
                )))
            }
        }
    }

    /// The bytes of calendar data the whole report may generate.
    pub fn max(&self) -> usize {
        self.max
    }

    fn leave_out(&self, reason: String) -> LeftOut {
        self.left_out.store(true, Ordering::Relaxed);
        LeftOut(reason)
    }

    /// The 507 response for `collection_href` that ends a query or multiget whose
    /// members' data was left out; read once the members are out.
    pub fn ending(
        &self,
        collection_href: String,
    ) -> BoxStream<'static, Result<Response, DavError>> {
        let left_out = self.left_out.clone();
        stream::once(async move {
            left_out
                .load(Ordering::Relaxed)
                .then(|| Ok(too_many(collection_href)))
        })
        .filter_map(futures::future::ready)
        .boxed()
    }
}

/// `response` (built with a `calendar-data` property) with that property moved into a
/// 507 propstat, and the condition and reason beside it.
pub(super) fn without_data(mut response: Response, LeftOut(reason): LeftOut) -> Response {
    let name = KnownProp::CalendarData.name();
    if let ResponseBody::Propstats(propstats) = &mut response.body {
        for propstat in propstats.iter_mut() {
            propstat.props.retain(|property| property.name != name);
        }
        propstats.retain(|propstat| !propstat.props.is_empty());
    }
    response.add(
        StatusCode::INSUFFICIENT_STORAGE,
        Property::new(name, PropValue::Empty),
    );
    response
        .with_error(Precondition::NumberOfMatchesWithinLimits)
        .with_description(reason)
}
