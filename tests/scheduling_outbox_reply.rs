//! An attendee's iTIP REPLY posted to her scheduling outbox, on SQLite and PostgreSQL:
//! it reaches the organizer's copy and inbox and the attendee's own copy (Schedule-Tag
//! kept) as a write of her copy would, for the whole event or one instance; replies for
//! someone else, for events she is not invited to, malformed ones and messages only
//! implicit scheduling sends are refused or answered so, and change nothing.

mod common;

use common::caldav::*;
use common::http::*;
use common::scheduling::*;
use davgate::store::FolderModule;
use http::StatusCode;

const OUTBOX: &str = "/dav/caldav/schedule-outbox/";
const ALICE: &str = "mailto:alice@example.com";
const BOB: &str = "mailto:bob@example.com";
const CAROL: &str = "mailto:carol@example.com";

/// A METHOD:REPLY for `uid` from `attendee` saying `partstat`, for the instance `rid`
/// when given.
fn reply(uid: &str, attendee: &str, partstat: &str, rid: Option<&str>) -> String {
    let rid = rid.map_or(String::new(), |r| format!("RECURRENCE-ID:{r}\r\n"));
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//reply client//EN\r\nMETHOD:REPLY\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\n{rid}DTSTAMP:20260301T120000Z\r\nSEQUENCE:0\r\n\
         ORGANIZER;CN=Alice Liddell:{ALICE}\r\n\
         ATTENDEE;CN=Someone;PARTSTAT={partstat}:{attendee}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

async fn post_as(site: &Site, (login, password): (&str, &str), body: &str) -> Answer {
    send(
        &site.app,
        Call::new("POST", OUTBOX)
            .auth(login, password)
            .header("content-type", "text/calendar; charset=utf-8")
            .body(body.to_string()),
    )
    .await
}

/// The recipient and request-status of each `CALDAV:response` of a 200 schedule-response.
fn statuses(answer: &Answer) -> Vec<(String, String)> {
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let root = parse_xml(&answer.body);
    assert!(root.is(CALDAV, "schedule-response"), "{root:?}");
    root.children_named(CALDAV, "response")
        .map(|response| {
            (
                response
                    .child(CALDAV, "recipient")
                    .expect("a recipient")
                    .hrefs()
                    .concat(),
                response
                    .child(CALDAV, "request-status")
                    .expect("a request-status")
                    .text
                    .clone(),
            )
        })
        .collect()
}

/// Alice invites bob and carol to `uid` (2 days ahead; daily five times when `daily`).
async fn invite(site: &Site, uid: &str, daily: bool) {
    let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
    let mut body = meeting(
        uid,
        "Review",
        2,
        &[
            "CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com",
            "CN=Carol;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:carol@example.com",
        ],
    );
    if daily {
        body = body.replace(
            "SUMMARY:Review",
            "SUMMARY:Review\r\nRRULE:FREQ=DAILY;COUNT=5",
        );
    }
    let path = format!("{}{uid}.ics", calendar_path(&calendar));
    let created = put(site, &path, &body, &[]).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
}

#[tokio::test]
async fn a_posted_reply_answers_as_a_write_of_her_copy() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        let carol = add_user(&site, "carol", CAROL_PASSWORD).await;
        invite(&site, "review", false).await;
        let tag_before = copy(store, bob, "review").await.unwrap().schedule_tag;
        assert!(tag_before.is_some());

        let answer = post_as(
            &site,
            ("bob", BOB_PASSWORD),
            &reply("review", BOB, "ACCEPTED", None),
        )
        .await;
        assert_eq!(
            statuses(&answer),
            [(ALICE.to_owned(), "2.0;Success".to_owned())]
        );

        let organizer_copy = copy(store, alice, "review").await.unwrap();
        assert_eq!(attendee_state(&organizer_copy, BOB).0, "ACCEPTED");
        assert_eq!(attendee_state(&organizer_copy, CAROL).0, "NEEDS-ACTION");
        let replies = inbox(store, alice).await;
        let replies = with_method(&replies, "REPLY", "review");
        assert_eq!(replies.len(), 1, "{replies:?}");
        assert!(replies[0].contains("PARTSTAT=ACCEPTED"), "{}", replies[0]);
        assert!(replies[0].contains(BOB), "{}", replies[0]);

        let own = copy(store, bob, "review").await.unwrap();
        assert_eq!(attendee_state(&own, BOB).0, "ACCEPTED");
        assert_eq!(own.schedule_tag, tag_before, "her answer keeps the tag");
        // Carol's copy learns bob's answer as well.
        let other = copy(store, &carol, "review").await.unwrap();
        assert_eq!(attendee_state(&other, BOB).0, "ACCEPTED");
    }
}

