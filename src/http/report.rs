//! REPORT on calendar collections: calendar-multiget, calendar-query, sync-collection
//! (RFC 4791 7.8-7.10, RFC 6578). Responses stream as the store yields members, in
//! batches, never one query per object and never the whole collection in memory.

use std::sync::Arc;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use futures::stream::{BoxStream, StreamExt};
use http::{header, StatusCode};

use super::error::DavError;
use super::offload;
use super::paths::{member_href, DavPaths};
use super::private_view::member_as_seen;
use super::propfind_answer::MemberAnswer;
use super::report_data::{without_data, CalendarDataBudget};
use super::report_members::{
    at_most, by_collection, home_multistatus, multiget, multiget_responses, not_found,
    sync_responses, MemberView,
};
use super::streaming;
use super::sync::{check_since, readable_only, LimitedSync};
use super::AppState;
use crate::access::DavUser;
use crate::caldav::CALENDAR_CONTENT_TYPE;
use crate::caldav::{home, CalendarCollection, SyncWindow};
use crate::config::props;
use crate::content::ical::{BusyTime, CalendarObject};
use crate::content::limits::ContentLimits;
use crate::content::query::{CompFilter, TimeRange};
use crate::dav::report::{parse_report_within, ReportProps, ReportRequest};
use crate::dav::{KnownProp, Precondition, Refusal, Response as DavResponse};
use crate::scheduling::freebusy::add_object;
use crate::store::{ContextId, DynStore, FolderId, MemberData, MemberFilter, UserId};
use crate::sync_token::{parse_sync_token, sync_token};
use std::borrow::Cow;
use std::collections::HashMap;

/// A REPORT on `collection`, or, with `at_member`, on one of its members, where only
/// calendar-multiget applies (RFC 4791 7.9); its hrefs are read as on the collection.
pub(super) async fn report(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    body: &Bytes,
    at_member: bool,
    timezones: crate::content::ical::TimezoneRefs,
) -> Result<Response, DavError> {
    let request = state.body_parsers.parse(body, parse_report_within).await?;
    if at_member && !matches!(request, ReportRequest::CalendarMultiget { .. }) {
        return Err(Precondition::SupportedReport.into());
    }
    if !collection.rights.can_read() {
        return Err(super::object::need_privilege(
            state.paths.external(&collection.sub_path()),
            "read",
        ));
    }
    let mut ctx = ReportContext::new(state, me, collection);
    ctx.budget = ctx.budget.with_timezones(timezones);
    match request {
        ReportRequest::CalendarMultiget { props, hrefs } => Ok(multiget(ctx, props, hrefs)),
        ReportRequest::CalendarQuery {
            props,
            filter,
            timezone,
        } => {
            let floating = match timezone {
                Some(text) => tzid_of(&text),
                None => collection_timezone(state, me, collection).await?,
            };
            Ok(query(ctx, props, filter, floating))
        }
        ReportRequest::SyncCollection {
            sync_token,
            limit,
            props,
            ..
        } => sync(ctx, sync_token, limit, props).await,
        ReportRequest::FreeBusyQuery { range } => free_busy(ctx, range).await,
        ReportRequest::Unsupported(_)
        | ReportRequest::AddressbookMultiget { .. }
        | ReportRequest::AddressbookQuery { .. }
        | ReportRequest::PrincipalPropertySearch(_)
        | ReportRequest::PrincipalSearchPropertySet
        | ReportRequest::CalendarServerPrincipalSearch(_)
        | ReportRequest::ExpandProperty(_) => Err(Precondition::SupportedReport.into()),
    }
}

