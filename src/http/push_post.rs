//! WebDAV-Push registrations over HTTP: POST of a `push-register` body to a calendar or
//! a folder address book (anyone who may read it) or to the user's own aggregated
//! address book, answered 201 with the registration URL in Location and the expiry in
//! Expires; DELETE of the registration URL by the user who registered it (anyone else
//! gets 404, as for an unknown URL). Refusals carry the draft's preconditions
//! (`push-not-available`, `invalid-subscription`, `no-supported-trigger`) in a
//! `DAV:error` body.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http::{header, HeaderValue, Method, StatusCode};

use super::body_parsing::refused;
use super::error::DavError;
use super::AppState;
use crate::access::{DavUser, FolderRights};
use crate::carddav::collection::AddressBook;
use crate::dav::member::http_date;
use crate::dav::{xml_document, ElementName, Namespace, PropValue, XmlElement};
use crate::push::registrations::{
    looks_like_register, parse_register, RegisterBounds, RegisterError,
};
use crate::push::{NS, REGISTRATIONS_SEGMENT};
use crate::store::{now_epoch, Folder, PushCollection, PushSubscription, Registered};

/// What a registration URL takes.
pub(super) const ALLOW_REGISTRATION: &str = "OPTIONS, DELETE";

/// 403 with a WebDAV-Push precondition.
fn push_refusal(condition: &str) -> DavError {
    let root = XmlElement::new(
        ElementName::dav("error"),
        PropValue::Elements(vec![XmlElement::empty(ElementName::new(
            Namespace::Other(NS.into()),
            condition,
        ))]),
    );
    DavError::Xml(StatusCode::FORBIDDEN, xml_document(&root))
}

/// The collection a `push-register` POST went to.
#[derive(Clone, Copy)]
pub(super) enum PushTarget<'a> {
    /// A folder's collection, with the user's rights on it.
    Folder(&'a Folder, &'a FolderRights),
    /// An aggregated address book (`AddressBook::Aggregated`).
    AggregatedContacts(&'a AddressBook),
}

/// A POST to a folder's collection or the aggregated address book: the registration's
/// answer, or None when the body is not a `push-register` (then, on a folder, it is a
/// sharing request).
pub(super) async fn register(
    state: &AppState,
    me: &DavUser,
    target: PushTarget<'_>,
    body: &Bytes,
) -> Result<Option<Response>, DavError> {
    if !looks_like_register(body) {
        return Ok(None);
    }
    let Some(settings) = state.push.clone() else {
        return match parse_register(
            body,
            &crate::dav::Budget::new(crate::dav::BodyLimits::default()),
            bounds_off(),
        ) {
            Err(RegisterError::NotPushRegister) => Ok(None),
            _ => Err(push_refusal("push-not-available")),
        };
    };
    if body.len() > settings.max_register_bytes {
        return Err(DavError::Status(
            StatusCode::PAYLOAD_TOO_LARGE,
            "push-register body too large".into(),
        ));
    }
    let bounds = RegisterBounds {
        allow_http_loopback: settings.allow_http_loopback,
        max_resource_length: settings.max_resource_length,
    };
    let parsed = state
        .body_parsers
        .parse(body, move |body, budget| {
            parse_register(body, budget, bounds)
        })
        .await;
    let registration = match parsed {
        Ok(registration) => registration,
        Err(RegisterError::NotPushRegister) => return Ok(None),
        Err(RegisterError::InvalidSubscription(reason)) => {
            tracing::debug!(reason, "push registration refused");
            return Err(push_refusal("invalid-subscription"));
        }
        Err(RegisterError::NoSupportedTrigger) => return Err(push_refusal("no-supported-trigger")),
        Err(RegisterError::Xml(e)) => return Err(refused("push-register body", &e, e.exceeded())),
    };
    let (collection, last_token) = match target {
        PushTarget::Folder(folder, rights) if rights.can_read() => {
            (PushCollection::Folder(folder.id), None)
        }
        // Only the user's own book: it is their view of the folders, and its messages
        // follow what they see.
        PushTarget::AggregatedContacts(book @ AddressBook::Aggregated(aggregated))
            if aggregated.owner == me.user.id =>
        {
            let token = book
                .current_sync_token(&state.store, me.user.context_id)
                .await?;
            (PushCollection::AggregatedContacts, Some(token))
        }
        _ => return Err(push_refusal("push-not-available")),
    };
    let now = now_epoch();
    let longest = now.saturating_add(settings.max_expiry_seconds);
    let expires_at = registration
        .expires
        .filter(|at| *at > now)
        .map_or(longest, |at| at.min(longest));
    let id_bytes: [u8; 16] = rand::random();
    let subscription = PushSubscription {
        id: URL_SAFE_NO_PAD.encode(id_bytes),
        context_id: me.user.context_id,
        collection,
        user_id: me.user.id,
        push_resource: registration.push_resource,
        public_key: registration.public_key,
        auth_secret: registration.auth_secret,
        created_at: now,
        expires_at,
        last_token,
    };
    let id = match state
        .store
        .register_push(&subscription, settings.max_per_user)
        .await?
    {
        Registered::Stored(id) => id,
        Registered::TooMany => {
            return Err(DavError::Status(
                StatusCode::INSUFFICIENT_STORAGE,
                "too many push subscriptions".into(),
            ))
        }
    };
    let location = state
        .paths
        .external(&format!("/{REGISTRATIONS_SEGMENT}/{id}"));
    let mut response = StatusCode::CREATED.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|_| DavError::NotFound)?,
    );
    headers.insert(
        header::EXPIRES,
        HeaderValue::from_str(&http_date(expires_at)).map_err(|_| DavError::NotFound)?,
    );
    Ok(Some(response))
}

/// Bounds for telling a registration apart when push is off.
fn bounds_off() -> RegisterBounds {
    RegisterBounds {
        allow_http_loopback: false,
        max_resource_length: 0,
    }
}

/// A request to `<prefix>/push-subscriptions/<rest>`: DELETE unregisters.
pub(super) async fn registration(
    state: &AppState,
    me: &DavUser,
    method: &Method,
    rest: &[String],
) -> Result<Response, DavError> {
    let [id] = rest else {
        return Err(DavError::NotFound);
    };
    match method.as_str() {
        "OPTIONS" => Ok((StatusCode::OK, [(header::ALLOW, ALLOW_REGISTRATION)]).into_response()),
        "DELETE" => {
            let removed = state
                .store
                .unregister_push(me.user.context_id, me.user.id, id)
                .await?;
            match removed {
                true => Ok(StatusCode::NO_CONTENT.into_response()),
                false => Err(DavError::NotFound),
            }
        }
        other => Err(DavError::MethodNotAllowed {
            method: other.to_owned(),
            allow: ALLOW_REGISTRATION,
        }),
    }
}