#[tokio::test]
async fn a_posted_reply_answers_for_one_instance() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        add_user(&site, "carol", CAROL_PASSWORD).await;
        invite(&site, "daily", true).await;
        let rid = format!("{}T100000Z", day(3));

        let answer = post_as(
            &site,
            ("bob", BOB_PASSWORD),
            &reply("daily", BOB, "DECLINED", Some(&rid)),
        )
        .await;
        assert_eq!(
            statuses(&answer),
            [(ALICE.to_owned(), "2.0;Success".to_owned())]
        );
        for (user, who) in [(alice, "alice's"), (bob, "bob's")] {
            let stored = copy(store, user, "daily").await.unwrap();
            let view = scheduling_view(&stored);
            let master = view.instances.iter().find(|i| i.recurrence_id.is_none());
            assert_eq!(
                master.unwrap().attendee(BOB).unwrap().partstat,
                "NEEDS-ACTION",
                "{who} master"
            );
            let instance = view
                .instances
                .iter()
                .find(|i| i.recurrence_id.as_deref() == Some(rid.as_str()))
                .unwrap_or_else(|| panic!("{who} copy has the instance: {view:?}"));
            assert_eq!(
                instance.attendee(BOB).unwrap().partstat,
                "DECLINED",
                "{who}"
            );
        }
        let replies = inbox(store, alice).await;
        let replies = with_method(&replies, "REPLY", "daily");
        assert_eq!(replies.len(), 1);
        assert!(replies[0].contains(&format!("RECURRENCE-ID:{rid}")));
        assert!(replies[0].contains("PARTSTAT=DECLINED"));
    }
}

#[tokio::test]
async fn replies_not_hers_to_send_change_nothing() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        let (alice, bob) = (&site.alice, &site.bob);
        add_user(&site, "carol", CAROL_PASSWORD).await;
        invite(&site, "review", false).await;
        let before = copy(store, alice, "review").await.unwrap();

        // Bob answers for carol: refused.
        let answer = post_as(
            &site,
            ("bob", BOB_PASSWORD),
            &reply("review", CAROL, "ACCEPTED", None),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        // Bob answers an event he is not invited to, and one that does not exist.
        let calendar = default_folder(store, alice, FolderModule::Calendar).await;
        let alone = meeting(
            "alone",
            "Alone",
            2,
            &["PARTSTAT=NEEDS-ACTION:mailto:carol@example.com"],
        );
        let path = format!("{}alone.ics", calendar_path(&calendar));
        assert_eq!(
            put(&site, &path, &alone, &[]).await.status,
            StatusCode::CREATED
        );
        let alone_before = copy(store, alice, "alone").await.unwrap();
        for uid in ["alone", "nowhere"] {
            let answer = post_as(
                &site,
                ("bob", BOB_PASSWORD),
                &reply(uid, BOB, "ACCEPTED", None),
            )
            .await;
            assert_eq!(
                statuses(&answer),
                [(ALICE.to_owned(), "3.7;Invalid calendar user".to_owned())],
                "{uid}"
            );
        }
        assert_eq!(
            copy(store, alice, "alone").await.unwrap().etag,
            alone_before.etag
        );
        assert!(copy(store, bob, "alone").await.is_none());

        let after = copy(store, alice, "review").await.unwrap();
        assert_eq!(after.etag, before.etag);
        assert_eq!(attendee_state(&after, CAROL).0, "NEEDS-ACTION");
        assert!(with_method(&inbox(store, alice).await, "REPLY", "review").is_empty());
        assert!(with_method(&inbox(store, alice).await, "REPLY", "alone").is_empty());
    }
}

