//! DAV requests below the prefix, dispatched on the method (axum's method router knows no
//! PROPFIND); handlers extract what they need and call plain functions.

use axum::body::{Body, Bytes};
use axum::extract::{Extension, FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};

use super::error::DavError;
use super::login_methods::LoginView;
use super::object::need_privilege;
use super::observe::ResourceKind;
use super::push_post::PushTarget;
use super::request_path;
use super::resource::DavResource;
use super::{
    acl, acl_reports, address_books, attachment_get, attachment_post, carddav_report, contact,
    copy_move, entry_report, internet_freebusy, mailboxes, mkcalendar, object, outbox_post,
    propfind, proppatch, proxy_patch, push_post, report, share_post, AppState,
};
use crate::access::DavUser;
use crate::carddav::AddressBook;
use crate::dav::{Precondition, Refusal};
use crate::principals::EntryResource;

/// The DAV compliance classes davgate answers in OPTIONS.
pub(super) const DAV_CLASSES: &str = "1, 3, access-control, calendar-access, \
     calendar-auto-schedule, calendar-schedule, calendar-no-timezone, calendar-managed-attachments, \
     addressbook, extended-mkcol, calendarserver-sharing";
const DAV_CLASSES_CALDAV: &str =
    "1, 3, access-control, calendar-access, calendar-auto-schedule, calendar-schedule, \
     calendar-no-timezone, calendar-managed-attachments, extended-mkcol, calendarserver-sharing";
const DAV_CLASSES_CARDDAV: &str =
    "1, 3, access-control, addressbook, extended-mkcol, calendarserver-sharing";
const ALLOW: &str =
    "OPTIONS, GET, HEAD, POST, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, \
                     MKCOL, COPY, MOVE, ACL";
/// The entry points: REPORT for expand-property, and on the principal collections the
/// principal searches.
const ALLOW_ENTRY: &str = "OPTIONS, PROPFIND, REPORT";
/// A user's calendar-proxy groups: their owner changes their members with PROPPATCH.
const ALLOW_PROXY_GROUP: &str = "OPTIONS, PROPFIND, PROPPATCH, REPORT";
/// POST: a sharing request (`share_post`); ACL: the access control list (`acl`).
const ALLOW_COLLECTION: &str = "OPTIONS, POST, PROPFIND, PROPPATCH, REPORT, DELETE, ACL";
/// POST: the managed attachment actions (`attachment_post`).
const ALLOW_MEMBER: &str = "OPTIONS, GET, HEAD, POST, PUT, DELETE, PROPFIND, REPORT, COPY, MOVE";
/// A managed attachment: read only (RFC 8607 changes it through POST on its member).
const ALLOW_ATTACHMENT: &str = "OPTIONS, GET, HEAD";
const ALLOW_ADDRESS_BOOK: &str = "OPTIONS, POST, PROPFIND, PROPPATCH, REPORT, DELETE, ACL";
const ALLOW_AGGREGATED: &str = "OPTIONS, POST, PROPFIND, PROPPATCH, REPORT";
const ALLOW_CONTACT: &str = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, REPORT";
/// Where a calendar could be made.
const ALLOW_UNMAPPED_CALENDAR: &str = "OPTIONS, MKCALENDAR, MKCOL";
/// The scheduling inbox: DELETE is refused (403), as it is for other undeletable
/// collections.
const ALLOW_SCHEDULE_INBOX: &str = "OPTIONS, PROPFIND, PROPPATCH, REPORT, DELETE";
/// A message in the inbox: PUT is refused (403 `DAV:need-privileges` bind), only the
/// server delivers messages.
const ALLOW_INBOX_MESSAGE: &str = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, REPORT";
const ALLOW_SCHEDULE_OUTBOX: &str = "OPTIONS, POST, PROPFIND";

