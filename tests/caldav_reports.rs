//! CalDAV reports through the real router, on SQLite and PostgreSQL: calendar-multiget,
//! calendar-query (with expansion), sync-collection (initial, incremental, truncated,
//! foreign writes, bad tokens), free-busy-query, and the sync window.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::store::FolderModule;
use http::StatusCode;

fn hrefs(responses: &[DavResponse]) -> Vec<String> {
    let mut hrefs: Vec<String> = responses.iter().map(|r| r.href.clone()).collect();
    hrefs.sort();
    hrefs
}

/// The multistatus of a sync report and its new token.
fn sync_result(answer: &Answer) -> (Vec<DavResponse>, String) {
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    (answer.multistatus(), answer.sync_token())
}

/// A site whose alice has the events `{uid_prefix}0` ... in her default calendar, as
/// `e0.ics` ...: the site, the calendar's path and the events' bodies.
async fn calendar_with_events(
    store: &davgate::store::DynStore,
    uid_prefix: &str,
    count: i64,
) -> (Site, String, Vec<String>) {
    let site = site(store, LAYOUT).await;
    let calendar = default_folder(store, &site.alice, FolderModule::Calendar).await;
    let base = calendar_path(&calendar);
    let bodies: Vec<String> = (0..count)
        .map(|i| event(&format!("{uid_prefix}{i}"), &format!("E{i}"), i + 1))
        .collect();
    for (i, body) in bodies.iter().enumerate() {
        put_new(&site, &format!("{base}e{i}.ics"), body).await;
    }
    (site, base, bodies)
}

#[tokio::test]
async fn multiget_returns_each_href_with_its_data_and_404_for_missing_ones() {
    for db in common::databases().await {
        let (site, base, bodies) = calendar_with_events(&db.store, "mg", 3).await;
        let body = format!(
            r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
               <D:prop><D:getetag/><C:calendar-data/></D:prop>
               <D:href>{base}e2.ics</D:href><D:href>{base}missing.ics</D:href><D:href>{base}e0.ics</D:href>
               </C:calendar-multiget>"#
        );
        let answer = report(&site, &base, &body).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS);
        let responses = answer.multistatus();
        let order: Vec<&str> = responses.iter().map(|r| r.href.as_str()).collect();
        let expected = [
            format!("{base}e2.ics"),
            format!("{base}missing.ics"),
            format!("{base}e0.ics"),
        ];
        assert_eq!(
            order,
            expected.iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert_eq!(responses[0].found(CALDAV, "calendar-data").text, bodies[2]);
        assert_eq!(responses[1].status, Some(404));
        assert_eq!(responses[2].found(CALDAV, "calendar-data").text, bodies[0]);
        let etag = get(&site, &format!("{base}e0.ics"))
            .await
            .header("etag")
            .unwrap()
            .to_string();
        assert_eq!(responses[2].found(DAV, "getetag").text, etag);
        db.drop_database().await;
    }
}

