//! Scheduling test helpers: meetings organized by alice, more users, the copies in
//! users' calendars and their inboxes, and PUT/GET/DELETE as any user.

use davgate::provision::create_user;
use davgate::scheduling::inbox::inbox_folder;
use davgate::scheduling::itip::{view, View};
use davgate::scheduling::lines::parse;
use davgate::store::{
    ContextId, DynStore, FolderModule, MemberFilter, Resource, ResourceKind, StoredObject, User,
};
use futures::TryStreamExt;

use super::caldav::*;
use super::http::*;

pub const CAROL_PASSWORD: &str = "carol-Secret-3";

/// Room 1 (room1@example.com), a room of context `ctx`.
pub async fn add_room1(store: &DynStore, ctx: ContextId) -> Resource {
    store
        .create_resource(
            ctx,
            "room1",
            "Room 1",
            "room1@example.com",
            ResourceKind::Room,
        )
        .await
        .unwrap()
}

/// An event of alice's from 10:00 to 11:00 UTC `days` from today with these ATTENDEE
/// lines (alice attends too).
pub fn meeting(uid: &str, summary: &str, days: i64, attendees: &[&str]) -> String {
    let d = day(days);
    let mut lines = String::new();
    for attendee in attendees {
        lines.push_str(&format!("ATTENDEE;{attendee}\r\n"));
    }
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\n\
         SUMMARY:{summary}\r\nORGANIZER;CN=Alice Liddell:mailto:alice@example.com\r\n\
         ATTENDEE;CN=Alice Liddell;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
         {lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

pub async fn add_user(site: &Site, login: &str, password: &str) -> User {
    create_user(
        &site.store,
        site.alice.context_id,
        user_spec(login, &format!("{login}@example.com"), &[], login, password),
    )
    .await
    .unwrap()
}

/// The user's copy of `uid` in her default calendar.
pub async fn copy(store: &DynStore, user: &User, uid: &str) -> Option<StoredObject> {
    let calendar = default_folder(store, user, FolderModule::Calendar).await;
    store
        .object_by_uid(user.context_id, calendar.id, uid)
        .await
        .unwrap()
}

pub fn scheduling_view(object: &StoredObject) -> View {
    view(&parse(std::str::from_utf8(&object.data).unwrap()).unwrap()).unwrap()
}

/// PARTSTAT and SCHEDULE-STATUS of `address` in the master of `object`.
pub fn attendee_state(object: &StoredObject, address: &str) -> (String, Option<String>) {
    let view = scheduling_view(object);
    let attendee = view.instances[0]
        .attendee(address)
        .unwrap_or_else(|| panic!("{address} in {}", String::from_utf8_lossy(&object.data)));
    (attendee.partstat.clone(), attendee.schedule_status.clone())
}

/// The iTIP messages in the user's inbox, as text.
pub async fn inbox(store: &DynStore, user: &User) -> Vec<String> {
    let folder = inbox_folder(store, user.context_id, user.id).await.unwrap();
    store
        .object_stream(user.context_id, folder.id, MemberFilter::default())
        .map_ok(|o| String::from_utf8(o.data).unwrap().replace("\r\n ", ""))
        .try_collect()
        .await
        .unwrap()
}

pub fn with_method<'a>(messages: &'a [String], method: &str, uid: &str) -> Vec<&'a String> {
    messages
        .iter()
        .filter(|m| {
            m.contains(&format!("METHOD:{method}\r\n")) && m.contains(&format!("UID:{uid}"))
        })
        .collect()
}

pub fn path_of(object: &StoredObject) -> String {
    format!("/dav/caldav/{}/{}", object.folder_id, object.resource_name)
}

pub async fn put_as(
    site: &Site,
    (login, password): (&str, &str),
    path: &str,
    body: &str,
    headers: &[(&'static str, String)],
) -> Answer {
    let mut call = Call::new("PUT", path)
        .auth(login, password)
        .header("content-type", "text/calendar; charset=utf-8")
        .body(body.as_bytes().to_vec());
    for (name, value) in headers {
        call = call.header(name, value.clone());
    }
    send(&site.app, call).await
}

pub async fn get_as(site: &Site, (login, password): (&str, &str), path: &str) -> Answer {
    send(&site.app, Call::new("GET", path).auth(login, password)).await
}

pub async fn delete_as(site: &Site, (login, password): (&str, &str), path: &str) -> Answer {
    send(&site.app, Call::new("DELETE", path).auth(login, password)).await
}

/// What an Apple client sends when its user accepts: the copy as read, PARTSTAT set on
/// her ATTENDEE (parameters as Apple writes them), a new DTSTAMP, X- properties and an
/// alarm of her own.
pub fn accepted_like_apple(copy: &str, address: &str, partstat: &str) -> String {
    let mut out = String::new();
    let text = copy.replace("\r\n ", "");
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("ATTENDEE") && upper.ends_with(&address.to_ascii_uppercase()) {
            out.push_str(&format!(
                "ATTENDEE;CN=Someone;CUTYPE=INDIVIDUAL;EMAIL={};PARTSTAT={partstat}:{address}\r\n",
                &address[7..]
            ));
        } else if upper.starts_with("DTSTAMP") {
            out.push_str("DTSTAMP:20260301T120000Z\r\n");
        } else if upper == "END:VEVENT" {
            out.push_str("X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\nTRANSP:OPAQUE\r\n");
            out.push_str("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Reminder\r\nEND:VALARM\r\n");
            out.push_str("END:VEVENT\r\n");
        } else {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out
}
