//! Driving the real router as a DAV client would: provisioned users, requests with Basic
//! credentials, and multistatus answers read by namespace URI, never by prefix.

use axum::body::Body;
use axum::Router;
use base64::Engine;
use bytes::Bytes;
use davgate::config::ServerConfig;
use davgate::http::{build_app, AppState};
use davgate::provision::{create_context, create_user, UserSpec};
use davgate::store::{Attribute, ContextId, DynStore, FolderId, FolderUpdate, User};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use tower::ServiceExt;

pub const DAV: &str = "DAV:";
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
pub const CALENDARSERVER: &str = "http://calendarserver.org/ns/";

pub const ALICE_PASSWORD: &str = "alice-Secret-1";
pub const BOB_PASSWORD: &str = "bob-Secret-2";

/// The context `example.com` with alice (and her alias) and bob, served by one router.
pub struct Site {
    pub app: Router,
    pub store: DynStore,
    pub alice: User,
    pub bob: User,
    _config_dir: tempfile::TempDir,
}

pub fn user_spec(
    login: &str,
    mail: &str,
    aliases: &[&str],
    display_name: &str,
    password: &str,
) -> UserSpec {
    UserSpec {
        login: login.into(),
        mail: mail.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        display_name: display_name.into(),
        password: password.into(),
        modules: Vec::new(),
    }
}

/// Provisions `example.com` in `store` and builds the app from an empty config directory
/// plus `overrides` (property name or environment alias, value).
pub async fn site(store: &DynStore, overrides: &[(&str, &str)]) -> Site {
    site_with_files(store, &[], overrides).await
}

/// As `site`, with `files` (path below the config directory, content) written first,
/// e.g. `contextSets/premium.yml`.
pub async fn site_with_files(
    store: &DynStore,
    files: &[(&str, &str)],
    overrides: &[(&str, &str)],
) -> Site {
    let context = create_context(
        store,
        None,
        "example.com",
        &["example.com".to_string()],
        &[],
    )
    .await
    .unwrap();
    let alice = create_user(
        store,
        context.id,
        user_spec(
            "alice",
            "alice@example.com",
            &["alice.l@example.com"],
            "Alice Liddell",
            ALICE_PASSWORD,
        ),
    )
    .await
    .unwrap();
    let bob = create_user(
        store,
        context.id,
        user_spec("bob", "bob@example.com", &[], "Bob Builder", BOB_PASSWORD),
    )
    .await
    .unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = config_dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    let config =
        ServerConfig::load_with(config_dir.path(), &writes_show_at_once(overrides)).unwrap();
    let app = build_app(AppState::new(store.clone(), config));
    Site {
        app,
        store: store.clone(),
        alice,
        bob,
        _config_dir: config_dir,
    }
}

/// `overrides`, plus no login cache unless they set its lifetimes: the tests change users
/// and attributes in the store directly, behind the server's back, and expect the next
/// request to see it, not a second later when the server reads the store's generation.
pub fn writes_show_at_once<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    const UNSUBSCRIBED_TTL: &str = "davgate.loginCache.unsubscribedTtlMillis";
    const TTL: &str = "davgate.loginCache.ttlSeconds";
    let mut all = overrides.to_vec();
    let sets = |setting: &str| overrides.iter().any(|(name, _)| *name == setting);
    if !sets(UNSUBSCRIBED_TTL) && !sets(TTL) {
        all.push((UNSUBSCRIBED_TTL, "0"));
        all.push((TTL, "0"));
    }
    all
}

