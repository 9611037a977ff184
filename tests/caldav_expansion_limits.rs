//! The caps on recurrence expansion and on generated calendar data, through the real
//! router on SQLite and PostgreSQL: what a client gets when an object has more instances
//! than `davgate.limits.maxRecurrenceInstances`, when a report's calendar data reaches
//! `davgate.limits.maxReportCalendarDataBytes`, and that a recurrence too long to walk
//! is neither dropped from a query nor walked without end.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::store::FolderModule;
use http::StatusCode;

/// A daily event of `count` instances from tomorrow, at 08:00 UTC.
fn daily(uid: &str, count: usize) -> String {
    daily_at(uid, count, 8)
}

/// A daily event of `count` instances from tomorrow, for half an hour from `hour`:00 UTC.
fn daily_at(uid: &str, count: usize, hour: u32) -> String {
    let start = day(1);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}T{hour:02}0000Z\r\n\
         DTEND:{start}T{hour:02}3000Z\r\nRRULE:FREQ=DAILY;COUNT={count}\r\nSUMMARY:Daily {uid}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// `<C:expand>` (or a `calendar-data` without one) over days 0..400.
fn calendar_data(expand: bool) -> String {
    let (from, to) = (day(0), day(400));
    if expand {
        format!(
            r#"<C:calendar-data><C:expand start="{from}T000000Z" end="{to}T000000Z"/></C:calendar-data>"#
        )
    } else {
        "<C:calendar-data/>".into()
    }
}

fn query_body(expand: bool) -> String {
    let (from, to) = (day(0), day(400));
    format!(
        r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:prop><D:getetag/>{}</D:prop>
            <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
              <C:time-range start="{from}T000000Z" end="{to}T000000Z"/>
            </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#,
        calendar_data(expand)
    )
}

fn multiget_body(base: &str, names: &[&str]) -> String {
    let hrefs: String = names
        .iter()
        .map(|name| format!("<D:href>{base}{name}</D:href>"))
        .collect();
    format!(
        r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
           <D:prop><D:getetag/>{}</D:prop>{hrefs}</C:calendar-multiget>"#,
        calendar_data(true)
    )
}

fn response<'a>(responses: &'a [DavResponse], name: &str) -> &'a DavResponse {
    responses
        .iter()
        .find(|r| r.href.ends_with(name))
        .unwrap_or_else(|| panic!("no response for {name}"))
}

/// A member answered without its calendar data: its ETag found, `calendar-data` in a
/// 507 propstat, and `DAV:number-of-matches-within-limits` saying why.
fn assert_data_over_limit(response: &DavResponse) {
    assert_eq!(
        response.status, None,
        "{}: answered as a member",
        response.href
    );
    assert_eq!(
        response.status_of(DAV, "getetag"),
        Some(200),
        "{}",
        response.href
    );
    assert_eq!(
        response.status_of(CALDAV, "calendar-data"),
        Some(507),
        "{}",
        response.href
    );
    let error = response
        .node
        .child(DAV, "error")
        .unwrap_or_else(|| panic!("{}: no DAV:error", response.href));
    assert!(
        error
            .child(DAV, "number-of-matches-within-limits")
            .is_some(),
        "{error:?}"
    );
}

/// The instances (RECURRENCE-IDs) in a member's expanded calendar data.
fn instances(response: &DavResponse) -> usize {
    response
        .found(CALDAV, "calendar-data")
        .text
        .matches("RECURRENCE-ID:")
        .count()
}

/// The 507 response for the collection that marks a truncated result (RFC 5323 5.17).
fn truncation_marks(responses: &[DavResponse], base: &str) -> usize {
    responses
        .iter()
        .filter(|r| r.status == Some(507))
        .inspect(|r| assert_eq!(r.href, base, "the 507 names the collection"))
        .count()
}

