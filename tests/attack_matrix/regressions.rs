//! Focused tests of answers the attack matrix found wrong and that were fixed, each on
//! the plain two-user site.

use davgate::store::FolderModule;
use http::StatusCode;

use crate::common::caldav::{calendar_path, default_folder, LAYOUT};
use crate::common::http::*;

/// LOCK, UNLOCK, POST, PATCH and methods nobody defined are implemented on no resource:
/// 501 (RFC 7231 4.1), the same on a collection the user owns, one she may not see and
/// one that does not exist, so the answer tells nothing about the path. Without
/// credentials the answer stays 401.
#[tokio::test]
async fn methods_implemented_nowhere_answer_501_whatever_the_path() {
    for db in crate::common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let own =
            calendar_path(&default_folder(&db.store, &site.alice, FolderModule::Calendar).await);
        let bobs =
            calendar_path(&default_folder(&db.store, &site.bob, FolderModule::Calendar).await);
        for method in ["LOCK", "UNLOCK", "POST", "PATCH", "FROBNICATE"] {
            for path in ["/dav/", own.as_str(), bobs.as_str(), "/dav/caldav/nothing/"] {
                let answer = send(
                    &site.app,
                    Call::new(method, path).auth("alice", ALICE_PASSWORD),
                )
                .await;
                assert_eq!(
                    answer.status,
                    StatusCode::NOT_IMPLEMENTED,
                    "{}: {method} {path}",
                    db.label
                );
            }
            let anonymous = send(&site.app, Call::new(method, &own)).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", db.label);
        }
        let options = send(&site.app, Call::new("OPTIONS", "/dav/")).await;
        let allow = options.header("allow").expect("OPTIONS names the methods");
        assert!(
            !allow.contains("LOCK") && !allow.contains("POST"),
            "{allow}"
        );
    }
}
