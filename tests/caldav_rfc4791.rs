//! The calendar-query examples of RFC 4791 7.8 against the example calendar of its
//! Appendix B, through the real router on SQLite and PostgreSQL, with the results the RFC
//! gives. The eight objects are written through the store, as a groupware writer would,
//! into one collection (events, to-dos and free-busy side by side, as in the RFC).

mod common;

use common::caldav::*;
use common::http::*;
use davgate::caldav::write::stored_row;
use davgate::content::ical::CalendarObject;
use davgate::store::{FolderModule, WriteCondition};
use http::StatusCode;

/// An unlimited sync window: the RFC's objects are from 2006.
const UNLIMITED: &[(&str, &str)] = &[
    ("com.openexchange.dav.prefixPath", "/dav"),
    ("com.openexchange.dav.proxyPrefixPath", "/"),
    ("com.openexchange.caldav.interval.start", "0"),
    ("com.openexchange.caldav.interval.end", "0"),
];

fn fixture_bytes(path: &str) -> Vec<u8> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Alice's calendar holding abcd1.ics .. abcd8.ics; returns its path.
async fn appendix_b(site: &Site) -> String {
    let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
    for n in 1..=8 {
        let name = format!("abcd{n}.ics");
        let data = fixture_bytes(&format!("rfc4791/{name}"));
        let limits = davgate::limits::Limits::default().content;
        let object = CalendarObject::parse_submitted(&data, &limits)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        site.store
            .put_object(
                calendar.context_id,
                calendar.id,
                &stored_row(&name, &object, Some(site.alice.id)),
                WriteCondition::MustNotExist,
            )
            .await
            .unwrap();
    }
    calendar_path(&calendar)
}

async fn query(site: &Site, path: &str, body: Vec<u8>) -> Vec<DavResponse> {
    let answer = send(
        &site.app,
        Call::new("REPORT", path)
            .auth("alice", ALICE_PASSWORD)
            .depth("1")
            .body(body),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.multistatus()
}

fn names(responses: &[DavResponse]) -> Vec<String> {
    let mut names: Vec<String> = responses
        .iter()
        .map(|r| r.href.rsplit('/').next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// The FREEBUSY lines of iCalendar text, line ends trimmed.
fn freebusy_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| l.starts_with("FREEBUSY"))
        .collect()
}

fn data_of<'a>(responses: &'a [DavResponse], name: &str) -> &'a str {
    let response = responses
        .iter()
        .find(|r| r.href.ends_with(name))
        .unwrap_or_else(|| panic!("{name} missing"));
    &response.found(CALDAV, "calendar-data").text
}

