//! RFC 7808 errors: JSON problem details (RFC 7807) whose type names the error.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

/// One of RFC 7808's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    InvalidAction,
    TzidNotFound,
    InvalidChangedSince,
    InvalidStart,
    InvalidEnd,
    InvalidPattern,
}

impl Problem {
    fn code(self) -> &'static str {
        match self {
            Problem::InvalidAction => "invalid-action",
            Problem::TzidNotFound => "tzid-not-found",
            Problem::InvalidChangedSince => "invalid-changedsince",
            Problem::InvalidStart => "invalid-start",
            Problem::InvalidEnd => "invalid-end",
            Problem::InvalidPattern => "invalid-pattern",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Problem::TzidNotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The answer, with `detail` saying what was wrong.
    pub fn respond(self, detail: &str) -> Response {
        let body = serde_json::json!({
            "type": format!("urn:ietf:params:tzdist:error:{}", self.code()),
            "title": self.code(),
            "status": self.status().as_u16(),
            "detail": detail,
        });
        (
            self.status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            )],
            body.to_string(),
        )
            .into_response()
    }
}
