//! What a client puts into a path or an href: NUL, dot segments, control characters, `/`
//! and overlong names get a 4xx with a reason, never a 500, and are never stored; a bad
//! href in a multiget gets its own response and the rest of the report is complete.

use davgate::store::FolderModule;
use http::StatusCode;

use super::{incompressible, mkcalendar, ALICE};
use crate::common;
use crate::common::caldav::*;
use crate::common::http::*;

fn text(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.body).into_owned()
}

/// The names of the members the store holds in a folder.
async fn stored_names(site: &Site, folder: i64) -> Vec<String> {
    use futures::TryStreamExt;
    site.store
        .object_summary_stream(site.alice.context_id, folder, Default::default())
        .map_ok(|summary| summary.resource_name)
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_nul_in_a_path_is_refused_with_a_reason() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let what = db.label;
        let member = format!("{}a%00b.ics", calendar_path(&calendar));
        let answer = put(&site, &member, &event("nul", "Nul", 1), &[]).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            text(&answer)
        );
        assert!(text(&answer).contains("NUL"), "{what}: {}", text(&answer));
        for (method, path) in [
            ("GET", member.as_str()),
            ("DELETE", member.as_str()),
            ("PROPFIND", "/dav/caldav/a%00b/"),
            ("MKCALENDAR", "/dav/caldav/a%00b/"),
            ("PROPFIND", "/dav/principals/users/al%00ice/"),
            ("PROPFIND", "/dav/carddav/%00/"),
        ] {
            let answer = send(
                &site.app,
                Call::new(method, path).auth(ALICE.0, ALICE.1).depth("0"),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{what}: {method} {path}: {}",
                text(&answer)
            );
        }
        assert_eq!(stored_names(&site, calendar.id).await, Vec::<String>::new());
        db.drop_database().await;
    }
}

#[tokio::test]
async fn names_beyond_the_length_limit_are_refused_and_names_up_to_it_kept() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let collection = calendar_path(&calendar);
        let what = db.label;

        let long = format!("{}.ics", incompressible(3000));
        let answer = put(
            &site,
            &format!("{collection}{long}"),
            &event("long", "L", 1),
            &[],
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{what}: {}",
            text(&answer)
        );
        assert!(
            text(&answer).contains("at most 512 bytes"),
            "{what}: {}",
            text(&answer)
        );
        let answer = mkcalendar(
            &site,
            ALICE,
            &format!("/dav/caldav/c{}/", incompressible(3000)),
            None,
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "calendar-collection-location-ok",
            what,
        );

        // 512 bytes, the default limit, in two-byte characters.
        let longest = format!("{}.ics", "é".repeat(254));
        assert_eq!(longest.len(), 512);
        let encoded = davgate::http::paths::encode_segment(&longest);
        put_new(
            &site,
            &format!("{collection}{encoded}"),
            &event("longest", "L", 1),
        )
        .await;
        let answer = get(&site, &format!("{collection}{encoded}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{what}");

        // A copy cannot create a name beyond the limit either.
        let answer = send(
            &site.app,
            Call::new("COPY", &format!("{collection}{encoded}"))
                .auth(ALICE.0, ALICE.1)
                .header("destination", format!("{collection}{long}")),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{what}: {}",
            text(&answer)
        );
        assert_eq!(stored_names(&site, calendar.id).await, [longest], "{what}");

        let calendar_name = format!("k{}", incompressible(511));
        let answer = mkcalendar(&site, ALICE, &format!("/dav/caldav/{calendar_name}/"), None).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{what}: {}",
            text(&answer)
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn control_characters_and_slashes_are_refused_in_new_names() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let collection = calendar_path(&calendar);
        let what = db.label;
        for (name, reason) in [
            ("a%01b.ics", "control characters"),
            ("a%7Fb.ics", "control characters"),
            ("a%C2%85b.ics", "control characters"),
            ("tab%09.ics", "control characters"),
            ("a%2Fb.ics", "may not contain /"),
        ] {
            let answer = put(
                &site,
                &format!("{collection}{name}"),
                &event(name, "C", 1),
                &[],
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{what}: {name}: {}",
                text(&answer)
            );
            assert!(
                text(&answer).contains(reason),
                "{what}: {name}: {}",
                text(&answer)
            );
        }
        let answer = mkcalendar(&site, ALICE, "/dav/caldav/bell%07/", None).await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "calendar-collection-location-ok",
            what,
        );
        assert_eq!(stored_names(&site, calendar.id).await, Vec::<String>::new());
        db.drop_database().await;
    }
}

