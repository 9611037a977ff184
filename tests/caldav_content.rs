//! What calendar content may cost davgate, through the real router on SQLite and
//! PostgreSQL: objects a PUT refuses (nesting, structure, control characters, long UIDs,
//! too many components, properties, attendees or alarms), objects another writer stored
//! that every report must still answer without crashing, and the caps on recurrence
//! expansion and on the calendar data one report generates.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::store::{Folder, FolderModule};
use http::StatusCode;

/// A calendar object whose VEVENT holds `inner` (content lines, CRLF-terminated).
fn event_with(uid: &str, inner: &str) -> String {
    let d = day(2);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\n\
         SUMMARY:Nested\r\n{inner}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// `name` components nested `depth` deep.
fn nested(name: &str, depth: usize, innermost: &str) -> String {
    let mut text = String::with_capacity(depth * (2 * name.len() + 12) + innermost.len());
    for _ in 0..depth {
        text.push_str(&format!("BEGIN:{name}\r\n"));
    }
    text.push_str(innermost);
    for _ in 0..depth {
        text.push_str(&format!("END:{name}\r\n"));
    }
    text
}

/// The `<reason>` davgate puts beside a precondition.
fn reason(answer: &Answer) -> String {
    parse_xml(&answer.body)
        .child("http://davgate.org/ns/", "reason")
        .map(|reason| reason.text.clone())
        .unwrap_or_else(|| panic!("no reason in {}", String::from_utf8_lossy(&answer.body)))
}

/// PUT of `body` at `name` refused with `CALDAV:{local}` (403) and a reason holding
/// `because`; nothing is stored.
async fn assert_refused(
    site: &Site,
    base: &str,
    name: &str,
    body: &str,
    local: &str,
    because: &str,
) {
    let path = format!("{base}{name}");
    let answer = put_refused(site, &path, body, StatusCode::FORBIDDEN, (CALDAV, local)).await;
    let reason = reason(&answer);
    assert!(
        reason.contains(because),
        "{name}: reason {reason:?} does not say {because:?}"
    );
}

/// Stores `data` as `name` in `folder` the way another groupware writer would: straight
/// into the database, bypassing every check of PUT.
async fn store_foreign(db: &common::TestDb, folder: &Folder, name: &str, uid: &str, data: &str) {
    db.raw_sql(&format!(
        "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, start_at, end_at, created_at, modified_at) \
         VALUES ({}, {}, '{name}', '{uid}', 'VEVENT', {}, NULL, NULL, 0, 0)",
        folder.context_id,
        folder.id,
        db.blob_literal(data.as_bytes())
    ))
    .await;
}

#[tokio::test]
async fn components_nested_deeper_than_the_limit_are_refused_at_put() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let deep_x = event_with("deep-x", &nested("X-A", 50_000, ""));
        assert_refused(
            &site,
            &base,
            "deep-x.ics",
            &deep_x,
            "valid-calendar-data",
            "nested",
        )
        .await;
        let alarm = "ACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\n";
        let deep_alarm = event_with("deep-alarm", &nested("VALARM", 11, alarm));
        assert_refused(
            &site,
            &base,
            "deep-alarm.ics",
            &deep_alarm,
            "valid-calendar-data",
            "nested more than 10 deep",
        )
        .await;
        // What real clients nest (VCALENDAR > VEVENT > VALARM, VTIMEZONE > STANDARD) passes.
        put_new(
            &site,
            &format!("{base}alarm.ics"),
            &event_with("alarm", &nested("VALARM", 1, alarm)),
        )
        .await;
        db.drop_database().await;
    }
}