#[tokio::test]
async fn malformed_replies_and_implicit_messages_are_refused() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let store = &db.store;
        add_user(&site, "carol", CAROL_PASSWORD).await;
        invite(&site, "review", false).await;
        let before = copy(store, &site.alice, "review").await.unwrap();
        let good = reply("review", BOB, "ACCEPTED", None);
        let malformed = [
            (
                good.replace(
                    "END:VEVENT",
                    &format!("ATTENDEE;PARTSTAT=ACCEPTED:{CAROL}\r\nEND:VEVENT"),
                ),
                "two attendees",
            ),
            (good.replace("ACCEPTED", "NEEDS-ACTION"), "no answer"),
            (
                good.replace(&format!("ORGANIZER;CN=Alice Liddell:{ALICE}\r\n"), ""),
                "no organizer",
            ),
            (good.replace("UID:review\r\n", ""), "no UID"),
            (good.replace("METHOD:REPLY\r\n", ""), "no METHOD"),
        ];
        for (body, what) in malformed {
            let answer = post_as(&site, ("bob", BOB_PASSWORD), &body).await;
            assert_precondition(
                &answer,
                StatusCode::BAD_REQUEST,
                CALDAV,
                "valid-scheduling-message",
                what,
            );
        }
        for (body, what) in [
            (good.replace("METHOD:REPLY", "METHOD:REQUEST"), "REQUEST"),
            (good.replace("METHOD:REPLY", "METHOD:CANCEL"), "CANCEL"),
            (good.replace("VEVENT", "VTODO"), "a VTODO"),
        ] {
            let answer = post_as(&site, ("bob", BOB_PASSWORD), &body).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{what}");
        }
        let after = copy(store, &site.alice, "review").await.unwrap();
        assert_eq!(after.etag, before.etag);
        assert_eq!(attendee_state(&after, BOB).0, "NEEDS-ACTION");
        assert!(with_method(&inbox(store, &site.alice).await, "REPLY", "review").is_empty());
    }
}

#[tokio::test]
async fn a_reply_to_an_organizer_outside_goes_by_mail() {
    const OLGA: &str = "mailto:olga@example.org";
    let unreachable = common::client::free_port().to_string();
    for (relay, status) in [
        (None, "5.2;Invalid calendar service"),
        (Some(unreachable.as_str()), "5.1;Service unavailable"),
    ] {
        for db in common::databases().await {
            let mut overrides = LAYOUT.to_vec();
            if let Some(port) = relay {
                overrides.extend([
                    ("davgate.imip.host", "127.0.0.1"),
                    ("davgate.imip.port", port),
                    ("davgate.imip.tls", "none"),
                    ("davgate.imip.timeoutSeconds", "5"),
                ]);
            }
            let fresh = &db.store;
            let site = site(fresh, &overrides).await;
            let bob = &site.bob;
            // Bob keeps olga's invitation in his calendar.
            let calendar = default_folder(fresh, bob, FolderModule::Calendar).await;
            let invitation = meeting(
                "party",
                "Party",
                2,
                &["PARTSTAT=NEEDS-ACTION:mailto:bob@example.com"],
            )
            .replace(
                "ORGANIZER;CN=Alice Liddell:mailto:alice@example.com",
                &format!("ORGANIZER:{OLGA}"),
            )
            .replace("mailto:alice@example.com", OLGA);
            let path = format!("{}party.ics", calendar_path(&calendar));
            let stored = put_as(&site, ("bob", BOB_PASSWORD), &path, &invitation, &[]).await;
            assert_eq!(stored.status, StatusCode::CREATED, "{:?}", stored.body);
            let tag_before = copy(fresh, bob, "party").await.unwrap().schedule_tag;

            let body = reply("party", BOB, "TENTATIVE", None).replace(
                &format!("ORGANIZER;CN=Alice Liddell:{ALICE}"),
                &format!("ORGANIZER:{OLGA}"),
            );
            let answer = post_as(&site, ("bob", BOB_PASSWORD), &body).await;
            assert_eq!(statuses(&answer), [(OLGA.to_owned(), status.to_owned())]);
            let own = copy(fresh, bob, "party").await.unwrap();
            assert_eq!(attendee_state(&own, BOB).0, "TENTATIVE");
            assert_eq!(own.schedule_tag, tag_before);
        }
    }
}
