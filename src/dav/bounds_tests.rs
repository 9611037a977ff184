//! Crafted request bodies against the bounds of a body (`body_limits`): each abusive
//! shape is refused with the reason a client gets, and the largest shapes within the
//! bounds parse, in time linear in their size.

use super::mkcol::{parse_mkcalendar, parse_mkcol};
use super::propfind::PropfindRequest;
use super::proppatch::ProppatchRequest;
use super::report::{parse_report, ReportRequest};

const DAV_ROOT: &str = r#"<D:propfind xmlns:D="DAV:" xmlns:x="urn:x">"#;

/// A PROPFIND naming `count` distinct properties.
fn propfind_naming(count: usize) -> String {
    let mut body = format!("{DAV_ROOT}<D:prop>");
    for n in 0..count {
        body.push_str(&format!("<x:p{n}/>"));
    }
    body + "</D:prop></D:propfind>"
}

/// The reason a refused PROPFIND body gets.
fn propfind_refusal(body: &str) -> String {
    PropfindRequest::parse(body.as_bytes())
        .expect_err("the body must be refused")
        .to_string()
}

fn attributes(count: usize) -> String {
    (0..count).map(|n| format!(" a{n}=\"v\"")).collect()
}

#[test]
fn three_hundred_thousand_properties_are_refused_at_the_element_bound() {
    let reason = propfind_refusal(&propfind_naming(300_000));
    assert_eq!(
        reason,
        "request body too complex: more than 20000 XML elements (davgate.limits.maxXmlElements)"
    );
}

#[test]
fn more_properties_than_one_list_may_name_are_refused() {
    let reason = propfind_refusal(&propfind_naming(501));
    assert!(
        reason.contains("more than 500 properties named in one list")
            && reason.contains("davgate.limits.maxPropertiesPerRequest"),
        "{reason}"
    );
    let within = PropfindRequest::parse(propfind_naming(500).as_bytes()).unwrap();
    assert!(matches!(within, PropfindRequest::Prop(names) if names.len() == 500));
    // allprop's include is such a list too.
    let include = propfind_naming(501).replace("<D:prop>", "<D:allprop/><D:include>");
    let include = include.replace("</D:prop>", "</D:include>");
    assert!(propfind_refusal(&include).contains("maxPropertiesPerRequest"));
}

#[test]
fn a_hundred_thousand_attributes_on_one_element_are_refused() {
    let body = format!(
        "{DAV_ROOT}<D:prop{}><D:getetag/></D:prop></D:propfind>",
        attributes(100_000)
    );
    let reason = propfind_refusal(&body);
    assert_eq!(
        reason,
        "request body too complex: an element with more than 32 attributes \
         (davgate.limits.maxXmlAttributesPerElement)"
    );
}

/// A PROPPATCH setting one dead property to `value`.
fn proppatch_setting(value: &str) -> String {
    format!(
        r#"<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop><x:v>{value}</x:v></D:prop></D:set></D:propertyupdate>"#
    )
}

#[test]
fn a_hundred_thousand_attributes_spread_within_the_bounds_are_read() {
    // 32 attributes (the most one element may carry) on each of 3,125 elements of one
    // dead property value.
    let each = attributes(32);
    let value: String = (0..3_125).map(|n| format!("<x:e{n}{each}/>")).collect();
    let request = ProppatchRequest::parse(proppatch_setting(&value).as_bytes()).unwrap();
    let [super::proppatch::PropOperation::Set(_, value)] = request.operations.as_slice() else {
        panic!("expected one set");
    };
    assert_eq!(value.xml().matches("=\"v\"").count(), 100_000);
}

