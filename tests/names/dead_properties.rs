//! Dead properties within bounds: one value, the number per resource and their total
//! size. A PROPPATCH beyond them fails as a whole with 507 in the propstat; values
//! stored beyond them earlier are not served, and the resource may always shrink.

use davgate::store::{DeadProperty, FolderModule};
use http::StatusCode;

use super::{incompressible, mkcalendar, ALICE};
use crate::common;
use crate::common::caldav::*;
use crate::common::http::*;

const NS: &str = "urn:example:props";

/// A PROPPATCH body: `set` (local name, text) and `remove` (local names) in {NS}.
fn propertyupdate(set: &[(&str, String)], remove: &[&str]) -> String {
    let mut body = format!(r#"<D:propertyupdate xmlns:D="DAV:" xmlns:X="{NS}">"#);
    for (name, value) in set {
        if *name == "displayname" {
            body.push_str(&format!(
                "<D:set><D:prop><D:displayname>{value}</D:displayname></D:prop></D:set>"
            ));
        } else {
            body.push_str(&format!(
                "<D:set><D:prop><X:{name}>{value}</X:{name}></D:prop></D:set>"
            ));
        }
    }
    for name in remove {
        body.push_str(&format!(
            "<D:remove><D:prop><X:{name}/></D:prop></D:remove>"
        ));
    }
    body.push_str("</D:propertyupdate>");
    body
}

/// PROPPATCH of `path` as alice: the status of each property, by local name.
async fn proppatch(site: &Site, path: &str, body: String) -> Vec<(String, u16)> {
    let answer = send(
        &site.app,
        Call::new("PROPPATCH", path)
            .auth(ALICE.0, ALICE.1)
            .body(body),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let mut statuses: Vec<(String, u16)> = answer.multistatus()[0]
        .props
        .iter()
        .map(|(status, prop)| (prop.local.clone(), *status))
        .collect();
    statuses.sort();
    statuses
}

/// The local names of the dead properties in {NS} stored on the folder, sorted.
async fn stored(site: &Site, folder: i64) -> Vec<String> {
    let mut names: Vec<String> = site
        .store
        .dead_properties(site.alice.context_id, folder, "")
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.namespace == NS)
        .map(|p| p.name)
        .collect();
    names.sort();
    names
}

fn statuses(expected: &[(&str, u16)]) -> Vec<(String, u16)> {
    let mut expected: Vec<(String, u16)> =
        expected.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    expected.sort();
    expected
}

#[tokio::test]
async fn a_value_beyond_the_limit_fails_the_whole_proppatch_with_507() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let what = db.label;
        // 64 KiB is the default; 70,000 bytes is beyond it.
        let big = "x".repeat(70_000);
        let answer = proppatch(
            &site,
            &path,
            propertyupdate(
                &[("big", big.clone()), ("displayname", "Renamed".into())],
                &[],
            ),
        )
        .await;
        assert_eq!(
            answer,
            statuses(&[("big", 507), ("displayname", 424)]),
            "{what}"
        );
        let answer = proppatch(
            &site,
            &path,
            propertyupdate(&[("displayname", big.clone())], &[]),
        )
        .await;
        assert_eq!(answer, statuses(&[("displayname", 507)]), "{what}");
        assert_eq!(
            stored(&site, calendar.id).await,
            Vec::<String>::new(),
            "{what}"
        );
        let folder = db
            .store
            .folder(calendar.context_id, calendar.id)
            .await
            .unwrap();
        assert_eq!(
            folder.name, calendar.name,
            "{what}: the display name is unchanged"
        );

        // MKCALENDAR with such a value creates nothing.
        let body = format!(
            r#"<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:X="{NS}"><D:set><D:prop><X:big>{big}</X:big></D:prop></D:set></C:mkcalendar>"#
        );
        let answer = send(
            &site.app,
            Call::new("MKCALENDAR", "/dav/caldav/big/")
                .auth(ALICE.0, ALICE.1)
                .body(body),
        )
        .await;
        assert_eq!(answer.status, StatusCode::INSUFFICIENT_STORAGE, "{what}");
        assert_eq!(
            mkcalendar(&site, ALICE, "/dav/caldav/big/", None)
                .await
                .status,
            StatusCode::CREATED,
            "{what}: the name is still free"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_number_and_total_size_of_dead_properties_are_bounded() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[
                LAYOUT[0],
                LAYOUT[1],
                ("davgate.limits.maxDeadPropertiesPerResource", "3"),
                ("davgate.limits.maxDeadPropertyBytesPerResource", "1000"),
            ],
        )
        .await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let what = db.label;
        let hundred = || "v".repeat(100);

        let three = [("a", hundred()), ("b", hundred()), ("c", hundred())];
        let answer = proppatch(&site, &path, propertyupdate(&three, &[])).await;
        assert_eq!(
            answer,
            statuses(&[("a", 200), ("b", 200), ("c", 200)]),
            "{what}"
        );
        // A fourth is refused, with the request's other change.
        let answer = proppatch(
            &site,
            &path,
            propertyupdate(&[("d", hundred()), ("displayname", "Four".into())], &[]),
        )
        .await;
        assert_eq!(
            answer,
            statuses(&[("d", 507), ("displayname", 424)]),
            "{what}"
        );
        assert_eq!(stored(&site, calendar.id).await, ["a", "b", "c"], "{what}");
        // Replacing one, or removing one and adding another, keeps the count.
        let answer = proppatch(&site, &path, propertyupdate(&[("a", hundred())], &[])).await;
        assert_eq!(answer, statuses(&[("a", 200)]), "{what}");
        let answer = proppatch(&site, &path, propertyupdate(&[("d", hundred())], &["a"])).await;
        assert_eq!(answer, statuses(&[("a", 200), ("d", 200)]), "{what}");
        assert_eq!(stored(&site, calendar.id).await, ["b", "c", "d"], "{what}");
        // 900 + 100 + 100 bytes of values are more than 1000.
        let answer = proppatch(&site, &path, propertyupdate(&[("b", "w".repeat(900))], &[])).await;
        assert_eq!(answer, statuses(&[("b", 507)]), "{what}");
        let values = db
            .store
            .dead_properties(calendar.context_id, calendar.id, "")
            .await
            .unwrap();
        assert!(
            values.iter().all(|p| p.value.len() <= 100),
            "{what}: {values:?}"
        );
        db.drop_database().await;
    }
}

