//! The DAV entry points as clients meet them: authentication, OPTIONS, PROPFIND on the
//! root and on principals, prefix paths behind a proxy, well-known redirects and health.

mod common;

use common::http::*;
use http::StatusCode;

/// The OX default deployment: mounted and proxied at /servlet/dav, hrefs from the root.
const OX_DEFAULT: &[(&str, &str)] = &[];
const ROOT: &str = "/servlet/dav/";

fn principal_sub(user: &davgate::store::User) -> String {
    format!("/principals/users/{}/", user.id)
}

fn assert_basic_challenge(answer: &Answer, what: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}");
    let challenge = answer
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("{what}: 401 without WWW-Authenticate"));
    let scheme = challenge.split_whitespace().next().unwrap_or("");
    assert!(
        scheme.eq_ignore_ascii_case("basic"),
        "{what}: challenge {challenge:?}"
    );
    assert!(
        challenge.contains("realm="),
        "{what}: challenge {challenge:?} lacks a realm"
    );
}

fn dav_classes(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .get_all("dav")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|class| class.trim().to_string())
        .collect()
}

#[tokio::test]
async fn requests_without_valid_credentials_are_challenged() {
    for db in common::databases().await {
        let site = site(&db.store, OX_DEFAULT).await;
        let body = fixture("apple-wellknown-propfind.xml");
        let cases = [
            ("no credentials", None),
            ("wrong password", Some(("alice", "not-her-password"))),
            (
                "wrong password, mail login",
                Some(("alice@example.com", BOB_PASSWORD)),
            ),
            ("unknown login", Some(("nobody", ALICE_PASSWORD))),
            (
                "unknown login in a known domain",
                Some(("nobody@example.com", ALICE_PASSWORD)),
            ),
            ("empty password", Some(("alice", ""))),
        ];
        for (what, auth) in cases {
            let mut call = Call::new("PROPFIND", ROOT).depth("0").body(body.clone());
            call.auth = auth;
            let answer = send(&site.app, call).await;
            assert_basic_challenge(&answer, &format!("{}: {what}", db.label));
        }

        // A scheme other than Basic is no credential either.
        let request = http::Request::builder()
            .method("PROPFIND")
            .uri(ROOT)
            .header("depth", "0")
            .header("authorization", "Bearer abc.def")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(site.app.clone(), request)
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{}: bearer",
            db.label
        );
        assert!(response.headers().contains_key("www-authenticate"));

        // OPTIONS is a capability probe: it needs no credentials.
        let answer = send(&site.app, Call::new("OPTIONS", ROOT)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}: OPTIONS", db.label);
        let classes = dav_classes(&answer);
        for class in ["1", "calendar-access", "addressbook"] {
            assert!(
                classes.iter().any(|c| c == class),
                "{}: DAV {classes:?} lacks {class}",
                db.label
            );
        }
        let allow = answer.header("allow").expect("OPTIONS answers Allow");
        assert!(
            allow.split(',').any(|m| m.trim() == "PROPFIND"),
            "{}: Allow {allow:?}",
            db.label
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn every_login_form_of_a_user_authenticates() {
    for db in common::databases().await {
        let site = site(&db.store, OX_DEFAULT).await;
        let alice_href = principal_sub(&site.alice);
        let body = fixture("apple-wellknown-propfind.xml");
        for login in [
            "alice",
            "alice@example.com",
            "alice.l@example.com",
            "ALICE@Example.COM",
        ] {
            let answer = send(
                &site.app,
                Call::new("PROPFIND", ROOT)
                    .auth(login, ALICE_PASSWORD)
                    .depth("0")
                    .body(body.clone()),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::MULTI_STATUS,
                "{}: login {login}",
                db.label
            );
            let responses = answer.multistatus();
            assert_eq!(
                responses.len(),
                1,
                "{}: Depth 0 answers one response",
                db.label
            );
            assert_eq!(
                responses[0].href_of(DAV, "current-user-principal"),
                alice_href,
                "{}: login {login} is alice",
                db.label
            );
        }
        let answer = send(
            &site.app,
            Call::new("PROPFIND", ROOT)
                .auth("bob", BOB_PASSWORD)
                .depth("0")
                .body(body.clone()),
        )
        .await;
        assert_eq!(
            answer.multistatus()[0].href_of(DAV, "current-user-principal"),
            principal_sub(&site.bob),
            "{}",
            db.label
        );

        // A second context: its domain names its own users, never alice.
        let carol = other_context_user(
            &db.store,
            "other.org",
            "carol",
            "Carol Other",
            "carol-Secret-3",
        )
        .await;
        let answer = send(
            &site.app,
            Call::new("PROPFIND", ROOT)
                .auth("alice@other.org", ALICE_PASSWORD)
                .depth("0")
                .body(body.clone()),
        )
        .await;
        assert_basic_challenge(&answer, &format!("{}: alice@other.org", db.label));
        let answer = send(
            &site.app,
            Call::new("PROPFIND", ROOT)
                .auth("carol@other.org", "carol-Secret-3")
                .depth("0")
                .body(body.clone()),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::MULTI_STATUS,
            "{}: carol@other.org",
            db.label
        );
        assert_eq!(
            answer.multistatus()[0].href_of(DAV, "current-user-principal"),
            principal_sub(&carol),
            "{}",
            db.label
        );
        // Alice's password does not open carol's account, nor the reverse.
        let answer = send(
            &site.app,
            Call::new("PROPFIND", ROOT)
                .auth("carol@other.org", ALICE_PASSWORD)
                .depth("0")
                .body(body.clone()),
        )
        .await;
        assert_basic_challenge(
            &answer,
            &format!("{}: carol with alice's password", db.label),
        );
        db.drop_database().await;
    }
}

/// Asserts the properties every entry resource answers the same way for alice.
fn assert_alice_entry_props(response: &DavResponse, site: &Site, what: &str) {
    assert_eq!(
        response.href_of(DAV, "current-user-principal"),
        principal_sub(&site.alice),
        "{what}"
    );
    assert_eq!(
        response.href_of(DAV, "principal-collection-set"),
        "/principals/",
        "{what}"
    );
}

#[tokio::test]
async fn root_answers_the_discovery_properties() {
    for db in common::databases().await {
        let site = site(&db.store, OX_DEFAULT).await;
        let body = br#"<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav">
  <prop>
    <current-user-principal/>
    <principal-collection-set/>
    <resourcetype/>
    <cal:calendar-home-set/>
    <card:addressbook-home-set/>
    <displayname/>
  </prop>
</propfind>"#;
        let answer = send(
            &site.app,
            Call::new("PROPFIND", ROOT)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(&body[..]),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 1, "{}", db.label);
        let root = &responses[0];
        assert_eq!(root.href, "/", "{}: href of the root", db.label);
        assert_alice_entry_props(root, &site, db.label);
        assert_eq!(
            root.href_of(CALDAV, "calendar-home-set"),
            "/caldav/",
            "{}",
            db.label
        );
        assert_eq!(
            root.href_of(CARDDAV, "addressbook-home-set"),
            "/carddav/",
            "{}",
            db.label
        );
        let types = root.found(DAV, "resourcetype");
        assert!(
            types.child(DAV, "collection").is_some(),
            "{}: root is a collection",
            db.label
        );
        assert!(
            types.child(DAV, "principal").is_none(),
            "{}: root is no principal",
            db.label
        );

        // No body means allprop (RFC 4918 9.1): the discovery properties come unasked.
        let answer = send(
            &site.app,
            Call::new("PROPFIND", ROOT)
                .auth("alice", ALICE_PASSWORD)
                .depth("0"),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::MULTI_STATUS,
            "{}: allprop",
            db.label
        );
        let root = &answer.multistatus()[0];
        assert_alice_entry_props(root, &site, db.label);
        assert!(
            root.props.iter().all(|(status, _)| *status == 200),
            "{}: allprop",
            db.label
        );

        // propname: names only, no values.
        let body = br#"<propname-request:propfind xmlns:propname-request="DAV:"><propname-request:propname/></propname-request:propfind>"#;
        let answer = send(
            &site.app,
            Call::new("PROPFIND", ROOT)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(&body[..]),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::MULTI_STATUS,
            "{}: propname",
            db.label
        );
        let root = &answer.multistatus()[0];
        let (_, name) = root
            .prop(DAV, "current-user-principal")
            .expect("propname lists it");
        assert!(
            name.children.is_empty() && name.text.trim().is_empty(),
            "{}: {name:?}",
            db.label
        );

        // A method the entry points do not take is 405 with the ones they do.
        let answer = send(
            &site.app,
            Call::new("DELETE", ROOT).auth("alice", ALICE_PASSWORD),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{}",
            db.label
        );
        let allow = answer.header("allow").expect("405 names what is allowed");
        assert!(
            allow.split(',').any(|m| m.trim() == "PROPFIND"),
            "{}: {allow}",
            db.label
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn principal_answers_apple_calendar_and_contacts_bodies() {
    for db in common::databases().await {
        let site = site(&db.store, OX_DEFAULT).await;
        let sub = principal_sub(&site.alice);
        let uri = format!("/servlet/dav{sub}");

        let answer = send(
            &site.app,
            Call::new("PROPFIND", &uri)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(fixture("apple-principal-propfind.xml")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        assert_eq!(responses.len(), 1, "{}", db.label);
        let principal = &responses[0];
        assert_eq!(principal.href, sub, "{}", db.label);
        assert_alice_entry_props(principal, &site, db.label);
        assert_eq!(principal.href_of(DAV, "principal-URL"), sub, "{}", db.label);
        assert_eq!(
            principal.found(DAV, "displayname").text,
            "Alice Liddell",
            "{}",
            db.label
        );
        assert_eq!(
            principal.href_of(CALDAV, "calendar-home-set"),
            "/caldav/",
            "{}",
            db.label
        );
        let mut addresses = principal.found(CALDAV, "calendar-user-address-set").hrefs();
        addresses.sort();
        let mut expected = vec![
            "mailto:alice@example.com".to_string(),
            "mailto:alice.l@example.com".to_string(),
            sub.clone(),
        ];
        expected.sort();
        assert_eq!(
            addresses, expected,
            "{}: calendar-user-address-set",
            db.label
        );
        let mut mails: Vec<String> = principal
            .found(CALENDARSERVER, "email-address-set")
            .children_named(CALENDARSERVER, "email-address")
            .map(|m| m.text.clone())
            .collect();
        mails.sort();
        assert_eq!(
            mails,
            ["alice.l@example.com", "alice@example.com"],
            "{}",
            db.label
        );
        // Properties davgate does not have: a 404 propstat, not a failed request.
        for (ns, local) in [
            (CALENDARSERVER, "dropbox-home-URL"),
            (CALENDARSERVER, "notification-URL"),
        ] {
            assert_eq!(
                principal.status_of(ns, local),
                Some(404),
                "{}: {{{ns}}}{local}",
                db.label
            );
        }
        assert_every_requested_prop_answered(
            principal,
            &fixture("apple-principal-propfind.xml"),
            db.label,
        );

        let answer = send(
            &site.app,
            Call::new("PROPFIND", &uri)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(fixture("apple-addressbook-principal-propfind.xml")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let principal = &answer.multistatus()[0];
        assert_eq!(
            principal.href_of(CARDDAV, "addressbook-home-set"),
            "/carddav/",
            "{}",
            db.label
        );
        assert_eq!(principal.href_of(DAV, "principal-URL"), sub, "{}", db.label);
        assert_eq!(
            principal.href_of(DAV, "principal-collection-set"),
            "/principals/",
            "{}",
            db.label
        );
        assert_eq!(
            principal.status_of(CARDDAV, "directory-gateway"),
            Some(404),
            "{}",
            db.label
        );
        assert_every_requested_prop_answered(
            principal,
            &fixture("apple-addressbook-principal-propfind.xml"),
            db.label,
        );

        // The root redirect target's body, sent to the principal: resourcetype says
        // collection and principal.
        let answer = send(
            &site.app,
            Call::new("PROPFIND", &uri)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(fixture("apple-wellknown-propfind.xml")),
        )
        .await;
        let principal = &answer.multistatus()[0];
        let types = principal.found(DAV, "resourcetype");
        assert!(types.child(DAV, "collection").is_some(), "{}", db.label);
        assert!(types.child(DAV, "principal").is_some(), "{}", db.label);
        db.drop_database().await;
    }
}

/// Every property the request names is answered exactly once, in a 200 or 404 propstat.
fn assert_every_requested_prop_answered(response: &DavResponse, request: &[u8], what: &str) {
    let request = parse_xml(request);
    let prop = request
        .child(DAV, "prop")
        .expect("the body asks for properties");
    for wanted in &prop.children {
        match response.status_of(&wanted.ns, &wanted.local) {
            Some(200) | Some(404) => {}
            other => panic!(
                "{what}: {{{}}}{} answered {other:?}",
                wanted.ns, wanted.local
            ),
        }
    }
    assert_eq!(
        response.props.len(),
        prop.children.len(),
        "{what}: only what was asked"
    );
}

#[tokio::test]
async fn unknown_properties_land_in_404_whatever_the_prefix() {
    for db in common::databases().await {
        let site = site(&db.store, OX_DEFAULT).await;
        let uri = format!("/servlet/dav{}", principal_sub(&site.alice));
        // Prefixes swapped against the usual ones, a default namespace, and names that
        // exist in one namespace but are asked for in another.
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<C:propfind xmlns:C="DAV:" xmlns:D="urn:ietf:params:xml:ns:caldav" xmlns:X="urn:example:unknown">
  <C:prop>
    <C:displayname/>
    <D:calendar-home-set/>
    <X:displayname/>
    <X:flavour/>
    <C:no-such-dav-property/>
    <D:displayname/>
    <calendar-home-set xmlns="urn:ietf:params:xml:ns:carddav"/>
    <addressbook-home-set xmlns="urn:ietf:params:xml:ns:carddav"/>
    <Y:x-été xmlns:Y="urn:example:other&amp;more"/>
  </C:prop>
</C:propfind>"#;
        let answer = send(
            &site.app,
            Call::new("PROPFIND", &uri)
                .auth("alice", ALICE_PASSWORD)
                .depth("0")
                .body(body),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let responses = answer.multistatus();
        let principal = &responses[0];
        assert_eq!(
            principal.found(DAV, "displayname").text,
            "Alice Liddell",
            "{}",
            db.label
        );
        assert_eq!(
            principal.href_of(CALDAV, "calendar-home-set"),
            "/caldav/",
            "{}",
            db.label
        );
        assert_eq!(
            principal.href_of(CARDDAV, "addressbook-home-set"),
            "/carddav/",
            "{}",
            db.label
        );
        for (ns, local) in [
            ("urn:example:unknown", "displayname"),
            ("urn:example:unknown", "flavour"),
            (DAV, "no-such-dav-property"),
            (CALDAV, "displayname"),
            (CARDDAV, "calendar-home-set"),
            ("urn:example:other&more", "x-été"),
        ] {
            assert_eq!(
                principal.status_of(ns, local),
                Some(404),
                "{}: {{{ns}}}{local}",
                db.label
            );
        }
        assert_eq!(
            principal.props.len(),
            9,
            "{}: one answer per property",
            db.label
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn depth_infinity_malformed_bodies_and_foreign_paths_are_refused() {
    for db in common::databases().await {
        let site = site(&db.store, OX_DEFAULT).await;
        let body = fixture("apple-wellknown-propfind.xml");

        // Explicit Depth: infinity, and no Depth header (which means infinity).
        for depth in [Some("infinity"), None] {
            let mut call = Call::new("PROPFIND", ROOT)
                .auth("alice", ALICE_PASSWORD)
                .body(body.clone());
            call.depth = depth;
            let answer = send(&site.app, call).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{}: depth {depth:?}",
                db.label
            );
            let error = parse_xml(&answer.body);
            assert!(error.is(DAV, "error"), "{}: {error:?}", db.label);
            assert!(
                error.child(DAV, "propfind-finite-depth").is_some(),
                "{}: {error:?}",
                db.label
            );
        }

        let malformed: [&[u8]; 4] = [
            b"<D:propfind xmlns:D=\"DAV:\"><D:prop><D:displayname/></D:prop>",
            b"<D:propfind xmlns:D=\"DAV:\"><D:prop><Q:displayname/></D:prop></D:propfind>",
            b"this is not XML",
            b"<D:propfind xmlns:D=\"DAV:\"><D:prop></D:propfind></D:prop>",
        ];
        for bad in malformed {
            let answer = send(
                &site.app,
                Call::new("PROPFIND", ROOT)
                    .auth("alice", ALICE_PASSWORD)
                    .depth("0")
                    .body(bad),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{}: {}",
                db.label,
                String::from_utf8_lossy(bad)
            );
        }
        let answer = send(
            &site.app,
            Call::new("PROPFIND", ROOT)
                .auth("alice", ALICE_PASSWORD)
                .depth("2")
                .body(body.clone()),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{}: Depth 2",
            db.label
        );

        for path in [
            "/other/",
            "/servlet/davx/",
            "/servlet/",
            "/caldav/",
            "/servlet/dav/nowhere/",
        ] {
            let answer = send(
                &site.app,
                Call::new("PROPFIND", path)
                    .auth("alice", ALICE_PASSWORD)
                    .depth("0")
                    .body(body.clone()),
            )
            .await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}: {path}", db.label);
        }
        db.drop_database().await;
    }
}

#[tokio::test]
async fn other_principals_resolve_by_id_and_by_login() {
    for db in common::databases().await {
        let site = site(&db.store, OX_DEFAULT).await;
        let bob_sub = principal_sub(&site.bob);
        let by_id = format!("/servlet/dav{bob_sub}");
        for uri in [
            by_id.as_str(),
            "/servlet/dav/principals/users/bob/",
            "/servlet/dav/principals/users/bob",
        ] {
            let answer = send(
                &site.app,
                Call::new("PROPFIND", uri)
                    .auth("alice", ALICE_PASSWORD)
                    .depth("0")
                    .body(fixture("apple-principal-propfind.xml")),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::MULTI_STATUS,
                "{}: {uri}",
                db.label
            );
            let responses = answer.multistatus();
            assert_eq!(responses.len(), 1, "{}: {uri}", db.label);
            let bob = &responses[0];
            assert_eq!(
                bob.href_of(DAV, "principal-URL"),
                bob_sub,
                "{}: {uri}",
                db.label
            );
            assert_eq!(
                bob.found(DAV, "displayname").text,
                "Bob Builder",
                "{}: {uri}",
                db.label
            );
            // Looking at bob does not make alice someone else.
            assert_eq!(
                bob.href_of(DAV, "current-user-principal"),
                principal_sub(&site.alice),
                "{}: {uri}",
                db.label
            );
            let addresses = bob.found(CALDAV, "calendar-user-address-set").hrefs();
            assert!(
                addresses.contains(&"mailto:bob@example.com".to_string()),
                "{}: {addresses:?}",
                db.label
            );
            assert!(
                !addresses.iter().any(|a| a.contains("alice")),
                "{}: {addresses:?}",
                db.label
            );
        }

        // Nobody by that id or login, and no principal across contexts. With two
        // contexts and no `defaultcontext` mapping a bare login names nobody, so alice
        // logs in with her domain from here on.
        other_context_user(
            &db.store,
            "other.org",
            "carol",
            "Carol Other",
            "carol-Secret-3",
        )
        .await;
        for uri in [
            "/servlet/dav/principals/users/987654/",
            "/servlet/dav/principals/users/nobody/",
            "/servlet/dav/principals/users/carol/",
        ] {
            let answer = send(
                &site.app,
                Call::new("PROPFIND", uri)
                    .auth("alice@example.com", ALICE_PASSWORD)
                    .depth("0")
                    .body(fixture("apple-wellknown-propfind.xml")),
            )
            .await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}: {uri}", db.label);
        }

        // Depth 1 on the user principals lists alice and bob, each by id.
        let answer = send(
            &site.app,
            Call::new("PROPFIND", "/servlet/dav/principals/users/")
                .auth("alice@example.com", ALICE_PASSWORD)
                .depth("1")
                .body(fixture("apple-wellknown-propfind.xml")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        let mut hrefs: Vec<String> = answer.multistatus().into_iter().map(|r| r.href).collect();
        hrefs.sort();
        let mut expected = vec![
            "/principals/users/".to_string(),
            principal_sub(&site.alice),
            bob_sub.clone(),
        ];
        expected.sort();
        assert_eq!(hrefs, expected, "{}", db.label);
        db.drop_database().await;
    }
}

/// One OX deployment: where the service is mounted, what the proxy adds, and the root
/// clients see.
struct Deployment {
    prefix: &'static str,
    proxy: &'static str,
    external_root: &'static str,
}

const DEPLOYMENTS: [Deployment; 3] = [
    Deployment {
        prefix: "/servlet/dav",
        proxy: "/servlet/dav",
        external_root: "/",
    },
    Deployment {
        prefix: "/dav",
        proxy: "/",
        external_root: "/dav/",
    },
    Deployment {
        prefix: "/servlet/dav/hidden",
        proxy: "/servlet/dav",
        external_root: "/hidden/",
    },
];

impl Deployment {
    /// What the proxy makes of a path the client requests: its own part put in front.
    fn internal(&self, external: &str) -> String {
        format!("{}{}", self.proxy.trim_end_matches('/'), external)
    }

    fn overrides(&self) -> [(&'static str, &'static str); 2] {
        [
            ("com.openexchange.dav.prefixPath", self.prefix),
            ("com.openexchange.dav.proxyPrefixPath", self.proxy),
        ]
    }
}

/// A request as alice (logging in with her mail address, as Apple clients do) to an
/// external path, sent where the proxy would send it.
async fn via_proxy(
    site: &Site,
    deployment: &Deployment,
    method: &str,
    external: &str,
    build: impl for<'b> FnOnce(Call<'b>) -> Call<'b>,
) -> Answer {
    let uri = deployment.internal(external);
    // The proxy keeps the client's Host (ProxyPreserveHost On, Envoy's default).
    let call = Call::new(method, &uri)
        .auth("alice@example.com", ALICE_PASSWORD)
        .header("host", "dav.example.com");
    send(&site.app, build(call)).await
}

#[tokio::test]
async fn discovery_behind_a_proxy_gives_external_hrefs_only() {
    for deployment in &DEPLOYMENTS {
        for db in common::databases().await {
            let site = site(&db.store, &deployment.overrides()).await;
            let what = format!(
                "{}: prefix {} proxy {}",
                db.label, deployment.prefix, deployment.proxy
            );
            let root_href = deployment.external_root;
            let mut hrefs = Vec::new();

            // Bootstrapping: the well-known paths sit at the root whatever the prefix.
            for (method, path) in [
                ("PROPFIND", "/.well-known/caldav"),
                ("GET", "/.well-known/caldav"),
                ("PROPFIND", "/.well-known/carddav"),
                ("GET", "/.well-known/carddav"),
            ] {
                let answer = send(&site.app, Call::new(method, path)).await;
                assert_eq!(
                    answer.status,
                    StatusCode::MOVED_PERMANENTLY,
                    "{what}: {method} {path}"
                );
                assert_eq!(
                    answer.header("location"),
                    Some(root_href),
                    "{what}: {method} {path}"
                );
            }

            let answer = via_proxy(&site, deployment, "PROPFIND", root_href, |c| {
                c.depth("0").body(fixture("apple-wellknown-propfind.xml"))
            })
            .await;
            assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{what}: root");
            let root = &answer.multistatus()[0];
            assert_eq!(root.href, root_href, "{what}: root href");
            let principal = root.href_of(DAV, "current-user-principal");
            assert_eq!(
                principal,
                format!("{root_href}principals/users/{}/", site.alice.id),
                "{what}"
            );
            root.node.all_hrefs(&mut hrefs);

            let answer = via_proxy(&site, deployment, "PROPFIND", &principal, |c| {
                c.depth("0").body(fixture("apple-principal-propfind.xml"))
            })
            .await;
            assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{what}: principal");
            let me = &answer.multistatus()[0];
            assert_eq!(me.href, principal, "{what}");
            assert_eq!(me.href_of(DAV, "principal-URL"), principal, "{what}");
            assert_eq!(
                me.href_of(DAV, "principal-collection-set"),
                format!("{root_href}principals/"),
                "{what}"
            );
            let calendar_home = me.href_of(CALDAV, "calendar-home-set");
            assert_eq!(calendar_home, format!("{root_href}caldav/"), "{what}");
            assert!(
                me.found(CALDAV, "calendar-user-address-set")
                    .hrefs()
                    .contains(&principal),
                "{what}: the principal URL is one of alice's addresses"
            );
            me.node.all_hrefs(&mut hrefs);

            let answer = via_proxy(&site, deployment, "PROPFIND", &principal, |c| {
                c.depth("0")
                    .body(fixture("apple-addressbook-principal-propfind.xml"))
            })
            .await;
            assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{what}: principal");
            let me = &answer.multistatus()[0];
            let addressbook_home = me.href_of(CARDDAV, "addressbook-home-set");
            assert_eq!(addressbook_home, format!("{root_href}carddav/"), "{what}");
            me.node.all_hrefs(&mut hrefs);

            let users = format!("{root_href}principals/users/");
            for (external, body) in [
                (calendar_home.as_str(), "apple-calendar-home-propfind.xml"),
                (
                    addressbook_home.as_str(),
                    "apple-addressbook-home-propfind.xml",
                ),
                (calendar_home.as_str(), "davx5-home-propfind.xml"),
                (root_href, "apple-wellknown-propfind.xml"),
                (users.as_str(), "apple-wellknown-propfind.xml"),
            ] {
                let answer = via_proxy(&site, deployment, "PROPFIND", external, |c| {
                    c.depth("1").body(fixture(body))
                })
                .await;
                assert_eq!(
                    answer.status,
                    StatusCode::MULTI_STATUS,
                    "{what}: {external} {body}"
                );
                assert_eq!(answer.multistatus()[0].href, external, "{what}: {external}");
                parse_xml(&answer.body).all_hrefs(&mut hrefs);
            }

            // Every path href is external, and following it through the proxy works.
            let paths: Vec<&String> = hrefs.iter().filter(|h| !h.starts_with("mailto:")).collect();
            assert!(paths.len() > 10, "{what}: {hrefs:?}");
            for href in paths {
                assert!(href.starts_with(root_href), "{what}: href {href}");
                // The part the proxy adds never shows.
                let proxy = deployment.proxy.trim_end_matches('/');
                if !proxy.is_empty() {
                    assert!(
                        !href.starts_with(&format!("{proxy}/")),
                        "{what}: internal href {href}"
                    );
                }
                let answer = via_proxy(&site, deployment, "PROPFIND", href, |c| {
                    c.depth("0").body(fixture("apple-wellknown-propfind.xml"))
                })
                .await;
                assert_eq!(
                    answer.status,
                    StatusCode::MULTI_STATUS,
                    "{what}: following {href}"
                );
            }
            db.drop_database().await;
        }
    }
}

/// An href in a body or header: a path, or an absolute URL whose path is taken.
fn path_of(href: &str) -> &str {
    match href.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => href,
    }
}

/// Beyond discovery: the Location of a new calendar, the href a refused PUT names,
/// a MOVE whose Destination is the external URL a client holds, the members a sync
/// report and an address book list. Each path is external and works through the proxy.
#[tokio::test]
async fn writes_and_reports_behind_a_proxy_use_external_paths() {
    use common::caldav::{default_folder, event};
    use common::carddav::vcard;
    use davgate::store::FolderModule;

    for deployment in &DEPLOYMENTS {
        for db in common::databases().await {
            let site = site(&db.store, &deployment.overrides()).await;
            let what = format!(
                "{}: prefix {} proxy {}",
                db.label, deployment.prefix, deployment.proxy
            );
            let root = deployment.external_root;
            let calendar = default_folder(&site.store, &site.alice, FolderModule::Calendar).await;
            let calendar = format!("{root}caldav/{}/", calendar.id);

            let answer = via_proxy(&site, deployment, "PUT", &format!("{calendar}a.ics"), |c| {
                c.header("content-type", "text/calendar")
                    .body(event("proxy-uid", "Standup", 1))
            })
            .await;
            assert_eq!(answer.status, StatusCode::CREATED, "{what}: PUT");

            // The same UID under another name: the conflict names the existing member.
            let answer = via_proxy(&site, deployment, "PUT", &format!("{calendar}b.ics"), |c| {
                c.header("content-type", "text/calendar")
                    .body(event("proxy-uid", "Standup", 1))
            })
            .await;
            assert_eq!(answer.status, StatusCode::CONFLICT, "{what}: duplicate UID");
            let mut named = Vec::new();
            parse_xml(&answer.body).all_hrefs(&mut named);
            assert_eq!(named, [format!("{calendar}a.ics")], "{what}");

            let answer = via_proxy(
                &site,
                deployment,
                "MKCALENDAR",
                &format!("{root}caldav/team-{}/", db.label),
                |c| c,
            )
            .await;
            assert_eq!(answer.status, StatusCode::CREATED, "{what}: MKCALENDAR");
            let team = answer.header("location").expect("Location").to_owned();
            assert!(
                team.starts_with(&format!("{root}caldav/")),
                "{what}: {team}"
            );
            let answer = via_proxy(&site, deployment, "PROPFIND", &team, |c| c.depth("0")).await;
            assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{what}: {team}");

            // MOVE with the Destination as a client sends it: an absolute external URL.
            let answer = via_proxy(
                &site,
                deployment,
                "MOVE",
                &format!("{calendar}a.ics"),
                |c| {
                    c.header(
                        "destination",
                        format!("https://dav.example.com{team}moved.ics"),
                    )
                },
            )
            .await;
            assert_eq!(answer.status, StatusCode::CREATED, "{what}: MOVE");

            let answer = via_proxy(
                &site,
                deployment,
                "PUT",
                &format!("{root}carddav/Contacts/c.vcf"),
                |c| {
                    c.header("content-type", "text/vcard").body(vcard(
                        "proxy-card",
                        "Carla Proxy",
                        "carla@example.com",
                    ))
                },
            )
            .await;
            assert_eq!(answer.status, StatusCode::CREATED, "{what}: PUT vCard");

            let mut hrefs = Vec::new();
            for collection in [team.as_str(), &format!("{root}carddav/Contacts/")] {
                let answer = via_proxy(&site, deployment, "REPORT", collection, |c| {
                    c.body(sync_body("", None))
                })
                .await;
                assert_eq!(
                    answer.status,
                    StatusCode::MULTI_STATUS,
                    "{what}: sync {collection}"
                );
                let members: Vec<String> = answer
                    .multistatus()
                    .iter()
                    .map(|r| r.href.clone())
                    .collect();
                assert!(!members.is_empty(), "{what}: {collection} lists nothing");
                hrefs.extend(members);
                let answer =
                    via_proxy(&site, deployment, "PROPFIND", collection, |c| c.depth("1")).await;
                parse_xml(&answer.body).all_hrefs(&mut hrefs);
            }
            assert!(
                hrefs.contains(&format!("{team}moved.ics")),
                "{what}: {hrefs:?}"
            );
            assert!(
                hrefs.contains(&format!("{root}carddav/Contacts/c.vcf")),
                "{what}: {hrefs:?}"
            );
            for href in hrefs.iter().map(|h| path_of(h)) {
                assert!(href.starts_with(root), "{what}: href {href}");
                let method = if href.ends_with('/') {
                    "PROPFIND"
                } else {
                    "GET"
                };
                let answer = via_proxy(&site, deployment, method, href, |c| c.depth("0")).await;
                assert!(
                    answer.status.is_success(),
                    "{what}: {method} {href}: {}",
                    answer.status
                );
            }
            db.drop_database().await;
        }
    }
}

#[tokio::test]
async fn health_needs_no_credentials_whatever_the_prefix() {
    let root_mount: &[(&str, &str)] = &[
        ("com.openexchange.dav.prefixPath", "/"),
        ("com.openexchange.dav.proxyPrefixPath", "/"),
    ];
    for overrides in [OX_DEFAULT, root_mount] {
        for db in common::databases().await {
            let site = site(&db.store, overrides).await;
            for path in ["/health/live", "/health/ready"] {
                let answer = send(&site.app, Call::new("GET", path)).await;
                assert_eq!(
                    answer.status,
                    StatusCode::OK,
                    "{}: {path} {overrides:?}",
                    db.label
                );
            }
            // Mounted at the root, the DAV tree must not swallow the well-known paths.
            let answer = send(&site.app, Call::new("PROPFIND", "/.well-known/caldav")).await;
            assert_eq!(
                answer.status,
                StatusCode::MOVED_PERMANENTLY,
                "{}: {overrides:?}",
                db.label
            );
            db.drop_database().await;
        }
    }
}

#[tokio::test]
async fn a_changed_password_takes_effect_at_once() {
    for db in common::databases().await {
        let site = site(&db.store, OX_DEFAULT).await;
        let propfind = |login: &'static str, password: &'static str| {
            Call::new("PROPFIND", ROOT)
                .auth(login, password)
                .depth("0")
                .body(fixture("apple-wellknown-propfind.xml"))
        };
        // Verified once, so later requests are answered from memory.
        for _ in 0..2 {
            let answer = send(&site.app, propfind("alice", ALICE_PASSWORD)).await;
            assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", db.label);
        }
        let update = davgate::store::UserUpdate {
            password_hash: Some(davgate::auth::hash_password("alice-New-2")),
            ..Default::default()
        };
        db.store
            .update_user(site.alice.context_id, site.alice.id, update)
            .await
            .unwrap();
        let old = send(&site.app, propfind("alice", ALICE_PASSWORD)).await;
        assert_basic_challenge(
            &old,
            &format!("{}: the old password after a change", db.label),
        );
        let new = send(&site.app, propfind("alice", "alice-New-2")).await;
        assert_eq!(new.status, StatusCode::MULTI_STATUS, "{}", db.label);

        let disable = davgate::store::UserUpdate {
            enabled: Some(false),
            ..Default::default()
        };
        db.store
            .update_user(site.alice.context_id, site.alice.id, disable)
            .await
            .unwrap();
        let disabled = send(&site.app, propfind("alice", "alice-New-2")).await;
        assert_basic_challenge(&disabled, &format!("{}: a disabled user", db.label));
        db.drop_database().await;
    }
}