/// A multiget of more hrefs than one store read takes (500) is answered href by href in
/// the order sent, whichever read an href falls into and however it is written: as this
/// server writes it, as an absolute URL, or with its name percent-encoded.
#[tokio::test]
async fn a_multiget_across_batches_answers_every_href_in_order() {
    for db in common::databases().await {
        let (site, base, bodies) = calendar_with_events(&db.store, "batch", 3).await;
        // (position, href sent, href answered, which body)
        let found = [
            (10, format!("{base}e0.ics"), format!("{base}e0.ics"), 0),
            (
                600,
                format!("http://localhost{base}e1.ics"),
                format!("{base}e1.ics"),
                1,
            ),
            (
                1050,
                format!("{base}%65%32.ics"),
                format!("{base}e2.ics"),
                2,
            ),
        ];
        let sent: Vec<String> = (0..1100)
            .map(|i| match found.iter().find(|(at, ..)| *at == i) {
                Some((_, href, ..)) => href.clone(),
                None => format!("{base}missing-{i}.ics"),
            })
            .collect();
        let body = format!(
            r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>{}</C:calendar-multiget>"#,
            sent.iter()
                .map(|href| format!("<D:href>{href}</D:href>"))
                .collect::<String>()
        );
        let answer = report(&site, &base, &body).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        assert_eq!(responses.len(), sent.len(), "{}", db.label);
        for (i, response) in responses.iter().enumerate() {
            match found.iter().find(|(at, ..)| *at == i) {
                Some((_, _, answered, which)) => {
                    assert_eq!(&response.href, answered, "{}: href {i}", db.label);
                    assert_eq!(
                        response.found(CALDAV, "calendar-data").text,
                        bodies[*which],
                        "{}: href {i}",
                        db.label
                    );
                }
                None => {
                    assert_eq!(response.href, sent[i], "{}: href {i}", db.label);
                    assert_eq!(response.status, Some(404), "{}: href {i}", db.label);
                }
            }
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn sync_collection_reports_exactly_what_changed() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        for i in 0..4 {
            put_new(
                &site,
                &format!("{base}s{i}.ics"),
                &event(&format!("s{i}"), "S", i + 1),
            )
            .await;
        }
        // Outside the default window (from the first of last month): never listed.
        put_new(&site, &format!("{base}old.ics"), &event("old", "Old", -400)).await;

        let (initial, token) = sync_result(&report(&site, &base, &sync_body("", None)).await);
        let expected: Vec<String> = (0..4).map(|i| format!("{base}s{i}.ics")).collect();
        assert_eq!(hrefs(&initial), expected);
        assert!(initial
            .iter()
            .all(|r| r.status_of(DAV, "getetag") == Some(200)));

        // Nothing changed: nothing reported, same token.
        let (none, same) = sync_result(&report(&site, &base, &sync_body(&token, None)).await);
        assert!(none.is_empty(), "{:?}", hrefs(&none));
        assert_eq!(same, token);

        let changed = put(
            &site,
            &format!("{base}s0.ics"),
            &event("s0", "Changed", 1),
            &[],
        )
        .await;
        assert_eq!(changed.status, StatusCode::NO_CONTENT);
        let deleted = send(
            &site.app,
            Call::new("DELETE", &format!("{base}s1.ics")).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        put_new(&site, &format!("{base}s9.ics"), &event("s9", "New", 9)).await;

        let (changes, next) = sync_result(&report(&site, &base, &sync_body(&token, None)).await);
        assert_eq!(
            hrefs(&changes),
            vec![
                format!("{base}s0.ics"),
                format!("{base}s1.ics"),
                format!("{base}s9.ics")
            ]
        );
        let gone = changes.iter().find(|r| r.href.ends_with("s1.ics")).unwrap();
        assert_eq!(gone.status, Some(404));
        assert_ne!(next, token);
        let (after, _) = sync_result(&report(&site, &base, &sync_body(&next, None)).await);
        assert!(after.is_empty());

        // A write by another program, straight into the database, shows up too.
        let data = event("foreign", "Written by SQL", 2);
        db.raw_sql(&format!(
            "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, start_at, end_at, created_at, modified_at) \
             VALUES ({}, {}, 'foreign.ics', 'foreign', 'VEVENT', {}, NULL, NULL, 0, 0)",
            calendar.context_id,
            calendar.id,
            db.blob_literal(data.as_bytes())
        ))
        .await;
        let (foreign, _) = sync_result(&report(&site, &base, &sync_body(&next, None)).await);
        assert_eq!(hrefs(&foreign), vec![format!("{base}foreign.ics")]);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_limited_sync_ends_with_507_and_resumes_from_its_token() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        for i in 0..5 {
            put_new(
                &site,
                &format!("{base}l{i}.ics"),
                &event(&format!("l{i}"), "L", i + 1),
            )
            .await;
        }
        let mut seen = Vec::new();
        let mut token = String::new();
        for round in 0..3 {
            let (responses, next) =
                sync_result(&report(&site, &base, &sync_body(&token, Some(2))).await);
            let truncated = responses.iter().any(|r| r.status == Some(507));
            let members: Vec<_> = responses
                .into_iter()
                .filter(|r| r.status != Some(507))
                .collect();
            assert!(members.len() <= 2, "round {round}: {}", members.len());
            seen.extend(members.into_iter().map(|r| r.href));
            token = next;
            assert_eq!(truncated, round < 2, "round {round}");
        }
        seen.sort();
        let expected: Vec<String> = (0..5).map(|i| format!("{base}l{i}.ics")).collect();
        assert_eq!(seen, expected, "every member exactly once");
        db.drop_database().await;
    }
}

/// calendar-multiget may be sent to a calendar object's own URL (RFC 4791 7.9): the
/// hrefs are answered as on the calendar; other reports there are not supported.
#[tokio::test]
async fn calendar_multiget_at_an_object_url_answers_its_hrefs() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let body = event("at-member", "At member", 1);
        put_new(&site, &format!("{base}m.ics"), &body).await;
        let multiget = format!(
            r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop><D:href>{base}m.ics</D:href><D:href>{base}gone.ics</D:href></C:calendar-multiget>"#
        );
        let answer = report(&site, &format!("{base}m.ics"), &multiget).await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        assert_eq!(responses[0].found(CALDAV, "calendar-data").text, body);
        assert_eq!(responses[1].status, Some(404));
        let query = r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>"#;
        let refused = report(&site, &format!("{base}m.ics"), query).await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            DAV,
            "supported-report",
            "calendar-query at an object",
        );
        db.drop_database().await;
    }
}

