//! Folders where a user may read only her own members (OX "read own"), on SQLite and
//! PostgreSQL: sync-collection and free-busy-query cover only those members, deletions
//! of others' members included, and conditional requests answer with the permission's
//! status before any condition is looked at, so no answer confirms another user's ETag.

mod common;

use common::caldav::{
    assert_precondition, calendar_path, default_folder, event, needed_privileges, LAYOUT,
};
use common::carddav::*;
use common::http::*;
use davgate::store::level::{ALL, CREATE_OBJECTS, OWN};
use davgate::store::{FolderId, FolderModule, Permission};
use http::StatusCode;

/// alice's default calendar and contact folder, where bob has `bob_may`; each holds a
/// member of alice's (`alices`, another `alices-2`) and one of bob's (`bobs`).
struct Fixture {
    site: Site,
    calendar: String,
    book: String,
    contacts: FolderId,
    /// The quoted ETags of alice's `alices.ics` and `alices.vcf`.
    alices_etags: [String; 2],
}

fn bob_may(site: &Site, read: i32, write: i32, delete: i32) -> Permission {
    Permission {
        entity: site.bob.id,
        is_group: false,
        folder: CREATE_OBJECTS,
        read,
        write,
        delete,
        admin: false,
    }
}

async fn put_as(site: &Site, login: &str, path: &str) -> Answer {
    let name = path.rsplit('/').next().unwrap();
    let (uid, ext) = name.rsplit_once('.').unwrap();
    // alice's events are on day 2, bob's on day 3.
    let days = if login == "alice" { 2 } else { 3 };
    let (content_type, body) = member_body(ext, uid, days);
    send(
        &site.app,
        call("PUT", path, login)
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

/// The media type and body of a member named `<uid>.<ext>`; an event is `days` from today.
fn member_body(ext: &str, uid: &str, days: i64) -> (&'static str, String) {
    if ext == "ics" {
        ("text/calendar; charset=utf-8", event(uid, uid, days))
    } else {
        (
            "text/vcard; charset=utf-8",
            vcard(uid, "Some One", "one@example.com"),
        )
    }
}

async fn fixture(db: &common::TestDb, read: i32, write: i32, delete: i32) -> Fixture {
    let site = site(&db.store, LAYOUT).await;
    let ctx = site.alice.context_id;
    let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
    let contacts = contacts_folder(&db.store, &site.alice).await.id;
    for folder in [calendar.id, contacts] {
        db.store
            .set_permission(ctx, folder, bob_may(&site, read, write, delete))
            .await
            .unwrap();
    }
    let calendar = calendar_path(&calendar);
    let book = book_path(contacts);
    let mut alices_etags = Vec::new();
    for collection in [&calendar, &book] {
        let ext = if collection == &calendar {
            "ics"
        } else {
            "vcf"
        };
        for (login, name) in [("alice", "alices"), ("alice", "alices-2"), ("bob", "bobs")] {
            let put = put_as(&site, login, &format!("{collection}{name}.{ext}")).await;
            assert_eq!(put.status, StatusCode::CREATED, "{login} {name}.{ext}");
            if name == "alices" {
                alices_etags.push(put.header("etag").unwrap().to_owned());
            }
        }
    }
    Fixture {
        site,
        calendar,
        book,
        contacts,
        alices_etags: alices_etags.try_into().unwrap(),
    }
}

async fn sync(site: &Site, login: &str, path: &str, token: &str) -> Answer {
    send(
        &site.app,
        call("REPORT", path, login)
            .depth("1")
            .body(sync_body(token, None)),
    )
    .await
}

/// The hrefs a sync reported found and gone, each sorted; panics when the body names
/// any of alice's members.
fn bobs_view(answer: &Answer, what: &str) -> (Vec<String>, Vec<String>) {
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{what}");
    let body = String::from_utf8_lossy(&answer.body);
    assert!(
        !body.contains("alices"),
        "{what}: alice's members in {body}"
    );
    let (mut found, mut gone) = (Vec::new(), Vec::new());
    for response in answer.multistatus() {
        match response.status {
            Some(404) => gone.push(response.href),
            None => found.push(response.href),
            Some(other) => panic!("{what}: {} answered {other}", response.href),
        }
    }
    found.sort();
    gone.sort();
    (found, gone)
}

/// bob syncs alice's calendar and address book, folder by folder and through his
/// aggregated address book: he hears of his own members only, never of alice's, live
/// or deleted (by davgate or by another writer of the database), and when the folder
/// leaves his aggregated collection only his own members leave with it.
#[tokio::test]
async fn sync_reports_only_members_the_user_may_read() {
    for db in common::databases().await {
        let f = fixture(&db, OWN, OWN, OWN).await;
        let in_aggregated = |name: &str| format!("{AGGREGATED}{}~{name}", f.contacts);
        let collections = [
            (f.calendar.clone(), f.calendar.clone(), "ics"),
            (f.book.clone(), f.book.clone(), "vcf"),
            (
                AGGREGATED.to_owned(),
                format!("{AGGREGATED}{}~", f.contacts),
                "vcf",
            ),
        ];
        let mut tokens = Vec::new();
        for (collection, prefix, ext) in &collections {
            let what = format!("{}: initial sync of {collection}", db.label);
            let initial = sync(&f.site, "bob", collection, "").await;
            let (found, gone) = bobs_view(&initial, &what);
            assert!(found.contains(&format!("{prefix}bobs.{ext}")), "{what}");
            assert!(gone.is_empty(), "{what}");
            tokens.push(initial.sync_token());
        }

        // alice deletes one of hers through davgate, another writer deletes her other
        // one and bob's; both add one.
        for (collection, ext) in [(&f.calendar, "ics"), (&f.book, "vcf")] {
            let deleted = send(
                &f.site.app,
                call("DELETE", &format!("{collection}alices.{ext}"), "alice"),
            )
            .await;
            assert_eq!(deleted.status, StatusCode::NO_CONTENT);
            for (login, name) in [("alice", "alices-later"), ("bob", "bobs-later")] {
                let put = put_as(&f.site, login, &format!("{collection}{name}.{ext}")).await;
                assert_eq!(put.status, StatusCode::CREATED);
            }
        }
        db.raw_sql(
            "DELETE FROM objects WHERE resource_name IN \
             ('alices-2.ics', 'alices-2.vcf', 'bobs.ics', 'bobs.vcf')",
        )
        .await;

        for ((collection, prefix, ext), token) in collections.iter().zip(&tokens) {
            let what = format!("{}: sync of {collection} since {token}", db.label);
            let answer = sync(&f.site, "bob", collection, token).await;
            let (found, gone) = bobs_view(&answer, &what);
            assert!(
                found.contains(&format!("{prefix}bobs-later.{ext}")),
                "{what}: {found:?}"
            );
            assert_eq!(gone, [format!("{prefix}bobs.{ext}")], "{what}");
        }

        // bob hides alice's address book: of its members, only his own leave.
        let token = sync(&f.site, "bob", AGGREGATED, &tokens[2])
            .await
            .sync_token();
        set_user_config(
            &db.store,
            &f.site.bob,
            "com.openexchange.carddav.ignoreFolders",
            &f.contacts.to_string(),
        )
        .await;
        let answer = sync(&f.site, "bob", AGGREGATED, &token).await;
        let what = format!("{}: alice's book left bob's aggregated one", db.label);
        assert_eq!(
            bobs_view(&answer, &what),
            (vec![], vec![in_aggregated("bobs-later.vcf")]),
            "{what}"
        );
        db.drop_database().await;
    }
}

/// bob's free-busy-query on alice's calendar shows his own busy time, not hers.
#[tokio::test]
async fn free_busy_covers_only_members_the_user_may_read() {
    for db in common::databases().await {
        let f = fixture(&db, OWN, OWN, OWN).await;
        let (from, to) = (common::caldav::day(0), common::caldav::day(7));
        let body = format!(
            r#"<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="{from}T000000Z" end="{to}T000000Z"/></C:free-busy-query>"#
        );
        let answer = send(
            &f.site.app,
            call("REPORT", &f.calendar, "bob").depth("1").body(body),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", db.label);
        let text = String::from_utf8_lossy(&answer.body);
        let busy: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("FREEBUSY"))
            .map(str::trim_end)
            .collect();
        let bobs_day = common::caldav::day(3);
        assert_eq!(
            busy,
            [format!("FREEBUSY:{bobs_day}T100000Z/{bobs_day}T110000Z")],
            "{}: {text}",
            db.label
        );
        db.drop_database().await;
    }
}

/// `(header, value)` pairs: alice's true ETag and a wrong one, each as the condition.
fn guesses(name: &'static str, etag: &str) -> [(&'static str, String); 2] {
    [(name, etag.to_owned()), (name, "\"0000\"".to_owned())]
}

/// A member the caller may not read is not there for the caller: 404, as for a name
/// nothing has, whatever the request's conditions.
async fn assert_absent(site: &Site, request: Call<'_>, what: &str) {
    let answer = send(&site.app, request).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{what}");
}

async fn assert_refused(site: &Site, request: Call<'_>, href: &str, privilege: &str, what: &str) {
    let answer = send(&site.app, request).await;
    assert_precondition(&answer, StatusCode::FORBIDDEN, DAV, "need-privileges", what);
    assert_eq!(
        needed_privileges(&answer),
        [(href.to_owned(), privilege.to_owned())],
        "{what}"
    );
}

/// With read, write and delete on his own members only, bob gets 403 for writes to
/// alice's members and 404 for everything else, whether his If-Match / If-None-Match
/// names their true ETag or not.
#[tokio::test]
async fn conditions_on_unreadable_members_confirm_nothing() {
    for db in common::databases().await {
        let f = fixture(&db, OWN, OWN, OWN).await;
        for ((collection, ext), etag) in [(&f.calendar, "ics"), (&f.book, "vcf")]
            .into_iter()
            .zip(&f.alices_etags)
        {
            let alices = format!("{collection}alices.{ext}");
            let (content_type, body) = member_body(ext, "alices", 4);
            for (header, value) in guesses("if-match", etag) {
                let what = format!("{}: PUT {alices} {header} {value}", db.label);
                let put = call("PUT", &alices, "bob")
                    .header("content-type", content_type)
                    .header(header, value.clone())
                    .body(body.clone());
                assert_refused(&f.site, put, &alices, "write-content", &what).await;
                let what = format!("{}: DELETE {alices} {header} {value}", db.label);
                let delete = call("DELETE", &alices, "bob").header(header, value.clone());
                assert_absent(&f.site, delete, &what).await;
            }
            for (header, value) in guesses("if-none-match", etag) {
                for method in ["GET", "HEAD"] {
                    let what = format!("{}: {method} {alices} {header} {value}", db.label);
                    let get = call(method, &alices, "bob").header(header, value.clone());
                    assert_absent(&f.site, get, &what).await;
                }
            }
            if ext == "ics" {
                for method in ["COPY", "MOVE"] {
                    for (header, value) in guesses("if-match", etag) {
                        let what = format!("{}: {method} {alices} {header} {value}", db.label);
                        let request = call(method, &alices, "bob")
                            .header("destination", format!("{collection}bobs-copy.ics"))
                            .header(header, value.clone());
                        assert_absent(&f.site, request, &what).await;
                    }
                }
            }
            let still = send(&f.site.app, call("GET", &alices, "alice")).await;
            assert_eq!(
                still.header("etag"),
                Some(etag.as_str()),
                "{alices} unchanged"
            );
        }
        db.drop_database().await;
    }
}

/// bob may read everything but change and delete only his own: alice's members get the
/// permission's 403 under a wrong If-Match too, and so does a COPY onto one of them
/// with `Overwrite: F`.
#[tokio::test]
async fn the_permission_is_checked_before_the_condition() {
    for db in common::databases().await {
        let f = fixture(&db, ALL, OWN, OWN).await;
        for (collection, ext) in [(&f.calendar, "ics"), (&f.book, "vcf")] {
            let alices = format!("{collection}alices.{ext}");
            let wrong = "\"0000\"";
            let (content_type, body) = member_body(ext, "alices", 4);
            let put = call("PUT", &alices, "bob")
                .header("if-match", wrong)
                .header("content-type", content_type)
                .body(body);
            let what = format!("{}: PUT {alices}", db.label);
            assert_refused(&f.site, put, &alices, "write-content", &what).await;
            let delete = call("DELETE", &alices, "bob").header("if-match", wrong);
            let what = format!("{}: DELETE {alices}", db.label);
            assert_refused(&f.site, delete, &alices, "unbind", &what).await;
        }
        let alices = format!("{}alices.ics", f.calendar);
        let moved = call("MOVE", &alices, "bob")
            .header("destination", format!("{}moved.ics", f.calendar))
            .header("if-match", "\"0000\"");
        let what = format!("{}: MOVE {alices}", db.label);
        assert_refused(&f.site, moved, &alices, "unbind", &what).await;
        let bobs = format!("{}bobs.ics", f.calendar);
        let copied = call("COPY", &bobs, "bob")
            .header("destination", alices.clone())
            .header("overwrite", "F");
        let what = format!("{}: COPY onto {alices}", db.label);
        assert_refused(&f.site, copied, &alices, "write-content", &what).await;
        db.drop_database().await;
    }
}

/// bob may change and delete every member but read only his own: a condition on one of
/// alice's members is not evaluated for him (403 read), so it confirms no ETag, and
/// nothing is changed.
#[tokio::test]
async fn conditions_need_the_right_to_read_the_member() {
    for db in common::databases().await {
        let f = fixture(&db, OWN, ALL, ALL).await;
        let alices = format!("{}alices.ics", f.calendar);
        let etag = &f.alices_etags[0];
        for (header, value) in guesses("if-match", etag) {
            let what = format!("{}: PUT {alices} {value}", db.label);
            let put = call("PUT", &alices, "bob")
                .header(header, value.clone())
                .header("content-type", "text/calendar; charset=utf-8")
                .body(event("alices", "Overwritten", 4));
            assert_refused(&f.site, put, &alices, "read", &what).await;
            let what = format!("{}: DELETE {alices} {value}", db.label);
            let delete = call("DELETE", &alices, "bob").header(header, value.clone());
            assert_absent(&f.site, delete, &what).await;
        }
        let still = send(&f.site.app, call("GET", &alices, "alice")).await;
        assert_eq!(still.header("etag"), Some(etag.as_str()));
        db.drop_database().await;
    }
}
