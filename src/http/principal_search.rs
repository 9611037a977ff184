//! The principal searches on the principal collections: RFC 3744 9.4's
//! `principal-property-search` (the principals whose display name or login, or whose
//! mail addresses, contain the text asked for) and Apple's
//! `CS:calendarserver-principal-search` (the principals whose display name or mail
//! addresses contain every token). Both answer each principal found with the properties
//! asked for, as PROPFIND would, and list at most `davgate.limits.maxPrincipalSearchResults`
//! (or the client's `nresults`, when smaller); when more match, the answer ends with 507
//! `DAV:number-of-matches-within-limits` for the collection searched. Only the viewer's
//! context is searched; disabled users are never found (their principals do not resolve
//! either).

use axum::response::Response;
use futures::stream::{self, StreamExt};

use super::error::DavError;
use super::propfind::answer;
use super::streaming;
use super::sync::too_many;
use super::AppState;
use crate::access::DavUser;
use crate::dav::report::{CalendarServerSearch, PrincipalSearch, PropertySearch, ReportProps};
use crate::principals::search::{candidates, matches_tokens, principals, Kinds};
use crate::principals::{EntryResource, PrincipalFacts};

pub(super) async fn property_search(
    state: &AppState,
    me: &DavUser,
    collection: &EntryResource,
    search: PrincipalSearch,
) -> Result<Response, DavError> {
    let all = principals(&state.store, &me.user, Kinds::below(collection)).await?;
    let found = all
        .into_iter()
        .filter(|principal| matches(principal, &search));
    let max = state.limits.max_principal_search_results;
    respond(state, me, collection, found, max, &search.props).await
}

pub(super) async fn calendarserver_search(
    state: &AppState,
    me: &DavUser,
    collection: &EntryResource,
    search: CalendarServerSearch,
) -> Result<Response, DavError> {
    let kinds = Kinds::below(collection).and(Kinds::of_context(search.context));
    let all = principals(&state.store, &me.user, kinds).await?;
    let found = all
        .into_iter()
        .filter(|principal| matches_tokens(principal, &search.tokens));
    let mut max = state.limits.max_principal_search_results;
    if let Some(asked) = search.limit {
        max = max.min(usize::try_from(asked).unwrap_or(usize::MAX));
    }
    respond(state, me, collection, found, max, &search.props).await
}

/// At most `max` of `found`, each with the properties asked for, then the 507 response
/// for `collection` when more were found.
async fn respond(
    state: &AppState,
    me: &DavUser,
    collection: &EntryResource,
    mut found: impl Iterator<Item = EntryResource>,
    max: usize,
    props: &ReportProps,
) -> Result<Response, DavError> {
    let listed: Vec<EntryResource> = found.by_ref().take(max).collect();
    let more = found.next().is_some();
    let facts = PrincipalFacts::load(&state.store, me, &listed).await?;
    let mut responses: Vec<_> = listed
        .iter()
        .map(|principal| {
            answer(
                state.paths.external(&principal.sub_path()),
                &principal.properties(&me.user, &state.paths, &facts),
                &[],
                &props.request,
            )
        })
        .collect();
    if more {
        // More principals match than one answer lists (RFC 3744 9.4): the client
        // narrows its search.
        responses.push(too_many(state.paths.external(&collection.sub_path())));
    }
    Ok(streaming::multistatus(
        responses,
        stream::empty().boxed(),
        streaming::no_token(),
    ))
}

fn matches(principal: &EntryResource, search: &PrincipalSearch) -> bool {
    let mut results = search
        .searches
        .iter()
        .map(|one| matches_one(principal, one));
    if search.any_of {
        results.any(|m| m)
    } else {
        results.all(|m| m)
    }
}

/// Whether one of the searched properties of `principal` holds the text.
fn matches_one(principal: &EntryResource, search: &PropertySearch) -> bool {
    search.props.iter().any(|prop| {
        candidates(principal, prop).iter().any(|value| {
            let value = value.to_lowercase();
            if search.starts_with {
                value.starts_with(&search.text)
            } else {
                value.contains(&search.text)
            }
        })
    })
}