#[tokio::test]
async fn expanding_more_instances_than_the_cap_answers_507_for_that_object() {
    for db in common::databases().await {
        let overrides = [LAYOUT, &[("davgate.limits.maxRecurrenceInstances", "20")]].concat();
        let site = site(&db.store, &overrides).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(&site, &format!("{base}short.ics"), &daily("short", 20)).await;
        put_new(&site, &format!("{base}long.ics"), &daily("long", 21)).await;

        let answer = report(&site, &base, &query_body(true)).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let responses = answer.multistatus();
        assert_eq!(instances(response(&responses, "short.ics")), 20);
        assert_data_over_limit(response(&responses, "long.ics"));
        assert_eq!(truncation_marks(&responses, &base), 1);

        // Without expand the object comes as stored.
        let responses = report(&site, &base, &query_body(false)).await.multistatus();
        let long = response(&responses, "long.ics");
        assert!(long
            .found(CALDAV, "calendar-data")
            .text
            .contains("COUNT=21"));
        assert_eq!(truncation_marks(&responses, &base), 0);

        let body = multiget_body(&base, &["long.ics", "short.ics"]);
        let responses = report(&site, &base, &body).await.multistatus();
        assert_data_over_limit(response(&responses, "long.ics"));
        assert_eq!(instances(response(&responses, "short.ics")), 20);
        assert_eq!(truncation_marks(&responses, &base), 1);

        // A sync reports the member without data and keeps its own 507 for DAV:limit.
        let sync = format!(
            r#"<D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:sync-token/>
               <D:sync-level>1</D:sync-level><D:prop><D:getetag/>{}</D:prop></D:sync-collection>"#,
            calendar_data(true)
        );
        let answer = report(&site, &base, &sync).await;
        let responses = answer.multistatus();
        assert_data_over_limit(response(&responses, "long.ics"));
        assert_eq!(instances(response(&responses, "short.ics")), 20);
        assert_eq!(truncation_marks(&responses, &base), 0);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn generated_calendar_data_stops_at_the_report_cap() {
    for db in common::databases().await {
        // The ten instances of one `daily` object come to about 1,800 bytes: one object
        // fits in 2,500, a second does not.
        let overrides = [
            LAYOUT,
            &[("davgate.limits.maxReportCalendarDataBytes", "2500")],
        ]
        .concat();
        let site = site(&db.store, &overrides).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        for name in ["a", "b", "c"] {
            put_new(&site, &format!("{base}{name}.ics"), &daily(name, 10)).await;
        }
        let body = multiget_body(&base, &["a.ics", "b.ics", "c.ics"]);
        let responses = report(&site, &base, &body).await.multistatus();
        assert_eq!(instances(response(&responses, "a.ics")), 10);
        assert_data_over_limit(response(&responses, "b.ics"));
        assert_data_over_limit(response(&responses, "c.ics"));
        assert_eq!(truncation_marks(&responses, &base), 1);

        // Stored data sent as it is does not count.
        let plain = body.replace(&calendar_data(true), &calendar_data(false));
        let responses = report(&site, &base, &plain).await.multistatus();
        for name in ["a.ics", "b.ics", "c.ics"] {
            assert!(response(&responses, name)
                .found(CALDAV, "calendar-data")
                .text
                .contains("RRULE"));
        }
        assert_eq!(truncation_marks(&responses, &base), 0);
        db.drop_database().await;
    }
}

/// An event every minute since a year ago: its instances in any range of today lie far
/// beyond what may be walked.
fn every_minute(uid: &str) -> String {
    let start = day(-365);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}T000000Z\r\nDURATION:PT30S\r\n\
         RRULE:FREQ=MINUTELY\r\nSUMMARY:Every minute\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[tokio::test]
async fn a_recurrence_too_long_to_walk_is_listed_by_a_time_range_query_not_dropped() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(
            &site,
            &format!("{base}minutely.ics"),
            &every_minute("minutely"),
        )
        .await;
        let (from, to) = (day(0), day(1));
        let query = format!(
            r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                <D:prop><D:getetag/></D:prop>
                <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
                  <C:time-range start="{from}T000000Z" end="{to}T000000Z"/>
                </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#
        );
        let answer = report(&site, &base, &query).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let hrefs: Vec<String> = answer.multistatus().into_iter().map(|r| r.href).collect();
        assert_eq!(hrefs, vec![format!("{base}minutely.ics")]);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn free_busy_over_more_instances_than_the_cap_answers_507() {
    for db in common::databases().await {
        let overrides = [LAYOUT, &[("davgate.limits.maxRecurrenceInstances", "20")]].concat();
        let site = site(&db.store, &overrides).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(&site, &format!("{base}short.ics"), &daily("short", 20)).await;
        let (from, to) = (day(0), day(400));
        let body = format!(
            r#"<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="{from}T000000Z" end="{to}T000000Z"/></C:free-busy-query>"#
        );
        let answer = report(&site, &base, &body).await;
        assert_eq!(answer.status, StatusCode::OK);
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        assert_eq!(text.matches("FREEBUSY:").count(), 20, "{text}");

        put_new(&site, &format!("{base}long.ics"), &daily("long", 21)).await;
        let answer = report(&site, &base, &body).await;
        assert_precondition(
            &answer,
            StatusCode::INSUFFICIENT_STORAGE,
            DAV,
            "number-of-matches-within-limits",
            "free-busy over an object with too many instances",
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_free_busy_answer_longer_than_the_report_cap_answers_507() {
    for db in common::databases().await {
        // A period is one FREEBUSY line of 44 bytes: twenty fit in 1,000, thirty do not.
        let overrides = [
            LAYOUT,
            &[("davgate.limits.maxReportCalendarDataBytes", "1000")],
        ]
        .concat();
        let site = site(&db.store, &overrides).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(
            &site,
            &format!("{base}eight.ics"),
            &daily_at("eight", 10, 8),
        )
        .await;
        put_new(&site, &format!("{base}ten.ics"), &daily_at("ten", 10, 10)).await;
        // The same times again: merged, they list nothing more.
        put_new(
            &site,
            &format!("{base}again.ics"),
            &daily_at("again", 10, 8),
        )
        .await;
        let (from, to) = (day(0), day(400));
        let body = format!(
            r#"<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="{from}T000000Z" end="{to}T000000Z"/></C:free-busy-query>"#
        );
        let answer = report(&site, &base, &body).await;
        assert_eq!(answer.status, StatusCode::OK);
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        assert_eq!(text.matches("FREEBUSY:").count(), 20, "{text}");

        put_new(&site, &format!("{base}noon.ics"), &daily_at("noon", 10, 12)).await;
        let answer = report(&site, &base, &body).await;
        assert_precondition(
            &answer,
            StatusCode::INSUFFICIENT_STORAGE,
            DAV,
            "number-of-matches-within-limits",
            "free-busy listing more than the report cap",
        );
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        assert!(text.contains("maxReportCalendarDataBytes"), "{text}");
        db.drop_database().await;
    }
}
