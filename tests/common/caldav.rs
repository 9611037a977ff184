//! CalDAV test helpers: the /dav layout, dated events and tasks, PUT/GET as alice, and
//! assertions on `DAV:error` bodies.

use davgate::store::{DynStore, Folder, FolderModule, User};
use http::StatusCode;

use super::http::*;

/// Mounted at /dav, proxied from the root: hrefs start with /dav.
pub const LAYOUT: &[(&str, &str)] = &[
    ("com.openexchange.dav.prefixPath", "/dav"),
    ("com.openexchange.dav.proxyPrefixPath", "/"),
];

pub const ICAL_NS: &str = "http://apple.com/ns/ical/";

pub async fn default_folder(store: &DynStore, user: &User, module: FolderModule) -> Folder {
    store
        .default_folder(user.context_id, user.id, module)
        .await
        .unwrap()
        .expect("default folder")
}

pub fn calendar_path(folder: &Folder) -> String {
    format!("/dav/caldav/{}/", folder.id)
}

/// `YYYYMMDD` of the day `days` days from today (UTC). "Today" is the day of the first
/// call in the test process, so that what a test plants before midnight and expects
/// after it name the same day.
pub fn day(days: i64) -> String {
    static TODAY: std::sync::OnceLock<time::Date> = std::sync::OnceLock::new();
    let today = *TODAY.get_or_init(|| time::OffsetDateTime::now_utc().date());
    let d = today + time::Duration::days(days);
    format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day())
}

/// An event from 10:00 to 11:00 UTC, `days` days from today.
pub fn event(uid: &str, summary: &str, days: i64) -> String {
    let d = day(days);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\n\
         SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

pub fn task(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VTODO\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
}

pub async fn put(site: &Site, path: &str, body: &str, headers: &[(&'static str, &str)]) -> Answer {
    let mut call = Call::new("PUT", path)
        .auth("alice", ALICE_PASSWORD)
        .header("content-type", "text/calendar; charset=utf-8")
        .body(body.as_bytes().to_vec());
    for (name, value) in headers {
        call = call.header(name, *value);
    }
    send(&site.app, call).await
}

/// PUT as alice of a new object, which must be created (201).
pub async fn put_new(site: &Site, path: &str, body: &str) -> Answer {
    let answer = put(site, path, body, &[]).await;
    assert_eq!(
        answer.status,
        StatusCode::CREATED,
        "PUT {path}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer
}

/// PUT as alice of a new object that must be refused with `status` and the precondition
/// `{ns}local`, leaving nothing at `path`.
pub async fn put_refused(
    site: &Site,
    path: &str,
    body: &str,
    status: StatusCode,
    (ns, local): (&str, &str),
) -> Answer {
    let answer = put(site, path, body, &[]).await;
    assert_precondition(&answer, status, ns, local, path);
    assert_eq!(
        get(site, path).await.status,
        StatusCode::NOT_FOUND,
        "{path}: nothing stored by the refused PUT"
    );
    answer
}

/// A REPORT of Depth 1 as alice.
pub async fn report(site: &Site, path: &str, body: &str) -> Answer {
    send(
        &site.app,
        Call::new("REPORT", path)
            .auth("alice", ALICE_PASSWORD)
            .depth("1")
            .body(body.to_string()),
    )
    .await
}

pub async fn get(site: &Site, path: &str) -> Answer {
    send(
        &site.app,
        Call::new("GET", path).auth("alice", ALICE_PASSWORD),
    )
    .await
}

pub fn error_element(answer: &Answer) -> (String, String) {
    let root = parse_xml(&answer.body);
    assert!(
        root.is(DAV, "error"),
        "expected DAV:error, got {}",
        String::from_utf8_lossy(&answer.body)
    );
    let first = root.children.first().expect("a precondition element");
    (first.ns.clone(), first.local.clone())
}

/// What a `DAV:need-privileges` body names: each resource's href and the local name of
/// the privilege it lacks.
pub fn needed_privileges(answer: &Answer) -> Vec<(String, String)> {
    let root = parse_xml(&answer.body);
    let needed = root
        .child(DAV, "need-privileges")
        .unwrap_or_else(|| panic!("no need-privileges in {root:?}"));
    needed
        .children_named(DAV, "resource")
        .map(|resource| {
            let privilege = resource.child(DAV, "privilege").expect("a privilege");
            let names: Vec<&str> = privilege
                .children
                .iter()
                .filter(|p| p.ns == DAV)
                .map(|p| p.local.as_str())
                .collect();
            assert_eq!(names.len(), 1, "one DAV privilege: {privilege:?}");
            (resource.hrefs().concat(), names[0].to_string())
        })
        .collect()
}

pub fn assert_precondition(answer: &Answer, status: StatusCode, ns: &str, local: &str, what: &str) {
    assert_eq!(
        answer.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        error_element(answer),
        (ns.to_string(), local.to_string()),
        "{what}"
    );
}
