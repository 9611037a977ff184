//! Setting up clients from the browser page through the real router, on SQLite and
//! PostgreSQL: the Apple configuration profile (read back as a property list: its CalDAV
//! and CardDAV payloads name this server's host, port, TLS, the user's principal and
//! login), the QR code of the account URL, and the steps per client.

mod common;

use common::caldav::LAYOUT;
use common::http::*;
use common::ui::*;
use http::StatusCode;
use quick_xml::events::Event;
use quick_xml::Reader;

/// A property list value.
#[derive(Debug, Clone, PartialEq)]
enum Plist {
    Dict(Vec<(String, Plist)>),
    Array(Vec<Plist>),
    String(String),
    Integer(i64),
    Bool(bool),
}

impl Plist {
    fn get(&self, key: &str) -> &Plist {
        match self {
            Plist::Dict(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("no {key} in {self:?}")),
            other => panic!("{other:?} is no dict"),
        }
    }

    fn text(&self, key: &str) -> &str {
        match self.get(key) {
            Plist::String(s) => s,
            other => panic!("{key} is {other:?}"),
        }
    }
}

/// Parses an XML property list (the subset a profile uses).
fn parse_plist(xml: &str) -> Plist {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    // Open containers; a dict keeps the key waiting for its value.
    let mut stack: Vec<(Plist, Option<String>)> = Vec::new();
    let mut text = String::new();
    let mut root = None;
    let put = |stack: &mut Vec<(Plist, Option<String>)>, value: Plist, root: &mut Option<Plist>| {
        match stack.last_mut() {
            Some((Plist::Dict(entries), key)) => {
                entries.push((key.take().expect("a key before the value"), value))
            }
            Some((Plist::Array(items), _)) => items.push(value),
            Some(_) => unreachable!(),
            None => *root = Some(value),
        }
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                text.clear();
                match e.name().as_ref() {
                    b"dict" => stack.push((Plist::Dict(Vec::new()), None)),
                    b"array" => stack.push((Plist::Array(Vec::new()), None)),
                    _ => {}
                }
            }
            Event::Empty(e) => match e.name().as_ref() {
                b"true" => put(&mut stack, Plist::Bool(true), &mut root),
                b"false" => put(&mut stack, Plist::Bool(false), &mut root),
                b"dict" => put(&mut stack, Plist::Dict(Vec::new()), &mut root),
                other => panic!("unexpected <{}/>", String::from_utf8_lossy(other)),
            },
            Event::Text(t) => text = t.unescape().unwrap().into_owned(),
            Event::End(e) => match e.name().as_ref() {
                b"dict" | b"array" => {
                    let (value, _) = stack.pop().unwrap();
                    put(&mut stack, value, &mut root);
                }
                b"key" => match stack.last_mut() {
                    Some((Plist::Dict(_), key)) => *key = Some(std::mem::take(&mut text)),
                    _ => panic!("a key outside a dict"),
                },
                b"string" => put(
                    &mut stack,
                    Plist::String(std::mem::take(&mut text)),
                    &mut root,
                ),
                b"integer" => put(&mut stack, Plist::Integer(text.parse().unwrap()), &mut root),
                b"plist" => {}
                other => panic!("unexpected </{}>", String::from_utf8_lossy(other)),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    root.expect("a plist value")
}

#[tokio::test]
async fn the_apple_profile_names_this_server_and_user() {
    for db in common::databases().await {
        let site = site(&db.store, LAYOUT).await;
        let app = &site.app;
        let alice = &site.alice;
        // Behind a TLS proxy on port 8443, logged in with her mail address.
        let mut browser = Browser {
            headers: vec![
                ("x-forwarded-proto".into(), "https".into()),
                ("x-forwarded-host".into(), "cal.example.com:8443".into()),
            ],
            ..Browser::default()
        };
        let login = browser
            .log_in(app, "alice@example.com", ALICE_PASSWORD)
            .await;
        assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text());
        let profile = browser
            .get(app, &format!("{UI}/setup/davgate.mobileconfig"))
            .await;
        assert_eq!(profile.status, StatusCode::OK, "{}", db.label);
        assert_eq!(
            profile.headers.get("content-type").unwrap(),
            "application/x-apple-aspen-config"
        );
        assert!(profile
            .headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("davgate.mobileconfig"));
        let plist = parse_plist(&profile.text());
        assert_eq!(plist.text("PayloadType"), "Configuration");
        assert_eq!(plist.get("PayloadVersion"), &Plist::Integer(1));
        let Plist::Array(payloads) = plist.get("PayloadContent") else {
            panic!("no payloads")
        };
        assert_eq!(payloads.len(), 2);
        let principal = format!("/dav/principals/users/{}/", alice.id);
        let mut uuids = vec![plist.text("PayloadUUID").to_owned()];
        for (payload, kind) in payloads.iter().zip(["CalDAV", "CardDAV"]) {
            let lower = kind.to_ascii_lowercase();
            assert_eq!(
                payload.text("PayloadType"),
                format!("com.apple.{lower}.account")
            );
            assert_eq!(payload.text(&format!("{kind}HostName")), "cal.example.com");
            assert_eq!(payload.get(&format!("{kind}Port")), &Plist::Integer(8443));
            assert_eq!(payload.get(&format!("{kind}UseSSL")), &Plist::Bool(true));
            assert_eq!(payload.text(&format!("{kind}PrincipalURL")), principal);
            assert_eq!(
                payload.text(&format!("{kind}Username")),
                "alice@example.com"
            );
            uuids.push(payload.text("PayloadUUID").to_owned());
        }
        uuids.sort();
        uuids.dedup();
        assert_eq!(uuids.len(), 3, "every payload has a UUID of its own");

        // The principal the profile names answers her DAV login there.
        let propfind = send(
            app,
            Call::new("PROPFIND", &principal)
                .auth("alice@example.com", ALICE_PASSWORD)
                .depth("0"),
        )
        .await;
        assert_eq!(propfind.status, StatusCode::MULTI_STATUS);

        // Plain HTTP on the default port.
        let mut plain = Browser::logged_in(app, "bob", BOB_PASSWORD).await;
        let plist = parse_plist(
            &plain
                .get(app, &format!("{UI}/setup/davgate.mobileconfig"))
                .await
                .text(),
        );
        let Plist::Array(payloads) = plist.get("PayloadContent") else {
            panic!()
        };
        assert_eq!(payloads[0].text("CalDAVHostName"), HOST);
        assert_eq!(payloads[0].get("CalDAVPort"), &Plist::Integer(80));
        assert_eq!(payloads[0].get("CalDAVUseSSL"), &Plist::Bool(false));
        assert_eq!(payloads[1].text("CardDAVUsername"), "bob");

        // Without a session there is no profile.
        let stranger = Browser::default()
            .get(app, &format!("{UI}/setup/davgate.mobileconfig"))
            .await;
        assert_eq!(stranger.status, StatusCode::SEE_OTHER);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_setup_page_shows_the_account_url_and_its_qr_code() {
    for db in common::databases().await {
        let site = site(
            &db.store,
            &[
                LAYOUT[0],
                LAYOUT[1],
                ("com.openexchange.calendar.publishInternetFreeBusy", "true"),
            ],
        )
        .await;
        let app = &site.app;
        let mut browser = Browser::logged_in(app, "alice", ALICE_PASSWORD).await;
        let page = browser.get(app, &format!("{UI}/setup")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", db.label);
        let text = page.text();
        let url = format!("http://{HOST}/dav/");
        assert!(text.contains(&format!("value=\"{url}\"")), "{text}");
        for client in ["DAVx⁵", "Thunderbird", "macOS, iPhone and iPad"] {
            assert!(text.contains(client), "no steps for {client}");
        }
        assert!(
            text.contains(&format!("http://{HOST}/dav/freebusy/alice%40example.com")),
            "{text}"
        );
        let qr = browser
            .get(app, &format!("{UI}/setup/account-qr.svg"))
            .await;
        assert_eq!(qr.status, StatusCode::OK);
        assert_eq!(qr.headers.get("content-type").unwrap(), "image/svg+xml");
        let svg = qr.text();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
        db.drop_database().await;
    }
}