#[tokio::test]
async fn dot_segments_are_refused_for_every_write() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let collection = calendar_path(&calendar);
        let what = db.label;
        for name in ["..", ".", "%2e%2e", "%2E", ".%2e"] {
            let answer = put(
                &site,
                &format!("{collection}{name}"),
                &event(name, "D", 1),
                &[],
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{what}: {name}: {}",
                text(&answer)
            );
            assert!(
                text(&answer).contains(". and .."),
                "{what}: {}",
                text(&answer)
            );
        }
        for path in ["/dav/caldav/../", "/dav/caldav/%2e%2e/", "/dav/caldav/./"] {
            let answer = mkcalendar(&site, ALICE, path, None).await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{what}: {path}: {}",
                text(&answer)
            );
        }
        let source = format!("{collection}source.ics");
        put_new(&site, &source, &event("source", "S", 1)).await;
        for method in ["COPY", "MOVE"] {
            for destination in [
                format!("{collection}%2e%2e"),
                format!("https://dav.example.com{collection}.."),
            ] {
                let answer = send(
                    &site.app,
                    Call::new(method, &source)
                        .auth(ALICE.0, ALICE.1)
                        .header("host", "dav.example.com")
                        .header("destination", destination.clone()),
                )
                .await;
                assert_eq!(
                    answer.status,
                    StatusCode::BAD_REQUEST,
                    "{what}: {method} to {destination}: {}",
                    text(&answer)
                );
            }
        }
        assert_eq!(
            stored_names(&site, calendar.id).await,
            ["source.ics"],
            "{what}"
        );
        let calendars = db.store.folders(site.alice.context_id).await.unwrap();
        assert!(
            calendars
                .iter()
                .all(|f| !matches!(f.dav_name.as_deref(), Some(".") | Some(".."))),
            "{what}"
        );
        db.drop_database().await;
    }
}

/// A multiget with hrefs no resource can have (NUL, a dot segment) between good ones:
/// each bad one gets a 400 response of its own, and every good one is answered.
#[tokio::test]
async fn a_bad_href_in_a_multiget_is_answered_on_its_own() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let collection = calendar_path(&calendar);
        let what = db.label;
        for name in ["one", "two"] {
            put_new(
                &site,
                &format!("{collection}{name}.ics"),
                &event(name, name, 1),
            )
            .await;
        }
        let hrefs = [
            format!("{collection}one.ics"),
            format!("{collection}bad%00.ics"),
            format!("{collection}%2e%2e"),
            format!("{collection}missing.ics"),
            format!("{collection}two.ics"),
        ];
        let body = format!(
            r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>{}</C:calendar-multiget>"#,
            hrefs
                .iter()
                .map(|h| format!("<D:href>{h}</D:href>"))
                .collect::<String>()
        );
        let answer = send(
            &site.app,
            Call::new("REPORT", &collection)
                .auth(ALICE.0, ALICE.1)
                .depth("1")
                .body(body),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{what}");
        let responses = answer.multistatus();
        let seen: Vec<(String, Option<u16>)> = responses
            .iter()
            .map(|r| (r.href.clone(), r.status))
            .collect();
        assert_eq!(
            seen,
            [
                (hrefs[0].clone(), None),
                (hrefs[1].clone(), Some(400)),
                (hrefs[2].clone(), Some(400)),
                (hrefs[3].clone(), Some(404)),
                (hrefs[4].clone(), None),
            ],
            "{what}"
        );
        for found in [&responses[0], &responses[4]] {
            assert!(!found.found(DAV, "getetag").text.is_empty(), "{what}");
        }
        db.drop_database().await;
    }
}
