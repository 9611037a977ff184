//! Scheduling mailbox test helpers: the mailboxes' paths under the /dav layout, iTIP
//! messages delivered to a user's inbox, PROPFIND and sync of them.

use davgate::scheduling::inbox::deliver;
use davgate::store::User;
use http::StatusCode;

use super::caldav::*;
use super::http::*;

pub const INBOX: &str = "/dav/caldav/schedule-inbox/";
pub const OUTBOX: &str = "/dav/caldav/schedule-outbox/";

pub const PROPS: &str = r#"<?xml version="1.0"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">
  <D:prop><D:displayname/><D:resourcetype/><C:supported-calendar-component-set/>
  <D:current-user-privilege-set/><CS:getctag/><D:sync-token/><D:owner/>
  <D:supported-report-set/><C:schedule-default-calendar-URL/><D:getetag/>
  <D:getcontenttype/><D:getcontentlength/><D:getlastmodified/></D:prop>
</D:propfind>"#;

/// An invitation from bob, as an iTIP REQUEST (RFC 5546 3.2.2).
pub fn request(uid: &str, summary: &str) -> String {
    let d = day(3);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nMETHOD:REQUEST\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\n\
         DTEND:{d}T110000Z\r\nSUMMARY:{summary}\r\nORGANIZER:mailto:bob@example.com\r\n\
         ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@example.com\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Delivers a REQUEST to `to`; gives the message's href in her inbox and its bytes.
pub async fn deliver_to(site: &Site, to: &User, uid: &str) -> (String, String) {
    let message = request(uid, &format!("Meeting {uid}"));
    let name = deliver(
        &site.store,
        to.context_id,
        to.id,
        "VEVENT",
        Some("Meeting"),
        message.as_bytes(),
    )
    .await
    .unwrap();
    (format!("{INBOX}{name}"), message)
}

pub async fn propfind(site: &Site, login: &str, password: &str, path: &str, depth: &str) -> Answer {
    send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth(login, password)
            .depth(depth)
            .body(PROPS),
    )
    .await
}

pub fn find<'a>(responses: &'a [DavResponse], href: &str) -> &'a DavResponse {
    responses
        .iter()
        .find(|r| r.href == href)
        .unwrap_or_else(|| {
            let hrefs: Vec<_> = responses.iter().map(|r| &r.href).collect();
            panic!("{href} not among {hrefs:?}")
        })
}

pub fn hrefs(responses: &[DavResponse]) -> Vec<String> {
    let mut hrefs: Vec<String> = responses.iter().map(|r| r.href.clone()).collect();
    hrefs.sort();
    hrefs
}

pub fn resource_types(response: &DavResponse) -> Vec<(String, String)> {
    response
        .found(DAV, "resourcetype")
        .children
        .iter()
        .map(|c| (c.ns.clone(), c.local.clone()))
        .collect()
}

pub fn ctag(site_answer: &Answer) -> String {
    site_answer.multistatus()[0]
        .found(CALENDARSERVER, "getctag")
        .text
        .clone()
}

pub async fn sync(site: &Site, token: &str) -> Answer {
    let answer = report(site, INBOX, &sync_body(token, None)).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "sync-collection");
    answer
}
