//! The 207 Multi-Status body (RFC 4918 section 13, RFC 6578 sync-token): responses with
//! propstats grouped by status, or a bare status, written with quick-xml.

use http::StatusCode;

use super::names::{ElementName, PropName};
use super::precondition::Precondition;
use super::xml_writer::DavXmlWriter;
pub use super::xml_writer::{PropValue, XmlElement};

/// A whole multistatus document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Multistatus {
    pub responses: Vec<Response>,
    /// The collection's new `DAV:sync-token`, for a sync-collection REPORT.
    pub sync_token: Option<String>,
}

/// One `DAV:response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Already external and percent-encoded (see `http::paths::DavPaths`).
    pub href: String,
    pub body: ResponseBody,
    /// A precondition that failed for this resource, rendered as `DAV:error`.
    pub error: Option<Precondition>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    /// Property results, one group per status, in the order the statuses first occurred.
    Propstats(Vec<Propstat>),
    /// A status for the resource as a whole, e.g. 404 for a missing multiget href.
    Status(StatusCode),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Propstat {
    pub status: StatusCode,
    pub props: Vec<Property>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: PropName,
    pub value: PropValue,
}

impl Property {
    pub fn new(name: impl Into<PropName>, value: PropValue) -> Self {
        Self {
            name: name.into(),
            value,
        }
    }
}

impl Response {
    /// The response as an element, for a property value that holds responses (the
    /// expand-property REPORT, RFC 3253 3.8).
    pub fn to_element(&self) -> XmlElement {
        let status =
            |status: StatusCode| XmlElement::text(ElementName::dav("status"), status_line(status));
        let mut children = vec![XmlElement::text(
            ElementName::dav("href"),
            self.href.clone(),
        )];
        match &self.body {
            ResponseBody::Status(code) => children.push(status(*code)),
            ResponseBody::Propstats(propstats) => {
                for propstat in propstats {
                    let props = propstat
                        .props
                        .iter()
                        .map(|p| XmlElement::new(p.name.clone(), p.value.clone()))
                        .collect();
                    children.push(XmlElement::new(
                        ElementName::dav("propstat"),
                        PropValue::Elements(vec![
                            XmlElement::new(ElementName::dav("prop"), PropValue::Elements(props)),
                            status(propstat.status),
                        ]),
                    ));
                }
            }
        }
        XmlElement::new(ElementName::dav("response"), PropValue::Elements(children))
    }

    /// A response that will carry propstats.
    pub fn with_props(href: impl Into<String>) -> Self {
        Self {
            href: href.into(),
            body: ResponseBody::Propstats(Vec::new()),
            error: None,
            description: None,
        }
    }

    /// A response for the resource as a whole.
    pub fn with_status(href: impl Into<String>, status: StatusCode) -> Self {
        Self {
            href: href.into(),
            body: ResponseBody::Status(status),
            error: None,
            description: None,
        }
    }

    /// Adds a property under `status`, joining the propstat of that status if there is
    /// one. A response built with a bare status turns into a propstat response.
    pub fn add(&mut self, status: StatusCode, property: Property) -> &mut Self {
        if let ResponseBody::Status(_) = self.body {
            self.body = ResponseBody::Propstats(Vec::new());
        }
        if let ResponseBody::Propstats(propstats) = &mut self.body {
            match propstats.iter_mut().find(|p| p.status == status) {
                Some(propstat) => propstat.props.push(property),
                None => propstats.push(Propstat {
                    status,
                    props: vec![property],
                }),
            }
        }
        self
    }

    /// A property found, with its value (200).
    pub fn found(&mut self, name: impl Into<PropName>, value: PropValue) -> &mut Self {
        self.add(StatusCode::OK, Property::new(name, value))
    }

    /// A property this resource does not have (404), listed as an empty element.
    pub fn not_found(&mut self, name: impl Into<PropName>) -> &mut Self {
        self.add(StatusCode::NOT_FOUND, Property::new(name, PropValue::Empty))
    }

    /// A property the user may not read or change (403).
    pub fn forbidden(&mut self, name: impl Into<PropName>) -> &mut Self {
        self.add(StatusCode::FORBIDDEN, Property::new(name, PropValue::Empty))
    }

    /// A property not changed because another one in the same PROPPATCH failed (424).
    pub fn failed_dependency(&mut self, name: impl Into<PropName>) -> &mut Self {
        self.add(
            StatusCode::FAILED_DEPENDENCY,
            Property::new(name, PropValue::Empty),
        )
    }