#[tokio::test]
async fn rfc_4791_section_7_8_examples_give_the_rfc_results() {
    for db in common::databases().await {
        let site = site(&db.store, UNLIMITED).await;
        let path = appendix_b(&site).await;
        let run = |file: &'static str| {
            let body = fixture_bytes(&format!("requests/{file}"));
            let site = &site;
            let path = path.clone();
            async move { query(site, &path, body).await }
        };

        // 7.8.1: VEVENTs overlapping 2006-01-04, with only some properties returned.
        let r = run("rfc4791-7.8.1-partial-retrieval.xml").await;
        assert_eq!(names(&r), ["abcd2.ics", "abcd3.ics"], "7.8.1");
        let partial = data_of(&r, "abcd3.ics");
        assert!(partial.contains("SUMMARY:Event #3"), "{partial}");
        assert!(!partial.contains("X-ABC-GUID"), "not selected: {partial}");

        // 7.8.2: the master and the overrides touching 2006-01-03..05.
        let r = run("rfc4791-7.8.2-limit-recurrence-set.xml").await;
        assert_eq!(names(&r), ["abcd2.ics", "abcd3.ics"], "7.8.2");
        let limited = data_of(&r, "abcd2.ics");
        assert!(limited.contains("SUMMARY:Event #2 bis\r\n"), "{limited}");
        assert!(!limited.contains("Event #2 bis bis"), "{limited}");

        // 7.8.3: the same range expanded into instances in UTC.
        let r = run("rfc4791-7.8.3-expand.xml").await;
        assert_eq!(names(&r), ["abcd2.ics", "abcd3.ics"], "7.8.3");
        let expanded = data_of(&r, "abcd2.ics");
        assert!(
            !expanded.contains("RRULE") && !expanded.contains("VTIMEZONE"),
            "{expanded}"
        );
        assert!(
            expanded.contains("RECURRENCE-ID:20060103T170000Z"),
            "{expanded}"
        );
        // The override of the 12:00 US/Eastern instance on 2006-01-04, moved to 14:00.
        assert!(
            expanded.contains("RECURRENCE-ID:20060104T170000Z"),
            "{expanded}"
        );
        assert!(expanded.contains("DTSTART:20060104T190000Z"), "{expanded}");
        assert_eq!(expanded.matches("BEGIN:VEVENT").count(), 2, "{expanded}");

        // 7.8.4: the free-busy object, its periods limited to the range (2006-01-02): of
        // its six, the tentative one of that day.
        let r = run("rfc4791-7.8.4-limit-freebusy-set.xml").await;
        assert_eq!(names(&r), ["abcd8.ics"], "7.8.4");
        let limited = data_of(&r, "abcd8.ics");
        assert_eq!(
            freebusy_lines(limited),
            ["FREEBUSY;FBTYPE=BUSY-TENTATIVE:20060102T100000Z/20060102T120000Z"],
            "{limited}"
        );

        // 7.8.5: to-dos with an alarm in the range.
        let r = run("rfc4791-7.8.5-alarm-time-range.xml").await;
        assert_eq!(names(&r), ["abcd5.ics"], "7.8.5");

        // 7.8.6: the event with a given UID.
        let r = run("rfc4791-7.8.6-event-by-uid.xml").await;
        assert_eq!(names(&r), ["abcd3.ics"], "7.8.6");

        // 7.8.7: events where lisa has not answered (PARTSTAT=NEEDS-ACTION).
        let partstat = br#"<?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop><D:getetag/></D:prop>
              <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
                <C:prop-filter name="ATTENDEE">
                  <C:text-match collation="i;ascii-casemap">mailto:lisa@example.com</C:text-match>
                  <C:param-filter name="PARTSTAT"><C:text-match collation="i;ascii-casemap">NEEDS-ACTION</C:text-match></C:param-filter>
                </C:prop-filter>
              </C:comp-filter></C:comp-filter></C:filter>
            </C:calendar-query>"#;
        let r = query(&site, &path, partstat.to_vec()).await;
        assert_eq!(names(&r), ["abcd3.ics"], "7.8.7");

        // 7.8.8: every event.
        let r = run("rfc4791-7.8.8-events-only.xml").await;
        assert_eq!(names(&r), ["abcd1.ics", "abcd2.ics", "abcd3.ics"], "7.8.8");

        // 7.8.9: to-dos neither completed nor cancelled.
        let r = run("rfc4791-7.8.9-pending-todos.xml").await;
        assert_eq!(names(&r), ["abcd4.ics", "abcd5.ics"], "7.8.9");

        // 7.8.10: davgate can filter on any property, so instead of the RFC's 403 for a
        // server without that support, the query runs and nothing has "ABC" in X-ABC-GUID.
        let r = run("rfc4791-7.8.10-unsupported-property.xml").await;
        assert!(r.is_empty(), "7.8.10: {:?}", names(&r));

        db.drop_database().await;
    }
}

#[tokio::test]
async fn rfc_4791_section_7_10_free_busy_covers_the_example_calendar() {
    for db in common::databases().await {
        let site = site(&db.store, UNLIMITED).await;
        let path = appendix_b(&site).await;
        let answer = send(
            &site.app,
            Call::new("REPORT", &path)
                .auth("alice", ALICE_PASSWORD)
                .depth("1")
                .body(fixture_bytes("requests/rfc4791-7.10.1-free-busy.xml")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK);
        let text = String::from_utf8_lossy(&answer.body).to_string();
        assert!(text.contains("BEGIN:VFREEBUSY"), "{text}");
        // The busy time of Appendix B in 7.10.1's range, 2006-01-04T14:00Z ..
        // 2006-01-05T22:00Z (US/Eastern is UTC-5): event #3 (tentative), event #2 on the 4th
        // (its override, moved to 14:00) and on the 5th, and the free-busy object's
        // unavailable period; to-dos take no time. The RFC's printed answer shows only the
        // first two.
        let mut busy = freebusy_lines(&text);
        busy.sort_unstable();
        assert_eq!(
            busy,
            [
                "FREEBUSY:20060104T190000Z/20060104T200000Z",
                "FREEBUSY:20060105T170000Z/20060105T180000Z",
                "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20060104T150000Z/20060104T160000Z",
                "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20060105T100000Z/20060105T120000Z",
            ],
            "{text}"
        );
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        assert!(lines.contains(&"DTSTART:20060104T140000Z"), "{text}");
        assert!(lines.contains(&"DTEND:20060105T220000Z"), "{text}");
        db.drop_database().await;
    }
}
