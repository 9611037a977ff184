//! WebDAV-Push on the aggregated address book (`/dav/carddav/Contacts/`), each user's own
//! view of the contact folders they may read. It advertises a topic of its own; a change
//! in a folder it spans is one message with its topic and the token PROPFIND shows; a
//! change in a folder its user cannot read is none, even though the change log marks
//! the subscription; sharing a folder with the user and taking it back (written into
//! the store, as another service would) are messages; unregistering stops them.

use std::time::Duration;

use davgate::store::{level, FolderId, FolderModule, Permission};
use davgate::sync_token::SpanToken;

use super::common::carddav::{vcard, MAC_CONTACTS};
use super::common::client::{Server, PASSWORD};
use super::service::{check_vapid, PushService, UserAgent};
use super::{config_dir, dav, dav_with, push_props_as, read, register_as, settle, start};

const BOOK: &str = "/dav/carddav/Contacts/";
/// The client the aggregated collection is meant for.
const AGENT: [(&str, &str); 1] = [("user-agent", MAC_CONTACTS)];

async fn put_contact(server: &Server, login: &str, folder: FolderId, name: &str) {
    let url = format!(
        "http://127.0.0.1:{}/dav/carddav/{folder}/{name}.vcf",
        server.port
    );
    let answer = super::client()
        .put(url)
        .basic_auth(login, Some(PASSWORD))
        .header("content-type", "text/vcard; charset=utf-8")
        .body(vcard(name, "Pushed Person", "pushed@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201, "PUT {name} as {login}");
}

/// The folders a token of the aggregated book spans.
fn spanned(token: &str) -> Vec<FolderId> {
    SpanToken::parse(token, 100)
        .unwrap_or_else(|| panic!("not an aggregated token: {token}"))
        .folders
}

#[tokio::test(flavor = "multi_thread")]
async fn the_aggregated_book_is_pushed_for_what_its_user_sees_only() {
    const WINDOW: u64 = 300;
    for t in super::common::client::targets().await {
        let push = PushService::start().await;
        let config = config_dir(WINDOW);
        let servers = start(&t, config.path());
        let (first, last) = (&servers[0], servers.last().unwrap());
        let alices = t.demo_default_folder("alice", FolderModule::Contacts).await;
        let bobs = t.demo_default_folder("bob", FolderModule::Contacts).await;
        let store = t.store().await;
        let alice = t.demo_user("alice").await;

        // The book advertises push with a topic of its own: stable across replicas, apart
        // from alice's folder's and from bob's book's.
        let (key, topic, token_before) = push_props_as(first, BOOK, "alice", &AGENT).await;
        assert_eq!(topic.len(), 22, "{}", t.label);
        assert_eq!(
            push_props_as(last, BOOK, "alice", &AGENT).await.1,
            topic,
            "{}",
            t.label
        );
        let folder_book = format!("/dav/carddav/{alices}/");
        assert_ne!(
            push_props_as(first, &folder_book, "alice", &[]).await.1,
            topic
        );
        let (_, bobs_topic, _) = push_props_as(first, BOOK, "bob", &AGENT).await;
        assert_ne!(bobs_topic, topic, "{}: the topic is per user", t.label);
        assert!(
            spanned(&token_before).contains(&alices) && !spanned(&token_before).contains(&bobs),
            "{}: {token_before}",
            t.label
        );

        // Registering: as on a folder (201, Location, Expires; again renews it); any
        // other POST body is refused (nobody may share the book).
        let ua = UserAgent::new();
        let location = register_as(first, BOOK, "alice", &ua, &push.url("alice"), None).await;
        assert_eq!(
            register_as(first, BOOK, "alice", &ua, &push.url("alice"), None).await,
            location
        );
        let other = dav(first, "POST", BOOK, "alice", Some("<x/>".into())).await;
        assert_eq!(other.status.as_u16(), 403, "{}", t.label);
        // bob's own book, registered alike: it shows that the dispatcher ran over the
        // changes below.
        let bobs_ua = UserAgent::new();
        register_as(first, BOOK, "bob", &bobs_ua, &push.url("bob"), None).await;

        // alice's change in her own folder: one message, with the book's topic and the
        // token PROPFIND shows now.
        put_contact(last, "alice", alices, "own-1").await;
        let got = push.wait_for("alice", 1, Duration::from_secs(15)).await;
        let (_, _, token_now) = push_props_as(first, BOOK, "alice", &AGENT).await;
        assert_ne!(token_now, token_before, "{}", t.label);
        let (message_topic, message_token) = read(&ua, &got[0]);
        assert_eq!(message_topic, topic, "{}", t.label);
        assert_eq!(message_token, token_now, "{}", t.label);
        assert_eq!(got[0].headers.get("topic").unwrap(), topic.as_str());
        check_vapid(&got[0], &key, &format!("http://127.0.0.1:{}", push.port));

        // bob's change in his folder, which alice cannot read: bob's book is pushed,
        // alice's is not (its token did not move for her).
        assert_eq!(
            dav(
                first,
                "PROPFIND",
                &format!("/dav/carddav/{bobs}/"),
                "alice",
                None
            )
            .await
            .status
            .as_u16(),
            404
        );
        put_contact(first, "bob", bobs, "bobs-1").await;
        let bobs_got = push.wait_for("bob", 1, Duration::from_secs(15)).await;
        let (_, bobs_token) = read(&bobs_ua, &bobs_got[0]);
        assert!(spanned(&bobs_token).contains(&bobs), "{bobs_token}");
        tokio::time::sleep(settle(WINDOW)).await;
        assert_eq!(
            push.received("alice").len(),
            1,
            "{}: nothing for a change alice cannot see",
            t.label
        );

        // bob's folder shared with alice, and taken back, by another writer of the store:
        // each changes what her book spans, so each is a message.
        let viewer = Permission {
            entity: alice.id,
            is_group: false,
            folder: level::SEE_FOLDER,
            read: level::ALL,
            write: level::NONE,
            delete: level::NONE,
            admin: false,
        };
        store
            .set_permission(alice.context_id, bobs, viewer)
            .await
            .unwrap();
        let got = push.wait_for("alice", 2, Duration::from_secs(15)).await;
        let (_, _, shared_token) = push_props_as(last, BOOK, "alice", &AGENT).await;
        assert!(spanned(&shared_token).contains(&bobs), "{shared_token}");
        assert_eq!(read(&ua, &got[1]), (topic.clone(), shared_token));
        store
            .remove_permission(alice.context_id, bobs, alice.id, false)
            .await
            .unwrap();
        let got = push.wait_for("alice", 3, Duration::from_secs(15)).await;
        let (_, _, unshared_token) = push_props_as(last, BOOK, "alice", &AGENT).await;
        assert!(
            !spanned(&unshared_token).contains(&bobs),
            "{unshared_token}"
        );
        assert_eq!(read(&ua, &got[2]), (topic.clone(), unshared_token));

        // A change in the folder she no longer sees: nothing.
        put_contact(first, "bob", bobs, "bobs-2").await;
        tokio::time::sleep(settle(WINDOW)).await;
        assert_eq!(
            push.received("alice").len(),
            3,
            "{}: nothing for a folder no longer shared",
            t.label
        );

        // Only alice may unregister; then her changes send nothing.
        assert_eq!(
            dav(first, "DELETE", &location, "bob", None)
                .await
                .status
                .as_u16(),
            404
        );
        assert_eq!(
            dav_with(last, "DELETE", &location, "alice", &AGENT, None)
                .await
                .status
                .as_u16(),
            204
        );
        put_contact(first, "alice", alices, "own-2").await;
        tokio::time::sleep(settle(WINDOW)).await;
        assert_eq!(
            push.received("alice").len(),
            3,
            "{}: nothing after DELETE",
            t.label
        );
        drop(servers);
        t.finish().await;
    }
}
