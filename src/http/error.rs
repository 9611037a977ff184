//! The one place errors become responses: preconditions with their `DAV:error` body,
//! client errors with a plain reason, server errors logged and never shown in detail.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use super::outage::DatabaseTrouble;
use crate::dav::{Precondition, Refusal};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DavError {
    #[error("precondition {0:?}")]
    Precondition(Precondition),
    /// A precondition broken for a reason the client may show.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("method {method} is not supported here")]
    MethodNotAllowed { method: String, allow: &'static str },
    #[error("authentication required")]
    Unauthorized,
    /// Refused with a reason the client may show (403 without a named precondition).
    #[error("{0}")]
    Forbidden(String),
    /// `If-Match` / `If-None-Match` did not hold (412).
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// Any other client error with its status and reason (409, 415, ...).
    #[error("{1}")]
    Status(StatusCode, String),
    /// A refusal whose XML body says what failed (a `mkcalendar-response`, say).
    #[error("refused with {0} and an XML body")]
    Xml(StatusCode, Vec<u8>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Precondition> for DavError {
    fn from(p: Precondition) -> Self {
        DavError::Precondition(p)
    }
}

pub(super) fn www_authenticate() -> HeaderValue {
    HeaderValue::from_static("Basic realm=\"davgate\", charset=\"UTF-8\"")
}

fn text(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message + "\n",
    )
        .into_response()
}

impl IntoResponse for DavError {
    fn into_response(self) -> Response {
        match self {
            DavError::Precondition(p) => (
                p.status(),
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                p.to_xml(),
            )
                .into_response(),
            DavError::Refused(Refusal {
                precondition,
                reason,
            }) => (
                precondition.status(),
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                precondition.to_xml_with_reason(Some(&reason)),
            )
                .into_response(),
            DavError::BadRequest(reason) => text(StatusCode::BAD_REQUEST, reason),
            DavError::NotFound => text(StatusCode::NOT_FOUND, "no such resource".into()),
            DavError::MethodNotAllowed { method, allow } => {
                let mut response = text(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!("{method} is not supported on this resource"),
                );
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allow));
                response
            }
            DavError::Unauthorized => {
                let mut response = text(StatusCode::UNAUTHORIZED, "authentication required".into());
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, www_authenticate());
                response
            }
            DavError::Forbidden(reason) => text(StatusCode::FORBIDDEN, reason),
            DavError::PreconditionFailed(reason) => text(StatusCode::PRECONDITION_FAILED, reason),
            DavError::Status(status, reason) => text(status, reason),
            DavError::Xml(status, body) => (
                status,
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                body,
            )
                .into_response(),
            DavError::Store(StoreError::PreconditionFailed) => text(
                StatusCode::PRECONDITION_FAILED,
                "the resource changed (or appeared) since the client last saw it".into(),
            ),
            DavError::Store(StoreError::NotFound) => DavError::NotFound.into_response(),
            DavError::Store(StoreError::QuotaExceeded(reason)) => {
                DavError::Refused(Refusal::new(Precondition::QuotaNotExceeded, reason))
                    .into_response()
            }
            DavError::Store(StoreError::OverLimit(reason)) => {
                text(StatusCode::INSUFFICIENT_STORAGE, reason)
            }
            DavError::Store(StoreError::Unavailable(err)) => {
                tracing::warn!(error = %err, "the database is unreachable");
                database_trouble(DatabaseTrouble::Unreachable)
            }
            DavError::Store(StoreError::Contention(err)) => {
                tracing::warn!(error = %err, "the database stayed busy with other writers");
                database_trouble(DatabaseTrouble::Busy)
            }
            DavError::Store(err) => {
                tracing::error!(error = %err, "request failed in the store");
                text(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
            }
        }
    }
}

/// 503 for a request the database could not serve; `outage::guard` adds Retry-After.
fn database_trouble(trouble: DatabaseTrouble) -> Response {
    let mut response = text(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is unavailable; try again later".into(),
    );
    response.extensions_mut().insert(trouble);
    response
}

impl From<crate::dav::HeaderError> for DavError {
    fn from(e: crate::dav::HeaderError) -> Self {
        DavError::BadRequest(e.to_string())
    }
}