/// calendar-multiget on the calendar home with hrefs in several calendars (RFC 4791 7.9):
/// each answered as on its calendar; one in a calendar the user does not see, 404.
#[tokio::test]
async fn calendar_multiget_on_the_home_spans_calendars() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let first =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let made = send(
            &site.app,
            Call::new("MKCALENDAR", "/dav/caldav/second/").auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED);
        let second = "/dav/caldav/second/";
        let bobs =
            calendar_path(&default_folder(&db.store, &site.bob, FolderModule::Calendar).await);
        let (one, two) = (event("home-1", "One", 1), event("home-2", "Two", 2));
        put_new(&site, &format!("{first}one.ics"), &one).await;
        put_new(&site, &format!("{second}two.ics"), &two).await;
        let hrefs = [
            format!("{first}one.ics"),
            format!("{bobs}secret.ics"),
            format!("{second}two.ics"),
            "/dav/elsewhere.ics".to_string(),
        ];
        let body = format!(
            r#"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>{}</C:calendar-multiget>"#,
            hrefs
                .iter()
                .map(|h| format!("<D:href>{h}</D:href>"))
                .collect::<String>()
        );
        let answer = report(&site, "/dav/caldav/", &body).await;
        assert_eq!(
            answer.status,
            StatusCode::MULTI_STATUS,
            "{}: {}",
            db.label,
            String::from_utf8_lossy(&answer.body)
        );
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 4);
        let of = |href: &String| responses.iter().find(|r| r.href == *href).unwrap();
        assert_eq!(of(&hrefs[0]).found(CALDAV, "calendar-data").text, one);
        assert_eq!(of(&hrefs[2]).found(CALDAV, "calendar-data").text, two);
        assert_eq!(of(&hrefs[1]).status, Some(404));
        assert_eq!(of(&hrefs[3]).status, Some(404));
        db.drop_database().await;
    }
}

