//! Time zones by reference (RFC 7809) through the real router, on SQLite and
//! PostgreSQL: objects stored with TZIDs and no VTIMEZONE are accepted when the zone is
//! known, queried in their zone, and served with or without VTIMEZONEs as
//! `CalDAV-Timezones` asks; unknown zones without VTIMEZONE are refused; the calendar
//! home names the time zone service and calendars take a zone by TZID.

mod common;

use common::caldav::*;
use common::http::*;
use common::tzdist::{all_onsets, offset_at};
use davgate::store::FolderModule;
use http::StatusCode;

/// Fixed dates of 2026: no sync window.
const LAYOUT: &[(&str, &str)] = &[
    ("com.openexchange.dav.prefixPath", "/dav"),
    ("com.openexchange.dav.proxyPrefixPath", "/"),
    ("com.openexchange.caldav.interval.start", "0"),
    ("com.openexchange.caldav.interval.end", "0"),
];

fn event(uid: &str, dtstart: &str, dtend: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\n{extra}BEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART{dtstart}\r\nDTEND{dtend}\r\n\
         SUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A VTIMEZONE the client defines itself, under a name no database has.
const CUSTOM_ZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Office Time\r\nBEGIN:STANDARD\r\n\
    DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nTZNAME:OT\r\n\
    END:STANDARD\r\nEND:VTIMEZONE\r\n";

async fn get_with(site: &Site, path: &str, timezones: Option<&str>) -> String {
    let mut call = Call::new("GET", path).auth("alice", ALICE_PASSWORD);
    if let Some(value) = timezones {
        call = call.header("CalDAV-Timezones", value);
    }
    let answer = send(&site.app, call).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}");
    String::from_utf8(answer.body.to_vec()).unwrap()
}