#[tokio::test]
async fn deeply_nested_objects_of_another_writer_are_served_without_crashing() {
    const DEPTH: usize = 50_000;
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let deep_x = event_with("deep-x", &nested("X-A", DEPTH, "X-INNERMOST:yes\r\n"));
        store_foreign(&db, &calendar, "deep-x.ics", "deep-x", &deep_x).await;
        let alarm = "ACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\n";
        let recurring = event_with(
            "deep-alarm",
            &format!(
                "RRULE:FREQ=DAILY;COUNT=3\r\n{}",
                nested("VALARM", DEPTH, alarm)
            ),
        );
        store_foreign(&db, &calendar, "deep-alarm.ics", "deep-alarm", &recurring).await;

        // calendar-multiget selecting components walks the whole object.
        let multiget = format!(
            r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
               <D:prop><D:getetag/><C:calendar-data><C:comp name="VCALENDAR"><C:allprop/>
                 <C:comp name="VEVENT"><C:allprop/><C:allcomp/></C:comp></C:comp></C:calendar-data></D:prop>
               <D:href>{base}deep-x.ics</D:href><D:href>{base}deep-alarm.ics</D:href>
               </C:calendar-multiget>"#
        );
        let answer = report(&site, &base, &multiget).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 2);
        let data = &responses[0].found(CALDAV, "calendar-data").text;
        assert_eq!(data.matches("BEGIN:X-A\r\n").count(), DEPTH);
        assert_eq!(data.matches("END:X-A\r\n").count(), DEPTH);
        assert!(data.contains("X-INNERMOST:yes"));
        let data = &responses[1].found(CALDAV, "calendar-data").text;
        assert_eq!(data.matches("BEGIN:VALARM\r\n").count(), DEPTH);

        // calendar-query with expand reaches the nested alarms through each instance.
        let (from, to) = (day(0), day(10));
        let query = format!(
            r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                <D:prop><C:calendar-data><C:expand start="{from}T000000Z" end="{to}T000000Z"/></C:calendar-data></D:prop>
                <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
                  <C:time-range start="{from}T000000Z" end="{to}T000000Z"/>
                  <C:comp-filter name="VALARM"/>
                </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#
        );
        let answer = report(&site, &base, &query).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let responses = answer.multistatus();
        let expanded = responses
            .iter()
            .find(|r| r.href.ends_with("deep-alarm.ics"))
            .expect("the recurring event matches");
        let data = &expanded.found(CALDAV, "calendar-data").text;
        assert_eq!(data.matches("RECURRENCE-ID").count(), 3);
        assert_eq!(data.matches("BEGIN:VALARM\r\n").count(), 3 * DEPTH);

        // free-busy-query over both.
        let body = format!(
            r#"<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="{from}T000000Z" end="{to}T000000Z"/></C:free-busy-query>"#
        );
        let answer = report(&site, &base, &body).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(String::from_utf8_lossy(&answer.body).contains("FREEBUSY:"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn unterminated_objects_and_doubled_uids_are_refused() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let whole = event("whole", "Whole", 2);
        let unterminated = whole.replace("END:VCALENDAR\r\n", "");
        assert_refused(
            &site,
            &base,
            "unterminated.ics",
            &unterminated,
            "valid-calendar-data",
            "no END:VCALENDAR",
        )
        .await;
        let open_event = whole.replace("END:VEVENT\r\n", "");
        assert_refused(
            &site,
            &base,
            "open-event.ics",
            &open_event,
            "valid-calendar-data",
            "END:VCALENDAR where END:VEVENT",
        )
        .await;
        let doubled = whole.replace("UID:whole\r\n", "UID:whole\r\nUID:other\r\n");
        assert_refused(
            &site,
            &base,
            "doubled.ics",
            &doubled,
            "valid-calendar-data",
            "more than one UID",
        )
        .await;
        let same_twice = whole.replace("UID:whole\r\n", "UID:whole\r\nUID:whole\r\n");
        assert_refused(
            &site,
            &base,
            "same-twice.ics",
            &same_twice,
            "valid-calendar-data",
            "more than one UID",
        )
        .await;
        put_new(&site, &format!("{base}whole.ics"), &whole).await;
        db.drop_database().await;
    }
}