/// Values stored before the bounds existed (here through the store itself, as another
/// writer or an older davgate did): a 1 MB value and 100 small ones. PROPFIND serves
/// only what the bounds allow; the resource cannot grow but may shrink.
#[tokio::test]
async fn values_stored_beyond_the_bounds_are_not_served() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let what = db.label;
        let mut legacy = vec![DeadProperty {
            namespace: NS.into(),
            name: "huge".into(),
            value: "h".repeat(1 << 20),
        }];
        legacy.extend((0..100).map(|i| DeadProperty {
            namespace: NS.into(),
            name: format!("p{i:03}"),
            value: "s".repeat(10),
        }));
        db.store
            .update_dead_properties(calendar.context_id, calendar.id, "", &legacy, &[])
            .await
            .unwrap();

        let answer = send(
            &site.app,
            Call::new("PROPFIND", "/dav/caldav/")
                .auth(ALICE.0, ALICE.1)
                .depth("1")
                .body(r#"<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{what}");
        assert!(
            answer.body.len() < 200_000,
            "{what}: {} bytes",
            answer.body.len()
        );
        let responses = answer.multistatus();
        let served: Vec<&str> = responses
            .iter()
            .find(|r| r.href == path)
            .unwrap()
            .props
            .iter()
            .filter(|(_, p)| p.ns == NS)
            .map(|(_, p)| p.local.as_str())
            .collect();
        let first: Vec<String> = (0..64).map(|i| format!("p{i:03}")).collect();
        assert_eq!(served, first, "{what}: the first 64 by name");

        let answer = send(
            &site.app,
            Call::new("PROPFIND", &path)
                .auth(ALICE.0, ALICE.1)
                .depth("0")
                .body(format!(
                    r#"<D:propfind xmlns:D="DAV:" xmlns:X="{NS}"><D:prop><X:huge/><X:p000/></D:prop></D:propfind>"#
                )),
        )
        .await;
        let response = &answer.multistatus()[0];
        assert_eq!(response.status_of(NS, "huge"), Some(404), "{what}");
        assert_eq!(response.status_of(NS, "p000"), Some(200), "{what}");

        let answer = proppatch(&site, &path, propertyupdate(&[("new", "n".into())], &[])).await;
        assert_eq!(answer, statuses(&[("new", 507)]), "{what}: no growth");
        let answer = proppatch(
            &site,
            &path,
            propertyupdate(&[("p000", "changed".into())], &["huge", "p099"]),
        )
        .await;
        assert_eq!(
            answer,
            statuses(&[("huge", 200), ("p000", 200), ("p099", 200)]),
            "{what}: shrinking works"
        );
        let left = stored(&site, calendar.id).await;
        assert_eq!(left.len(), 99, "{what}");
        assert!(!left.contains(&"huge".to_owned()), "{what}");
        db.drop_database().await;
    }
}