/// Waits until `state`'s login cache hears of changes from the store (without Redis, as
/// the server starts it reads the store's generation, and drops what it cached before).
pub async fn until_the_store_is_watched(state: &AppState) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !state.shared.cache().is_watched() {
        assert!(
            std::time::Instant::now() < deadline,
            "the store's generation is not read"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// A second context, `domain`, with one user (`<login>@<domain>`, password
/// `password`): someone alice and bob must never see.
pub async fn other_context_user(
    store: &DynStore,
    domain: &str,
    login: &str,
    display_name: &str,
    password: &str,
) -> User {
    let context = create_context(store, None, domain, &[domain.to_string()], &[])
        .await
        .unwrap();
    let mail = format!("{login}@{domain}");
    create_user(
        store,
        context.id,
        user_spec(login, &mail, &[], display_name, password),
    )
    .await
    .unwrap()
}

/// Sets the configuration property `property` to `value` for `user` alone (a user
/// attribute, not final), as an administrator does.
pub async fn set_user_config(store: &DynStore, user: &User, property: &str, value: &str) {
    store
        .set_attribute(
            user.context_id,
            Some(user.id),
            &Attribute::config(property, value, false),
        )
        .await
        .unwrap();
}

/// Switches off the "used for sync" flag of `folder`, as a user does in the groupware.
pub async fn stop_syncing(store: &DynStore, context: ContextId, folder: FolderId) {
    store
        .update_folder(
            context,
            folder,
            FolderUpdate {
                used_for_sync: Some(false),
                ..FolderUpdate::default()
            },
        )
        .await
        .unwrap();
}

pub fn basic(login: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"));
    format!("Basic {token}")
}

/// One request as a client sends it.
pub struct Call<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub auth: Option<(&'a str, &'a str)>,
    pub depth: Option<&'a str>,
    pub headers: Vec<(&'a str, String)>,
    pub body: Vec<u8>,
}

impl<'a> Call<'a> {
    pub fn new(method: &'a str, uri: &'a str) -> Self {
        Call {
            method,
            uri,
            auth: None,
            depth: None,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn auth(mut self, login: &'a str, password: &'a str) -> Self {
        self.auth = Some((login, password));
        self
    }

    pub fn depth(mut self, depth: &'a str) -> Self {
        self.depth = Some(depth);
        self
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The DAV:sync-token of a sync-collection answer.
    pub fn sync_token(&self) -> String {
        parse_xml(&self.body)
            .child(DAV, "sync-token")
            .unwrap_or_else(|| {
                panic!(
                    "no DAV:sync-token in {}",
                    String::from_utf8_lossy(&self.body)
                )
            })
            .text
            .clone()
    }

    /// The body as a DAV multistatus; panics with the body when it is not one.
    pub fn multistatus(&self) -> Vec<DavResponse> {
        let root = parse_xml(&self.body);
        assert!(
            root.is(DAV, "multistatus"),
            "expected DAV:multistatus, got {{{}}}{}: {}",
            root.ns,
            root.local,
            String::from_utf8_lossy(&self.body)
        );
        root.children_named(DAV, "response")
            .map(DavResponse::from_node)
            .collect()
    }
}

/// A sync-collection REPORT body (RFC 6578) asking for DAV:getetag: from `token` (empty
/// for an initial sync), with at most `limit` results when given.
pub fn sync_body(token: &str, limit: Option<u32>) -> String {
    let limit = limit
        .map(|n| format!("<D:limit><D:nresults>{n}</D:nresults></D:limit>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>{limit}<D:prop><D:getetag/></D:prop></D:sync-collection>"#
    )
}

pub async fn send(app: &Router, call: Call<'_>) -> Answer {
    let mut request = Request::builder().method(call.method).uri(call.uri);
    if let Some((login, password)) = call.auth {
        request = request.header(http::header::AUTHORIZATION, basic(login, password));
    }
    if let Some(depth) = call.depth {
        request = request.header("depth", depth);
    }
    let sets_content_type = call
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if !call.body.is_empty() && !sets_content_type {
        request = request.header(http::header::CONTENT_TYPE, "application/xml; charset=utf-8");
    }
    for (name, value) in &call.headers {
        request = request.header(*name, value.as_str());
    }
    let request = request.body(Body::from(call.body)).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

/// A request body shipped with the tests (copies of the real-client corpus).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/clients")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An element of a response body, its name resolved to a namespace URI.
#[derive(Debug, Clone)]
pub struct Node {
    pub ns: String,
    pub local: String,
    pub text: String,
    pub children: Vec<Node>,
    /// Attributes without a namespace prefix, unescaped.
    pub attributes: Vec<(String, String)>,
}

impl Node {
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, ns: &str, local: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    /// The text of each DAV:href child, in order.
    pub fn hrefs(&self) -> Vec<String> {
        self.children_named(DAV, "href")
            .map(|h| h.text.trim().to_string())
            .collect()
    }

    /// Every DAV:href anywhere below (and including) this element.
    pub fn all_hrefs(&self, out: &mut Vec<String>) {
        if self.is(DAV, "href") {
            out.push(self.text.trim().to_string());
        }
        for child in &self.children {
            child.all_hrefs(out);
        }
    }
}

fn plain_attributes(start: &quick_xml::events::BytesStart) -> Vec<(String, String)> {
    start
        .attributes()
        .map(|a| a.expect("well-formed attribute"))
        .filter(|a| !a.key.as_ref().contains(&b':') && a.key.as_ref() != b"xmlns")
        .map(|a| {
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.unescape_value().unwrap().into_owned(),
            )
        })
        .collect()
}

/// Parses a whole XML body with namespaces resolved; an undeclared prefix is a failure.
pub fn parse_xml(body: &[u8]) -> Node {
    let text = std::str::from_utf8(body).expect("response body is UTF-8");
    let mut reader = NsReader::from_str(text);
    let mut open: Vec<Node> = Vec::new();
    loop {
        let (resolved, event) = reader
            .read_resolved_event()
            .unwrap_or_else(|e| panic!("malformed XML ({e}): {text}"));
        let ns = |resolved: ResolveResult| match resolved {
            // The binding's raw attribute text: entities still escaped.
            ResolveResult::Bound(ns) => {
                let raw = std::str::from_utf8(ns.as_ref()).unwrap();
                quick_xml::escape::unescape(raw).unwrap().into_owned()
            }
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(prefix) => {
                panic!(
                    "undeclared prefix {:?} in: {text}",
                    String::from_utf8_lossy(&prefix)
                )
            }
        };
        match event {
            Event::Start(start) => open.push(Node {
                ns: ns(resolved),
                local: String::from_utf8(start.local_name().as_ref().to_vec()).unwrap(),
                text: String::new(),
                children: Vec::new(),
                attributes: plain_attributes(&start),
            }),
            Event::Empty(start) => {
                let node = Node {
                    ns: ns(resolved),
                    local: String::from_utf8(start.local_name().as_ref().to_vec()).unwrap(),
                    text: String::new(),
                    children: Vec::new(),
                    attributes: plain_attributes(&start),
                };
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return node,
                }
            }
            Event::Text(t) => {
                if let Some(node) = open.last_mut() {
                    node.text.push_str(&t.unescape().unwrap());
                }
            }
            Event::CData(c) => {
                if let Some(node) = open.last_mut() {
                    node.text.push_str(std::str::from_utf8(&c).unwrap());
                }
            }
            Event::End(_) => {
                let node = open.pop().unwrap();
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return node,
                }
            }
            Event::Eof => panic!("XML ended before its root element closed: {text}"),
            _ => {}
        }
    }
}

/// One DAV:response of a multistatus: its href and each property with its status code.
#[derive(Debug, Clone)]
pub struct DavResponse {
    pub href: String,
    /// The response's own DAV:status (a member reported as 404 in a sync, a 507).
    pub status: Option<u16>,
    pub props: Vec<(u16, Node)>,
    pub node: Node,
}

impl DavResponse {
    fn from_node(node: &Node) -> Self {
        let hrefs = node.hrefs();
        assert_eq!(hrefs.len(), 1, "a propstat response has one href: {node:?}");
        let mut props = Vec::new();
        for propstat in node.children_named(DAV, "propstat") {
            let status = status_code(
                &propstat
                    .child(DAV, "status")
                    .expect("propstat has a status")
                    .text,
            );
            let prop = propstat.child(DAV, "prop").expect("propstat has a prop");
            for p in &prop.children {
                props.push((status, p.clone()));
            }
        }
        DavResponse {
            href: hrefs[0].clone(),
            status: node.child(DAV, "status").map(|s| status_code(&s.text)),
            props,
            node: node.clone(),
        }
    }

    /// The property with this name and the status of its propstat; panics if it is
    /// reported twice.
    pub fn prop(&self, ns: &str, local: &str) -> Option<(u16, &Node)> {
        let found: Vec<_> = self.props.iter().filter(|(_, p)| p.is(ns, local)).collect();
        assert!(
            found.len() <= 1,
            "{{{ns}}}{local} reported {} times",
            found.len()
        );
        found.first().map(|(status, node)| (*status, node))
    }

    /// The property's value, asserting that it was found (200).
    pub fn found(&self, ns: &str, local: &str) -> &Node {
        match self.prop(ns, local) {
            Some((200, node)) => node,
            other => panic!(
                "{{{ns}}}{local} of {}: expected 200, got {other:?}",
                self.href
            ),
        }
    }

    /// The single DAV:href inside a found property.
    pub fn href_of(&self, ns: &str, local: &str) -> String {
        let hrefs = self.found(ns, local).hrefs();
        assert_eq!(
            hrefs.len(),
            1,
            "{{{ns}}}{local} of {}: {hrefs:?}",
            self.href
        );
        hrefs[0].clone()
    }

    /// The local names of the privileges in a found DAV:current-user-privilege-set.
    pub fn privileges(&self) -> Vec<String> {
        self.found(DAV, "current-user-privilege-set")
            .children_named(DAV, "privilege")
            .flat_map(|p| p.children.iter().map(|c| c.local.clone()))
            .collect()
    }

    pub fn status_of(&self, ns: &str, local: &str) -> Option<u16> {
        self.prop(ns, local).map(|(status, _)| status)
    }
}

/// `HTTP/1.1 404 Not Found` -> 404.
pub fn status_code(line: &str) -> u16 {
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"))
}
