//! Importing a file into a collection and exporting one as a file. An import is the raw
//! .ics or .vcf in the request body (within the request body limit), answered with a
//! stream of NDJSON lines as it goes: how many items, then per item whether it was
//! stored or refused and why, then the totals; the page's script draws its progress bar
//! from them. Each item is stored as a PUT of a new member would be
//! (`http::ui_transfer`), at most `davgate.limits.maxImportItems` per import. An export
//! streams the members the user may read, a page at a time.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde_json::json;
use tokio::sync::mpsc;

use super::collections::logged_in;
use super::page::{to_login, with_page_headers};
use super::split::{self, Split};
use super::{csrf, UiError};
use crate::access::DavUser;
use crate::caldav::home::calendar;
use crate::caldav::CalendarCollection;
use crate::carddav::home::address_book;
use crate::carddav::AddressBook;
use crate::config::props;
use crate::http::ui_transfer::{as_read, put_new, ImportInto};
use crate::http::AppState;
use crate::store::{FolderId, MemberFilter};

/// A collection of the user's, found by id.
enum Collection {
    Calendar(Box<CalendarCollection>),
    AddressBook(Box<AddressBook>),
}

async fn collection(state: &AppState, me: &DavUser, id: &str) -> Result<Collection, UiError> {
    let id: FolderId = crate::caldav::collection::folder_id_of(id).ok_or(UiError::NotFound)?;
    if let Some(found) = calendar(&state.store, me, id).await? {
        return Ok(Collection::Calendar(Box::new(found)));
    }
    match address_book(&state.store, me, &id.to_string()).await? {
        Some(book @ AddressBook::Folder(_)) => Ok(Collection::AddressBook(Box::new(book))),
        _ => Err(UiError::NotFound),
    }
}

/// One NDJSON line.
fn line(value: serde_json::Value) -> Bytes {
    let mut text = value.to_string();
    text.push('\n');
    Bytes::from(text)
}

/// A name for a new member from the item's UID when it makes a plain one, else from a
/// digest of it, else random.
fn member_name(uid: Option<&str>, extension: &str) -> String {
    match uid {
        Some(uid)
            if uid.len() <= 200
                && uid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
                && !uid.starts_with('.') =>
        {
            format!("{uid}.{extension}")
        }
        Some(uid) => format!("{}.{extension}", &super::session::token_hash(uid)[..32]),
        None => format!("{}.{extension}", super::session::random_token()),
    }
}

pub async fn import(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let login = match logged_in(&state, &headers).await {
        Ok(Some(login)) => login,
        Ok(None) => return to_login(&state),
        Err(err) => return err.page(&state),
    };
    let started = async {
        csrf::check(&headers, None, &login.session.csrf_token)?;
        if !login.me.config.get::<props::UiImport>() {
            return Err(UiError::Forbidden(
                "importing is not offered on this server".into(),
            ));
        }
        let target = collection(&state, &login.me, &id).await?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| UiError::BadRequest("the file is not UTF-8 text".into()))?;
        let start = text.trim_start_matches('\u{feff}').trim_start();
        let (split, wanted) = match &target {
            Collection::Calendar(_) => (split::calendar(text), "BEGIN:VCALENDAR"),
            Collection::AddressBook(_) => (split::vcards(text), "BEGIN:VCARD"),
        };
        if !start
            .get(..wanted.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(wanted))
        {
            return Err(UiError::Unsupported(match target {
                Collection::Calendar(_) => {
                    "a calendar or task list imports iCalendar files (.ics)".into()
                }
                Collection::AddressBook(_) => "an address book imports vCard files (.vcf)".into(),
            }));
        }
        Ok((target, split))
    };
    let (target, split) = match started.await {
        Ok(started) => started,
        Err(err) => return err.page(&state),
    };
    let (sender, receiver) = mpsc::channel::<Bytes>(16);
    let me = login.me;
    let max = state.limits.collections.max_import_items;
    tokio::spawn(run_import(
        state,
        me,
        target,
        Arc::new(split),
        body,
        max,
        sender,
    ));
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|bytes| (Ok::<_, Infallible>(bytes), receiver))
    });
    let mut response = Body::from_stream(stream).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    with_page_headers(response)
}

/// Stores the items one by one and reports each; stops when the browser stops reading.
async fn run_import(
    state: AppState,
    me: DavUser,
    target: Collection,
    split: Arc<Split>,
    body: Bytes,
    max: usize,
    sender: mpsc::Sender<Bytes>,
) {
    let text = std::str::from_utf8(&body).unwrap_or("");
    let total = split.items.len();
    if sender
        .send(line(json!({"type": "start", "items": total})))
        .await
        .is_err()
    {
        return;
    }
    let (mut stored, mut refused) = (0usize, 0usize);
    for (n, item) in split.items.iter().enumerate() {
        let outcome = if n >= max {
            Err(format!(
                "an import stores at most {max} items; import the rest in another file"
            ))
        } else {
            match &target {
                Collection::Calendar(collection) => {
                    let object = split.calendar_object(text, item);
                    let name = member_name(item.uid.as_deref(), "ics");
                    put_new(
                        &state,
                        &me,
                        ImportInto::Calendar(collection),
                        &name,
                        object.as_bytes(),
                    )
                    .await
                }
                Collection::AddressBook(book) => {
                    let name = member_name(item.uid.as_deref(), "vcf");
                    put_new(
                        &state,
                        &me,
                        ImportInto::AddressBook(book),
                        &name,
                        split.vcard(text, item).as_bytes(),
                    )
                    .await
                }
            }
        };
        let report = match outcome {
            Ok(()) => {
                stored += 1;
                json!({"type": "item", "n": n + 1, "uid": item.uid, "status": "stored"})
            }
            Err(reason) => {
                refused += 1;
                json!({"type": "item", "n": n + 1, "uid": item.uid, "status": "refused", "reason": reason})
            }
        };
        if sender.send(line(report)).await.is_err() {
            return;
        }
    }
    let _ = sender
        .send(line(
            json!({"type": "end", "stored": stored, "refused": refused}),
        ))
        .await;
}