/// calendar-multiget on the calendar home (RFC 4791 7.9) with hrefs in several
/// calendars: each calendar's hrefs answered as a multiget on it would, one calendar data
/// budget for all; an href in no calendar the user may read answers 404, one no resource
/// can have 400.
pub(super) async fn home_multiget(
    state: &AppState,
    me: &DavUser,
    props: ReportProps,
    hrefs: Vec<String>,
) -> Result<Response, DavError> {
    let (groups, mut answered) = by_collection(&state.paths, "caldav", hrefs);
    // The home's calendars, listed once: however many calendars the hrefs name, a few
    // queries.
    let mut calendars: HashMap<String, CalendarCollection> = home::calendars(&state.store, me)
        .await?
        .into_iter()
        .map(|collection| (collection.path_segment().to_owned(), collection))
        .collect();
    let budget = CalendarDataBudget::new(state.limits.max_report_calendar_data_bytes);
    let mut parts = Vec::new();
    for (segment, group) in groups {
        match calendars.remove(&segment).filter(|c| c.rights.can_read()) {
            Some(collection) => {
                let mut ctx = ReportContext::new(state, me, &collection);
                ctx.budget = budget.clone();
                parts.push(multiget_responses(ctx, props.clone(), group));
            }
            None => answered.extend(not_found(group)),
        }
    }
    Ok(home_multistatus(answered, parts))
}

/// What every report's stream needs, owned so the stream can outlive the handler.
#[derive(Clone)]
struct ReportContext {
    store: DynStore,
    paths: DavPaths,
    collection: CalendarCollection,
    /// The collection's href, which every member's begins with.
    collection_href: String,
    me: UserId,
    window: SyncWindow,
    max_results: u64,
    limits: ContentLimits,
    /// Shared by every member of the report.
    budget: CalendarDataBudget,
}

impl ReportContext {
    fn new(state: &AppState, me: &DavUser, collection: &CalendarCollection) -> Self {
        ReportContext {
            store: state.store.clone(),
            paths: state.paths.clone(),
            collection: collection.clone(),
            collection_href: state.paths.external(&collection.sub_path()),
            me: me.user.id,
            window: SyncWindow::of(&me.config),
            max_results: me.config.get::<props::MaxEventResults>(),
            limits: state.limits.content.clone(),
            budget: CalendarDataBudget::new(state.limits.max_report_calendar_data_bytes),
        }
    }

    /// `object` as the user may see it: private members of others as busy time only.
    fn as_seen<'a>(&self, object: &'a MemberData) -> Cow<'a, MemberData> {
        member_as_seen(&self.collection.folder, object, self.me)
    }

    fn folder(&self) -> i64 {
        self.collection.id()
    }

    fn collection_href(&self) -> String {
        self.collection_href.clone()
    }

    /// The response for one member with its data rendered as asked; `parsed` when the
    /// caller has parsed it already. Data beyond the report's caps is answered 507.
    fn render_response(
        &self,
        object: &MemberData,
        parsed: Option<&CalendarObject>,
        props: &ReportProps,
        plan: &MemberAnswer,
    ) -> DavResponse {
        let Some(request) = props.calendar_data.as_ref() else {
            return self.response_with(object, None, plan);
        };
        match self
            .budget
            .render(&object.data, parsed, request, &self.limits)
        {
            Ok(data) => self.response_with(object, Some(&data), plan),
            Err(left_out) => without_data(self.propstats_with(object, Some(&[]), plan), left_out),
        }
    }
}

impl MemberView for ReportContext {
    fn store(&self) -> &DynStore {
        &self.store
    }

    fn paths(&self) -> &DavPaths {
        &self.paths
    }

    fn context(&self) -> ContextId {
        self.collection.folder.context_id
    }

    fn collection_sub_path(&self) -> String {
        self.collection.sub_path()
    }

    fn href(&self, _folder: FolderId, name: &str) -> String {
        member_href(&self.collection_href, name)
    }

    fn locate(&self, member_name: String) -> Option<(FolderId, String)> {
        Some((self.folder(), member_name))
    }

    fn may_read(&self, _folder: FolderId, author: Option<UserId>) -> bool {
        self.collection.rights.can_read_object(author, self.me)
    }

    fn asked_data(&self, props: &ReportProps) -> Option<KnownProp> {
        props
            .calendar_data
            .as_ref()
            .map(|_| KnownProp::CalendarData)
    }