#[tokio::test]
async fn control_characters_are_refused_and_tabs_are_taken() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        for (name, summary, code) in [
            ("nul.ics", "Lunch\u{0}time", "U+0000"),
            ("escape.ics", "\u{1b}[31mRed", "U+001B"),
            ("delete.ics", "Gone\u{7f}", "U+007F"),
        ] {
            let body = event(name, summary, 2);
            assert_refused(&site, &base, name, &body, "valid-calendar-data", code).await;
        }
        // A NUL that only appears once quoted-printable is decoded.
        let encoded = event("encoded", "x", 2).replace(
            "SUMMARY:x",
            "SUMMARY;ENCODING=QUOTED-PRINTABLE:Lunch=00time",
        );
        assert_refused(
            &site,
            &base,
            "encoded.ics",
            &encoded,
            "valid-calendar-data",
            "control character",
        )
        .await;
        put_new(
            &site,
            &format!("{base}tab.ics"),
            &event("tab", "Tab\there", 2),
        )
        .await;
        db.drop_database().await;
    }
}

#[tokio::test]
async fn uids_beyond_the_limit_are_refused_and_long_real_ones_are_taken() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let huge = "u".repeat(3000);
        assert_refused(
            &site,
            &base,
            "huge.ics",
            &event(&huge, "Huge", 2),
            "valid-calendar-data",
            "UID is longer than 1024",
        )
        .await;
        // Exchange writes UIDs of a few hundred hex digits.
        let exchange = format!("040000008200E00074C5B7101A82E008{}", "0A1B".repeat(100));
        put_new(
            &site,
            &format!("{base}exchange.ics"),
            &event(&exchange, "Exchange", 2),
        )
        .await;
        db.drop_database().await;
    }
}

#[tokio::test]
async fn components_properties_attendees_and_alarms_are_bounded() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let components = event_with("components", &"BEGIN:X-C\r\nEND:X-C\r\n".repeat(10_000));
        assert_refused(
            &site,
            &base,
            "components.ics",
            &components,
            "valid-calendar-data",
            "more than 10000 components",
        )
        .await;
        let properties = event_with("properties", &"X-P:1\r\n".repeat(10_000));
        assert_refused(
            &site,
            &base,
            "properties.ics",
            &properties,
            "valid-calendar-data",
            "VEVENT has more than 10000 properties",
        )
        .await;
        let attendee = |i: usize| format!("ATTENDEE;CN=Guest {i}:mailto:guest{i}@example.com\r\n");
        let crowd: String = (0..1001).map(attendee).collect();
        assert_refused(
            &site,
            &base,
            "crowd.ics",
            &event_with("crowd", &crowd),
            "max-attendees-per-instance",
            "1001 attendees",
        )
        .await;
        let alarm =
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n";
        assert_refused(
            &site,
            &base,
            "alarms.ics",
            &event_with("alarms", &alarm.repeat(101)),
            "valid-calendar-data",
            "101 alarms",
        )
        .await;
        // At the limits, and a daily meeting with a year of overrides, pass.
        let full: String = (0..1000).map(attendee).collect();
        put_new(
            &site,
            &format!("{base}full.ics"),
            &event_with("full", &full),
        )
        .await;
        put_new(
            &site,
            &format!("{base}alarms100.ics"),
            &event_with("alarms100", &alarm.repeat(100)),
        )
        .await;
        put_new(
            &site,
            &format!("{base}series.ics"),
            &series_with_overrides(365),
        )
        .await;
        db.drop_database().await;
    }
}

/// A daily meeting with `count` overridden instances, each with an alarm.
fn series_with_overrides(count: usize) -> String {
    let mut text = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:series\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20250101T090000Z\r\n\
         DTEND:20250101T093000Z\r\nRRULE:FREQ=DAILY\r\nSUMMARY:Daily\r\nEND:VEVENT\r\n",
    );
    let first = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    for i in 0..count {
        let d = (first + chrono::Duration::days(i as i64)).format("%Y%m%d");
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:series\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:{d}T090000Z\r\n\
             DTSTART:{d}T100000Z\r\nDTEND:{d}T103000Z\r\nSUMMARY:Daily (moved)\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n\
             END:VEVENT\r\n"
        ));
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}
