//! Names, paths and URLs through the real router, on SQLite and PostgreSQL: calendar
//! names are their owner's and never shadow a folder id or reveal another user's names;
//! paths and hrefs with NUL, dot segments or overlong names are refused with a reason;
//! a Destination on another host gets 502; dead properties stay within their bounds.

mod common;

#[path = "names/calendar_names.rs"]
mod calendar_names;
#[path = "names/dead_properties.rs"]
mod dead_properties;
#[path = "names/destinations.rs"]
mod destinations;
#[path = "names/legacy_names.rs"]
mod legacy_names;
#[path = "names/path_input.rs"]
mod path_input;

use common::http::*;

/// `len` characters that do not compress, as PostgreSQL would compress a repetition
/// small enough to fit its index.
pub fn incompressible(len: usize) -> String {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(state % 36) as usize])
        })
        .collect()
}

/// MKCALENDAR of `path` as `login`, with `display_name` when given.
pub async fn mkcalendar(
    site: &Site,
    (login, password): (&str, &str),
    path: &str,
    display_name: Option<&str>,
) -> Answer {
    let mut call = Call::new("MKCALENDAR", path).auth(login, password);
    if let Some(name) = display_name {
        call = call.body(format!(
            r#"<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>{name}</D:displayname></D:prop></D:set></C:mkcalendar>"#
        ));
    }
    send(&site.app, call).await
}

/// The DAV:displayname of the collection at `path` as `login` sees it, or the status
/// of a PROPFIND that found none.
pub async fn display_name(
    site: &Site,
    (login, password): (&str, &str),
    path: &str,
) -> Result<String, u16> {
    let answer = send(
        &site.app,
        Call::new("PROPFIND", path)
            .auth(login, password)
            .depth("0")
            .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:propfind>"#),
    )
    .await;
    if answer.status != http::StatusCode::MULTI_STATUS {
        return Err(answer.status.as_u16());
    }
    let responses = answer.multistatus();
    assert_eq!(responses[0].href, path);
    Ok(responses[0].found(DAV, "displayname").text.clone())
}

/// The hrefs of the collections `login`'s calendar home lists.
pub async fn home_hrefs(site: &Site, (login, password): (&str, &str)) -> Vec<String> {
    let answer = send(
        &site.app,
        Call::new("PROPFIND", "/dav/caldav/")
            .auth(login, password)
            .depth("1")
            .body(r#"<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>"#),
    )
    .await;
    assert_eq!(answer.status, http::StatusCode::MULTI_STATUS);
    answer
        .multistatus()
        .into_iter()
        .map(|r| r.href)
        .filter(|href| href != "/dav/caldav/")
        .collect()
}

pub const ALICE: (&str, &str) = ("alice", ALICE_PASSWORD);
pub const BOB: (&str, &str) = ("bob", BOB_PASSWORD);