    fn content_type(&self) -> &'static str {
        CALENDAR_CONTENT_TYPE
    }

    fn member_response(
        &self,
        object: &MemberData,
        props: &ReportProps,
        plan: &MemberAnswer,
    ) -> DavResponse {
        self.render_response(&self.as_seen(object), None, props, plan)
    }

    fn ending(&self) -> BoxStream<'static, Result<DavResponse, DavError>> {
        self.budget.ending(self.collection_href())
    }
}

impl From<crate::dav::report::ReportError> for DavError {
    fn from(e: crate::dav::report::ReportError) -> Self {
        match e.precondition() {
            Some(precondition) => DavError::Precondition(precondition),
            None => super::body_parsing::refused("REPORT body", &e, e.exceeded()),
        }
    }
}

/// calendar-query: candidates narrowed by SQL to the sync window and the filter's time
/// range, then each parsed once and tested; at most `maxEventResults` matches, then 507.
fn query(
    ctx: ReportContext,
    props: ReportProps,
    filter: CompFilter,
    floating: Option<String>,
) -> Response {
    let (component, range) = main_component(&filter);
    let window = intersect(ctx.window, range);
    let member_filter = MemberFilter {
        window: window.bounds(),
        component,
    };
    let limit = ctx.max_results;
    let collection_href = ctx.collection_href();
    // Counted by `at_most` like a match, so that a query cut there has one 507 only.
    let left_out = ctx.ending();
    let plan = ctx.plan(&props);
    let objects = ctx
        .store
        .object_stream(ctx.context(), ctx.folder(), member_filter);
    let rest = objects
        .filter_map(move |object| {
            let found = match object {
                Ok(object) => {
                    let member = MemberData::from(object);
                    query_match(&ctx, &member, &filter, floating.as_deref(), &props, &plan).map(Ok)
                }
                Err(err) => Some(Err(DavError::from(err))),
            };
            futures::future::ready(found)
        })
        .chain(left_out)
        .boxed();
    let rest = at_most(rest, limit, collection_href);
    streaming::multistatus(Vec::new(), rest, streaming::no_token())
}

/// The response for `object` when the user may read it and it passes `filter`, floating
/// times evaluated in the zone `floating`; the object is parsed once for both.
fn query_match(
    ctx: &ReportContext,
    object: &MemberData,
    filter: &CompFilter,
    floating: Option<&str>,
    props: &ReportProps,
    plan: &MemberAnswer,
) -> Option<DavResponse> {
    if !ctx.may_read(object.folder_id, object.user_id) {
        return None;
    }
    // Filters see what the user sees: a private member of somebody else matches on its
    // busy-only form, so that a text-match cannot find what the user may not read.
    let object = ctx.as_seen(object);
    let object = object.as_ref();
    let large = object.data.len() >= offload::LARGE_OBJECT_BYTES;
    offload::run(large, || {
        let mut parsed = CalendarObject::parse(&object.data, &ctx.limits).ok()?;
        if let Some(tzid) = floating {
            parsed = parsed.with_floating_zone(tzid);
        }
        // Time ranges walk the instances of a recurring object.
        offload::run(parsed.is_recurring(), || parsed.matches(filter))
            .then(|| ctx.render_response(object, Some(&parsed), props, plan))
    })
}

/// The TZID of the VTIMEZONE in a CALDAV:timezone or calendar-timezone value: the zone
/// in which floating times and dates are evaluated (RFC 4791 7.3).
fn tzid_of(vtimezone: &str) -> Option<String> {
    vtimezone
        .lines()
        .find_map(|line| line.trim_end().strip_prefix("TZID:"))
        .map(|tzid| tzid.trim().to_owned())
        .filter(|tzid| !tzid.is_empty())
}

