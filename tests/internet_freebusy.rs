//! The Internet free/busy URL on SQLite and PostgreSQL: its login rules, range
//! parameters and per-calendar form.

mod common;

use common::caldav::*;
use common::freebusy::*;
use common::http::*;
use davgate::store::{FolderModule, FolderType, NewFolder, PRIVATE_ROOT};
use http::StatusCode;

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
