//! The expand-property REPORT (RFC 3253 3.8) on the entry points, as Apple clients send
//! it to a principal: the properties asked for, where each href of a property that asks
//! for more is replaced by the response of the resource it names, with the properties
//! asked for there. Only entry points (principals, homes, the root) are expanded; an href
//! naming anything else, or nothing the caller may see, answers 404 in its place.

use std::future::Future;
use std::pin::Pin;

use http::StatusCode;

use super::error::DavError;
use super::AppState;
use crate::access::DavUser;
use crate::dav::headers::reference_path;
use crate::dav::report::ExpandProperty;
use crate::dav::{PropValue, Response as DavResponse};
use crate::principals::{EntryResource, PrincipalFacts};

/// Hrefs of one property expanded; the rest are answered as they are.
const MAX_EXPANDED_HREFS: usize = 100;

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The response of `entry` with `properties`, hrefs expanded as they ask.
pub(super) async fn expanded(
    state: &AppState,
    me: &DavUser,
    entry: &EntryResource,
    properties: &[ExpandProperty],
) -> Result<DavResponse, DavError> {
    // Loaded once: the hrefs followed may lead to any principal.
    let facts = PrincipalFacts::load_all(&state.store, me).await?;
    expanded_with(state, me, entry, properties, &facts).await
}

fn expanded_with<'a>(
    state: &'a AppState,
    me: &'a DavUser,
    entry: &'a EntryResource,
    properties: &'a [ExpandProperty],
    facts: &'a PrincipalFacts,
) -> Boxed<'a, Result<DavResponse, DavError>> {
    Box::pin(async move {
        let href = state.paths.external(&entry.sub_path());
        let live = entry.properties(&me.user, &state.paths, facts);
        let mut response = DavResponse::with_props(href);
        for property in properties {
            let Some((known, value)) = live.iter().find(|(k, _)| k.name() == property.name) else {
                response.not_found(property.name.clone());
                continue;
            };
            let hrefs = match value {
                PropValue::Href(href) => vec![href.clone()],
                PropValue::Hrefs(hrefs) => hrefs.clone(),
                _ => Vec::new(),
            };
            if property.expand.is_empty() || hrefs.is_empty() {
                response.found(*known, value.clone());
                continue;
            }
            let mut expanded_hrefs = Vec::new();
            for href in hrefs.iter().take(MAX_EXPANDED_HREFS) {
                let element = match target(state, me, href).await? {
                    Some(target) => expanded_with(state, me, &target, &property.expand, facts)
                        .await?
                        .to_element(),
                    None => {
                        DavResponse::with_status(href.clone(), StatusCode::NOT_FOUND).to_element()
                    }
                };
                expanded_hrefs.push(element);
            }
            response.found(*known, PropValue::Elements(expanded_hrefs));
        }
        Ok(response)
    })
}

/// The entry point an href names for `me`, if it names one.
async fn target(
    state: &AppState,
    me: &DavUser,
    href: &str,
) -> Result<Option<EntryResource>, DavError> {
    // A mailto: address of calendar-user-address-set names no resource here.
    let Some(sub) = reference_path(href).and_then(|path| state.paths.strip_external(&path)) else {
        return Ok(None);
    };
    Ok(EntryResource::resolve(&state.store, &me.user, &sub).await?)
}