/// The zone of the collection's `CALDAV:calendar-timezone-id` or `calendar-timezone`,
/// when a client set one.
async fn collection_timezone(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
) -> Result<Option<String>, DavError> {
    let bounds = super::proppatch::dead_property_bounds(&state.limits.properties);
    let props = state
        .store
        .dead_properties_within(me.user.context_id, collection.id(), "", bounds)
        .await?;
    let caldav = crate::dav::Namespace::CalDav;
    let value_of = |name: &str| {
        props
            .iter()
            .find(|p| p.namespace == caldav.uri() && p.name == name)
            .and_then(|p| crate::dav::DeadValue::from_stored(&p.value).ok())
    };
    // RFC 7809's calendar-timezone-id first, then calendar-timezone's VTIMEZONE.
    let by_id = value_of("calendar-timezone-id")
        .map(|value| value.text().trim().to_owned())
        .filter(|tzid| !tzid.is_empty());
    Ok(by_id.or_else(|| value_of("calendar-timezone").and_then(|value| tzid_of(value.text()))))
}

/// The component the filter asks for below VCALENDAR and its time range, which the store
/// can use to skip objects that cannot match.
fn main_component(filter: &CompFilter) -> (Option<String>, Option<TimeRange>) {
    match filter.comp_filters.as_slice() {
        [only] if !only.is_not_defined => (Some(only.name.clone()), only.time_range),
        _ => (None, None),
    }
}

fn intersect(window: SyncWindow, range: Option<TimeRange>) -> SyncWindow {
    let Some(range) = range else {
        return window;
    };
    let start = match (window.start, range.start) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let end = match (window.end, range.end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    SyncWindow { start, end }
}

/// sync-collection: members changed since the token (all members for an empty token),
/// deleted ones as 404, at most `limit` with a 507 and a token to resume from.
async fn sync(
    ctx: ReportContext,
    token: Option<String>,
    limit: Option<u32>,
    props: ReportProps,
) -> Result<Response, DavError> {
    let since = match token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => parse_sync_token(token).ok_or(Precondition::ValidSyncToken)?,
    };
    check_since(&ctx.store, ctx.context(), since).await?;
    let current = ctx
        .store
        .folder_seq(ctx.context(), ctx.folder())
        .await?
        .max(since);
    let props = Arc::new(props);
    let members = ctx.store.sync_stream(
        ctx.context(),
        &[ctx.folder()],
        since,
        MemberFilter {
            window: ctx.window.bounds(),
            component: None,
        },
    );
    let (rights, me) = (ctx.collection.rights, ctx.me);
    let members = readable_only(members, move |_, creator| {
        rights.can_read_object(creator, me)
    });
    let limited = LimitedSync::new(members, since, current, limit);
    let rest = sync_responses(ctx.clone(), limited.members, props)
        .chain(limited.progress.ending(ctx.collection_href()))
        .boxed();
    let tail = limited.progress.token(sync_token);
    Ok(streaming::multistatus(Vec::new(), rest, tail))
}

/// free-busy-query: the busy time of every event in the range the user may read, merged
/// into one VFREEBUSY; 507 when an event has more instances in the range than it may be
/// expanded to, or when the periods would take more than the report's calendar data cap.
async fn free_busy(ctx: ReportContext, range: TimeRange) -> Result<Response, DavError> {
    let window = intersect(ctx.window, Some(range));
    let mut objects = ctx.store.object_stream(
        ctx.context(),
        ctx.folder(),
        MemberFilter {
            window: window.bounds(),
            // Events and VFREEBUSY objects both hold busy time.
            component: None,
        },
    );
    let mut busy = BusyTime::default();
    while let Some(object) = objects.next().await {
        let object = object?;
        if !ctx.may_read(object.folder_id, object.user_id) {
            continue;
        }
        add_object(&mut busy, &object.data, &range, &ctx.limits).map_err(|error| {
            Refusal::new(
                Precondition::NumberOfMatchesWithinLimits,
                format!("{error}; ask for a shorter range"),
            )
        })?;
        if busy.lists_more_than(ctx.budget.max()) {
            return Err(Refusal::new(
                Precondition::NumberOfMatchesWithinLimits,
                format!(
                    "the busy time would list more than {} bytes \
                     (davgate.limits.maxReportCalendarDataBytes); ask for a shorter range",
                    ctx.budget.max()
                ),
            )
            .into());
        }
    }
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        busy.into_calendar(&range),
    )
        .into_response())
}