#[test]
fn many_namespace_declarations_are_refused() {
    let declarations: String = (0..20_000)
        .map(|n| format!(" xmlns:n{n}=\"urn:n{n}\""))
        .collect();
    let body = format!(
        r#"<D:propfind xmlns:D="DAV:"{declarations}><D:prop><D:getetag/></D:prop></D:propfind>"#
    );
    // Each declaration is an attribute of the root: that bound is crossed first.
    assert!(propfind_refusal(&body).contains("maxXmlAttributesPerElement"));

    // Spread over elements, one each, as some clients write every element.
    let value: String = (0..501)
        .map(|n| format!(r#"<e xmlns="urn:n{n}"/>"#))
        .collect();
    let reason = ProppatchRequest::parse(proppatch_setting(&value).as_bytes())
        .unwrap_err()
        .to_string();
    assert_eq!(
        reason,
        "request body too complex: more than 500 namespace declarations \
         (davgate.limits.maxXmlNamespaceDeclarations)"
    );
}

#[test]
fn deep_nesting_is_refused_with_its_reason() {
    let body = format!(
        "{DAV_ROOT}<D:prop>{}{}</D:prop></D:propfind>",
        "<x:a>".repeat(100_000),
        "</x:a>".repeat(100_000)
    );
    assert_eq!(
        propfind_refusal(&body),
        "request body too complex: elements nested deeper than 64 levels"
    );
}

#[test]
fn huge_text_is_read_whole() {
    // 8 MiB of text, broken by comments and CDATA and full of entities: many small
    // pieces joined into one text.
    let piece = "ab&amp;<!-- c --><![CDATA[<d>]]>";
    let pieces = 8 * 1024 * 1024 / piece.len();
    let body = format!(
        r#"<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>{}</D:displayname></D:prop></D:set></D:propertyupdate>"#,
        piece.repeat(pieces)
    );
    let request = ProppatchRequest::parse(body.as_bytes()).unwrap();
    let [super::proppatch::PropOperation::Set(_, value)] = request.operations.as_slice() else {
        panic!("expected one set");
    };
    assert_eq!(value.text().len(), pieces * "ab&<d>".len());
    assert!(value.text().starts_with("ab&<d>ab&<d>"));
}

#[test]
fn proppatch_mkcol_and_mkcalendar_count_their_properties() {
    let props: String = (0..501).map(|n| format!("<x:p{n}>v</x:p{n}>")).collect();
    let proppatch = format!(
        r#"<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop>{props}</D:prop></D:set></D:propertyupdate>"#
    );
    let reason = ProppatchRequest::parse(proppatch.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(reason.contains("maxPropertiesPerRequest"), "{reason}");
    // Split over several sets and removes, they still count as one request.
    let half: String = (0..251).map(|n| format!("<x:p{n}/>")).collect();
    let split = format!(
        r#"<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop>{half}</D:prop></D:set><D:remove><D:prop>{half}</D:prop></D:remove></D:propertyupdate>"#
    );
    let reason = ProppatchRequest::parse(split.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(reason.contains("maxPropertiesPerRequest"), "{reason}");

    let mkcol = format!(
        r#"<D:mkcol xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop>{props}</D:prop></D:set></D:mkcol>"#
    );
    let reason = parse_mkcol(mkcol.as_bytes()).unwrap_err().to_string();
    assert!(reason.contains("maxPropertiesPerRequest"), "{reason}");
    let mkcalendar = format!(
        r#"<C:mkcalendar xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop>{props}</D:prop></D:set></C:mkcalendar>"#
    );
    let reason = parse_mkcalendar(mkcalendar.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(reason.contains("maxPropertiesPerRequest"), "{reason}");
}

/// A calendar-multiget of `count` hrefs.
fn multiget(count: usize) -> String {
    let hrefs: String = (0..count)
        .map(|n| format!("<D:href>/dav/caldav/1/{n}.ics</D:href>"))
        .collect();
    format!(
        r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop>{hrefs}</C:calendar-multiget>"#
    )
}

#[test]
fn multigets_name_at_most_so_many_hrefs() {
    let reason = parse_report(multiget(10_001).as_bytes())
        .unwrap_err()
        .to_string();
    assert_eq!(
        reason,
        "request body too complex: more than 10000 hrefs (davgate.limits.maxHrefsPerRequest)"
    );
    let within = parse_report(multiget(10_000).as_bytes()).unwrap();
    assert!(
        matches!(within, ReportRequest::CalendarMultiget { hrefs, .. } if hrefs.len() == 10_000)
    );
}

#[test]
fn query_filters_and_data_selections_are_bounded() {
    let prop_filters: String = (0..50)
        .map(|n| {
            format!(r#"<C:prop-filter name="X-{n}"><C:text-match>a</C:text-match></C:prop-filter>"#)
        })
        .collect();
    let query = format!(
        r#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">{prop_filters}</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#
    );
    let reason = parse_report(query.as_bytes()).unwrap_err().to_string();
    assert!(
        reason.contains("a filter of more than 100 elements (davgate.limits.maxFilterElements)"),
        "{reason}"
    );

    let card_filters: String = (0..101)
        .map(|n| format!(r#"<R:prop-filter name="X-{n}"/>"#))
        .collect();
    let card_query = format!(
        r#"<R:addressbook-query xmlns:R="urn:ietf:params:xml:ns:carddav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop><R:filter>{card_filters}</R:filter></R:addressbook-query>"#
    );
    let reason = parse_report(card_query.as_bytes()).unwrap_err().to_string();
    assert!(reason.contains("maxFilterElements"), "{reason}");

    let selected: String = (0..501)
        .map(|n| format!(r#"<C:prop name="X-{n}"/>"#))
        .collect();
    let data = format!(
        r#"<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><C:calendar-data><C:comp name="VCALENDAR">{selected}</C:comp></C:calendar-data></D:prop><D:href>/a.ics</D:href></C:calendar-multiget>"#
    );
    let reason = parse_report(data.as_bytes()).unwrap_err().to_string();
    assert!(reason.contains("maxPropertiesPerRequest"), "{reason}");
}