    pub fn with_error(mut self, error: Precondition) -> Self {
        self.error = Some(error);
        self
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl Multistatus {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, response: Response) -> &mut Self {
        self.responses.push(response);
        self
    }

    pub fn with_sync_token(mut self, token: impl Into<String>) -> Self {
        self.sync_token = Some(token.into());
        self
    }

    /// The UTF-8 document, with XML declaration.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut xml = MultistatusStream::head();
        for response in &self.responses {
            xml = MultistatusStream::append_response(xml, response);
        }
        xml.extend(MultistatusStream::tail(self.sync_token.as_deref()));
        xml
    }
}

/// A multistatus written in pieces, for reports too large to hold as one value: `head`,
/// then one `response` per resource, then `tail`. Each response piece declares the
/// prefixes it generates for namespaces other than the fixed ones, so it stands alone
/// under the root that `head` opens.
pub struct MultistatusStream;

impl MultistatusStream {
    /// The XML declaration and the `D:multistatus` start tag with the fixed prefixes.
    pub fn head() -> Vec<u8> {
        let mut out = DavXmlWriter::new();
        out.start_root(&ElementName::dav("multistatus"));
        out.finish()
    }

    /// `buffer` with one `D:response` element appended.
    pub fn append_response(buffer: Vec<u8>, response: &Response) -> Vec<u8> {
        let mut out = DavXmlWriter::fragment_into(buffer);
        write_response(&mut out, response);
        out.finish()
    }

    /// The collection's new sync token, if any, and the end tag of the root.
    pub fn tail(sync_token: Option<&str>) -> Vec<u8> {
        let mut out = DavXmlWriter::fragment();
        if let Some(token) = sync_token {
            out.text_element(&ElementName::dav("sync-token"), token);
        }
        out.end(&ElementName::dav("multistatus"));
        out.finish()
    }
}

/// One `D:response`. Its frame (the DAV elements with the root's fixed `D` prefix) is
/// written as bytes: a large multistatus writes it for every member.
fn write_response(out: &mut DavXmlWriter, response: &Response) {
    out.raw(b"<D:response>");
    out.dav_text_element("href", &response.href);
    match &response.body {
        ResponseBody::Status(status) => write_status(out, *status),
        // A client that asked for no property (sync-collection with an empty `DAV:prop`)
        // still gets one propstat: RFC 4918 14.24 wants a status or a propstat in every
        // response.
        ResponseBody::Propstats(propstats) if propstats.is_empty() => {
            out.raw(b"<D:propstat><D:prop/>");
            write_status(out, StatusCode::OK);
            out.raw(b"</D:propstat>");
        }
        ResponseBody::Propstats(propstats) => {
            for propstat in propstats {
                out.raw(b"<D:propstat><D:prop>");
                for property in &propstat.props {
                    out.value(&property.name, &property.value);
                }
                out.raw(b"</D:prop>");
                write_status(out, propstat.status);
                out.raw(b"</D:propstat>");
            }
        }
    }
    if let Some(error) = &response.error {
        let error_name = ElementName::dav("error");
        out.start(&error_name);
        out.element(&error.element());
        out.end(&error_name);
    }
    if let Some(description) = &response.description {
        out.dav_text_element("responsedescription", description);
    }
    out.raw(b"</D:response>");
}

fn write_status(out: &mut DavXmlWriter, status: StatusCode) {
    // The statuses of nearly every response, without formatting.
    let common: &[u8] = match status {
        StatusCode::OK => b"<D:status>HTTP/1.1 200 OK</D:status>",
        StatusCode::NOT_FOUND => b"<D:status>HTTP/1.1 404 Not Found</D:status>",
        _ => {
            out.dav_text_element("status", &status_line(status));
            return;
        }
    };
    out.raw(common);
}

