//! Managed attachments (RFC 8607) through the real router, on SQLite and PostgreSQL:
//! what calendars tell clients about the attachments they take, and the download of an
//! attachment by whoever may read the event referring to it.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::store::{
    DynStore, Folder, FolderModule, Permission, Role, User, ATTACHMENT_CHUNK_BYTES,
};
use http::StatusCode;

const LIMIT_PROPS: &str = r#"<?xml version="1.0"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:max-attachment-size/><C:max-attachments-per-resource/></D:prop>
</D:propfind>"#;

/// The two limits as `path` shows them to alice.
async fn attachment_limits(site: &Site, path: &str) -> (String, String) {
    let answer = send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth("alice", ALICE_PASSWORD)
            .depth("0")
            .body(LIMIT_PROPS),
    )
    .await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{:?}", answer.body);
    let responses = answer.multistatus();
    assert_eq!(responses.len(), 1);
    let calendar = &responses[0];
    (
        calendar.found(CALDAV, "max-attachment-size").text.clone(),
        calendar
            .found(CALDAV, "max-attachments-per-resource")
            .text
            .clone(),
    )
}

#[tokio::test]
async fn calendars_show_the_shipped_attachment_limits() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        assert_eq!(
            attachment_limits(&site, &calendar_path(&calendar)).await,
            ("104857600".to_string(), "20".to_string())
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn calendars_show_configured_attachment_limits() {
    for db in common::databases().await {
        let mut overrides = LAYOUT.to_vec();
        overrides.push(("davgate.limits.maxAttachmentBytes", "5000000"));
        overrides.push(("davgate.limits.maxAttachmentsPerResource", "3"));
        let site = site(&db.store, &overrides).await;
        let tasks = default_folder(&db.store, &site.alice, FolderModule::Tasks).await;
        assert_eq!(
            attachment_limits(&site, &calendar_path(&tasks)).await,
            ("5000000".to_string(), "3".to_string())
        );
        db.drop_database().await;
    }
}

/// Stores `data` as the attachment `managed_id` of alice, referred to by `member` of
/// `folder`, chunk by chunk as an upload does.
async fn plant_attachment(
    store: &DynStore,
    alice: &User,
    folder: &Folder,
    member: &str,
    managed_id: &str,
    data: &[u8],
) {
    let ctx = alice.context_id;
    store
        .create_attachment(
            ctx,
            alice.id,
            managed_id,
            "Zebra \"plan\".pdf",
            "application/pdf",
        )
        .await
        .unwrap();
    for (seq, chunk) in data.chunks(ATTACHMENT_CHUNK_BYTES).enumerate() {
        store
            .append_attachment_chunk(ctx, managed_id, seq as i64, chunk, None)
            .await
            .unwrap();
    }
    store.finish_attachment(ctx, managed_id).await.unwrap();
    store
        .link_attachment(ctx, managed_id, folder.id, member)
        .await
        .unwrap();
}

async fn get_as(site: &Site, who: (&str, &str), path: &str) -> Answer {
    send(&site.app, Call::new("GET", path).auth(who.0, who.1)).await
}

#[tokio::test]
async fn an_attachment_is_served_byte_for_byte_to_those_who_may_read_its_event() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(&site, &format!("{base}plan.ics"), &event("plan", "Plan", 2)).await;
        put_new(
            &site,
            &format!("{base}other.ics"),
            &event("other", "Other", 3),
        )
        .await;
        let mut private = event("secret", "Secret", 4);
        private.insert_str(private.find("SUMMARY").unwrap(), "CLASS:PRIVATE\r\n");
        put_new(&site, &format!("{base}secret.ics"), &private).await;
        // A few MiB, not a multiple of the chunk size, no byte value repeating in step.
        let data: Vec<u8> = (0..3 * 1024 * 1024 + 12345u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        plant_attachment(
            &db.store,
            &site.alice,
            &calendar,
            "plan.ics",
            "m-plan",
            &data,
        )
        .await;
        plant_attachment(
            &db.store,
            &site.alice,
            &calendar,
            "secret.ics",
            "m-secret",
            b"hush",
        )
        .await;
        let url = format!("{base}plan.ics.attachments/m-plan");

        let answer = get(&site, &url).await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        assert_eq!(answer.body.len(), data.len());
        assert!(answer.body[..] == data[..], "the bytes come back as stored");
        assert_eq!(answer.header("content-type"), Some("application/pdf"));
        assert_eq!(
            answer.header("content-disposition"),
            Some("attachment; filename=\"Zebra _plan_.pdf\"; filename*=UTF-8''Zebra%20%22plan%22.pdf")
        );

        let head = send(
            &site.app,
            Call::new("HEAD", &url).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(head.status, StatusCode::OK);
        assert!(head.body.is_empty());

        // Another member of the calendar does not refer to it; unknown ids are not there.
        let elsewhere = get(&site, &format!("{base}other.ics.attachments/m-plan")).await;
        assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
        let unknown = get(&site, &format!("{base}plan.ics.attachments/m-none")).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        // Bob, without rights on alice's calendar, learns nothing of it.
        let bob = ("bob", BOB_PASSWORD);
        let refused = get_as(&site, bob, &url).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert!(!refused.body.windows(4).any(|w| w == &data[..4]));

        // As a viewer he gets the attachment of the public event, but not that of the
        // private one, which he sees only as busy time.
        db.store
            .set_permission(
                site.alice.context_id,
                calendar.id,
                Permission::for_role(site.bob.id, false, Role::Viewer),
            )
            .await
            .unwrap();
        let shared = get_as(&site, bob, &url).await;
        assert_eq!(shared.status, StatusCode::OK);
        assert!(shared.body[..] == data[..]);
        let secret_url = format!("{base}secret.ics.attachments/m-secret");
        assert_eq!(
            get_as(&site, bob, &secret_url).await.status,
            StatusCode::NOT_FOUND
        );
        let own = get(&site, &secret_url).await;
        assert_eq!((own.status, &own.body[..]), (StatusCode::OK, &b"hush"[..]));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn an_attachment_url_takes_no_writes_and_serves_no_unfinished_upload() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(&site, &format!("{base}plan.ics"), &event("plan", "Plan", 2)).await;
        plant_attachment(
            &db.store,
            &site.alice,
            &calendar,
            "plan.ics",
            "m-plan",
            b"kept",
        )
        .await;
        let url = format!("{base}plan.ics.attachments/m-plan");
        for method in ["PUT", "DELETE"] {
            let answer = send(
                &site.app,
                Call::new(method, &url)
                    .auth("alice", ALICE_PASSWORD)
                    .body(b"replaced".to_vec()),
            )
            .await;
            assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
            assert_eq!(answer.header("allow"), Some("OPTIONS, GET, HEAD"));
        }
        let kept = get(&site, &url).await;
        assert_eq!(
            (kept.status, &kept.body[..]),
            (StatusCode::OK, &b"kept"[..])
        );

        // An upload under way (not finished) is not served, even when referred to.
        let ctx = site.alice.context_id;
        db.store
            .create_attachment(
                ctx,
                site.alice.id,
                "m-partial",
                "part.bin",
                "application/octet-stream",
            )
            .await
            .unwrap();
        db.store
            .append_attachment_chunk(ctx, "m-partial", 0, b"half", None)
            .await
            .unwrap();
        db.store
            .link_attachment(ctx, "m-partial", calendar.id, "plan.ics")
            .await
            .unwrap();
        let partial = get(&site, &format!("{base}plan.ics.attachments/m-partial")).await;
        assert_eq!(partial.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn an_attendee_fetches_the_organizers_url_through_her_own_copy() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let base = calendar_path(&calendar);
        put_new(&site, &format!("{base}plan.ics"), &event("plan", "Plan", 2)).await;
        plant_attachment(
            &db.store,
            &site.alice,
            &calendar,
            "plan.ics",
            "m-plan",
            b"agenda",
        )
        .await;
        let url = format!("{base}plan.ics.attachments/m-plan");
        let bob = ("bob", BOB_PASSWORD);
        assert_eq!(get_as(&site, bob, &url).await.status, StatusCode::NOT_FOUND);

        // Bob's copy of the event (as scheduling delivers it) refers to the attachment:
        // the organizer's URL it carries now serves him.
        let bobs = default_folder(&db.store, &site.bob, FolderModule::Calendar).await;
        let copy = send(
            &site.app,
            Call::new("PUT", &format!("{}copy.ics", calendar_path(&bobs)))
                .auth("bob", BOB_PASSWORD)
                .header("content-type", "text/calendar")
                .body(event("plan", "Plan", 2).into_bytes()),
        )
        .await;
        assert_eq!(copy.status, StatusCode::CREATED);
        db.store
            .link_attachment(site.alice.context_id, "m-plan", bobs.id, "copy.ics")
            .await
            .unwrap();
        let fetched = get_as(&site, bob, &url).await;
        assert_eq!(
            (fetched.status, &fetched.body[..]),
            (StatusCode::OK, &b"agenda"[..])
        );
        // Alice's other events do not serve it under their names.
        put_new(
            &site,
            &format!("{base}other.ics"),
            &event("other", "Other", 3),
        )
        .await;
        let elsewhere = get(&site, &format!("{base}other.ics.attachments/m-plan")).await;
        assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}
