//! Sharing test helpers: share requests as macOS Calendar and other clients send them,
//! PROPFINDs of the sharing properties, and the permissions the store holds.

use davgate::store::{DynStore, FolderId, Permission, User};
use http::StatusCode;

use super::http::*;

pub const CAROL_PASSWORD: &str = "carol-Secret-3";
pub const OSCAR_PASSWORD: &str = "oscar-Secret-4";

/// What macOS Calendar POSTs to a calendar when its owner adds a person in the sharing
/// sheet (Content-Type text/xml, Apple's A:/B: prefixes, the calendar's name as summary).
pub fn macos_share(mail: &str, name: &str, access: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <B:share xmlns:A=\"DAV:\" xmlns:B=\"http://calendarserver.org/ns/\">\n  \
         <B:set>\n    <A:href>mailto:{mail}</A:href>\n    <B:common-name>{name}</B:common-name>\n    \
         <B:summary>Calendar</B:summary>\n    <B:{access}/>\n  </B:set>\n</B:share>\n"
    )
}

pub fn share_body(changes: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">{changes}</CS:share>"#
    )
}

pub fn set(href: &str, access: &str) -> String {
    format!("<CS:set><D:href>{href}</D:href><CS:summary>Shared</CS:summary><CS:{access}/></CS:set>")
}

pub fn remove(href: &str) -> String {
    format!("<CS:remove><D:href>{href}</D:href></CS:remove>")
}

pub async fn post(site: &Site, (login, password): (&str, &str), path: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new("POST", path)
            .auth(login, password)
            .header("content-type", "text/xml")
            .header("user-agent", "macOS/14.5 (23F79) CalendarAgent/1000")
            .body(body.to_string()),
    )
    .await
}

pub async fn propfind(
    site: &Site,
    who: (&str, &str),
    path: &str,
    depth: &str,
    props: &str,
) -> Answer {
    send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth(who.0, who.1)
            .depth(depth)
            .body(format!(
                r#"<?xml version="1.0"?><A:propfind xmlns:A="DAV:" xmlns:B="http://calendarserver.org/ns/"><A:prop>{props}</A:prop></A:propfind>"#
            )),
    )
    .await
}

/// The permissions of a folder, sorted, as the store (and `davgate folder list`) has them.
pub async fn permissions(store: &DynStore, user: &User, folder: FolderId) -> Vec<Permission> {
    let mut all = store
        .folder(user.context_id, folder)
        .await
        .unwrap()
        .permissions;
    all.sort_by_key(|p| (p.is_group, p.entity));
    all
}

/// `CS:invite` of `path` as `who` sees it: the organizer's href, then each user's href
/// and access.
pub async fn invite(
    site: &Site,
    who: (&str, &str),
    path: &str,
) -> Option<(String, Vec<(String, String)>)> {
    let answer = propfind(site, who, path, "0", "<B:invite/>").await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{path}");
    let response = &answer.multistatus()[0];
    let (status, invite) = response.prop(CALENDARSERVER, "invite").expect("asked for");
    if status == 404 {
        return None;
    }
    assert_eq!(status, 200);
    let organizer = invite
        .child(CALENDARSERVER, "organizer")
        .expect("CS:organizer")
        .hrefs()
        .concat();
    let users = invite
        .children_named(CALENDARSERVER, "user")
        .map(|user| {
            assert!(user.child(CALENDARSERVER, "invite-accepted").is_some());
            assert!(user.child(CALENDARSERVER, "common-name").is_some());
            let access = user.child(CALENDARSERVER, "access").expect("CS:access");
            (user.hrefs().concat(), access.children[0].local.clone())
        })
        .collect();
    Some((organizer, users))
}

/// alice's refused request to share `path` with `address`, the address masked.
pub async fn refusal(site: &Site, path: &str, address: &str) -> (StatusCode, String) {
    let body = share_body(&set(address, "read"));
    let answer = post(site, ("alice@example.com", ALICE_PASSWORD), path, &body).await;
    let text = String::from_utf8_lossy(&answer.body).replace(address, "ADDRESS");
    (answer.status, text)
}

/// The collection hrefs `who`'s home at `home` lists.
pub async fn home_hrefs(site: &Site, who: (&str, &str), home: &str) -> Vec<String> {
    let answer = propfind(site, who, home, "1", "<A:resourcetype/>").await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    answer.multistatus().into_iter().map(|r| r.href).collect()
}
