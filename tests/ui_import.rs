//! Importing files into collections and exporting them from the browser page, through
//! the real router on SQLite and PostgreSQL: the NDJSON progress stream, each item
//! stored as a PUT would store it or refused with the reason, the bound on items, and
//! exports that import again whole.

mod common;

use common::caldav::{day, default_folder, get, LAYOUT};
use common::http::*;
use common::ui::*;
use davgate::store::{FolderModule, User};
use http::StatusCode;
use serde_json::Value;

/// An iCalendar file of `count` events (UIDs `<prefix>-<n>`), with a time zone the
/// events name and an override of the first one's second instance.
fn calendar_file(prefix: &str, count: usize) -> String {
    let mut file = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
         BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n\
         TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
         END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\n\
         TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n",
    );
    for n in 0..count {
        let d = day(1 + (n % 300) as i64);
        file.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{prefix}-{n}\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART;TZID=Europe/Berlin:{d}T100000\r\nDURATION:PT1H\r\nSUMMARY:Event {n}\r\n{}END:VEVENT\r\n",
            if n == 0 { "RRULE:FREQ=DAILY;COUNT=3\r\n" } else { "" }
        ));
    }
    let second = day(2);
    file.push_str(&format!(
        "BEGIN:VEVENT\r\nUID:{prefix}-0\r\nRECURRENCE-ID;TZID=Europe/Berlin:{second}T100000\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{second}T120000\r\nDURATION:PT1H\r\n\
         SUMMARY:Moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ));
    file
}

/// Posts `file` to the import of collection `id` as the page's script does; the
/// status and the NDJSON lines.
async fn import(
    browser: &mut Browser,
    app: &axum::Router,
    id: i64,
    file: &str,
    csrf: &str,
) -> (StatusCode, Vec<Value>, String) {
    let origin = browser.origin();
    let answer = browser
        .request(
            app,
            "POST",
            &format!("{UI}/collections/{id}/import"),
            &[
                ("x-csrf-token", csrf),
                ("origin", &origin),
                ("content-type", "text/calendar"),
            ],
            file.as_bytes().to_vec(),
        )
        .await;
    let text = answer.text();
    let lines = if answer.status == StatusCode::OK {
        assert_eq!(
            answer.headers.get("content-type").unwrap(),
            "application/x-ndjson"
        );
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    } else {
        Vec::new()
    };
    (answer.status, lines, text)
}

fn items(lines: &[Value], status: &str) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| l["type"] == "item" && l["status"] == status)
        .cloned()
        .collect()
}