pub(super) async fn handle(
    State(state): State<AppState>,
    login: Option<Extension<LoginView>>,
    kind_slot: Option<Extension<ResourceKind>>,
    request: Request,
) -> Response {
    let kind_slot = kind_slot.map(|slot| slot.0);
    let method = request.method().clone();
    let uri = request.uri().clone();
    let headers = request.headers().clone();
    // An attachment upload is streamed into the store; every other body is read whole
    // (bounded by `body_limit`).
    let (body, upload) = if attachment_post::is_upload(&method, &uri) {
        (Bytes::new(), Some(request.into_body()))
    } else {
        match Bytes::from_request(request, &state).await {
            Ok(body) => (body, None),
            Err(rejection) => return rejection.into_response(),
        }
    };
    match dispatch(
        &state,
        login.map(|l| l.0),
        kind_slot.as_ref(),
        &method,
        &uri,
        &headers,
        &body,
        upload,
    )
    .await
    {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn dispatch(
    state: &AppState,
    login: Option<LoginView>,
    kind_slot: Option<&ResourceKind>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    upload: Option<Body>,
) -> Result<Response, DavError> {
    let sub = state
        .paths
        .strip_internal(uri.path())
        .ok_or(DavError::NotFound)?;
    let segments = request_path::segments(sub)
        .map_err(|e| DavError::BadRequest(format!("request path: {e}")))?;
    if method == Method::OPTIONS && login.is_none() {
        // Without credentials: what davgate implements anywhere, nothing about the path.
        return Ok(options(ALLOW, DAV_CLASSES));
    }
    // A method implemented on no resource is 501 (RFC 7231 4.1) before the path is looked
    // at, so the answer tells nothing about what the path names.
    if !ALLOW.split(", ").any(|m| m == method.as_str()) {
        return Err(DavError::Status(
            StatusCode::NOT_IMPLEMENTED,
            format!("{method} is not implemented"),
        ));
    }
    if matches!(method.as_str(), "GET" | "HEAD")
        && segments.first().map(String::as_str) == Some(internet_freebusy::SEGMENT)
    {
        return internet_freebusy::get(state, login.as_ref(), method, uri, &segments[1..]).await;
    }
    let LoginView {
        login,
        groups,
        config,
    } = login.ok_or(DavError::Unauthorized)?;
    // The one place a login's scope (an app password for CalDAV or CardDAV only, or for
    // reading only) is enforced, before the path is looked up.
    let first_segment = segments.first().map(String::as_str);
    if let Some(reason) = login.scope.refusal(method.as_str(), first_segment) {
        return Err(DavError::Forbidden(reason.into()));
    }
    let me = DavUser::with_profile(login.user, groups, config);
    if first_segment == Some(crate::push::REGISTRATIONS_SEGMENT) {
        return push_post::registration(state, &me, method, &segments[1..]).await;
    }
    let resource = match DavResource::resolve(&state.store, &me, &segments).await {
        // No address book is there for this user: MKCOL may make one. The answer is the
        // same whether another user's folder has that id or none does.
        Err(DavError::NotFound) if makes_collection(method) && in_address_book_home(&segments) => {
            let segment = &segments[1];
            return match method.as_str() {
                "MKCOL" => address_books::create(state, &me, segment, headers, body).await,
                _ => Err(Refusal::new(
                    Precondition::CalendarCollectionLocationOk,
                    "calendars are made in the calendar home",
                )
                .into()),
            };
        }
        // The outbox holds nothing and takes nothing but what is sent to it.
        Err(DavError::NotFound) if creates_resource(method) && below_the_outbox(&segments) => {
            return Err(need_privilege(
                state
                    .paths
                    .external(&crate::caldav::mailboxes::outbox_sub_path()),
                "bind",
            ))
        }
        // Below a calendar or address book that is not there (for this user): nothing can
        // be created until the collection is (RFC 4918 9.3.1, 9.7.1).
        Err(DavError::NotFound) if creates_resource(method) && below_a_collection(&segments) => {
            return Err(DavError::Status(
                StatusCode::CONFLICT,
                "the collection this would be created in does not exist".into(),
            ))
        }
        resolved => resolved?,
    };
    if let Some(slot) = kind_slot {
        slot.set(resource.kind());
    }
    if method == Method::OPTIONS {
        return Ok(options(allow_of(&resource), classes_of(&resource)));
    }
    let not_allowed = |allow: &'static str| DavError::MethodNotAllowed {
        method: method.to_string(),
        allow,
    };
    // The ACL reports, on every resource that takes REPORT at all.
    let takes_report = allow_of(&resource).split(", ").any(|m| m == "REPORT");
    if method.as_str() == "REPORT" && takes_report && crate::dav::acl_body::is_acl_report(body) {
        return acl_reports::report(state, &me, &resource, headers, body).await;
    }
    match (method.as_str(), &resource) {
        ("PROPFIND", _) => propfind::propfind(state, &me, resource, headers, body).await,
        ("ACL", DavResource::Calendar(_) | DavResource::AddressBook(AddressBook::Folder(_))) => {
            acl::acl(state, &me, &resource, body).await
        }
        ("REPORT", DavResource::AddressBook(book)) => {
            carddav_report::report(state, &me, book, body, false).await
        }
        ("REPORT", DavResource::AddressBookMember { book, .. }) => {
            carddav_report::report(state, &me, book, body, true).await
        }
        ("REPORT", DavResource::CalendarMember { collection, .. }) => {
            let timezones = object::timezone_refs(headers);
            report::report(state, &me, collection, body, true, timezones).await
        }
        ("GET" | "HEAD", DavResource::AddressBookMember { book, name }) => {
            contact::get(state, &me, book, name, method, headers).await
        }
        ("PUT", DavResource::AddressBookMember { book, name }) => {
            contact::put(state, &me, book, name, headers, body).await
        }
        ("DELETE", DavResource::AddressBookMember { book, name }) => {
            contact::delete(state, &me, book, name, headers).await
        }
        ("REPORT", DavResource::ScheduleInbox(inbox)) => {
            mailboxes::report(state, &me, inbox, body, false).await
        }
        ("REPORT", DavResource::ScheduleInboxMessage { inbox, .. }) => {
            mailboxes::report(state, &me, inbox, body, true).await
        }
        ("GET" | "HEAD", DavResource::ScheduleInboxMessage { inbox, name }) => {
            mailboxes::get(state, &me, inbox, name, method, headers).await
        }
        ("DELETE", DavResource::ScheduleInboxMessage { inbox, name }) => {
            mailboxes::delete(state, &me, inbox, name, headers).await
        }
        // Messages are delivered by the server, never written by clients (RFC 6638 2.2).
        ("PUT", DavResource::ScheduleInboxMessage { .. }) => Err(need_privilege(
            state
                .paths
                .external(&crate::caldav::ScheduleInbox::sub_path()),
            "bind",
        )),
        ("PROPPATCH", DavResource::ScheduleInbox(_)) => {
            let folder = mailboxes::patched_inbox(state, &me).await?;
            proppatch::proppatch(state, &me, folder, body).await
        }
        ("DELETE", DavResource::ScheduleInbox(_)) => Err(DavError::Forbidden(
            "the scheduling inbox cannot be deleted; delete its messages".into(),
        )),
        ("PROPPATCH", DavResource::Entry(EntryResource::CalendarProxy(group))) => {
            proxy_patch::proppatch(state, &me, group, body).await
        }
        ("REPORT", DavResource::Entry(entry)) => {
            entry_report::report(state, &me, entry, body).await
        }
        ("REPORT", DavResource::Calendar(collection)) => {
            let timezones = object::timezone_refs(headers);
            report::report(state, &me, collection, body, false, timezones).await
        }
        ("PROPPATCH", DavResource::Calendar(collection)) => {
            let folder = proppatch::PatchedFolder::calendar(state, collection);
            proppatch::proppatch(state, &me, folder, body).await
        }
        ("PROPPATCH", DavResource::AddressBook(book)) => {
            let href = state.paths.external(&book.sub_path());
            let folder = match book {
                AddressBook::Folder(folder) => proppatch::PatchedFolder {
                    id: folder.id(),
                    href,
                    can_administer: folder.rights.can_administer(),
                    target: proppatch::Target::AddressBook,
                },
                // Its privilege set grants nobody write-properties: it has no properties
                // of its own to change.
                AddressBook::Aggregated(_) => return Err(need_privilege(href, "write-properties")),
            };
            proppatch::proppatch(state, &me, folder, body).await
        }
        ("DELETE", DavResource::AddressBook(book)) => address_books::delete(state, &me, book).await,
        ("DELETE", DavResource::Calendar(collection)) => {
            object::delete_collection(state, &me, collection).await
        }
        ("MKCALENDAR" | "MKCOL", DavResource::UnmappedCalendar(segment)) => {
            let extended = method.as_str() == "MKCOL";
            mkcalendar::mkcalendar(state, &me, segment, headers, body, extended).await
        }
        // Calendars and address books hold no collections (RFC 4791 4.2, RFC 6352 5.2).
        (
            "MKCALENDAR" | "MKCOL",
            DavResource::CalendarMember { .. } | DavResource::ScheduleInboxMessage { .. },
        ) => Err(Refusal::new(
            Precondition::CalendarCollectionLocationOk,
            "a calendar holds no collections",
        )
        .into()),
        ("MKCALENDAR", DavResource::AddressBookMember { .. }) => Err(Refusal::new(
            Precondition::CalendarCollectionLocationOk,
            "an address book holds no collections",
        )
        .into()),
        ("MKCOL", DavResource::AddressBookMember { .. }) => Err(Refusal::new(
            Precondition::AddressbookCollectionLocationOk,
            "an address book holds no collections",
        )
        .into()),
        // MKCALENDAR at a URL that is taken (RFC 4791 5.3.1.1); MKCOL there is 405 (RFC
        // 4918 9.3.1), below.
        (
            "MKCALENDAR",
            DavResource::Calendar(_)
            | DavResource::AddressBook(_)
            | DavResource::Entry(_)
            | DavResource::ScheduleInbox(_)
            | DavResource::ScheduleOutbox,
        ) => Err(Refusal::new(
            Precondition::ResourceMustBeNull,
            "a resource exists at this URL",
        )
        .into()),
        (
            "GET" | "HEAD",
            DavResource::CalendarAttachment {
                collection,
                name,
                managed_id,
            },
        ) => attachment_get::get(state, &me, collection.as_ref(), name, managed_id, method).await,
        ("GET" | "HEAD", DavResource::CalendarMember { collection, name }) => {
            object::get(state, &me, collection, name, method, headers).await
        }
        ("PUT", DavResource::CalendarMember { collection, name }) => {
            attachment_post::check_written_ids(state, &me, collection, name, body).await?;
            object::put(state, &me, collection, name, headers, body).await
        }
        ("POST", DavResource::CalendarMember { collection, name }) => {
            attachment_post::post(state, &me, collection, name, uri, headers, upload).await
        }
        ("DELETE", DavResource::CalendarMember { collection, name }) => {
            object::delete(state, &me, collection, name, headers).await
        }
        ("COPY" | "MOVE", DavResource::CalendarMember { collection, name }) => {
            copy_move::copy_or_move(
                state,
                &me,
                collection,
                name,
                uri,
                headers,
                method.as_str() == "MOVE",
            )
            .await
        }
        ("POST", DavResource::Calendar(collection)) => {
            let folder = PushTarget::Folder(&collection.folder, &collection.rights);
            if let Some(registered) = push_post::register(state, &me, folder, body).await? {
                return Ok(registered);
            }
            share_post::calendar(state, &me, collection, headers, body).await
        }
        ("POST", DavResource::AddressBook(book @ AddressBook::Folder(folder))) => {
            let pushed = PushTarget::Folder(&folder.folder, &folder.rights);
            if let Some(registered) = push_post::register(state, &me, pushed, body).await? {
                return Ok(registered);
            }
            let href = state.paths.external(&book.sub_path());
            share_post::address_book(state, &me, folder, href, headers, body).await
        }
        // The aggregated book is shared by nobody: POST there is a push registration, and
        // anything else (a sharing request) lacks the privilege to change its access, as
        // on the global address list.
        ("POST", DavResource::AddressBook(book @ AddressBook::Aggregated(_))) => {
            let pushed = PushTarget::AggregatedContacts(book);
            match push_post::register(state, &me, pushed, body).await? {
                Some(registered) => Ok(registered),
                None => Err(super::object::need_privilege(
                    state.paths.external(&book.sub_path()),
                    "write-acl",
                )),
            }
        }
        ("POST", DavResource::ScheduleOutbox) => outbox_post::post(state, &me, headers, body).await,
        (_, DavResource::UnmappedCalendar(_)) => Err(DavError::NotFound),
        (_, resource) => Err(not_allowed(allow_of(resource))),
    }
}

/// The methods `resource` takes: OPTIONS answers them and every 405 there names them.
fn allow_of(resource: &DavResource) -> &'static str {
    match resource {
        DavResource::Calendar(_) => ALLOW_COLLECTION,
        DavResource::AddressBook(AddressBook::Folder(_)) => ALLOW_ADDRESS_BOOK,
        DavResource::AddressBook(AddressBook::Aggregated(_)) => ALLOW_AGGREGATED,
        DavResource::AddressBookMember { .. } => ALLOW_CONTACT,
        DavResource::CalendarMember { .. } => ALLOW_MEMBER,
        DavResource::CalendarAttachment { .. } => ALLOW_ATTACHMENT,
        DavResource::UnmappedCalendar(_) => ALLOW_UNMAPPED_CALENDAR,
        DavResource::Entry(EntryResource::CalendarProxy(_)) => ALLOW_PROXY_GROUP,
        DavResource::Entry(_) => ALLOW_ENTRY,
        DavResource::ScheduleInbox(_) => ALLOW_SCHEDULE_INBOX,
        DavResource::ScheduleInboxMessage { .. } => ALLOW_INBOX_MESSAGE,
        DavResource::ScheduleOutbox => ALLOW_SCHEDULE_OUTBOX,
    }
}

