//! Managed attachments (RFC 8607) as iOS and macOS Calendar use them, through the real
//! router, on SQLite and PostgreSQL: POST `?action=attachment-add`, `-update` and
//! `-remove` (with `rid`) on an event, the ATTACH properties they write, the download,
//! and the limits, quota, permissions and client writes that must leave everything as
//! it was.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::store::{FolderModule, Permission, Role};
use http::StatusCode;

/// What macOS Calendar sends for a file dropped on an event.
fn upload<'a>(path: &'a str, file: &str, data: &[u8]) -> Call<'a> {
    Call::new("POST", path)
        .auth("alice", ALICE_PASSWORD)
        .header("content-type", "application/pdf")
        .header("content-disposition", format!("attachment;filename={file}"))
        .header("content-length", data.len().to_string())
        .body(data.to_vec())
}

/// The event's ATTACH lines, unfolded.
fn attach_lines(ics: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(ics).replace("\r\n ", "");
    text.lines()
        .filter(|l| l.starts_with("ATTACH"))
        .map(str::to_owned)
        .collect()
}

/// The path part of an ATTACH line's URL.
fn url_path(line: &str) -> String {
    let url = line
        .rsplit_once(":http")
        .map(|(_, u)| format!("http{u}"))
        .unwrap();
    let after_scheme = url.split_once("://").unwrap().1;
    after_scheme[after_scheme.find('/').unwrap()..]
        .trim()
        .to_owned()
}

fn bytes(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect()
}

#[tokio::test]
async fn an_attachment_is_added_updated_and_removed_with_the_event() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let event_path = format!("{base}plan.ics");
        put_new(&site, &event_path, &event("plan", "Plan", 2)).await;
        let options = send(
            &site.app,
            Call::new("OPTIONS", &event_path).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert!(options
            .header("dav")
            .unwrap()
            .contains("calendar-managed-attachments"));
        assert!(options.header("allow").unwrap().contains("POST"));

        // Add: 201 with the managed id, the attachment's URL and the event's new ETag.
        let first = bytes(700_000, 1);
        let add_uri = format!("{event_path}?action=attachment-add");
        let added = send(&site.app, upload(&add_uri, "agenda.pdf", &first)).await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
        let managed_id = added.header("cal-managed-id").unwrap().to_owned();
        let etag = added.header("etag").unwrap().to_owned();
        let stored = get(&site, &event_path).await;
        assert_eq!(stored.header("etag"), Some(etag.as_str()));
        let lines = attach_lines(&stored.body);
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        for part in [
            format!("MANAGED-ID={managed_id}"),
            "FILENAME=agenda.pdf".into(),
            "FMTTYPE=application/pdf".into(),
            format!("SIZE={}", first.len()),
        ] {
            assert!(line.contains(&part), "{part} in {line}");
        }
        let url = url_path(line);
        assert_eq!(added.header("location"), Some(url.as_str()));
        let fetched = get(&site, &url).await;
        assert_eq!(fetched.status, StatusCode::OK);
        assert!(
            fetched.body[..] == first[..],
            "the bytes come back as uploaded"
        );

        // Update: a new managed id and new bytes; the old URL is gone.
        let second = bytes(1000, 2);
        let update_uri = format!("{event_path}?action=attachment-update&managed-id={managed_id}");
        let updated = send(
            &site.app,
            upload(&update_uri, "agenda-v2.pdf", &second).header("prefer", "return=representation"),
        )
        .await;
        assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
        let new_id = updated.header("cal-managed-id").unwrap().to_owned();
        assert_ne!(new_id, managed_id);
        let lines = attach_lines(&updated.body);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(&format!("MANAGED-ID={new_id}")));
        assert!(lines[0].contains("FILENAME=agenda-v2.pdf") && lines[0].contains("SIZE=1000"));
        assert_eq!(get(&site, &url).await.status, StatusCode::NOT_FOUND);
        let new_url = url_path(&lines[0]);
        assert!(get(&site, &new_url).await.body[..] == second[..]);
        let ctx = site.alice.context_id;
        assert!(db
            .store
            .attachment(ctx, &managed_id)
            .await
            .unwrap()
            .is_none());

        // Remove: 204, the ATTACH and the bytes go.
        let remove_uri = format!("{event_path}?action=attachment-remove&managed-id={new_id}");
        let removed = send(
            &site.app,
            Call::new("POST", &remove_uri).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);
        assert!(attach_lines(&get(&site, &event_path).await.body).is_empty());
        assert_eq!(get(&site, &new_url).await.status, StatusCode::NOT_FOUND);
        assert!(db.store.attachment(ctx, &new_id).await.unwrap().is_none());

        // Removing it again names no attachment of the event.
        let again = send(
            &site.app,
            Call::new("POST", &remove_uri).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_precondition(
            &again,
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-managed-id-parameter",
            "remove twice",
        );
        db.drop_database().await;
    }
}