/// A client that wants only the names of what changed sends an empty `DAV:prop`; every
/// response still carries a status (RFC 4918 14.24): 200 for what is there, 404 for what
/// went away.
#[tokio::test]
async fn sync_collection_with_an_empty_prop_gives_every_member_a_status() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        for i in 0..2 {
            put_new(
                &site,
                &format!("{base}n{i}.ics"),
                &event(&format!("n{i}"), "N", i + 1),
            )
            .await;
        }
        let body = |token: &str| {
            format!(
                r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level><D:prop/></D:sync-collection>"#
            )
        };
        let first = report(&site, &base, &body("")).await;
        assert_eq!(first.status, StatusCode::MULTI_STATUS);
        let token = first.sync_token();
        let mut listed = Vec::new();
        for response in first.multistatus() {
            let propstats: Vec<_> = response.node.children_named(DAV, "propstat").collect();
            assert_eq!(propstats.len(), 1, "{:?}", response.node);
            assert_eq!(
                status_code(&propstats[0].child(DAV, "status").unwrap().text),
                200
            );
            assert!(response.props.is_empty(), "{:?}", response.props);
            listed.push(response.href);
        }
        listed.sort();
        assert_eq!(listed, [format!("{base}n0.ics"), format!("{base}n1.ics")]);

        let gone = send(
            &site.app,
            Call::new("DELETE", &format!("{base}n0.ics")).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        let next = report(&site, &base, &body(&token)).await.multistatus();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].href, format!("{base}n0.ics"));
        assert_eq!(next[0].status, Some(404));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn unknown_and_foreign_sync_tokens_get_valid_sync_token() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        for token in [
            "http://example.com/other-server/5",
            "http://davgate.org/ns/sync/999999",
            "garbage",
        ] {
            let answer = report(&site, &base, &sync_body(token, None)).await;
            assert_precondition(
                &answer,
                StatusCode::FORBIDDEN,
                DAV,
                "valid-sync-token",
                token,
            );
        }

        // A token from before the pruned part of the change log must start over, and an
        // initial sync still works after pruning.
        put_new(&site, &format!("{base}keep.ics"), &event("keep", "Keep", 1)).await;
        put_new(&site, &format!("{base}drop.ics"), &event("drop", "Drop", 1)).await;
        let (_, old_token) = sync_result(&report(&site, &base, &sync_body("", None)).await);
        let drop = format!("{base}drop.ics");
        let deleted = send(
            &site.app,
            Call::new("DELETE", &drop).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        db.store
            .prune_changes(calendar.context_id, i64::MAX)
            .await
            .unwrap();
        let answer = report(&site, &base, &sync_body(&old_token, None)).await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            DAV,
            "valid-sync-token",
            "pruned",
        );
        let (fresh, _) = sync_result(&report(&site, &base, &sync_body("", None)).await);
        assert_eq!(hrefs(&fresh), vec![format!("{base}keep.ics")]);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn calendar_query_finds_events_in_a_range_and_expands_recurrences() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(
            &site,
            &format!("{base}near.ics"),
            &event("near", "Dentist", 2),
        )
        .await;
        put_new(
            &site,
            &format!("{base}later.ics"),
            &event("later", "Holiday", 40),
        )
        .await;
        let start = day(1);
        let weekly = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART:{start}T080000Z\r\nDTEND:{start}T083000Z\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Standup\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        put_new(&site, &format!("{base}weekly.ics"), &weekly).await;

        // Days 0..15 hold "near" and two instances of "weekly" (days 1 and 8; day 15 at 08:00 is past the end).
        let (from, to) = (day(0), day(15));
        let query = format!(
            r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                <D:prop><D:getetag/><C:calendar-data><C:expand start="{from}T000000Z" end="{to}T000000Z"/></C:calendar-data></D:prop>
                <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
                  <C:time-range start="{from}T000000Z" end="{to}T000000Z"/>
                </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#
        );
        let answer = report(&site, &base, &query).await;
        assert_eq!(
            answer.status,
            StatusCode::MULTI_STATUS,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let responses = answer.multistatus();
        assert_eq!(
            hrefs(&responses),
            vec![format!("{base}near.ics"), format!("{base}weekly.ics")]
        );
        let expanded = &responses
            .iter()
            .find(|r| r.href.ends_with("weekly.ics"))
            .unwrap();
        let data = &expanded.found(CALDAV, "calendar-data").text;
        assert!(
            !data.contains("RRULE"),
            "expanded data has no RRULE: {data}"
        );
        let instances: Vec<&str> = data
            .lines()
            .filter(|l| l.starts_with("RECURRENCE-ID"))
            .collect();
        assert_eq!(instances.len(), 2, "{data}");
        assert!(
            data.contains(&format!("RECURRENCE-ID:{}T080000Z", day(1))),
            "{data}"
        );
        assert!(
            data.contains(&format!("RECURRENCE-ID:{}T080000Z", day(8))),
            "{data}"
        );

        // text-match on SUMMARY, no time range.
        let query = r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
            <C:prop-filter name="SUMMARY"><C:text-match collation="i;ascii-casemap">HOLI</C:text-match></C:prop-filter>
            </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#;
        let responses = report(&site, &base, query).await.multistatus();
        assert_eq!(hrefs(&responses), vec![format!("{base}later.ics")]);

        // A filter without the VCALENDAR root is not valid.
        let bad = r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VEVENT"/></C:filter></C:calendar-query>"#;
        let answer = report(&site, &base, bad).await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-filter",
            "no VCALENDAR",
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn propfind_depth_1_lists_members_inside_the_window_only() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(&site, &format!("{base}soon.ics"), &event("soon", "Soon", 3)).await;
        put_new(
            &site,
            &format!("{base}ancient.ics"),
            &event("ancient", "Ancient", -900),
        )
        .await;
        put_new(
            &site,
            &format!("{base}distant.ics"),
            &event("distant", "Distant", 1200),
        )
        .await;
        let answer = send(
            &site.app,
            Call::new("PROPFIND", &base)
                .auth("alice", ALICE_PASSWORD)
                .depth("1")
                .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/></D:prop></D:propfind>"#),
        )
        .await;
        let responses = answer.multistatus();
        assert_eq!(
            hrefs(&responses),
            vec![base.clone(), format!("{base}soon.ics")]
        );
        let member = responses
            .iter()
            .find(|r| r.href.ends_with("soon.ics"))
            .unwrap();
        assert!(member
            .found(DAV, "getcontenttype")
            .text
            .starts_with("text/calendar"));
        // Outside the window, still reachable by its URL.
        assert_eq!(
            get(&site, &format!("{base}ancient.ics")).await.status,
            StatusCode::OK
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn free_busy_query_merges_busy_time_in_the_range() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(&site, &format!("{base}busy.ics"), &event("busy", "Busy", 2)).await;
        let transparent =
            event("free", "Free", 2).replace("SUMMARY:Free", "SUMMARY:Free\r\nTRANSP:TRANSPARENT");
        put_new(&site, &format!("{base}free.ics"), &transparent).await;
        let (from, to) = (day(0), day(7));
        let body = format!(
            r#"<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="{from}T000000Z" end="{to}T000000Z"/></C:free-busy-query>"#
        );
        let answer = report(&site, &base, &body).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(answer
            .header("content-type")
            .unwrap()
            .starts_with("text/calendar"));
        let text = String::from_utf8_lossy(&answer.body);
        assert!(text.contains("BEGIN:VFREEBUSY"), "{text}");
        let busy: Vec<&str> = text.lines().filter(|l| l.starts_with("FREEBUSY")).collect();
        assert_eq!(busy.len(), 1, "{text}");
        let d = day(2);
        assert_eq!(
            busy[0].trim_end(),
            format!("FREEBUSY:{d}T100000Z/{d}T110000Z"),
            "{text}"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn calendar_query_stops_at_max_event_results_with_507() {
    for db in common::databases().await {
        let overrides = [
            LAYOUT,
            &[("com.openexchange.calendar.maxEventResults", "2")],
        ]
        .concat();
        let site = site(&db.store, &overrides).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        for i in 0..3 {
            put_new(
                &site,
                &format!("{base}m{i}.ics"),
                &event(&format!("m{i}"), "M", i + 1),
            )
            .await;
        }
        let query = r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>
            </C:comp-filter></C:filter></C:calendar-query>"#;
        let responses = report(&site, &base, query).await.multistatus();
        let members = responses.iter().filter(|r| r.status.is_none()).count();
        assert_eq!(members, 2);
        let truncated: Vec<_> = responses.iter().filter(|r| r.status == Some(507)).collect();
        assert_eq!(truncated.len(), 1, "one 507 for the collection");
        assert_eq!(truncated[0].href, base);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn propname_allprop_and_infinite_depth_on_a_calendar() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let propfind = |body: &'static str, depth: &'static str| {
            let site = &site;
            let base = base.clone();
            async move {
                send(
                    &site.app,
                    Call::new("PROPFIND", &base)
                        .auth("alice", ALICE_PASSWORD)
                        .depth(depth)
                        .body(body),
                )
                .await
            }
        };
        let names = propfind(
            r#"<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>"#,
            "0",
        )
        .await;
        let collection = &names.multistatus()[0];
        for (ns, local) in [
            (DAV, "displayname"),
            (DAV, "sync-token"),
            (CALDAV, "supported-calendar-component-set"),
            (CALENDARSERVER, "getctag"),
        ] {
            let node = collection.found(ns, local);
            assert!(
                node.children.is_empty() && node.text.is_empty(),
                "{local} has no value in propname"
            );
        }
        let all = propfind(
            r#"<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#,
            "0",
        )
        .await;
        assert_eq!(
            all.multistatus()[0].found(DAV, "displayname").text,
            "Calendar"
        );
        let infinite = propfind(
            r#"<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#,
            "infinity",
        )
        .await;
        assert_precondition(
            &infinite,
            StatusCode::FORBIDDEN,
            DAV,
            "propfind-finite-depth",
            "infinity",
        );
        db.drop_database().await;
    }
}
