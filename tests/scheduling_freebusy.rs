//! Free/busy between users on SQLite and PostgreSQL: lookups through the scheduling
//! outbox (RFC 6638 5) with their statuses and busy periods.

mod common;

use common::caldav::*;
use common::freebusy::*;
use common::http::*;
use davgate::provision::create_user;
use davgate::scheduling::resources::booking_calendar;
use davgate::store::{FolderModule, ResourceKind, User, UserUpdate, WriteCondition, WriteObject};
use http::StatusCode;

const OUTBOX: &str = "/dav/caldav/schedule-outbox/";

/// What one `CALDAV:response` of a schedule-response says.
#[derive(Debug)]
struct Answered {
    recipient: String,
    status: String,
    data: Option<String>,
}

/// A free/busy request from `organizer` about `attendees` from the start of day `from`
/// to the start of day `to` (days from today).
fn request(organizer: &str, attendees: &[&str], from: i64, to: i64) -> String {
    let attendees: String = attendees
        .iter()
        .map(|a| format!("ATTENDEE:{a}\r\n"))
        .collect();
    vcalendar(
        "METHOD:REQUEST\r\n",
        &format!(
            "BEGIN:VFREEBUSY\r\nUID:lookup-1\r\nDTSTAMP:20260101T000000Z\r\nORGANIZER:{organizer}\r\n\
             {attendees}DTSTART:{}T000000Z\r\nDTEND:{}T000000Z\r\nEND:VFREEBUSY\r\n",
            day(from),
            day(to)
        ),
    )
}

async fn post(site: &Site, login: &str, password: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new("POST", OUTBOX)
            .auth(login, password)
            .header("content-type", "text/calendar; charset=utf-8")
            .body(body.to_string()),
    )
    .await
}

fn answers(answer: &Answer) -> Vec<Answered> {
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let root = parse_xml(&answer.body);
    assert!(root.is(CALDAV, "schedule-response"), "{root:?}");
    root.children_named(CALDAV, "response")
        .map(|response| Answered {
            recipient: response
                .child(CALDAV, "recipient")
                .expect("a recipient")
                .hrefs()
                .concat(),
            status: response
                .child(CALDAV, "request-status")
                .expect("a request-status")
                .text
                .clone(),
            data: response
                .child(CALDAV, "calendar-data")
                .map(|data| data.text.clone()),
        })
        .collect()
}