/// The names of the members a time-range query over `[start, end)` finds.
async fn found_in(site: &Site, calendar: &str, start: &str, end: &str) -> Vec<String> {
    let query = format!(
        r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:prop><D:getetag/></D:prop>
            <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
              <C:time-range start="{start}" end="{end}"/>
            </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#
    );
    let answer = report(site, calendar, &query).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    let mut names: Vec<String> = answer
        .multistatus()
        .iter()
        .map(|r| r.href.rsplit('/').next().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn objects_without_vtimezone_are_stored_queried_and_served_both_ways() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);

        // OPTIONS names the capability.
        let options = send(
            &site.app,
            Call::new("OPTIONS", &calendar).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert!(options
            .header("dav")
            .unwrap()
            .contains("calendar-no-timezone"));

        // 09:00-10:00 New York time on 15 July 2026 (EDT): 13:00-14:00 UTC.
        let by_reference = event(
            "ny",
            ";TZID=America/New_York:20260715T090000",
            ";TZID=America/New_York:20260715T100000",
            "",
        );
        let path = format!("{calendar}ny.ics");
        put_new(&site, &path, &by_reference).await;
        assert_eq!(
            found_in(&site, &calendar, "20260715T133000Z", "20260715T134500Z").await,
            ["ny.ics"],
            "{}",
            db.label
        );
        // Not where the times would fall read as UTC.
        assert!(
            found_in(&site, &calendar, "20260715T090000Z", "20260715T100000Z")
                .await
                .is_empty()
        );

        // Without CalDAV-Timezones (and with T): the zone filled in, and right.
        let filled = get_with(&site, &path, None).await;
        assert_eq!(filled.matches("BEGIN:VTIMEZONE").count(), 1, "{filled}");
        assert!(filled.contains("TZID:America/New_York\r\n"));
        let onsets = all_onsets(&filled, 200);
        assert_eq!(offset_at(&onsets, 1_784_116_800), -4 * 3600); // 2026-07-15T12Z
        assert_eq!(offset_at(&onsets, 1_768_478_400), -5 * 3600); // 2026-01-15T12Z
        assert_eq!(offset_at(&onsets, 1_799_928_000), -5 * 3600); // 2027-01-14T12Z
        assert_eq!(get_with(&site, &path, Some("T")).await, filled);
        // With F: as stored, no VTIMEZONE.
        let bare = get_with(&site, &path, Some("F")).await;
        assert_eq!(bare, by_reference);

        // An object stored with the VTIMEZONE of a known zone loses it for F and keeps
        // it otherwise; one with a zone only it defines keeps that.
        let zone = get_with(&site, "/dav/timezone/zones/Asia/Tokyo", None).await;
        let zone_block = &zone[zone.find("BEGIN:VTIMEZONE").unwrap()
            ..zone.find("END:VTIMEZONE\r\n").unwrap() + "END:VTIMEZONE\r\n".len()];
        let tokyo = event(
            "tokyo",
            ";TZID=Asia/Tokyo:20260715T090000",
            ";TZID=Asia/Tokyo:20260715T100000",
            zone_block,
        );
        let tokyo_path = format!("{calendar}tokyo.ics");
        put_new(&site, &tokyo_path, &tokyo).await;
        assert_eq!(get_with(&site, &tokyo_path, None).await, tokyo);
        let without = get_with(&site, &tokyo_path, Some("F")).await;
        assert!(!without.contains("VTIMEZONE"), "{without}");
        assert!(without.contains("DTSTART;TZID=Asia/Tokyo:20260715T090000"));
        let custom = event(
            "office",
            ";TZID=Office Time:20260715T090000",
            ";TZID=Office Time:20260715T100000",
            CUSTOM_ZONE,
        );
        let office = format!("{calendar}office.ics");
        put_new(&site, &office, &custom).await;
        assert_eq!(get_with(&site, &office, None).await, custom);
        assert_eq!(get_with(&site, &office, Some("F")).await, custom);

        // Reports: calendar-data follows the header too.
        let multiget = format!(
            r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
               <D:prop><C:calendar-data/></D:prop><D:href>{path}</D:href></C:calendar-multiget>"#
        );
        for (header, expected) in [(None, 1), (Some("F"), 0)] {
            let mut call = Call::new("REPORT", &calendar)
                .auth("alice", ALICE_PASSWORD)
                .depth("1")
                .body(multiget.clone());
            if let Some(value) = header {
                call = call.header("CalDAV-Timezones", value);
            }
            let answer = send(&site.app, call).await;
            let data = answer.multistatus()[0]
                .found(CALDAV, "calendar-data")
                .text
                .clone();
            assert_eq!(data.matches("BEGIN:VTIMEZONE").count(), expected, "{data}");
        }

        // A weekly event by reference across the change to daylight time (8 March 2026):
        // expanded, each instance at 09:00 New York time.
        let weekly = event(
            "weekly",
            ";TZID=America/New_York:20260302T090000",
            ";TZID=America/New_York:20260302T093000\r\nRRULE:FREQ=WEEKLY;COUNT=3",
            "",
        );
        put_new(&site, &format!("{calendar}weekly.ics"), &weekly).await;
        let expand = r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:prop><C:calendar-data><C:expand start="20260301T000000Z" end="20260401T000000Z"/></C:calendar-data></D:prop>
            <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
              <C:time-range start="20260301T000000Z" end="20260401T000000Z"/>
            </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#;
        let answer = report(&site, &calendar, expand).await;
        let weekly_data = answer
            .multistatus()
            .iter()
            .find(|r| r.href.ends_with("weekly.ics"))
            .map(|r| r.found(CALDAV, "calendar-data").text.clone())
            .expect("the weekly event");
        for start in [
            "DTSTART:20260302T140000Z",
            "DTSTART:20260309T130000Z",
            "DTSTART:20260316T130000Z",
        ] {
            assert!(weekly_data.contains(start), "{start}: {weekly_data}");
        }

        // A Windows name is a known zone too.
        let windows = event(
            "win",
            ";TZID=W. Europe Standard Time:20260715T090000",
            ";TZID=W. Europe Standard Time:20260715T100000",
            "",
        );
        put_new(&site, &format!("{calendar}win.ics"), &windows).await;
        let served = get_with(&site, &format!("{calendar}win.ics"), None).await;
        assert!(
            served.contains("TZID:W. Europe Standard Time\r\n"),
            "{served}"
        );
        assert!(served.contains("TZID-ALIAS-OF:Europe/Berlin\r\n"));

        // An unknown zone without VTIMEZONE: refused, nothing stored.
        let unknown = event(
            "mars",
            ";TZID=Mars/Olympus_Mons:20260715T090000",
            ";TZID=Mars/Olympus_Mons:20260715T100000",
            "",
        );
        let refused = put_refused(
            &site,
            &format!("{calendar}mars.ics"),
            &unknown,
            StatusCode::FORBIDDEN,
            (CALDAV, "valid-calendar-data"),
        )
        .await;
        let reason = String::from_utf8_lossy(&refused.body).to_string();
        assert!(reason.contains("Mars/Olympus_Mons"), "{reason}");
        db.drop_database().await;
    }
}

