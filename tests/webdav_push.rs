//! WebDAV-Push end to end: the built binary with a VAPID key, a push service on loopback
//! written here that decrypts what arrives (RFC 8291) with the subscription's keys and
//! checks its VAPID token (RFC 8292) against the key the collection advertises, on SQLite
//! and, when DAVGATE_TEST_DATABASE_URL is set, on PostgreSQL with two replicas. A change
//! on either replica is one message carrying the topic and the sync token PROPFIND
//! shows; unregistering, expiry and a push service's 410 stop messages; a bulk import
//! into the store is coalesced. The aggregated address book (`aggregated`) is pushed
//! only for changes its user sees.

mod common;

#[path = "webdav_push/service.rs"]
mod service;

#[path = "webdav_push/aggregated.rs"]
mod aggregated;

use std::path::Path;
use std::time::{Duration, Instant};

use common::client::{manifest_dir, start_demo_with, targets, Server, Target, PASSWORD};
use common::http::{parse_xml, Answer, DAV};
use davgate::store::{FolderModule, WriteCondition, WriteObject};
use service::{check_vapid, PushService, Received, UserAgent};

const PUSH: &str = "https://bitfire.at/webdav-push";

/// A configuration directory: the shipped one, plus WebDAV-Push with a new key, the
/// coalescing window `window_ms`, http push resources on loopback allowed, and a
/// subscription dropped at its second failure in a row.
fn config_dir(window_ms: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&manifest_dir().join("config"), dir.path());
    let secret = loop {
        if let Ok(key) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
            break key;
        }
    };
    use base64::Engine as _;
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret.to_bytes());
    // Files are read in name order, a later one winning: after the shipped davgate.yml.
    std::fs::write(
        dir.path().join("zz-push.yml"),
        format!(
            "davgate.push.vapidPrivateKey: \"{key}\"\ndavgate.push.coalesceMillis: {window_ms}\n\
             davgate.push.allowHttpLoopback: true\ndavgate.push.subject: \"mailto:ops@example.com\"\n\
             davgate.push.maxAttempts: 2\n"
        ),
    )
    .unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// An HTTP client (the process's TLS provider installed first, as reqwest needs).
fn client() -> reqwest::Client {
    davgate::tls::install_provider();
    reqwest::Client::new()
}

/// One server on SQLite; two replicas on one PostgreSQL database.
fn start(t: &Target, config: &Path) -> Vec<Server> {
    let replicas = if t.db.is_some() { 2 } else { 1 };
    (0..replicas)
        .map(|_| start_demo_with(t, config, &[("RUST_LOG", "warn")]))
        .collect()
}

async fn dav(
    server: &Server,
    method: &str,
    path: &str,
    login: &str,
    body: Option<String>,
) -> Answer {
    dav_with(server, method, path, login, &[], body).await
}

/// A request as `login` with the extra `headers`.
async fn dav_with(
    server: &Server,
    method: &str,
    path: &str,
    login: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Answer {
    let url = format!("http://127.0.0.1:{}{path}", server.port);
    let mut request = client()
        .request(method.parse().unwrap(), url)
        .basic_auth(login, Some(PASSWORD));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/xml; charset=utf-8")
            .body(body);
    }
    if method == "PROPFIND" {
        request = request.header("depth", "0");
    }
    let answer = request.send().await.unwrap();
    Answer {
        status: answer.status(),
        headers: answer.headers().clone(),
        body: answer.bytes().await.unwrap(),
    }
}

/// The collection's advertised VAPID key, topic and current sync token.
async fn push_props(server: &Server, path: &str) -> (String, String, String) {
    push_props_as(server, path, "alice", &[]).await
}

/// `push_props` as `login`, with the extra `headers`.
async fn push_props_as(
    server: &Server,
    path: &str,
    login: &str,
    headers: &[(&str, &str)],
) -> (String, String, String) {
    let body = format!(
        r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:P="{PUSH}"><D:prop><P:transports/><P:topic/><P:supported-triggers/><D:sync-token/></D:prop></D:propfind>"#
    );
    let answer = dav_with(server, "PROPFIND", path, login, headers, Some(body)).await;
    assert_eq!(answer.status.as_u16(), 207);
    let response = &answer.multistatus()[0];
    let key = response
        .found(PUSH, "transports")
        .child(PUSH, "web-push")
        .and_then(|w| w.child(PUSH, "vapid-public-key"))
        .expect("transports name web-push with the VAPID key");
    assert_eq!(key.attribute("type"), Some("p256ecdsa"));
    let topic = response.found(PUSH, "topic").text.clone();
    assert!(response
        .found(PUSH, "supported-triggers")
        .child(PUSH, "content-update")
        .is_some());
    let token = response.found(DAV, "sync-token").text.clone();
    (key.text.clone(), topic, token)
}

