//! REPORTs on the entry points: expand-property (RFC 3253 3.8, `expand_property`) on any
//! of them, and on the principal collections the principal searches of RFC 3744 9.4 and
//! 9.5: `principal-property-search` finds the users of the caller's context whose display
//! name or login, or whose mail addresses, contain the text asked for, and answers each
//! with the properties asked for; `principal-search-property-set` names what can be
//! searched. Disabled users are never found (their principals do not resolve either), nor
//! users of other contexts.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use futures::stream::{self, StreamExt};
use http::{header, StatusCode};

use super::error::DavError;
use super::expand_property::expanded;
use super::propfind::answer;
use super::streaming;
use super::sync::too_many;
use super::AppState;
use crate::access::DavUser;
use crate::dav::report::{
    parse_report_within, search_property_set_body, PrincipalSearch, PropertySearch, ReportRequest,
};
use crate::dav::{Namespace, Precondition, PropName};
use crate::principals::{principal_path, EntryResource};
use crate::store::User;

/// A REPORT on an entry resource: expand-property anywhere, the principal searches on the
/// principal collections, 403 `DAV:supported-report` for anything else.
pub(super) async fn report(
    state: &AppState,
    me: &DavUser,
    entry: &EntryResource,
    body: &Bytes,
) -> Result<Response, DavError> {
    let request = state.body_parsers.parse(body, parse_report_within).await?;
    if let ReportRequest::ExpandProperty(properties) = &request {
        let response = expanded(state, me, entry, properties).await?;
        return Ok(streaming::multistatus(
            vec![response],
            stream::empty().boxed(),
            streaming::no_token(),
        ));
    }
    let request = match (entry, request) {
        (EntryResource::CalendarHome, ReportRequest::CalendarMultiget { props, hrefs }) => {
            return super::report::home_multiget(state, me, props, hrefs).await;
        }
        (EntryResource::AddressbookHome, ReportRequest::AddressbookMultiget { props, hrefs }) => {
            return super::carddav_report::home_multiget(state, me, props, hrefs).await;
        }
        (_, request) => request,
    };
    if !entry.is_principal_collection() {
        return Err(Precondition::SupportedReport.into());
    }
    match request {
        ReportRequest::PrincipalSearchPropertySet => Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            search_property_set_body(),
        )
            .into_response()),
        ReportRequest::PrincipalPropertySearch(search) => {
            property_search(state, me, entry, search).await
        }
        _ => Err(Precondition::SupportedReport.into()),
    }
}

async fn property_search(
    state: &AppState,
    me: &DavUser,
    entry: &EntryResource,
    search: PrincipalSearch,
) -> Result<Response, DavError> {
    let max = state.limits.max_principal_search_results;
    let users = state.store.users(me.user.context_id).await?;
    let mut found = users
        .iter()
        .filter(|user| user.enabled && matches(user, &search));
    let mut responses = Vec::new();
    for user in found.by_ref().take(max) {
        let principal = EntryResource::UserPrincipal(user.clone());
        responses.push(answer(
            state.paths.external(&principal_path(user)),
            &principal.properties(&me.user, &state.paths),
            &[],
            &search.props.request,
        ));
    }
    if found.next().is_some() {
        // More principals match than one answer lists (RFC 3744 9.4): the client
        // narrows its search.
        responses.push(too_many(state.paths.external(&entry.sub_path())));
    }
    Ok(streaming::multistatus(
        responses,
        stream::empty().boxed(),
        streaming::no_token(),
    ))
}

fn matches(user: &User, search: &PrincipalSearch) -> bool {
    let mut results = search.searches.iter().map(|one| matches_one(user, one));
    if search.any_of {
        results.any(|m| m)
    } else {
        results.all(|m| m)
    }
}

/// Whether one of the searched properties of `user` holds the text.
fn matches_one(user: &User, search: &PropertySearch) -> bool {
    search.props.iter().any(|prop| {
        candidates(user, prop).iter().any(|value| {
            let value = value.to_lowercase();
            if search.starts_with {
                value.starts_with(&search.text)
            } else {
                value.contains(&search.text)
            }
        })
    })
}

/// The texts a search of `prop` looks at; none for properties that are not searchable.
fn candidates(user: &User, prop: &PropName) -> Vec<String> {
    let mails = || std::iter::once(&user.mail).chain(&user.aliases).cloned();
    match (&prop.ns, prop.local.as_str()) {
        (Namespace::Dav, "displayname") => vec![user.display_name.clone(), user.login.clone()],
        (Namespace::CalDav, "calendar-user-address-set") => {
            mails().map(|mail| format!("mailto:{mail}")).collect()
        }
        (Namespace::CalendarServer, "email-address-set") => mails().collect(),
        _ => Vec::new(),
    }
}
