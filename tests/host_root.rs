//! The host root for clients given only the server's address, on SQLite and PostgreSQL:
//! with the DAV root below a prefix, PROPFIND on `/` is redirected there and OPTIONS on `/`
//! names the DAV classes; GET on `/` (a web application's page) answers as before; with the
//! DAV root at `/` itself, `/` is the DAV root.

mod common;

use common::caldav::LAYOUT;
use common::http::*;
use http::StatusCode;

#[tokio::test]
async fn propfind_on_the_host_root_leads_to_the_dav_root() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        for authenticated in [false, true] {
            let mut call = Call::new("PROPFIND", "/")
                .depth("0")
                .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>"#);
            if authenticated {
                call = call.auth("alice", ALICE_PASSWORD);
            }
            let answer = send(&site.app, call).await;
            assert_eq!(answer.status, StatusCode::MOVED_PERMANENTLY, "{}", db.label);
            assert_eq!(answer.header("location"), Some("/dav/"));
        }
        let options = send(&site.app, Call::new("OPTIONS", "/")).await;
        assert_eq!(options.status, StatusCode::OK);
        let dav = options
            .header("dav")
            .expect("OPTIONS / names the DAV classes");
        assert!(
            dav.contains("calendar-access") && dav.contains("addressbook"),
            "{dav}"
        );
        assert!(options.header("allow").unwrap().contains("PROPFIND"));

        // GET / is not DAV's: unchanged (credentials asked for, then nothing there).
        let get = send(&site.app, Call::new("GET", "/")).await;
        assert_eq!(get.status, StatusCode::UNAUTHORIZED);
        let get = send(
            &site.app,
            Call::new("GET", "/").auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(get.status, StatusCode::NOT_FOUND);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn with_the_dav_root_at_the_host_root_there_is_nothing_to_redirect() {
    let root_mount: &[(&str, &str)] = &[
        ("com.openexchange.dav.prefixPath", "/"),
        ("com.openexchange.dav.proxyPrefixPath", "/"),
    ];
    for db in common::databases().await {
        let site = site(&db.store, root_mount).await;
        let answer = send(
            &site.app,
            Call::new("PROPFIND", "/")
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>"#),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        assert!(responses[0].found(DAV, "current-user-principal").hrefs()[0]
            .starts_with("/principals/"));
        db.drop_database().await;
    }
}
