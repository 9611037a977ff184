//! DAV requests below the prefix, dispatched on the method (axum's method router knows no
//! PROPFIND); handlers extract what they need and call plain functions.

use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};

use super::error::DavError;
use super::paths::decode_path;
use super::AppState;
use crate::auth::Authenticated;
use crate::dav::{
    Depth, KnownProp, Multistatus, Precondition, PropValue, PropfindRequest,
    Response as DavResponse,
};
use crate::principals::EntryResource;

/// The DAV compliance classes davgate answers in OPTIONS.
const DAV_CLASSES: &str = "1, 3, access-control, calendar-access, addressbook, extended-mkcol";
const ALLOW: &str = "OPTIONS, PROPFIND";

pub(super) async fn handle(
    State(state): State<AppState>,
    user: Option<Extension<Authenticated>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match dispatch(&state, user.map(|u| u.0), &method, &uri, &headers, &body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn dispatch(
    state: &AppState,
    user: Option<Authenticated>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, DavError> {
    let sub = state
        .paths
        .strip_internal(uri.path())
        .ok_or(DavError::NotFound)?;
    let sub = decode_path(sub).map_err(|e| DavError::BadRequest(format!("request path: {e}")))?;
    if method == Method::OPTIONS {
        return Ok(options());
    }
    let me = user.ok_or(DavError::Unauthorized)?.user;
    let resource = EntryResource::resolve(&state.store, &me, &sub)
        .await?
        .ok_or(DavError::NotFound)?;
    match method.as_str() {
        "PROPFIND" => propfind(state, &me, resource, headers, body).await,
        other => Err(DavError::MethodNotAllowed {
            method: other.to_string(),
            allow: ALLOW,
        }),
    }
}

fn options() -> Response {
    (
        StatusCode::OK,
        [
            (
                header::HeaderName::from_static("dav"),
                HeaderValue::from_static(DAV_CLASSES),
            ),
            (header::ALLOW, HeaderValue::from_static(ALLOW)),
        ],
    )
        .into_response()
}

async fn propfind(
    state: &AppState,
    me: &crate::store::User,
    resource: EntryResource,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, DavError> {
    let depth = Depth::from_headers(headers, Depth::Infinity)
        .map_err(|e| DavError::BadRequest(e.to_string()))?;
    if depth == Depth::Infinity {
        return Err(Precondition::PropfindFiniteDepth.into());
    }
    let request = PropfindRequest::parse(body)
        .map_err(|e| DavError::BadRequest(format!("PROPFIND body: {e}")))?;
    let mut resources = vec![resource];
    if depth == Depth::One {
        let children = resources[0].children(&state.store, me).await?;
        resources.extend(children);
    }
    let mut multistatus = Multistatus::new();
    for resource in &resources {
        let href = state.paths.external(&resource.sub_path());
        let props = resource.properties(me, &state.paths);
        multistatus.push(propstat_response(href, &props, &request));
    }
    Ok((
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        multistatus.to_xml(),
    )
        .into_response())
}

/// Answers what `request` asks of a resource with these live properties: known ones in a
/// 200 propstat, the rest in a 404 propstat.
fn propstat_response(
    href: String,
    props: &[(KnownProp, PropValue)],
    request: &PropfindRequest,
) -> DavResponse {
    let mut response = DavResponse::with_props(href);
    match request {
        PropfindRequest::PropName => {
            for (name, _) in props {
                response.found(name.name(), PropValue::Empty);
            }
        }
        PropfindRequest::AllProp { include } => {
            for (name, value) in props {
                response.found(name.name(), value.clone());
            }
            for extra in include {
                let extra_known = KnownProp::from_name(extra);
                if !props.iter().any(|(known, _)| Some(*known) == extra_known) {
                    response.not_found(extra.clone());
                }
            }
        }
        PropfindRequest::Prop(names) => {
            for wanted in names {
                let wanted_known = KnownProp::from_name(wanted);
                match props.iter().find(|(known, _)| Some(*known) == wanted_known) {
                    Some((_, value)) => response.found(wanted.clone(), value.clone()),
                    None => response.not_found(wanted.clone()),
                };
            }
        }
    }
    response
}
