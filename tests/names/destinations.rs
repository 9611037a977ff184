//! COPY and MOVE to a Destination on another server get 502 Bad Gateway (RFC 4918
//! 9.8.5, 9.9.4) and change nothing. "This server" is the host the request was sent to:
//! its Host header, and the last X-Forwarded-Host value when davgate trusts the proxy
//! to set it; a Destination that is a path is always on this server.

use davgate::store::FolderModule;
use http::StatusCode;

use super::{mkcalendar, ALICE};
use crate::common;
use crate::common::caldav::*;
use crate::common::http::*;

/// COPY or MOVE of `source` as alice with these headers.
async fn transfer(site: &Site, method: &str, source: &str, headers: &[(&str, &str)]) -> Answer {
    let mut call = Call::new(method, source).auth(ALICE.0, ALICE.1);
    for (name, value) in headers {
        call = call.header(name, *value);
    }
    send(&site.app, call).await
}

#[tokio::test]
async fn a_destination_on_another_host_gets_bad_gateway() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let collection = calendar_path(&calendar);
        let what = db.label;
        let source = format!("{collection}source.ics");
        put_new(&site, &source, &event("source", "S", 1)).await;
        // Copies go to another calendar: the UID is taken in this one.
        let other = "/dav/caldav/other/";
        assert_eq!(
            mkcalendar(&site, ALICE, other, None).await.status,
            StatusCode::CREATED
        );
        let target = format!("{other}target.ics");

        for method in ["COPY", "MOVE"] {
            for (host, destination) in [
                (
                    "dav.example.com",
                    format!("https://other.example.org{target}"),
                ),
                (
                    "dav.example.com",
                    format!("https://dav.example.com:8443{target}"),
                ),
                (
                    "dav.example.com",
                    format!("https://dav.example.com.evil.org{target}"),
                ),
                // A request that names no host cannot tell a URL on this server.
                ("", format!("https://dav.example.com{target}")),
            ] {
                let mut headers = vec![("destination", destination.as_str())];
                if !host.is_empty() {
                    headers.push(("host", host));
                }
                let answer = transfer(&site, method, &source, &headers).await;
                assert_eq!(
                    answer.status,
                    StatusCode::BAD_GATEWAY,
                    "{what}: {method} to {destination} (Host {host})"
                );
            }
        }
        assert_eq!(
            get(&site, &target).await.status,
            StatusCode::NOT_FOUND,
            "{what}"
        );
        assert_eq!(get(&site, &source).await.status, StatusCode::OK, "{what}");

        // The request's own host, in any case and with its default port, is this server,
        // and so is a Destination given as a path.
        for (i, destination) in [
            format!("https://DAV.Example.com:443{other}copy-0.ics"),
            format!("http://dav.example.com{other}copy-1.ics"),
            format!("{other}copy-2.ics"),
        ]
        .into_iter()
        .enumerate()
        {
            let answer = transfer(
                &site,
                "COPY",
                &source,
                &[("host", "dav.example.com"), ("destination", &destination)],
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::CREATED,
                "{what}: to {destination}"
            );
            let copy = format!("{other}copy-{i}.ics");
            assert_eq!(get(&site, &copy).await.status, StatusCode::OK, "{what}");
            let answer = send(&site.app, Call::new("DELETE", &copy).auth(ALICE.0, ALICE.1)).await;
            assert_eq!(answer.status, StatusCode::NO_CONTENT, "{what}");
        }
        // Outside the DAV namespace of this host: not a resource davgate serves.
        let answer = transfer(
            &site,
            "MOVE",
            &source,
            &[
                ("host", "dav.example.com"),
                ("destination", "https://dav.example.com/webmail/a.ics"),
            ],
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{what}");
        assert_eq!(get(&site, &source).await.status, StatusCode::OK, "{what}");
        db.drop_database().await;
    }
}

/// Behind a proxy that sends its own Host (davgate:8080) and the client's in
/// X-Forwarded-Host: only with davgate.trustForwardedHost does the client's host count,
/// and then only the value the proxy appended last.
#[tokio::test]
async fn the_forwarded_host_counts_only_when_trusted() {
    for trusted in [false, true] {
        for db in common::databases().await {
            let mut overrides = LAYOUT.to_vec();
            if trusted {
                overrides.push(("davgate.trustForwardedHost", "true"));
            }
            let site = site(&db.store, &overrides).await;
            let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
            let collection = calendar_path(&calendar);
            let what = format!("{} trusted={trusted}", db.label);
            let source = format!("{collection}source.ics");
            put_new(&site, &source, &event("source", "S", 1)).await;

            let other = "/dav/caldav/other/";
            assert_eq!(
                mkcalendar(&site, ALICE, other, None).await.status,
                StatusCode::CREATED
            );
            let to_client_host = format!("https://dav.example.com{other}moved.ics");
            let answer = transfer(
                &site,
                "MOVE",
                &source,
                &[
                    ("host", "davgate:8080"),
                    ("x-forwarded-host", "dav.example.com"),
                    ("destination", &to_client_host),
                ],
            )
            .await;
            let expected = if trusted {
                StatusCode::CREATED
            } else {
                StatusCode::BAD_GATEWAY
            };
            assert_eq!(answer.status, expected, "{what}");

            // A client's own X-Forwarded-Host comes before the proxy's and counts for
            // nothing.
            let moved = if trusted {
                format!("{other}moved.ics")
            } else {
                source.clone()
            };
            let answer = transfer(
                &site,
                "COPY",
                &moved,
                &[
                    ("host", "davgate:8080"),
                    ("x-forwarded-host", "other.example.org, dav.example.com"),
                    (
                        "destination",
                        &format!("https://other.example.org{collection}spoofed.ics"),
                    ),
                ],
            )
            .await;
            assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{what}");
            assert_eq!(get(&site, &moved).await.status, StatusCode::OK, "{what}");
            db.drop_database().await;
        }
    }
}
