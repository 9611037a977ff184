//! Apple's `CS:calendarserver-principal-search` REPORT (calendarserver.org namespace), which
//! Apple clients send to find attendees, locations and resources as the user types:
//! `CS:search-token` elements that must all match, an optional `context` attribute naming
//! the kind of principal wanted, an optional `CS:limit/CS:nresults`, and the properties
//! each principal found is answered with.

use super::{ReportError, ReportProps};
use crate::dav::body_limits::BodyLimits;
use crate::dav::document::Element;
use crate::dav::names::Namespace;

/// More `CS:search-token` elements than this are refused: each one is compared with
/// every principal of the context.
pub const MAX_SEARCH_TOKENS: usize = 100;

/// A `CS:calendarserver-principal-search`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarServerSearch {
    /// The tokens, lowercased, none empty; a principal matches when each is part of its
    /// display name or of one of its mail addresses.
    pub tokens: Vec<String>,
    pub context: SearchContext,
    /// `CS:limit/CS:nresults`: the client's bound on the principals listed.
    pub limit: Option<u32>,
    pub props: ReportProps,
}

/// The `context` attribute: which kinds of principal a search is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchContext {
    /// No context: every principal.
    All,
    /// `attendee`: users, groups and equipment, who can be invited.
    Attendee,
    /// `location`: rooms.
    Location,
    /// `resource`: equipment.
    Resource,
}

pub(super) fn parse(
    root: &Element,
    limits: &BodyLimits,
) -> Result<CalendarServerSearch, ReportError> {
    let cs = Namespace::CalendarServer;
    let elements: Vec<&Element> = root.children_named(&cs, "search-token").collect();
    if elements.len() > MAX_SEARCH_TOKENS {
        return Err(ReportError::Malformed(format!(
            "a CS:calendarserver-principal-search takes at most {MAX_SEARCH_TOKENS} CS:search-token elements"
        )));
    }
    let tokens: Vec<String> = elements
        .iter()
        .map(|token| token.text.trim().to_lowercase())
        .filter(|token| !token.is_empty())
        .collect();
    if tokens.is_empty() {
        return Err(ReportError::Malformed(
            "a CS:calendarserver-principal-search needs a CS:search-token with text".into(),
        ));
    }
    let context = match root.attribute("context") {
        None => SearchContext::All,
        Some(context) if context.eq_ignore_ascii_case("attendee") => SearchContext::Attendee,
        Some(context) if context.eq_ignore_ascii_case("location") => SearchContext::Location,
        Some(context) if context.eq_ignore_ascii_case("resource") => SearchContext::Resource,
        Some(other) => {
            return Err(ReportError::Malformed(format!(
                "the search context must be attendee, location or resource, not {other:?}"
            )))
        }
    };
    let limit = match root.child(&cs, "limit") {
        None => None,
        Some(limit) => {
            let nresults = limit.child(&cs, "nresults").ok_or_else(|| {
                ReportError::Malformed("CS:limit needs a CS:nresults element".into())
            })?;
            let text = nresults.text.trim();
            Some(text.parse::<u32>().map_err(|_| {
                ReportError::Malformed(format!("nresults must be a number, not {text:?}"))
            })?)
        }
    };
    Ok(CalendarServerSearch {
        tokens,
        context,
        limit,
        props: ReportProps::from_report(root, limits)?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{parse_report, ReportRequest};
    use super::*;

    fn parsed(body: &str) -> Result<CalendarServerSearch, ReportError> {
        match parse_report(body.as_bytes())? {
            ReportRequest::CalendarServerPrincipalSearch(search) => Ok(search),
            other => panic!("expected the search, got {other:?}"),
        }
    }

    #[test]
    fn apple_search_bodies_are_read() {
        let search = parsed(
            r#"<?xml version="1.0"?><x0:calendarserver-principal-search xmlns:x0="http://calendarserver.org/ns/" xmlns:x1="DAV:" context="location"><x0:search-token>Room</x0:search-token><x0:search-token> 1 </x0:search-token><x0:limit><x0:nresults>50</x0:nresults></x0:limit><x1:prop><x1:displayname/></x1:prop></x0:calendarserver-principal-search>"#,
        )
        .unwrap();
        assert_eq!(search.tokens, ["room", "1"]);
        assert_eq!(search.context, SearchContext::Location);
        assert_eq!(search.limit, Some(50));
    }

    #[test]
    fn bad_searches_are_refused() {
        let cs = r#"xmlns:C="http://calendarserver.org/ns/""#;
        for body in [
            format!("<C:calendarserver-principal-search {cs}/>"),
            format!("<C:calendarserver-principal-search {cs}><C:search-token> </C:search-token></C:calendarserver-principal-search>"),
            format!(r#"<C:calendarserver-principal-search {cs} context="room"><C:search-token>a</C:search-token></C:calendarserver-principal-search>"#),
            format!("<C:calendarserver-principal-search {cs}><C:search-token>a</C:search-token><C:limit><C:nresults>x</C:nresults></C:limit></C:calendarserver-principal-search>"),
            format!(
                "<C:calendarserver-principal-search {cs}>{}</C:calendarserver-principal-search>",
                "<C:search-token>a</C:search-token>".repeat(MAX_SEARCH_TOKENS + 1)
            ),
        ] {
            let err = parsed(&body).unwrap_err();
            assert_eq!(err.status(), http::StatusCode::BAD_REQUEST, "{body}: {err}");
        }
    }
}