#[tokio::test]
async fn timezone_service_set_and_calendar_timezone_id() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let propfind = |path: String, prop: &'static str| {
            let body = format!(
                r#"<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:{prop}/></D:prop></D:propfind>"#
            );
            let app = site.app.clone();
            async move {
                send(
                    &app,
                    Call::new("PROPFIND", &path)
                        .auth("alice", ALICE_PASSWORD)
                        .depth("0")
                        .body(body),
                )
                .await
            }
        };
        let home = propfind("/dav/caldav/".into(), "timezone-service-set").await;
        let responses = home.multistatus();
        assert_eq!(
            responses[0].found(CALDAV, "timezone-service-set").hrefs(),
            ["/dav/timezone"]
        );
        // The service it names answers without login.
        let capabilities = send(&site.app, Call::new("GET", "/dav/timezone/capabilities")).await;
        assert_eq!(capabilities.status, StatusCode::OK);

        let patch = |value: &str| {
            format!(
                r#"<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><C:calendar-timezone-id>{value}</C:calendar-timezone-id></D:prop></D:set></D:propertyupdate>"#
            )
        };
        let proppatch = |body: String| {
            let app = site.app.clone();
            let path = calendar.clone();
            async move {
                send(
                    &app,
                    Call::new("PROPPATCH", &path)
                        .auth("alice", ALICE_PASSWORD)
                        .body(body),
                )
                .await
            }
        };
        let unknown = proppatch(patch("Mars/Olympus_Mons")).await;
        assert_eq!(
            unknown.multistatus()[0].status_of(CALDAV, "calendar-timezone-id"),
            Some(403)
        );
        let set = proppatch(patch("Europe/Berlin")).await;
        assert_eq!(
            set.multistatus()[0].status_of(CALDAV, "calendar-timezone-id"),
            Some(200)
        );
        let read = propfind(calendar.clone(), "calendar-timezone-id").await;
        assert_eq!(
            read.multistatus()[0]
                .found(CALDAV, "calendar-timezone-id")
                .text
                .trim(),
            "Europe/Berlin"
        );

        // Floating times are read in that zone: 10:00 in Berlin in July is 08:00 UTC.
        let floating = event("floating", ":20260715T100000", ":20260715T110000", "");
        put_new(&site, &format!("{calendar}floating.ics"), &floating).await;
        assert_eq!(
            found_in(&site, &calendar, "20260715T080000Z", "20260715T081500Z").await,
            ["floating.ics"],
            "{}",
            db.label
        );
        assert!(
            found_in(&site, &calendar, "20260715T100000Z", "20260715T103000Z")
                .await
                .is_empty()
        );
        db.drop_database().await;
    }
}
