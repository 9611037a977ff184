//! Names, paths and URLs through the real router, on SQLite and PostgreSQL: paths and
//! hrefs with NUL, dot segments or overlong names are refused with a reason.

mod common;

#[path = "names/path_input.rs"]
mod path_input;

use common::http::*;

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

pub const ALICE: (&str, &str) = ("alice", ALICE_PASSWORD);