/// The DAV compliance classes that apply to `resource` (RFC 4918 10.1): CalDAV's below
/// the calendar home, CardDAV's below the address book home, all of them on the entry
/// points, where clients look for them.
fn classes_of(resource: &DavResource) -> &'static str {
    match resource {
        DavResource::Calendar(_)
        | DavResource::CalendarMember { .. }
        | DavResource::CalendarAttachment { .. }
        | DavResource::UnmappedCalendar(_)
        | DavResource::ScheduleInbox(_)
        | DavResource::ScheduleInboxMessage { .. }
        | DavResource::ScheduleOutbox => DAV_CLASSES_CALDAV,
        DavResource::AddressBook(_) | DavResource::AddressBookMember { .. } => DAV_CLASSES_CARDDAV,
        DavResource::Entry(_) => DAV_CLASSES,
    }
}

fn makes_collection(method: &Method) -> bool {
    matches!(method.as_str(), "MKCALENDAR" | "MKCOL")
}

fn creates_resource(method: &Method) -> bool {
    matches!(method.as_str(), "MKCALENDAR" | "MKCOL" | "PUT")
}

/// `/caldav/<segment>/<name>...` or `/carddav/<segment>/<name>...`: a path below a
/// calendar or an address book.
fn below_a_collection(segments: &[String]) -> bool {
    matches!(segments, [home, _, _, ..] if home == "caldav" || home == "carddav")
}

/// `/caldav/schedule-outbox/<name>...`: a path below the outbox.
fn below_the_outbox(segments: &[String]) -> bool {
    matches!(segments, [home, outbox, _, ..]
        if home == "caldav" && outbox == crate::scheduling::inbox::OUTBOX_SEGMENT)
}

/// `/carddav/<segment>/`: where an address book would be.
fn in_address_book_home(segments: &[String]) -> bool {
    matches!(segments, [home, _] if home == "carddav")
}

fn options(allow: &'static str, classes: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::HeaderName::from_static("dav"),
                HeaderValue::from_static(classes),
            ),
            (header::ALLOW, HeaderValue::from_static(allow)),
        ],
    )
        .into_response()
}