async fn members(site: &Site, user: &User, folder: i64) -> i64 {
    site.store
        .member_counts(user.context_id, &[folder])
        .await
        .unwrap()
        .get(&folder)
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_thousand_events_import_and_export_again() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        let (status, lines, text) = import(
            &mut browser,
            app,
            calendar.id,
            &calendar_file("big", 1000),
            &csrf,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {text}", db.label);
        assert_eq!(
            lines[0],
            serde_json::json!({"type": "start", "items": 1000})
        );
        assert_eq!(
            items(&lines, "stored").len(),
            1000,
            "{:?}",
            items(&lines, "refused").first()
        );
        assert_eq!(
            lines.last().unwrap(),
            &serde_json::json!({"type": "end", "stored": 1000, "refused": 0})
        );
        assert_eq!(
            lines[1000]["n"], 1000,
            "the last item reports the end of the bar"
        );
        assert_eq!(members(&site, &site.alice, calendar.id).await, 1000);

        // The master and its override are one calendar object, with the zone it names,
        // served to CalDAV clients as a PUT would have stored it.
        let first = get(&site, &format!("/dav/caldav/{}/big-0.ics", calendar.id)).await;
        assert_eq!(first.status, StatusCode::OK);
        let first = String::from_utf8_lossy(&first.body).into_owned();
        assert_eq!(first.matches("BEGIN:VEVENT").count(), 2, "{first}");
        assert!(first.contains("TZID:Europe/Berlin"));

        // The export holds every event once and the zone once, and imports whole again.
        let export = browser
            .get(app, &format!("{UI}/collections/{}/export", calendar.id))
            .await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(export
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/calendar"));
        assert!(export
            .headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains(".ics"));
        let exported = export.text();
        assert!(
            exported.starts_with("BEGIN:VCALENDAR\r\n") && exported.ends_with("END:VCALENDAR\r\n")
        );
        assert_eq!(exported.matches("BEGIN:VEVENT").count(), 1001);
        assert_eq!(exported.matches("BEGIN:VTIMEZONE").count(), 1);
        let made = browser
            .post(
                app,
                &format!("{UI}/collections"),
                &[("csrf", &csrf), ("kind", "calendar"), ("name", "Copy")],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let copy = site
            .store
            .folders(site.alice.context_id)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.name == "Copy")
            .unwrap();
        let (status, lines, _) = import(&mut browser, app, copy.id, &exported, &csrf).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(items(&lines, "stored").len(), 1000);
        assert_eq!(members(&site, &site.alice, copy.id).await, 1000);

        // Importing the same file again stores nothing twice: each item says why.
        let (_, lines, _) =
            import(&mut browser, app, copy.id, &calendar_file("big", 3), &csrf).await;
        let refused = items(&lines, "refused");
        assert_eq!(refused.len(), 3);
        assert_eq!(refused[0]["reason"], "an item of this name exists already");
        assert_eq!(members(&site, &site.alice, copy.id).await, 1000);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn refusals_are_reported_per_item() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[LAYOUT[0], LAYOUT[1], ("davgate.limits.maxImportItems", "4")],
        )
        .await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        let d = day(3);
        let file = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
             BEGIN:VEVENT\r\nUID:good-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nEND:VEVENT\r\n\
             BEGIN:VTODO\r\nUID:task-1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Not here\r\nEND:VTODO\r\n\
             BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nSUMMARY:No UID\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:good-2\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T120000Z\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:good-3\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T130000Z\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:good-4\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T140000Z\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n"
        );
        let (status, lines, text) = import(&mut browser, app, calendar.id, &file, &csrf).await;
        assert_eq!(status, StatusCode::OK, "{}: {text}", db.label);
        let stored: Vec<String> = items(&lines, "stored")
            .iter()
            .map(|l| l["uid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(stored, ["good-1", "good-2"]);
        let refused = items(&lines, "refused");
        assert_eq!(refused.len(), 4, "{refused:?}");
        assert_eq!(refused[0]["uid"], "task-1");
        assert!(
            refused[0]["reason"].as_str().unwrap().contains("VTODO"),
            "{}",
            refused[0]
        );
        assert_eq!(refused[1]["uid"], Value::Null);
        assert!(
            refused[1]["reason"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("uid"),
            "{}",
            refused[1]
        );
        for beyond in &refused[2..] {
            assert_eq!(
                beyond["reason"],
                "an import stores at most 4 items; import the rest in another file"
            );
        }
        assert_eq!(members(&site, &site.alice, calendar.id).await, 2);

        // A file of the wrong kind, a missing token, a collection of someone else's.
        let (status, _, text) = import(
            &mut browser,
            app,
            calendar.id,
            "BEGIN:VCARD\r\nEND:VCARD\r\n",
            &csrf,
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(text.contains("iCalendar files"));
        let (status, _, _) = import(
            &mut browser,
            app,
            calendar.id,
            &calendar_file("x", 1),
            "wrong",
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let bobs = default_folder(&site.store, &site.bob, FolderModule::Calendar).await;
        let (status, _, _) =
            import(&mut browser, app, bobs.id, &calendar_file("x", 1), &csrf).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let export = browser
            .get(app, &format!("{UI}/collections/{}/export", bobs.id))
            .await;
        assert_eq!(export.status, StatusCode::NOT_FOUND);
        assert_eq!(members(&site, &site.bob, bobs.id).await, 0);

        // Shared read-only: every item is refused for lack of the right.
        let mut bobs_browser = Browser::logged_in(app, "bob", BOB_PASSWORD).await;
        let bob_csrf = bobs_browser.csrf(app).await;
        let share = browser
            .post(
                app,
                &format!("{UI}/collections/{}/share", calendar.id),
                &[("csrf", &csrf), ("user", "bob"), ("role", "viewer")],
            )
            .await;
        assert_eq!(share.status, StatusCode::SEE_OTHER);
        let (status, lines, _) = import(
            &mut bobs_browser,
            app,
            calendar.id,
            &calendar_file("bob", 2),
            &bob_csrf,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let refused = items(&lines, "refused");
        assert_eq!(refused.len(), 2);
        assert_eq!(
            refused[0]["reason"],
            "you may not add items to this collection"
        );
        assert_eq!(members(&site, &site.alice, calendar.id).await, 2);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn vcards_import_and_export() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let book = default_folder(&site.store, &site.alice, FolderModule::Contacts).await;
        let file = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ann\r\nFN:Ann Example\r\nN:Example;Ann;;;\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:4.0\r\nUID:ben\r\nFN:Ben Example\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:9.9\r\nUID:bad\r\nFN:Bad\r\nEND:VCARD\r\n";
        let (status, lines, text) = import(&mut browser, app, book.id, file, &csrf).await;
        assert_eq!(status, StatusCode::OK, "{}: {text}", db.label);
        assert_eq!(items(&lines, "stored").len(), 2, "{lines:?}");
        let refused = items(&lines, "refused");
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0]["uid"], "bad");
        assert_eq!(members(&site, &site.alice, book.id).await, 2);
        let (status, _, _) =
            import(&mut browser, app, book.id, &calendar_file("c", 1), &csrf).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

        let export = browser
            .get(app, &format!("{UI}/collections/{}/export", book.id))
            .await;
        assert_eq!(export.status, StatusCode::OK);
        let exported = export.text();
        assert_eq!(exported.matches("BEGIN:VCARD").count(), 2);
        assert!(exported.contains("FN:Ann Example") && exported.contains("FN:Ben Example"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn imports_can_be_switched_off() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        set_user_config(&site.store, &site.alice, "davgate.ui.import", "false").await;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        assert!(!browser
            .get(app, &format!("{UI}/"))
            .await
            .text()
            .contains("Import a file"));
        let (status, _, text) = import(
            &mut browser,
            app,
            calendar.id,
            &calendar_file("off", 2),
            &csrf,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}", db.label);
        assert!(text.contains("importing is not offered"));
        assert_eq!(members(&site, &site.alice, calendar.id).await, 0);
        db.drop_database().await;
    }
}

/// An imported event may not link an attachment by a MANAGED-ID it did not get from
/// the server, as a client's PUT may not: the event is refused with the reason and
/// nothing is stored, while the other items of the file are.
#[tokio::test]
async fn imports_may_not_invent_managed_attachments() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let csrf = browser.csrf(app).await;
        let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
        let d = day(4);
        let file = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
             BEGIN:VEVENT\r\nUID:plain\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:linked\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T120000Z\r\n\
             ATTACH;MANAGED-ID=made-up;FILENAME=plan.pdf;SIZE=4:https://example.com/plan.pdf\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let (status, lines, text) = import(&mut browser, app, calendar.id, &file, &csrf).await;
        assert_eq!(status, StatusCode::OK, "{}: {text}", db.label);
        let stored: Vec<String> = items(&lines, "stored")
            .iter()
            .map(|l| l["uid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(stored, ["plain"], "{}: {text}", db.label);
        let refused = items(&lines, "refused");
        assert_eq!(refused.len(), 1, "{}: {text}", db.label);
        assert_eq!(refused[0]["uid"], "linked");
        assert!(
            refused[0]["reason"]
                .as_str()
                .unwrap()
                .contains("MANAGED-ID \"made-up\""),
            "{}",
            refused[0]
        );
        assert_eq!(members(&site, &site.alice, calendar.id).await, 1);
        db.drop_database().await;
    }
}