fn register_body(ua: &UserAgent, resource: &str, expires: Option<&str>) -> String {
    let expires = expires
        .map(|e| format!("<expires>{e}</expires>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<push-register xmlns="{PUSH}" xmlns:D="DAV:">
  <subscription><web-push-subscription>
    <push-resource>{resource}</push-resource>
    <content-encoding>aes128gcm</content-encoding>
    <subscription-public-key type="p256dh">{}</subscription-public-key>
    <auth-secret>{}</auth-secret>
  </web-push-subscription></subscription>
  <trigger><content-update><D:depth>1</D:depth></content-update></trigger>
  {expires}
</push-register>"#,
        ua.public_b64(),
        ua.auth_b64()
    )
}

/// Registers `resource` for `ua` on the calendar at `path`; the registration URL.
async fn register(
    server: &Server,
    path: &str,
    ua: &UserAgent,
    resource: &str,
    expires: Option<&str>,
) -> String {
    register_as(server, path, "alice", ua, resource, expires).await
}

/// `register` as `login`.
async fn register_as(
    server: &Server,
    path: &str,
    login: &str,
    ua: &UserAgent,
    resource: &str,
    expires: Option<&str>,
) -> String {
    let answer = dav(
        server,
        "POST",
        path,
        login,
        Some(register_body(ua, resource, expires)),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 201, "{:?}", answer.body);
    assert!(answer
        .header("expires")
        .is_some_and(|e| e.ends_with(" GMT")));
    let location = answer.header("location").expect("Location").to_owned();
    assert!(
        location.starts_with("/dav/push-subscriptions/"),
        "{location}"
    );
    location
}

async fn put_event(server: &Server, path: &str, name: &str) {
    let url = format!("http://127.0.0.1:{}{path}{name}.ics", server.port);
    let answer = client()
        .put(url)
        .basic_auth("alice", Some(PASSWORD))
        .header("content-type", "text/calendar; charset=utf-8")
        .body(common::caldav::event(name, "Pushed", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
}

/// The topic and sync token a message carries, decrypted by the user agent.
fn read(ua: &UserAgent, message: &Received) -> (String, String) {
    let plaintext = ua.decrypt(&message.body);
    let root = parse_xml(&plaintext);
    assert!(
        root.is(PUSH, "push-message"),
        "{}",
        String::from_utf8_lossy(&plaintext)
    );
    let topic = root.child(PUSH, "topic").expect("topic").text.clone();
    let token = root
        .child(PUSH, "content-update")
        .and_then(|u| u.child(DAV, "sync-token"))
        .expect("content-update with the sync token")
        .text
        .clone();
    (topic, token)
}

/// Long enough for any message the window let through to arrive.
fn settle(window_ms: u64) -> Duration {
    Duration::from_millis(window_ms * 3 + 1500)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_on_either_replica_is_pushed_once_encrypted_and_signed() {
    const WINDOW: u64 = 300;
    for t in targets().await {
        let push = PushService::start().await;
        let config = config_dir(WINDOW);
        let servers = start(&t, config.path());
        let folder = t.demo_default_folder("alice", FolderModule::Calendar).await;
        let path = format!("/dav/caldav/{folder}/");
        let (key, topic, _) = push_props(&servers[0], &path).await;
        for replica in &servers[1..] {
            let (other_key, other_topic, _) = push_props(replica, &path).await;
            assert_eq!((other_key, other_topic), (key.clone(), topic.clone()));
        }
        assert_eq!(topic.len(), 22, "{}: topic {topic}", t.label);

        // Who may not see the calendar cannot subscribe to it; http elsewhere than on
        // loopback is refused.
        let ua = UserAgent::new();
        let body = register_body(&ua, &push.url("alice"), None);
        let stranger = dav(&servers[0], "POST", &path, "bob", Some(body)).await;
        assert_eq!(stranger.status.as_u16(), 404, "{}", t.label);
        let plain = register_body(&ua, "http://push.example.net/x", None);
        let refused = dav(&servers[0], "POST", &path, "alice", Some(plain)).await;
        assert_eq!(refused.status.as_u16(), 403, "{}", t.label);
        assert!(parse_xml(&refused.body)
            .child(PUSH, "invalid-subscription")
            .is_some());

        let location = register(&servers[0], &path, &ua, &push.url("alice"), None).await;
        for (n, server) in servers.iter().enumerate() {
            put_event(server, &path, &format!("push-{n}")).await;
            let got = push.wait_for("alice", n + 1, Duration::from_secs(15)).await;
            let (_, _, token_now) = push_props(server, &path).await;
            let (message_topic, message_token) = read(&ua, &got[n]);
            assert_eq!(message_topic, topic, "{}", t.label);
            assert_eq!(
                message_token, token_now,
                "{}: the message names the new sync token",
                t.label
            );
            check_vapid(&got[n], &key, &format!("http://127.0.0.1:{}", push.port));
            assert_eq!(got[n].headers.get("topic").unwrap(), topic.as_str());
        }
        tokio::time::sleep(settle(WINDOW)).await;
        assert_eq!(
            push.received("alice").len(),
            servers.len(),
            "{}: one message per change",
            t.label
        );

        // Registering the same push resource again renews it under the same URL.
        assert_eq!(
            register(&servers[0], &path, &ua, &push.url("alice"), None).await,
            location
        );
        // Only alice may unregister it; then changes send nothing.
        assert_eq!(
            dav(&servers[0], "DELETE", &location, "bob", None)
                .await
                .status
                .as_u16(),
            404
        );
        let last = servers.last().unwrap();
        assert_eq!(
            dav(last, "DELETE", &location, "alice", None)
                .await
                .status
                .as_u16(),
            204
        );
        assert_eq!(
            dav(last, "DELETE", &location, "alice", None)
                .await
                .status
                .as_u16(),
            404
        );
        put_event(&servers[0], &path, "after-unregister").await;
        tokio::time::sleep(settle(WINDOW)).await;
        assert_eq!(
            push.received("alice").len(),
            servers.len(),
            "{}: nothing after DELETE",
            t.label
        );
        drop(servers);
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_gone_and_failing_subscriptions_get_no_more_messages() {
    const WINDOW: u64 = 200;
    for t in targets().await {
        let push = PushService::start().await;
        let config = config_dir(WINDOW);
        let servers = start(&t, config.path());
        let folder = t.demo_default_folder("alice", FolderModule::Calendar).await;
        let path = format!("/dav/caldav/{folder}/");
        let short = UserAgent::new();
        let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(3);
        let imf = soon
            .format(time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            ))
            .unwrap();
        register(&servers[0], &path, &short, &push.url("short"), Some(&imf)).await;
        let gone = UserAgent::new();
        register(&servers[0], &path, &gone, &push.url("gone-1"), None).await;
        put_event(&servers[0], &path, "first").await;
        push.wait_for("short", 1, Duration::from_secs(15)).await;
        push.wait_for("gone-1", 1, Duration::from_secs(15)).await;
        // The push service said 410: that subscription is dropped; the other expires.
        tokio::time::sleep(Duration::from_secs(4)).await;
        put_event(&servers[0], &path, "second").await;
        tokio::time::sleep(settle(WINDOW)).await;
        assert_eq!(
            push.received("short").len(),
            1,
            "{}: nothing after expiry",
            t.label
        );
        assert_eq!(
            push.received("gone-1").len(),
            1,
            "{}: nothing after 410",
            t.label
        );
        drop(servers);
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_import_into_the_store_is_one_message() {
    const WINDOW: u64 = 3000;
    const ITEMS: usize = 1000;
    for t in targets().await {
        let push = PushService::start().await;
        let config = config_dir(WINDOW);
        let servers = start(&t, config.path());
        let folder = t.demo_default_folder("alice", FolderModule::Calendar).await;
        let path = format!("/dav/caldav/{folder}/");
        let ua = UserAgent::new();
        register(&servers[0], &path, &ua, &push.url("bulk"), None).await;
        // Written into the groupware store directly, as another service would: the
        // change-log triggers mark the subscription, not davgate's DAV layer.
        let store = t.store().await;
        let context = store
            .context_by_name(davgate::demo::DEMO_CONTEXT)
            .await
            .unwrap();
        let started = Instant::now();
        for n in 0..ITEMS {
            let uid = format!("bulk-{n}");
            let object = WriteObject {
                resource_name: format!("{uid}.ics"),
                uid: uid.clone(),
                component: "VEVENT".into(),
                data: common::caldav::event(&uid, "Imported", 2).into_bytes(),
                start_at: None,
                end_at: None,
                display_name: None,
                user_id: None,
            };
            store
                .put_object(context.id, folder, &object, WriteCondition::Unconditional)
                .await
                .unwrap();
        }
        let took = started.elapsed();
        tokio::time::sleep(settle(WINDOW)).await;
        let got = push.received("bulk");
        // One message per window the import spanned at most: one when it fit in one.
        let bound = 1 + (took.as_millis() / u128::from(WINDOW)) as usize;
        eprintln!(
            "{}: {ITEMS} items stored in {took:?}, {} message(s)",
            t.label,
            got.len()
        );
        assert!(
            !got.is_empty() && got.len() <= bound,
            "{}: {} messages for {took:?}",
            t.label,
            got.len()
        );
        let (_, _, token_now) = push_props(&servers[0], &path).await;
        assert_eq!(
            read(&ua, got.last().unwrap()).1,
            token_now,
            "{}: the last message names the final token",
            t.label
        );
        drop(servers);
        t.finish().await;
    }
}
