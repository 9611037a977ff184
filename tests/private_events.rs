//! Private and confidential events through the real router, on SQLite and PostgreSQL:
//! the owner of the calendar sees them whole; another user who may read the calendar,
//! shared with her or a room's booking calendar, sees only when they are, titled
//! "Private", in GET and HEAD, multiget, calendar-query (with expand too), sync-collection
//! and calendar-query text filters, and may not overwrite them.

mod common;

use common::caldav::*;
use common::http::*;
use common::scheduling::*;
use davgate::store::{DynStore, Folder, FolderModule, Permission, Role};
use http::StatusCode;

/// The word every secret of the private event holds.
const SECRET: &str = "zebra";

/// A daily event of three instances from day 2, 10:00 to 11:00 UTC, classified `class`,
/// with a summary, description, location, attendee, X- property and alarm holding the
/// secret.
fn private_event(uid: &str, class: &str) -> String {
    let d = day(2);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\n\
         RRULE:FREQ=DAILY;COUNT=3\r\nCLASS:{class}\r\nSUMMARY:Zebra lunch\r\n\
         DESCRIPTION:Zebra plans for the merger\r\nLOCATION:Zebra room\r\n\
         ATTENDEE;CN=Zebra Lawyer;PARTSTAT=ACCEPTED:mailto:zebra@example.org\r\n\
         X-ZEBRA:stripes\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Zebra alarm\r\n\
         TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

const BOB: (&str, &str) = ("bob", BOB_PASSWORD);
const ALICE: (&str, &str) = ("alice", ALICE_PASSWORD);

async fn report_as(site: &Site, (login, password): (&str, &str), path: &str, body: &str) -> Answer {
    let answer = send(
        &site.app,
        Call::new("REPORT", path)
            .auth(login, password)
            .depth("1")
            .body(body.to_string()),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "REPORT {path}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer
}

/// The calendar data of the member at `href` among the responses.
fn data_of(answer: &Answer, href: &str) -> String {
    let responses = answer.multistatus();
    let response = responses
        .iter()
        .find(|r| r.href == href)
        .unwrap_or_else(|| panic!("{href} not in {}", String::from_utf8_lossy(&answer.body)));
    response.found(CALDAV, "calendar-data").text.clone()
}

fn hrefs(answer: &Answer) -> Vec<String> {
    answer.multistatus().into_iter().map(|r| r.href).collect()
}

/// Busy time only: no secret, titled "Private", at the event's time.
fn assert_busy_only(data: &str, what: &str) {
    let unfolded = data.replace("\r\n ", "").replace("\n ", "");
    assert!(
        !unfolded.to_ascii_lowercase().contains(SECRET),
        "{what} shows a secret: {data}"
    );
    assert!(!unfolded.contains("VALARM"), "{what} has the alarm: {data}");
    assert!(unfolded.contains("SUMMARY:Private"), "{what}: {data}");
    assert!(
        unfolded.contains(&format!("{}T100000Z", day(2))),
        "{what} lost the start: {data}"
    );
}

fn time_range_query(calendar_data: &str, filter: &str) -> String {
    let (from, to) = (day(0), day(10));
    format!(
        r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:prop><D:getetag/>{calendar_data}</D:prop>
            <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
              <C:time-range start="{from}T000000Z" end="{to}T000000Z"/>{filter}
            </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#
    )
}

fn text_match(property: &str, text: &str) -> String {
    format!(
        r#"<C:prop-filter name="{property}"><C:text-match collation="i;ascii-casemap">{text}</C:text-match></C:prop-filter>"#
    )
}

/// Alice's default calendar, shared with bob as `role`, with one public event in it:
/// the calendar, its path and the event's.
async fn shared_with_a_public_event(
    site: &Site,
    store: &DynStore,
    role: Role,
) -> (Folder, String, String) {
    let (alice, bob) = (&site.alice, &site.bob);
    let calendar = default_folder(store, alice, FolderModule::Calendar).await;
    store
        .set_permission(
            alice.context_id,
            calendar.id,
            Permission::for_role(bob.id, false, role),
        )
        .await
        .unwrap();
    let base = calendar_path(&calendar);
    let public = format!("{base}public.ics");
    put_new(site, &public, &event("public", "Team standup", 3)).await;
    (calendar, base, public)
}

#[tokio::test]
async fn others_see_private_and_confidential_events_of_a_shared_calendar_as_busy_time_only() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (_, base, public) = shared_with_a_public_event(&site, &db.store, Role::Viewer).await;

        for class in ["PRIVATE", "CONFIDENTIAL"] {
            let uid = format!("secret-{}", class.to_ascii_lowercase());
            let secret = format!("{base}{uid}.ics");
            let stored = private_event(&uid, class);
            put_new(&site, &secret, &stored).await;

            // GET and HEAD: the busy-only form, with the stored version's ETag.
            let mine = get_as(&site, ALICE, &secret).await;
            assert_eq!(mine.body, stored.as_bytes(), "alice reads what she stored");
            let seen = get_as(&site, BOB, &secret).await;
            assert_eq!(seen.status, StatusCode::OK);
            let text = String::from_utf8(seen.body.to_vec()).unwrap();
            assert_busy_only(&text, "GET");
            assert!(text.contains("RRULE:FREQ=DAILY;COUNT=3"), "{text}");
            assert!(text.contains(&format!("CLASS:{class}")), "{text}");
            assert_eq!(seen.header("etag"), mine.header("etag"));
            let head = send(&site.app, Call::new("HEAD", &secret).auth(BOB.0, BOB.1)).await;
            assert_eq!(
                head.header("content-length"),
                Some(seen.body.len().to_string().as_str()),
                "HEAD tells the length GET sends"
            );
            let other = get_as(&site, BOB, &public).await;
            assert!(String::from_utf8_lossy(&other.body).contains("SUMMARY:Team standup"));

            // calendar-multiget.
            let multiget = format!(
                r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                    <D:prop><D:getetag/><C:calendar-data/></D:prop>
                    <D:href>{secret}</D:href><D:href>{public}</D:href></C:calendar-multiget>"#
            );
            let answer = report_as(&site, BOB, &base, &multiget).await;
            assert_busy_only(&data_of(&answer, &secret), "multiget");
            assert!(data_of(&answer, &public).contains("Team standup"));
            let answer = report_as(&site, ALICE, &base, &multiget).await;
            assert!(data_of(&answer, &secret).contains("Zebra lunch"));

            // calendar-query, as stored and expanded.
            let plain = time_range_query("<C:calendar-data/>", "");
            let answer = report_as(&site, BOB, &base, &plain).await;
            assert_busy_only(&data_of(&answer, &secret), "calendar-query");
            assert!(data_of(&answer, &public).contains("Team standup"));
            let (from, to) = (day(0), day(10));
            let expanded = time_range_query(
                &format!(
                    r#"<C:calendar-data><C:expand start="{from}T000000Z" end="{to}T000000Z"/></C:calendar-data>"#
                ),
                "",
            );
            let answer = report_as(&site, BOB, &base, &expanded).await;
            let data = data_of(&answer, &secret);
            assert_busy_only(&data, "expanded calendar-query");
            assert_eq!(data.matches("RECURRENCE-ID").count(), 3, "{data}");
            let answer = report_as(&site, ALICE, &base, &expanded).await;
            assert!(data_of(&answer, &secret).contains("Zebra lunch"));

            // sync-collection with calendar data.
            let sync = r#"<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/><C:calendar-data/></D:prop></D:sync-collection>"#;
            let answer = report_as(&site, BOB, &base, sync).await;
            assert_busy_only(&data_of(&answer, &secret), "sync-collection");
            assert!(data_of(&answer, &public).contains("Team standup"));

            // Text filters see what the reader sees.
            for (property, text) in [
                ("SUMMARY", "Zebra"),
                ("DESCRIPTION", "merger"),
                ("LOCATION", "zebra"),
            ] {
                let query = time_range_query("", &text_match(property, text));
                let found = hrefs(&report_as(&site, BOB, &base, &query).await);
                assert!(!found.contains(&secret), "{property} found for bob");
                let found = hrefs(&report_as(&site, ALICE, &base, &query).await);
                assert!(found.contains(&secret), "{property} not found for alice");
            }
            let query = time_range_query("", &text_match("SUMMARY", "Private"));
            let found = hrefs(&report_as(&site, BOB, &base, &query).await);
            assert!(found.contains(&secret), "bob finds what he sees");
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_writer_may_not_overwrite_or_copy_a_private_event_she_cannot_see() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let (alice, bob) = (&site.alice, &site.bob);
        let (calendar, base, public) =
            shared_with_a_public_event(&site, &db.store, Role::Author).await;
        for class in ["PRIVATE", "CONFIDENTIAL"] {
            let uid = format!("secret-{}", class.to_ascii_lowercase());
            let secret = format!("{base}{uid}.ics");
            put_new(&site, &secret, &private_event(&uid, class)).await;
            let before = db
                .store
                .object(alice.context_id, calendar.id, &format!("{uid}.ics"))
                .await
                .unwrap()
                .unwrap();

            let answer = put_as(&site, BOB, &secret, &event(&uid, "Mine now", 2), &[]).await;
            assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                DAV,
                "need-privileges",
                "bob's PUT over the private event",
            );
            assert_eq!(
                needed_privileges(&answer),
                [(secret.clone(), "write-content".to_string())]
            );
            let after = db
                .store
                .object(alice.context_id, calendar.id, &format!("{uid}.ics"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(after.data, before.data, "the stored bytes are unchanged");
            assert_eq!(after.etag, before.etag);

            // A copy into his own calendar would carry what he never saw.
            let bobs = default_folder(&db.store, bob, FolderModule::Calendar).await;
            let copied = send(
                &site.app,
                Call::new("COPY", &secret)
                    .auth(BOB.0, BOB.1)
                    .header("destination", format!("{}{uid}.ics", calendar_path(&bobs))),
            )
            .await;
            assert_eq!(copied.status, StatusCode::FORBIDDEN);
            assert_eq!(
                needed_privileges(&copied),
                [(secret.clone(), "read".to_string())]
            );
        }
        // What he may see whole he may change.
        let answer = put_as(&site, BOB, &public, &event("public", "Team sync", 3), &[]).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);

        // Administering the folder does not make it his: still busy time only.
        db.store
            .set_permission(
                alice.context_id,
                calendar.id,
                Permission::for_role(bob.id, false, Role::Administrator),
            )
            .await
            .unwrap();
        let seen = get_as(&site, BOB, &format!("{base}secret-private.ics")).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert_busy_only(std::str::from_utf8(&seen.body).unwrap(), "admin's GET");
        let answer = put_as(
            &site,
            BOB,
            &format!("{base}secret-private.ics"),
            &event("secret-private", "Mine now", 2),
            &[],
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        // Deleting follows the folder's delete right.
        let gone = delete_as(&site, BOB, &format!("{base}secret-private.ics")).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_room_booked_by_a_private_event_shows_others_only_busy_time() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let ctx = site.alice.context_id;
        add_room1(store, ctx).await;
        let calendar = default_folder(store, &site.alice, FolderModule::Calendar).await;
        let d = day(2);
        let body = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
             UID:board\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\n\
             CLASS:PRIVATE\r\nSUMMARY:Zebra board meeting\r\nDESCRIPTION:Zebra layoffs\r\n\
             ORGANIZER;CN=Alice Liddell:mailto:alice@example.com\r\n\
             ATTENDEE;CN=Alice Liddell;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
             ATTENDEE;CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION:mailto:room1@example.com\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let created = put(
            &site,
            &format!("{}board.ics", calendar_path(&calendar)),
            &body,
            &[],
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let room = store.resources(ctx).await.unwrap().remove(0);
        let booking_folder = room.calendar_folder.expect("a booking calendar");
        let booking = store
            .object_by_uid(ctx, booking_folder, "board")
            .await
            .unwrap()
            .expect("the room's booking");
        assert!(
            String::from_utf8_lossy(&booking.data).contains("Zebra"),
            "the booking is stored whole"
        );

        let seen = get_as(&site, BOB, &path_of(&booking)).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert_busy_only(
            std::str::from_utf8(&seen.body).unwrap(),
            "the room's booking",
        );
        let base = format!("/dav/caldav/{booking_folder}/");
        let answer = report_as(
            &site,
            BOB,
            &base,
            &time_range_query("<C:calendar-data/>", ""),
        )
        .await;
        assert_busy_only(&data_of(&answer, &path_of(&booking)), "the room's calendar");
        db.drop_database().await;
    }
}