/// A file name of `name`: letters, digits, `-` and `_` kept, the rest `_`.
fn file_name(name: &str, extension: &str) -> String {
    let safe: String = name
        .chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}.{extension}",
        if safe.is_empty() { "export" } else { &safe }
    )
}

/// The lines of a stored calendar object between its VCALENDAR lines, its own
/// calendar properties left out, time zones already written skipped.
fn components(data: &str, zones: &mut std::collections::HashSet<String>, out: &mut String) {
    let mut depth = 0usize;
    let mut zone = String::new();
    let mut in_zone = false;
    for raw in data.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\r', '\n']);
        let upper = line
            .get(..line.len().min(16))
            .unwrap_or("")
            .to_ascii_uppercase();
        if upper.starts_with("BEGIN:") {
            depth += 1;
            if depth == 1 {
                continue;
            }
            if depth == 2 && upper.starts_with("BEGIN:VTIMEZONE") {
                in_zone = true;
                zone.clear();
            }
        } else if upper.starts_with("END:") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                continue;
            }
        } else if depth == 1 {
            continue;
        }
        if in_zone {
            zone.push_str(line);
            zone.push_str("\r\n");
            if depth == 1 {
                in_zone = false;
                let tzid = zone
                    .lines()
                    .find_map(|l| l.strip_prefix("TZID:"))
                    .unwrap_or("")
                    .to_owned();
                if zones.insert(tzid) {
                    out.push_str(&zone);
                }
            }
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
}

pub async fn export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let login = match logged_in(&state, &headers).await {
        Ok(Some(login)) => login,
        Ok(None) => return to_login(&state),
        Err(err) => return err.page(&state),
    };
    let target = match collection(&state, &login.me, &id).await {
        Ok(target) => target,
        Err(err) => return err.page(&state),
    };
    let me = login.me.user.id;
    let context = login.me.user.context_id;
    let (folder, rights, name, extension, media) = match &target {
        Collection::Calendar(c) => (
            c.folder.clone(),
            c.rights,
            c.display_name.clone(),
            "ics",
            "text/calendar; charset=utf-8",
        ),
        Collection::AddressBook(b) => match b.as_ref() {
            AddressBook::Folder(f) => (
                f.folder.clone(),
                f.rights,
                f.display_name.clone(),
                "vcf",
                "text/vcard; charset=utf-8",
            ),
            AddressBook::Aggregated(_) => return UiError::NotFound.page(&state),
        },
    };
    if !rights.can_read() {
        return UiError::Forbidden("you may not read this collection".into()).page(&state);
    }
    let calendar = extension == "ics";
    let objects = state
        .store
        .object_stream(context, folder.id, MemberFilter::default())
        .filter(move |object| {
            let readable = match object {
                Ok(object) => rights.can_read_object(object.user_id, me),
                Err(_) => true,
            };
            async move { readable }
        });
    let head = futures::stream::iter(calendar.then(|| {
        Ok::<_, std::io::Error>(Bytes::from_static(
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//export//EN\r\n",
        ))
    }));
    let mut zones = std::collections::HashSet::new();
    let members = objects.map(move |object| {
        let object = object.map_err(|e| std::io::Error::other(e.to_string()))?;
        let object = as_read(&folder, object, me);
        let text = String::from_utf8_lossy(&object.data);
        let mut out = String::new();
        if calendar {
            components(&text, &mut zones, &mut out);
        } else {
            out.push_str(&text);
            if !out.ends_with('\n') {
                out.push_str("\r\n");
            }
        }
        Ok(Bytes::from(out))
    });
    let tail =
        futures::stream::iter(calendar.then(|| Ok(Bytes::from_static(b"END:VCALENDAR\r\n"))));
    let body = Body::from_stream(head.chain(members).chain(tail));
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        file_name(&name, extension)
    )) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    with_page_headers(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_come_from_plain_uids() {
        assert_eq!(member_name(Some("abc-1@x"), "ics"), "abc-1@x.ics");
        let odd = member_name(Some("a/b c"), "ics");
        assert_eq!(odd.len(), 36);
        assert!(odd.ends_with(".ics"));
        assert_ne!(member_name(None, "vcf"), member_name(None, "vcf"));
    }

    #[test]
    fn exported_components_share_their_zones() {
        let object = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:Z\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let mut zones = std::collections::HashSet::new();
        let mut out = String::new();
        components(object, &mut zones, &mut out);
        components(object, &mut zones, &mut out);
        assert_eq!(out.matches("BEGIN:VTIMEZONE").count(), 1);
        assert_eq!(out.matches("BEGIN:VEVENT").count(), 2);
        assert!(!out.contains("VERSION") && !out.contains("VCALENDAR"));
    }
}