async fn carol(site: &Site) -> User {
    create_user(
        &site.store,
        site.alice.context_id,
        user_spec(
            "carol",
            "carol@example.com",
            &[],
            "Carol C",
            "carol-Secret-3",
        ),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn outbox_lookup_answers_each_attendee_with_status_and_busy_time() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let context = site.alice.context_id;
        fill_bobs_calendar(&site).await;
        let carol = carol(&site).await;
        let carols =
            calendar_path(&default_folder(&site.store, &carol, FolderModule::Calendar).await);
        put_as(
            &site,
            "carol",
            "carol-Secret-3",
            &format!("{carols}c.ics"),
            &timed_event("c", 2, "090000", "100000", ""),
        )
        .await;
        let room = site
            .store
            .create_resource(
                context,
                "room1",
                "Room One",
                "room1@example.com",
                ResourceKind::Room,
            )
            .await
            .unwrap();
        let bookings = booking_calendar(&site.store, context, &room).await.unwrap();
        site.store
            .put_object(
                context,
                bookings.id,
                &WriteObject {
                    resource_name: "booking.ics".into(),
                    uid: "booking".into(),
                    component: "VEVENT".into(),
                    data: timed_event("booking", 3, "130000", "140000", "").into_bytes(),
                    start_at: None,
                    end_at: None,
                    display_name: None,
                    user_id: Some(site.alice.id),
                },
                WriteCondition::MustNotExist,
            )
            .await
            .unwrap();
        let dave = create_user(
            &site.store,
            context,
            user_spec("dave", "dave@example.com", &[], "Dave D", "dave-Secret-4"),
        )
        .await
        .unwrap();
        site.store
            .update_user(
                context,
                dave.id,
                UserUpdate {
                    enabled: Some(false),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
        other_context_user(&site.store, "other.org", "olga", "Olga O", "olga-Secret-5").await;

        let attendees = [
            "mailto:bob@example.com",
            "mailto:carol@example.com",
            "mailto:room1@example.com",
            "mailto:nobody@example.com",
            "mailto:olga@other.org",
            "mailto:dave@example.com",
        ];
        let answer = post(
            &site,
            "alice@example.com",
            ALICE_PASSWORD,
            &request("mailto:alice@example.com", &attendees, 1, 8),
        )
        .await;
        let body = String::from_utf8_lossy(&answer.body).into_owned();
        assert!(!body.contains("Secret surgery"), "{body}");
        assert!(!body.contains("Bob busy"), "{body}");
        let answered = answers(&answer);
        let recipients: Vec<&str> = answered.iter().map(|a| a.recipient.as_str()).collect();
        assert_eq!(recipients, attendees);
        let statuses: Vec<&str> = answered.iter().map(|a| a.status.as_str()).collect();
        assert_eq!(
            statuses,
            [
                "2.0;Success",
                "2.0;Success",
                "2.0;Success",
                "3.7;Invalid calendar user",
                "3.7;Invalid calendar user",
                "3.8;No authority",
            ]
        );
        assert!(answered[3..].iter().all(|a| a.data.is_none()));

        let bob = answered[0].data.as_deref().expect("bob's busy time");
        assert_eq!(freebusy_lines(bob), bobs_periods(), "{bob}");
        let bob_lines = lines(bob);
        for expected in [
            "METHOD:REPLY".to_owned(),
            "ORGANIZER:mailto:alice@example.com".to_owned(),
            "ATTENDEE:mailto:bob@example.com".to_owned(),
            "UID:lookup-1".to_owned(),
            format!("DTSTART:{}T000000Z", day(1)),
            format!("DTEND:{}T000000Z", day(8)),
        ] {
            assert!(bob_lines.contains(&expected), "{expected} in {bob}");
        }
        assert_eq!(
            bob_lines.iter().filter(|l| *l == "BEGIN:VFREEBUSY").count(),
            1
        );
        assert!(bob_lines.iter().any(|l| l.starts_with("DTSTAMP:")));
        assert_eq!(
            freebusy_lines(answered[1].data.as_deref().unwrap()),
            [period("BUSY", 2, "090000", "100000")]
        );
        assert_eq!(
            freebusy_lines(answered[2].data.as_deref().unwrap()),
            [period("BUSY", 3, "130000", "140000")]
        );

        // The range cuts periods: from day 5 on, two instances of the series and the
        // private event remain.
        let answer = post(
            &site,
            "alice@example.com",
            ALICE_PASSWORD,
            &request(
                "mailto:alice@example.com",
                &["mailto:bob@example.com"],
                5,
                7,
            ),
        )
        .await;
        let answered = answers(&answer);
        assert_eq!(
            freebusy_lines(answered[0].data.as_deref().unwrap()),
            [
                period("BUSY", 5, "080000", "090000"),
                period("BUSY", 6, "080000", "090000"),
            ]
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn outbox_lookups_that_break_a_rule_are_refused() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[
                LAYOUT[0],
                LAYOUT[1],
                ("davgate.limits.maxFreeBusyRecipients", "2"),
                ("davgate.limits.maxFreeBusyRangeDays", "30"),
            ],
        )
        .await;
        let bob = "mailto:bob@example.com";
        // Her alias and her principal URL are hers too.
        for organizer in [
            "mailto:alice.l@example.com",
            &format!("/dav/principals/users/{}/", site.alice.id),
        ] {
            let answer = post(
                &site,
                "alice",
                ALICE_PASSWORD,
                &request(organizer, &[bob], 1, 2),
            )
            .await;
            assert_eq!(answers(&answer)[0].status, "2.0;Success", "{organizer}");
        }
        let answer = post(
            &site,
            "alice",
            ALICE_PASSWORD,
            &request("mailto:bob@example.com", &[bob], 1, 2),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "organizer-allowed",
            "bob as organizer",
        );

        let without_end = request("mailto:alice@example.com", &[bob], 1, 2)
            .replace(&format!("DTEND:{}T000000Z\r\n", day(2)), "");
        let answer = post(&site, "alice", ALICE_PASSWORD, &without_end).await;
        assert_precondition(
            &answer,
            StatusCode::BAD_REQUEST,
            CALDAV,
            "valid-scheduling-message",
            "no DTEND",
        );
        let publish = request("mailto:alice@example.com", &[bob], 1, 2)
            .replace("METHOD:REQUEST", "METHOD:PUBLISH");
        let answer = post(&site, "alice", ALICE_PASSWORD, &publish).await;
        assert_precondition(
            &answer,
            StatusCode::BAD_REQUEST,
            CALDAV,
            "valid-scheduling-message",
            "PUBLISH",
        );
        let answer = post(&site, "alice", ALICE_PASSWORD, "no calendar at all").await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-calendar-data",
            "not iCalendar",
        );
        let answer = send(
            &site.app,
            Call::new("POST", OUTBOX)
                .auth("alice", ALICE_PASSWORD)
                .header("content-type", "application/json")
                .body(request("mailto:alice@example.com", &[bob], 1, 2)),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "supported-calendar-data",
            "JSON",
        );

        let three = [
            "mailto:bob@example.com",
            "mailto:a@example.com",
            "mailto:b@example.com",
        ];
        let answer = post(
            &site,
            "alice",
            ALICE_PASSWORD,
            &request("mailto:alice@example.com", &three, 1, 2),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "max-attendees-per-instance",
            "three attendees",
        );
        let answer = post(
            &site,
            "alice",
            ALICE_PASSWORD,
            &request("mailto:alice@example.com", &[bob], 1, 40),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "39 days");
        assert!(String::from_utf8_lossy(&answer.body).contains("maxFreeBusyRangeDays"));

        // Without credentials nothing is looked up.
        let answer = send(
            &site.app,
            Call::new("POST", OUTBOX)
                .header("content-type", "text/calendar")
                .body(request("mailto:alice@example.com", &[bob], 1, 2)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        db.drop_database().await;
    }
}
