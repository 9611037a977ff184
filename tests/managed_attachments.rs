//! Managed attachments (RFC 8607) through the real router, on SQLite and PostgreSQL:
//! what calendars tell clients about the attachments they take.

mod common;

use common::caldav::*;
use common::http::*;
use davgate::store::FolderModule;
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
