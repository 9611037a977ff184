//! Free/busy between users on SQLite and PostgreSQL: lookups through the scheduling
//! outbox (RFC 6638 5) with their statuses and busy periods, and the Internet free/busy
//! URL with its login rules, range parameters and per-calendar form.

mod common;

use common::caldav::*;
use common::freebusy::*;
use common::http::*;
use davgate::provision::create_user;
use davgate::scheduling::resources::booking_calendar;
use davgate::store::{
    FolderModule, FolderType, NewFolder, ResourceKind, User, UserUpdate, WriteCondition,
    WriteObject, PRIVATE_ROOT,
};
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

async fn get_freebusy(site: &Site, path: &str, login: Option<(&str, &str)>) -> Answer {
    let mut call = Call::new("GET", path);
    if let Some((login, password)) = login {
        call = call.auth(login, password);
    }
    send(&site.app, call).await
}

fn calendar_text(answer: &Answer) -> String {
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(answer
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/calendar")));
    String::from_utf8(answer.body.to_vec()).unwrap()
}

#[tokio::test]
async fn internet_freebusy_publishes_busy_time_to_whom_the_settings_allow() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let alice = Some(("alice", ALICE_PASSWORD));
        let bob_url = "/dav/freebusy/bob@example.com";
        fill_bobs_calendar(&site).await;

        // Not published (the default): as for an address nobody has.
        let unknown = get_freebusy(&site, "/dav/freebusy/nobody@example.com", alice).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let unpublished = get_freebusy(&site, bob_url, alice).await;
        assert_eq!(unpublished.status, unknown.status);
        assert_eq!(unpublished.body, unknown.body);
        let anonymous = get_freebusy(&site, bob_url, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert!(anonymous
            .header("www-authenticate")
            .is_some_and(|c| c.starts_with("Basic")));

        set_user_config(
            &site.store,
            &site.bob,
            "com.openexchange.calendar.publishInternetFreeBusy",
            "true",
        )
        .await;
        let text = calendar_text(&get_freebusy(&site, bob_url, alice).await);
        let all = lines(&text);
        assert!(all.contains(&"METHOD:PUBLISH".to_owned()), "{text}");
        assert!(
            all.contains(&"ORGANIZER:mailto:bob@example.com".to_owned()),
            "{text}"
        );
        // OX's default range: a week back, four weeks ahead.
        assert!(
            all.contains(&format!("DTSTART:{}T000000Z", day(-7))),
            "{text}"
        );
        assert!(
            all.contains(&format!("DTEND:{}T000000Z", day(28))),
            "{text}"
        );
        assert_eq!(freebusy_lines(&text), bobs_periods());
        assert!(!text.contains("Secret surgery"));

        // Login required (the default): none is 401, another context's user 404; the
        // same for an unknown address, so nothing tells them apart.
        assert_eq!(
            get_freebusy(&site, bob_url, None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            get_freebusy(&site, "/dav/freebusy/nobody@example.com", None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        other_context_user(&site.store, "other.org", "olga", "Olga O", "olga-Secret-5").await;
        let olga = Some(("olga@other.org", "olga-Secret-5"));
        assert_eq!(
            get_freebusy(&site, bob_url, olga).await.status,
            StatusCode::NOT_FOUND
        );

        set_user_config(
            &site.store,
            &site.bob,
            "davgate.freebusy.requireLogin",
            "false",
        )
        .await;
        let open = calendar_text(&get_freebusy(&site, bob_url, None).await);
        assert_eq!(freebusy_lines(&open), bobs_periods());
        calendar_text(&get_freebusy(&site, bob_url, olga).await);
        // Alice publishes nothing: still hidden, with and without login.
        assert_eq!(
            get_freebusy(&site, "/dav/freebusy/alice@example.com", None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            get_freebusy(&site, "/dav/freebusy/alice@example.com", olga)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn internet_freebusy_takes_a_range_and_a_calendar() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let alice = Some(("alice", ALICE_PASSWORD));
        let default = default_folder(&site.store, &site.bob, FolderModule::Calendar).await;
        fill_bobs_calendar(&site).await;
        set_user_config(
            &site.store,
            &site.bob,
            "com.openexchange.calendar.publishInternetFreeBusy",
            "true",
        )
        .await;
        let bob_url = "/dav/freebusy/bob@example.com";

        for query in [
            format!("start={}&end={}", day(2), day(3)),
            format!("start={}T000000Z&end={}T000000Z", day(2), day(3)),
            format!("start={}&period=P1D", day(2)),
        ] {
            let text =
                calendar_text(&get_freebusy(&site, &format!("{bob_url}?{query}"), alice).await);
            assert_eq!(
                freebusy_lines(&text),
                [
                    period("BUSY", 2, "100000", "110000"),
                    period("BUSY-TENTATIVE", 2, "140000", "150000"),
                ],
                "{query}"
            );
            assert!(
                lines(&text).contains(&format!("DTSTART:{}T000000Z", day(2))),
                "{query}"
            );
            assert!(
                lines(&text).contains(&format!("DTEND:{}T000000Z", day(3))),
                "{query}"
            );
        }
        let url = format!("{bob_url}?start={}&period=P1D", day(2));
        let full = get_freebusy(&site, &url, alice).await;
        let head = send(
            &site.app,
            Call::new("HEAD", &url).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(head.status, StatusCode::OK);
        assert!(head.body.is_empty());
        assert_eq!(
            head.header("content-length"),
            Some(full.body.len().to_string().as_str())
        );
        // A start further back than published is moved up to it (12 weeks by default).
        let text = calendar_text(
            &get_freebusy(
                &site,
                &format!("{bob_url}?start=20000101&end={}", day(3)),
                alice,
            )
            .await,
        );
        assert!(
            lines(&text).contains(&format!("DTSTART:{}T000000Z", day(-84))),
            "{text}"
        );
        for bad in [
            "start=yesterday",
            "start=20261203&end=20261201",
            "end=20991231&period=P1D",
        ] {
            let answer = get_freebusy(&site, &format!("{bob_url}?{bad}"), alice).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        }

        // A second calendar of bob's, and one calendar at a time.
        let second = site
            .store
            .create_folder(
                site.bob.context_id,
                NewFolder {
                    parent_id: PRIVATE_ROOT,
                    module: FolderModule::Calendar,
                    folder_type: FolderType::Private,
                    owner_id: Some(site.bob.id),
                    name: "Work".into(),
                    color: None,
                    description: None,
                    sort_order: None,
                    dav_name: None,
                    permissions: vec![davgate::store::Permission::for_role(
                        site.bob.id,
                        false,
                        davgate::store::Role::Administrator,
                    )],
                },
            )
            .await
            .unwrap();
        put_as(
            &site,
            "bob",
            BOB_PASSWORD,
            &format!("{}work.ics", calendar_path(&second)),
            &timed_event("work", 2, "160000", "170000", ""),
        )
        .await;
        let range = format!("?start={}&end={}", day(2), day(3));
        let both = calendar_text(&get_freebusy(&site, &format!("{bob_url}{range}"), alice).await);
        assert_eq!(freebusy_lines(&both).len(), 3, "{both}");
        let only_second = calendar_text(
            &get_freebusy(&site, &format!("{bob_url}/{}{range}", second.id), alice).await,
        );
        assert_eq!(
            freebusy_lines(&only_second),
            [period("BUSY", 2, "160000", "170000")]
        );
        let only_default = calendar_text(
            &get_freebusy(&site, &format!("{bob_url}/{}{range}", default.id), alice).await,
        );
        assert_eq!(freebusy_lines(&only_default).len(), 2, "{only_default}");
        // Nothing but reading is done there.
        let put = send(
            &site.app,
            Call::new("PUT", bob_url)
                .auth("alice", ALICE_PASSWORD)
                .header("content-type", "text/calendar")
                .body(only_second.clone()),
        )
        .await;
        assert_eq!(put.status, StatusCode::NOT_FOUND);
        // Not a calendar of bob's: as for an unknown address.
        let alices = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        let answer = get_freebusy(&site, &format!("{bob_url}/{}", alices.id), alice).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}
