//! The multistatus body as clients read it: exact documents for known answers, and
//! what a document written in pieces holds.

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
    let PropfindRequest::Prop(requested) = PropfindRequest::parse(body.as_bytes()).unwrap() else {
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
    let xml = String::from_utf8(MultistatusStream::append_response(Vec::new(), &response)).unwrap();
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