/// XML 1.0 allows no control characters but tab, line feed and carriage return: a
/// PROPPATCH or MKCALENDAR body that carries one (raw, or as a character reference the
/// parser lets through) is refused with 400 and stores nothing, so PostgreSQL never sees
/// a NUL and later PROPFIND answers stay well-formed.
#[tokio::test]
async fn control_characters_in_property_values_are_refused() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let what = db.label;
        for (name, value) in [
            ("raw-nul", "x\0y"),
            ("reference", "x&#1;y"),
            ("raw-escape", "x\u{1b}y"),
            ("displayname", "Bell&#7;"),
        ] {
            let body = propertyupdate(&[(name, value.to_owned())], &[]);
            let answer = send(
                &site.app,
                Call::new("PROPPATCH", &path)
                    .auth(ALICE.0, ALICE.1)
                    .body(body),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{what}: {name}: {}",
                String::from_utf8_lossy(&answer.body)
            );
        }
        let answer = mkcalendar(&site, ALICE, "/dav/caldav/bell/", Some("Bell&#7;")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{what}");

        assert_eq!(
            stored(&site, calendar.id).await,
            Vec::<String>::new(),
            "{what}"
        );
        let answer = send(
            &site.app,
            Call::new("PROPFIND", "/dav/caldav/")
                .auth(ALICE.0, ALICE.1)
                .depth("1")
                .body(r#"<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#),
        )
        .await;
        let body = String::from_utf8_lossy(&answer.body);
        assert!(
            !body
                .chars()
                .any(|c| c.is_control() && !"\t\n\r".contains(c)),
            "{what}: {body}"
        );
        assert!(answer
            .multistatus()
            .iter()
            .all(|r| r.href != "/dav/caldav/bell/"));
        db.drop_database().await;
    }
}

/// A dead property name that PostgreSQL could not index (a namespace of 3,000
/// characters) gets 507 in its propstat, like any name beyond
/// davgate.limits.maxPropertyNameBytes, and nothing is stored.
#[tokio::test]
async fn a_property_name_beyond_the_limit_gets_507() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
        let path = calendar_path(&calendar);
        let what = db.label;
        let namespace = format!("urn:{}", incompressible(3000));
        let body = format!(
            r#"<D:propertyupdate xmlns:D="DAV:" xmlns:L="{namespace}"><D:set><D:prop><L:long>1</L:long><D:displayname>Long</D:displayname></D:prop></D:set></D:propertyupdate>"#
        );
        let answer = proppatch(&site, &path, body).await;
        assert_eq!(
            answer,
            statuses(&[("displayname", 424), ("long", 507)]),
            "{what}"
        );
        let stored = db
            .store
            .dead_properties(calendar.context_id, calendar.id, "")
            .await
            .unwrap();
        assert!(stored.is_empty(), "{what}: {stored:?}");
        db.drop_database().await;
    }
}
