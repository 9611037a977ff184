//! REPORTs on the entry points: expand-property (RFC 3253 3.8, `expand_property`) on any
//! of them, and on the principal collections the principal searches (`principal_search`:
//! RFC 3744 9.4 and Apple's calendarserver-principal-search) and RFC 3744 9.5's
//! `principal-search-property-set`, which names what can be searched.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use futures::stream::{self, StreamExt};
use http::{header, StatusCode};

use super::error::DavError;
use super::expand_property::expanded;
use super::principal_search;
use super::streaming;
use super::AppState;
use crate::access::DavUser;
use crate::dav::report::{parse_report_within, search_property_set_body, ReportRequest};
use crate::dav::Precondition;
use crate::principals::EntryResource;

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
            principal_search::property_search(state, me, entry, search).await
        }
        ReportRequest::CalendarServerPrincipalSearch(search) => {
            principal_search::calendarserver_search(state, me, entry, search).await
        }
        _ => Err(Precondition::SupportedReport.into()),
    }
}