/// `HTTP/1.1 404 Not Found`, the form RFC 4918 gives `DAV:status`.
pub fn status_line(status: StatusCode) -> String {
    format!(
        "HTTP/1.1 {} {}",
        status.as_str(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_owned()
}

/// `DAV:supported-report-set` (RFC 3253 3.1.5) naming `reports`.
pub fn supported_report_set(reports: &[ElementName]) -> PropValue {
    PropValue::Elements(
        reports
            .iter()
            .map(|name| {
                XmlElement::new(
                    ElementName::dav("supported-report"),
                    PropValue::Elements(vec![XmlElement::new(
                        ElementName::dav("report"),
                        PropValue::Elements(vec![XmlElement::empty(name.clone())]),
                    )]),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::document::{parse_document, Element};
    use crate::dav::names::{KnownProp, Namespace};

    fn render(multistatus: &Multistatus) -> String {
        String::from_utf8(multistatus.to_xml()).unwrap()
    }

    fn reparse(multistatus: &Multistatus) -> Element {
        parse_document(&multistatus.to_xml()).unwrap().unwrap()
    }

    #[test]
    fn principal_discovery_response_is_exact() {
        let mut response = Response::with_props("/dav/principals/users/3/");
        response
            .found(
                KnownProp::CurrentUserPrincipal,
                PropValue::Href("/dav/principals/users/3/".into()),
            )
            .found(
                KnownProp::ResourceType,
                PropValue::Elements(vec![
                    XmlElement::empty(ElementName::dav("collection")),
                    XmlElement::empty(ElementName::caldav("calendar")),
                ]),
            )
            .not_found(PropName::calendarserver("me-card"));
        let mut multistatus = Multistatus::new();
        multistatus.push(response);
        assert_eq!(
            render(&multistatus),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                r#"<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CARD="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ICAL="http://apple.com/ns/ical/">"#,
                "<D:response><D:href>/dav/principals/users/3/</D:href>",
                "<D:propstat><D:prop>",
                "<D:current-user-principal><D:href>/dav/principals/users/3/</D:href></D:current-user-principal>",
                "<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>",
                "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>",
                "<D:propstat><D:prop><CS:me-card/></D:prop>",
                "<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>",
                "</D:response></D:multistatus>",
            )
        );
    }

    #[test]
    fn a_response_without_properties_carries_an_empty_ok_propstat() {
        let mut multistatus = Multistatus::new();
        multistatus.push(Response::with_props("/dav/caldav/5/a.ics"));
        let xml = String::from_utf8(multistatus.to_xml()).unwrap();
        assert!(
            xml.contains(concat!(
                "<D:response><D:href>/dav/caldav/5/a.ics</D:href><D:propstat><D:prop/>",
                "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
            )),
            "{xml}"
        );
    }

    #[test]
    fn propstats_are_grouped_by_status() {
        let mut response = Response::with_props("/a/");
        response
            .not_found(PropName::dav("x"))
            .found(KnownProp::DisplayName, PropValue::Text("A".into()))
            .forbidden(PropName::dav("y"))
            .not_found(PropName::dav("z"))
            .failed_dependency(PropName::dav("w"))
            .found(KnownProp::GetEtag, PropValue::Text("\"1\"".into()));
        let ResponseBody::Propstats(propstats) = &response.body else {
            panic!("expected propstats");
        };
        let groups: Vec<(u16, Vec<&str>)> = propstats
            .iter()
            .map(|p| {
                (
                    p.status.as_u16(),
                    p.props.iter().map(|p| p.name.local.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            vec![
                (404, vec!["x", "z"]),
                (200, vec!["displayname", "getetag"]),
                (403, vec!["y"]),
                (424, vec!["w"]),
            ]
        );
    }

    #[test]
    fn text_is_escaped_and_round_trips() {
        let nasty = "<&>\"' Grüße 日本 🎉";
        let mut response = Response::with_props("/caldav/a&b/");
        response.found(KnownProp::DisplayName, PropValue::Text(nasty.into()));
        let mut multistatus = Multistatus::new();
        multistatus.push(response);
        let xml = render(&multistatus);
        assert!(xml.contains("&lt;&amp;&gt;\"' Grüße 日本 🎉"), "{xml}");
        assert!(xml.contains("<D:href>/caldav/a&amp;b/</D:href>"), "{xml}");
        let root = reparse(&multistatus);
        let response = root.child(&Namespace::Dav, "response").unwrap();
        assert_eq!(
            response.child(&Namespace::Dav, "href").unwrap().text,
            "/caldav/a&b/"
        );
        let displayname = response
            .child(&Namespace::Dav, "propstat")
            .and_then(|p| p.child(&Namespace::Dav, "prop"))
            .and_then(|p| p.child(&Namespace::Dav, "displayname"))
            .unwrap();
        assert_eq!(displayname.text, nasty);
    }

    #[test]
    fn attribute_values_are_escaped() {
        let mut response = Response::with_props("/c/");
        response.found(
            KnownProp::SupportedCalendarComponentSet,
            PropValue::Elements(vec![
                XmlElement::empty(ElementName::caldav("comp")).with_attribute("name", "V\"<&>")
            ]),
        );
        let mut multistatus = Multistatus::new();
        multistatus.push(response);
        let root = reparse(&multistatus);
        let comp = &root.children[0].children[1].children[0].children[0].children[0];
        assert_eq!(comp.name, ElementName::caldav("comp"));
        assert_eq!(comp.attribute("name"), Some("V\"<&>"));
    }

    #[test]
    fn unknown_namespaces_get_generated_prefixes_where_needed() {
        let other = Namespace::Other("http://me.com/_namespace/".into());
        let third = Namespace::Other("urn:third".into());
        let mut response = Response::with_props("/a/");
        response
            .not_found(PropName::new(other.clone(), "bulk-requests"))
            .not_found(PropName::new(third.clone(), "t"))
            .not_found(PropName::new(other.clone(), "again"))
            .found(
                PropName::new(third.clone(), "wrapper"),
                PropValue::Elements(vec![
                    XmlElement::text(PropName::new(third.clone(), "inner"), "v"),
                    XmlElement::empty(PropName::new(Namespace::Other(String::new()), "bare")),
                ]),
            );
        let mut multistatus = Multistatus::new();
        multistatus.push(response);
        let xml = render(&multistatus);
        assert!(
            xml.contains(
                r#"<x0:bulk-requests xmlns:x0="http://me.com/_namespace/"/><x1:t xmlns:x1="urn:third"/><x0:again xmlns:x0="http://me.com/_namespace/"/>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<x1:wrapper xmlns:x1="urn:third"><x1:inner>v</x1:inner><bare/></x1:wrapper>"#
            ),
            "{xml}"
        );
        // Parsing back by namespace gives the names we put in.
        let root = reparse(&multistatus);
        let names: Vec<ElementName> = root.children[0]
            .children
            .iter()
            .filter(|c| c.name.local == "propstat")
            .flat_map(|p| p.children[0].children.iter().map(|e| e.name.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                PropName::new(other.clone(), "bulk-requests"),
                PropName::new(third.clone(), "t"),
                PropName::new(other, "again"),
                PropName::new(third, "wrapper"),
            ]
        );
    }

    #[test]
    fn status_responses_errors_and_sync_token() {
        let mut multistatus = Multistatus::new().with_sync_token("http://davgate/sync/42");
        multistatus
            .push(Response::with_status("/c/gone.ics", StatusCode::NOT_FOUND))
            .push(
                Response::with_status("/c/big.ics", StatusCode::INSUFFICIENT_STORAGE)
                    .with_error(Precondition::NumberOfMatchesWithinLimits)
                    .with_description("too many"),
            );
        let xml = render(&multistatus);
        assert!(xml.ends_with(
            concat!(
                "<D:response><D:href>/c/gone.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>",
                "<D:response><D:href>/c/big.ics</D:href><D:status>HTTP/1.1 507 Insufficient Storage</D:status>",
                "<D:error><D:number-of-matches-within-limits/></D:error>",
                "<D:responsedescription>too many</D:responsedescription></D:response>",
                "<D:sync-token>http://davgate/sync/42</D:sync-token></D:multistatus>",
            )
        ), "{xml}");
    }

    #[test]
    fn hrefs_value_lists_every_href() {
        let mut response = Response::with_props("/p/");
        response.found(
            KnownProp::CalendarUserAddressSet,
            PropValue::Hrefs(vec!["mailto:a@example.com".into(), "/p/".into()]),
        );
        let mut multistatus = Multistatus::new();
        multistatus.push(response);
        assert!(render(&multistatus).contains(
            "<C:calendar-user-address-set><D:href>mailto:a@example.com</D:href><D:href>/p/</D:href></C:calendar-user-address-set>"
        ));
    }

    #[test]
    fn client_corpus_unknown_props_land_in_a_404_propstat_by_namespace() {
        use crate::dav::propfind::PropfindRequest;
        let body = include_str!("../../tests/fixtures/clients/apple-addressbook-home-propfind.xml");
        let PropfindRequest::Prop(requested) = PropfindRequest::parse(body.as_bytes()).unwrap()
        else {
            panic!("expected a prop request");
        };
        let mut response = Response::with_props("/carddav/");
        let mut unknown = Vec::new();
        for name in &requested {
            match name.known() {
                Some(KnownProp::DisplayName) => {
                    response.found(name.clone(), PropValue::Text("Contacts".into()));
                }
                Some(_) => {
                    response.found(name.clone(), PropValue::Empty);
                }
                None => {
                    unknown.push(name.clone());
                    response.not_found(name.clone());
                }
            }
        }
        let mut multistatus = Multistatus::new();
        multistatus.push(response);
        let root = reparse(&multistatus);
        let in_status = |code: &str| -> Vec<ElementName> {
            root.children[0]
                .children_named(&Namespace::Dav, "propstat")
                .filter(|p| {
                    p.child(&Namespace::Dav, "status")
                        .unwrap()
                        .text
                        .contains(code)
                })
                .flat_map(|p| p.children[0].children.iter().map(|e| e.name.clone()))
                .collect()
        };
        assert_eq!(
            unknown.iter().map(|n| n.local.as_str()).collect::<Vec<_>>(),
            vec![
                "bulk-requests",
                "max-image-size",
                "me-card",
                "push-transports",
                "pushkey"
            ]
        );
        assert_eq!(in_status(" 404 "), unknown);
        let found = in_status(" 200 ");
        assert_eq!(found.len() + unknown.len(), requested.len());
        assert!(found.contains(&PropName::carddav("max-resource-size")));
        assert!(unknown.contains(&PropName::carddav("max-image-size")));
        assert!(unknown.contains(&PropName::new(
            Namespace::Other("http://me.com/_namespace/".into()),
            "bulk-requests"
        )));
    }

    /// (href, [(status, [(property, text of the value, names of its child elements)])])
    type Summary = Vec<(
        String,
        Vec<(String, Vec<(ElementName, String, Vec<ElementName>)>)>,
    )>;

    fn summarize(root: &Element) -> (Summary, Option<String>) {
        assert_eq!(root.name, ElementName::dav("multistatus"));
        let dav = Namespace::Dav;
        let responses = root
            .children_named(&dav, "response")
            .map(|response| {
                let href = response.child(&dav, "href").unwrap().text.clone();
                let propstats = response
                    .children_named(&dav, "propstat")
                    .map(|propstat| {
                        let status = propstat.child(&dav, "status").unwrap().text.clone();
                        let props = propstat
                            .child(&dav, "prop")
                            .unwrap()
                            .children
                            .iter()
                            .map(|p| {
                                let children = p.children.iter().map(|c| c.name.clone());
                                (p.name.clone(), p.text.clone(), children.collect())
                            })
                            .collect();
                        (status, props)
                    })
                    .collect();
                (href, propstats)
            })
            .collect();
        let token = root.child(&dav, "sync-token").map(|t| t.text.clone());
        (responses, token)
    }

    #[test]
    fn streamed_pieces_make_the_same_document() {
        let other = Namespace::Other("urn:example:other".into());
        let third = Namespace::Other("urn:example:third".into());
        let stored = crate::dav::DeadValue::from_stored(
            r#"<o:member xmlns:o="urn:example:other">a &lt; b</o:member><t:x xmlns:t="urn:example:third"/>"#,
        )
        .unwrap();
        let mut first = Response::with_props("/dav/caldav/7/a&b.ics");
        first
            .found(KnownProp::GetEtag, PropValue::Text("\"1\"".into()))
            .found(PropName::new(other.clone(), "dead"), stored.to_prop_value())
            .not_found(PropName::new(third.clone(), "missing"));
        let mut second = Response::with_props("/dav/caldav/7/c.ics");
        second
            .found(
                PropName::new(third.clone(), "x"),
                PropValue::Text("<&>".into()),
            )
            .found(
                KnownProp::DisplayName,
                PropValue::Xml("Tom &amp; Jerry".into()),
            );
        let gone = Response::with_status("/dav/caldav/7/gone.ics", StatusCode::NOT_FOUND);
        let responses = [first, second, gone];

        let mut streamed = MultistatusStream::head();
        let pieces: Vec<Vec<u8>> = responses
            .iter()
            .map(|response| MultistatusStream::append_response(Vec::new(), response))
            .collect();
        for piece in &pieces {
            streamed.extend(piece);
        }
        streamed.extend(MultistatusStream::tail(Some("http://davgate/sync/9")));

        // Each piece is well-formed on its own under the fixed-prefix root.
        for piece in &pieces {
            let mut alone = MultistatusStream::head();
            alone.extend(piece);
            alone.extend(MultistatusStream::tail(None));
            let root = parse_document(&alone).unwrap().unwrap();
            assert_eq!(root.children.len(), 1);
        }
        let second_piece = String::from_utf8(pieces[1].clone()).unwrap();
        assert!(
            second_piece.contains(r#"<x0:x xmlns:x0="urn:example:third">&lt;&amp;&gt;</x0:x>"#),
            "{second_piece}"
        );

        let mut whole = Multistatus::new().with_sync_token("http://davgate/sync/9");
        for response in responses {
            whole.push(response);
        }
        let streamed_root = parse_document(&streamed).unwrap().unwrap();
        assert_eq!(
            streamed_root,
            parse_document(&whole.to_xml()).unwrap().unwrap()
        );

        let ok = "HTTP/1.1 200 OK".to_owned();
        let (summary, token) = summarize(&streamed_root);
        assert_eq!(token.as_deref(), Some("http://davgate/sync/9"));
        assert_eq!(
            summary,
            vec![
                (
                    "/dav/caldav/7/a&b.ics".to_owned(),
                    vec![
                        (
                            ok.clone(),
                            vec![
                                (PropName::dav("getetag"), "\"1\"".into(), vec![]),
                                (
                                    PropName::new(other.clone(), "dead"),
                                    String::new(),
                                    vec![
                                        PropName::new(other.clone(), "member"),
                                        PropName::new(third.clone(), "x"),
                                    ],
                                ),
                            ],
                        ),
                        (
                            "HTTP/1.1 404 Not Found".to_owned(),
                            vec![(
                                PropName::new(third.clone(), "missing"),
                                String::new(),
                                vec![]
                            )],
                        ),
                    ],
                ),
                (
                    "/dav/caldav/7/c.ics".to_owned(),
                    vec![(
                        ok,
                        vec![
                            (PropName::new(third, "x"), "<&>".into(), vec![]),
                            (PropName::dav("displayname"), "Tom & Jerry".into(), vec![]),
                        ],
                    )],
                ),
                ("/dav/caldav/7/gone.ics".to_owned(), vec![]),
            ]
        );
        let dead = &streamed_root.children[0].children[1].children[0].children[1];
        assert_eq!(dead.children[0].text, "a < b");
    }

    #[test]
    fn ten_thousand_streamed_responses() {
        let mut xml = MultistatusStream::head();
        for n in 0..10_000 {
            let mut response = Response::with_props(format!("/dav/caldav/7/{n}.ics"));
            response.found(KnownProp::GetEtag, PropValue::Text(format!("\"{n}\"")));
            xml = MultistatusStream::append_response(xml, &response);
        }
        xml.extend(MultistatusStream::tail(Some("t")));
        let root = parse_document(&xml).unwrap().unwrap();
        assert_eq!(root.children.len(), 10_001);
        assert_eq!(
            root.children[9_999].children[0].text,
            "/dav/caldav/7/9999.ics"
        );
    }

    #[test]
    fn empty_stored_value_is_an_empty_element() {
        let mut response = Response::with_props("/a/");
        response.found(KnownProp::DisplayName, PropValue::Xml(String::new()));
        let xml =
            String::from_utf8(MultistatusStream::append_response(Vec::new(), &response)).unwrap();
        assert!(xml.contains("<D:prop><D:displayname/></D:prop>"), "{xml}");
    }

    #[test]
    fn an_empty_multistatus_is_still_a_document() {
        let root = reparse(&Multistatus::new());
        assert_eq!(root.name, ElementName::dav("multistatus"));
        assert!(root.children.is_empty());
    }

    #[test]
    fn status_line_has_reason_phrase() {
        assert_eq!(status_line(StatusCode::FORBIDDEN), "HTTP/1.1 403 Forbidden");
        assert_eq!(
            status_line(StatusCode::FAILED_DEPENDENCY),
            "HTTP/1.1 424 Failed Dependency"
        );
        assert_eq!(
            status_line(StatusCode::from_u16(599).unwrap()),
            "HTTP/1.1 599"
        );
    }
}
