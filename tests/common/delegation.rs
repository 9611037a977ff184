//! Calendar delegation test helpers: the member sets macOS Calendar sends, what iOS asks
//! for, and PROPFIND / PROPPATCH of principals and their proxy groups.

use davgate::store::{DynStore, FolderModule, Permission, User};
use http::StatusCode;

use super::caldav::default_folder;
use super::http::*;
use super::scheduling::CAROL_PASSWORD;

/// The body macOS Calendar sends when its user names delegates (one DAV:href per
/// member; the empty set when the last one goes).
pub fn member_set_body(hrefs: &[String]) -> String {
    let hrefs: String = hrefs
        .iter()
        .map(|href| format!("<A:href>{href}</A:href>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:">
  <A:set>
    <A:prop>
      <A:group-member-set>{hrefs}</A:group-member-set>
    </A:prop>
  </A:set>
</A:propertyupdate>"#
    )
}

/// What iOS asks a principal for to show whom its user acts for.
pub const IOS_PROXY_FOR: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<A:expand-property xmlns:A="DAV:">
  <A:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">
    <A:property name="displayname" namespace="DAV:"/>
    <A:property name="principal-URL" namespace="DAV:"/>
    <A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
  </A:property>
  <A:property name="calendar-proxy-read-for" namespace="http://calendarserver.org/ns/">
    <A:property name="displayname" namespace="DAV:"/>
    <A:property name="principal-URL" namespace="DAV:"/>
    <A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
  </A:property>
</A:expand-property>"#;

pub const PROPS: &str = r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop><D:displayname/><D:resourcetype/><D:group-member-set/><D:group-membership/><D:principal-URL/><D:current-user-privilege-set/><CS:calendar-proxy-read-for/><CS:calendar-proxy-write-for/></D:prop></D:propfind>"#;

pub fn principal(user: &User) -> String {
    format!("/dav/principals/users/{}/", user.id)
}

pub fn proxy(user: &User, kind: &str) -> String {
    format!("/dav/principals/users/{}/calendar-proxy-{kind}/", user.id)
}

pub async fn proppatch(site: &Site, who: (&str, &str), path: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new("PROPPATCH", path)
            .auth(who.0, who.1)
            .body(body.to_string()),
    )
    .await
}

pub async fn propfind(site: &Site, who: (&str, &str), path: &str, depth: &str) -> Answer {
    send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth(who.0, who.1)
            .depth(depth)
            .body(PROPS),
    )
    .await
}

/// The permission `user` holds on `owner`'s default calendar herself.
pub async fn permission_of(store: &DynStore, owner: &User, user: &User) -> Option<Permission> {
    default_folder(store, owner, FolderModule::Calendar)
        .await
        .permissions
        .into_iter()
        .find(|p| !p.is_group && p.entity == user.id)
}

/// The single response of a Depth 0 PROPFIND.
pub fn only(answer: &Answer) -> DavResponse {
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let mut responses = answer.multistatus();
    assert_eq!(responses.len(), 1);
    responses.remove(0)
}

pub const ALICE: (&str, &str) = ("alice", ALICE_PASSWORD);
pub const BOB: (&str, &str) = ("bob", BOB_PASSWORD);
pub const CAROL: (&str, &str) = ("carol", CAROL_PASSWORD);