const RECURRING: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\n\
BEGIN:VEVENT\r\nUID:daily\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d1}T090000Z\r\nDURATION:PT1H\r\n\
RRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Stand-up\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:daily\r\n\
DTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:{d2}T090000Z\r\nDTSTART:{d2}T100000Z\r\nDURATION:PT1H\r\n\
SUMMARY:Stand-up (later)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[tokio::test]
async fn rid_puts_an_attachment_on_the_master_or_an_overridden_instance_only() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = format!("{}daily.ics", calendar_path(&calendar));
        let body = RECURRING.replace("{d1}", &day(1)).replace("{d2}", &day(2));
        put_new(&site, &path, &body).await;

        let on_override = format!("{path}?action=attachment-add&rid={}T090000Z", day(2));
        let added = send(&site.app, upload(&on_override, "notes.pdf", b"late")).await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
        let master = format!("{path}?action=attachment-add&rid=M");
        let added = send(&site.app, upload(&master, "all.pdf", b"every day")).await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
        let text = String::from_utf8(get(&site, &path).await.body.to_vec()).unwrap();
        let (master_part, override_part) = text.split_at(text.find("RECURRENCE-ID").unwrap());
        assert!(master_part.contains("FILENAME=all.pdf") && !master_part.contains("notes.pdf"));
        assert!(override_part.contains("FILENAME=notes.pdf") && !override_part.contains("all.pdf"));

        // An instance that is not overridden has no component to carry it: refused before
        // the upload, and the event is as it was.
        let before = get(&site, &path).await;
        let plain = format!("{path}?action=attachment-add&rid={}T090000Z", day(3));
        let refused = send(&site.app, upload(&plain, "x.pdf", b"x")).await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-rid-parameter",
            "plain instance",
        );
        let garbage = format!("{path}?action=attachment-add&rid=tomorrow");
        let refused = send(&site.app, upload(&garbage, "x.pdf", b"x")).await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-rid-parameter",
            "no date",
        );
        let after = get(&site, &path).await;
        assert_eq!(before.header("etag"), after.header("etag"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn limits_quota_and_permissions_refuse_an_upload_and_store_nothing() {
    for db in common::databases().await {
        let mut overrides = LAYOUT.to_vec();
        overrides.push(("davgate.limits.maxAttachmentBytes", "5000"));
        overrides.push(("davgate.limits.maxAttachmentsPerResource", "2"));
        let site = site(&db.store, &overrides).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = format!("{}plan.ics", calendar_path(&calendar));
        put_new(&site, &path, &event("plan", "Plan", 2)).await;
        let add = format!("{path}?action=attachment-add");
        let etag = get(&site, &path).await.header("etag").unwrap().to_owned();

        let big = send(&site.app, upload(&add, "big.pdf", &bytes(5001, 3))).await;
        assert_precondition(
            &big,
            StatusCode::PAYLOAD_TOO_LARGE,
            CALDAV,
            "max-attachment-size",
            "5001 bytes",
        );

        // The byte quota: what fits is stored, what does not is refused with what is left.
        set_user_config(&db.store, &site.alice, "davgate.quota.bytes", "4000").await;
        let over = send(&site.app, upload(&add, "over.pdf", &bytes(4500, 4))).await;
        assert_precondition(
            &over,
            StatusCode::INSUFFICIENT_STORAGE,
            "DAV:",
            "quota-not-exceeded",
            "quota",
        );
        assert_eq!(get(&site, &path).await.header("etag"), Some(etag.as_str()));

        // A client condition that no longer holds: 412 before the upload.
        let stale = send(
            &site.app,
            upload(&add, "a.pdf", b"a").header("if-match", "\"stale\""),
        )
        .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

        for file in ["one.pdf", "two.pdf"] {
            let ok = send(&site.app, upload(&add, file, b"fits")).await;
            assert_eq!(ok.status, StatusCode::CREATED, "{file}: {:?}", ok.body);
        }
        let third = send(&site.app, upload(&add, "three.pdf", b"fits")).await;
        assert_precondition(
            &third,
            StatusCode::FORBIDDEN,
            CALDAV,
            "max-attachments-per-resource",
            "third",
        );
        let kept = get(&site, &path).await;
        assert_eq!(attach_lines(&kept.body).len(), 2);

        // Bob may not change alice's event: unseen it is not there, as a viewer he lacks
        // write-content.
        let unseen = send(
            &site.app,
            upload(&add, "b.pdf", b"b").auth("bob", BOB_PASSWORD),
        )
        .await;
        assert_eq!(unseen.status, StatusCode::NOT_FOUND);
        db.store
            .set_permission(
                site.alice.context_id,
                calendar.id,
                Permission::for_role(site.bob.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let viewer = send(
            &site.app,
            upload(&add, "b.pdf", b"b").auth("bob", BOB_PASSWORD),
        )
        .await;
        assert_eq!(viewer.status, StatusCode::FORBIDDEN);
        assert_eq!(needed_privileges(&viewer)[0].1, "write-content");
        // A viewer's PUT naming a MANAGED-ID nobody uploaded is refused for its
        // privileges, as the same PUT without it would be, not for the id.
        let invented = String::from_utf8(kept.body.to_vec())
            .unwrap()
            .replace("SUMMARY:Plan", "SUMMARY:Mine")
            .replace("MANAGED-ID=", "MANAGED-ID=made-up-");
        let put_by_viewer = send(
            &site.app,
            Call::new("PUT", &path)
                .auth("bob", BOB_PASSWORD)
                .header("content-type", "text/calendar")
                .body(invented.into_bytes()),
        )
        .await;
        assert_eq!(put_by_viewer.status, StatusCode::FORBIDDEN);
        assert_eq!(needed_privileges(&put_by_viewer)[0].1, "write-content");
        assert_eq!(get(&site, &path).await.header("etag"), kept.header("etag"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn client_writes_keep_drop_or_may_not_invent_managed_attachments() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        let path = format!("{base}plan.ics");
        put_new(&site, &path, &event("plan", "Plan", 2)).await;
        let added = send(
            &site.app,
            upload(&format!("{path}?action=attachment-add"), "a.pdf", b"data"),
        )
        .await;
        let id = added.header("cal-managed-id").unwrap().to_owned();
        let stored = String::from_utf8(get(&site, &path).await.body.to_vec()).unwrap();
        let url = url_path(&attach_lines(stored.as_bytes())[0]);

        // The client changes the summary and sends the ATTACH back: the file stays.
        let renamed = stored.replace("SUMMARY:Plan", "SUMMARY:Plan B");
        let answer = put(&site, &path, &renamed, &[]).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{:?}", answer.body);
        assert_eq!(&get(&site, &url).await.body[..], b"data");

        // A MANAGED-ID nobody uploaded is refused, and so is alice's in bob's event.
        let invented = renamed.replace(&id, "made-up");
        let refused = put(&site, &path, &invented, &[]).await;
        assert_precondition(
            &refused,
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-managed-id",
            "invented",
        );
        let bobs = default_folder(&db.store, &site.bob, FolderModule::Calendar).await;
        let borrowed = renamed.replace("UID:plan", "UID:bobs");
        let answer = send(
            &site.app,
            Call::new("PUT", &format!("{}bobs.ics", calendar_path(&bobs)))
                .auth("bob", BOB_PASSWORD)
                .header("content-type", "text/calendar")
                .body(borrowed.into_bytes()),
        )
        .await;
        assert_precondition(
            &answer,
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-managed-id",
            "borrowed",
        );

        // The ATTACH dropped by the client: the file goes with it.
        put(&site, &path, &event("plan", "Plan C", 2), &[]).await;
        assert_eq!(get(&site, &url).await.status, StatusCode::NOT_FOUND);
        assert!(db
            .store
            .attachment(site.alice.context_id, &id)
            .await
            .unwrap()
            .is_none());

        // Deleting the event deletes its attachments.
        let added = send(
            &site.app,
            upload(&format!("{path}?action=attachment-add"), "b.pdf", b"more"),
        )
        .await;
        let id = added.header("cal-managed-id").unwrap().to_owned();
        let deleted = send(
            &site.app,
            Call::new("DELETE", &path).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert!(db
            .store
            .attachment(site.alice.context_id, &id)
            .await
            .unwrap()
            .is_none());
        db.drop_database().await;
    }
}
