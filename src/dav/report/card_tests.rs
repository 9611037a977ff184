//! CardDAV report bodies (RFC 6352 8.6, 8.7) and sync-collection with address data: the
//! requests of the RFC's examples and of real clients, and the bodies refused.

use super::tests::{error, parse, prop_names};
use super::*;
use crate::content::card_query::{CardParamFilter, CardPropFilter};
use crate::content::text_match::{Collation, MatchType, TextMatch};
use crate::content::vcard::VCardVersion;
use crate::dav::names::PropName;

fn addressbook_query(name: &str) -> (ReportProps, AddressFilter, Option<u32>) {
    match parse(name) {
        ReportRequest::AddressbookQuery {
            props,
            filter,
            limit,
        } => (props, filter, limit),
        other => panic!("{name}: expected addressbook-query, got {other:?}"),
    }
}

fn card_text(text: &str, match_type: MatchType) -> TextMatch {
    TextMatch {
        text: text.into(),
        collation: Collation::UnicodeCasemap,
        match_type,
        negate: false,
    }
}

fn address_props(names: &[&str]) -> Option<Vec<String>> {
    Some(names.iter().map(|name| name.to_string()).collect())
}

fn etag_and_address_data() -> PropfindRequest {
    prop_names(&[PropName::dav("getetag"), PropName::carddav("address-data")])
}

#[test]
fn rfc6352_query_by_nickname_with_partial_retrieval() {
    let (props, filter, limit) = addressbook_query("requests/rfc6352-8.6.3-nickname-equals.xml");
    assert_eq!(props.request, etag_and_address_data());
    assert_eq!(props.calendar_data, None);
    assert_eq!(
        props.address_data,
        Some(AddressDataRequest {
            version: None,
            props: address_props(&["VERSION", "UID", "NICKNAME", "EMAIL", "FN"]),
        })
    );
    assert_eq!(
        filter,
        AddressFilter {
            all_of: false,
            prop_filters: vec![CardPropFilter {
                name: "NICKNAME".into(),
                text_matches: vec![card_text("me", MatchType::Equals)],
                ..Default::default()
            }],
        }
    );
    assert_eq!(limit, None);
}

#[test]
fn rfc6352_query_by_full_name_or_email() {
    let (_, filter, _) = addressbook_query("requests/rfc6352-8.6.4-fn-or-email.xml");
    let contains_daboo = |name: &str| CardPropFilter {
        name: name.into(),
        text_matches: vec![card_text("daboo", MatchType::Contains)],
        ..Default::default()
    };
    assert_eq!(
        filter,
        AddressFilter {
            all_of: false,
            prop_filters: vec![contains_daboo("FN"), contains_daboo("EMAIL")],
        }
    );
}

#[test]
fn rfc6352_truncated_query_keeps_its_limit() {
    let body = br#"<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:prop><D:getetag/></D:prop>
  <C:filter test="anyof"><C:prop-filter name="FN"><C:text-match collation="i;unicode-casemap" match-type="contains">daboo</C:text-match></C:prop-filter></C:filter>
  <C:limit><C:nresults>2</C:nresults></C:limit>
</C:addressbook-query>"#;
    let ReportRequest::AddressbookQuery {
        props,
        filter,
        limit,
    } = parse_report(body).unwrap()
    else {
        panic!("expected addressbook-query");
    };
    assert_eq!(props.request, prop_names(&[PropName::dav("getetag")]));
    assert_eq!(props.address_data, None);
    assert_eq!(limit, Some(2));
    assert_eq!(filter.prop_filters.len(), 1);
    assert_eq!(
        filter.prop_filters[0].text_matches,
        [card_text("daboo", MatchType::Contains)]
    );
}

#[test]
fn rfc6352_multiget_asking_for_vcard_4() {
    assert_eq!(
        parse("requests/rfc6352-8.7.2-multiget-vcard4.xml"),
        ReportRequest::AddressbookMultiget {
            props: ReportProps {
                request: etag_and_address_data(),
                calendar_data: None,
                address_data: Some(AddressDataRequest {
                    version: Some(VCardVersion::V4),
                    props: None,
                }),
            },
            hrefs: vec!["/home/bernard/addressbook/vcf3.vcf".into()],
        }
    );
}

#[test]
fn client_search_with_allof_param_filter_and_is_not_defined() {
    let (props, filter, limit) = addressbook_query("requests/work-email-search.xml");
    assert_eq!(
        props.address_data,
        Some(AddressDataRequest {
            version: Some(VCardVersion::V3),
            props: address_props(&["FN", "EMAIL", "ITEM1.X-ABLABEL"]),
        })
    );
    assert_eq!(limit, Some(25));
    assert_eq!(
        filter,
        AddressFilter {
            all_of: true,
            prop_filters: vec![
                CardPropFilter {
                    name: "EMAIL".into(),
                    all_of: true,
                    text_matches: vec![card_text("@example.com", MatchType::EndsWith)],
                    param_filters: vec![CardParamFilter {
                        name: "TYPE".into(),
                        is_not_defined: false,
                        text_match: Some(TextMatch {
                            collation: Collation::AsciiCasemap,
                            ..card_text("work", MatchType::Equals)
                        }),
                    }],
                    ..Default::default()
                },
                CardPropFilter {
                    name: "X-ADDRESSBOOKSERVER-KIND".into(),
                    is_not_defined: true,
                    ..Default::default()
                },
                CardPropFilter {
                    name: "CATEGORIES".into(),
                    // The collation named "default" is CardDAV's, i;unicode-casemap.
                    text_matches: vec![TextMatch {
                        negate: true,
                        ..card_text("Archive", MatchType::Contains)
                    }],
                    ..Default::default()
                },
            ],
        }
    );
}

#[test]
fn an_empty_carddav_filter_matches_all() {
    let body = br#"<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:D="DAV:"><D:prop><C:address-data><C:allprop/></C:address-data></D:prop><C:filter/></C:addressbook-query>"#;
    let ReportRequest::AddressbookQuery { props, filter, .. } = parse_report(body).unwrap() else {
        panic!("expected addressbook-query");
    };
    assert_eq!(filter, AddressFilter::default());
    assert_eq!(props.address_data, Some(AddressDataRequest::default()));
}

/// An addressbook-query with this content inside `<C:filter>`.
fn card_filter_error(filter: &str) -> ReportError {
    error(&format!(
        r#"<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter>{filter}</C:filter></C:addressbook-query>"#
    ))
}

#[test]
fn unknown_carddav_collation_is_the_carddav_supported_collation() {
    let err = card_filter_error(
        r#"<C:prop-filter name="FN"><C:text-match collation="i;basic">x</C:text-match></C:prop-filter>"#,
    );
    assert_eq!(err, ReportError::UnsupportedCardCollation("i;basic".into()));
    assert_eq!(err.status(), StatusCode::FORBIDDEN);
    let precondition = err.precondition().unwrap();
    assert_eq!(precondition, Precondition::AddressbookSupportedCollation);
    let body = String::from_utf8(precondition.to_xml()).unwrap();
    assert!(
        body.contains("urn:ietf:params:xml:ns:carddav") && body.contains(":supported-collation/>"),
        "{body}"
    );
    // On a parameter too.
    let err = card_filter_error(
        r#"<C:prop-filter name="TEL"><C:param-filter name="TYPE"><C:text-match collation="i;basic">work</C:text-match></C:param-filter></C:prop-filter>"#,
    );
    assert_eq!(
        err.precondition(),
        Some(Precondition::AddressbookSupportedCollation)
    );
}

#[test]
fn names_no_vcard_can_hold_are_the_carddav_supported_filter() {
    for filter in [
        r#"<C:prop-filter name="E MAIL"/>"#,
        r#"<C:prop-filter name="item1.EMAIL.X"/>"#,
        r#"<C:prop-filter name="TEL"><C:param-filter name="X.TYPE"/></C:prop-filter>"#,
    ] {
        let err = card_filter_error(filter);
        assert!(
            matches!(err, ReportError::UnsupportedCardFilter(_)),
            "{filter}: {err:?}"
        );
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            err.precondition(),
            Some(Precondition::AddressbookSupportedFilter)
        );
    }
    // Non-standard names are queried like any other (RFC 6352 8.5).
    let body = br#"<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter><C:prop-filter name="x-abc.x-phonetic-first-name"/></C:filter></C:addressbook-query>"#;
    let ReportRequest::AddressbookQuery { filter, .. } = parse_report(body).unwrap() else {
        panic!("expected addressbook-query");
    };
    assert_eq!(filter.prop_filters[0].name, "X-ABC.X-PHONETIC-FIRST-NAME");
}

#[test]
fn carddav_filters_against_the_dtd_are_400() {
    for (filter, reason) in [
        (
            r#"<C:prop-filter name="FN"><C:text-match match-type="sounds-like">x</C:text-match></C:prop-filter>"#,
            "match-type must be equals, contains, starts-with or ends-with",
        ),
        (
            r#"<C:prop-filter name="FN"><C:is-not-defined/><C:text-match>x</C:text-match></C:prop-filter>"#,
            "prop-filter FN: is-not-defined cannot be combined",
        ),
        (
            r#"<C:prop-filter name="TEL"><C:param-filter name="TYPE"><C:is-not-defined/><C:text-match>x</C:text-match></C:param-filter></C:prop-filter>"#,
            "param-filter TYPE: is-not-defined cannot be combined",
        ),
        (
            r#"<C:prop-filter name="TEL"><C:param-filter name="TYPE"><C:text-match>a</C:text-match><C:text-match>b</C:text-match></C:param-filter></C:prop-filter>"#,
            "more than one text-match",
        ),
        (
            r#"<C:prop-filter name="FN" test="oneof"/>"#,
            "test must be anyof or allof",
        ),
        (r#"<C:prop-filter/>"#, "prop-filter without a name"),
        (
            r#"<C:prop-filter name="FN"><C:text-match negate-condition="true">x</C:text-match></C:prop-filter>"#,
            "negate-condition must be yes or no",
        ),
    ] {
        let err = card_filter_error(filter);
        assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{filter}: {err:?}");
        assert_eq!(err.precondition(), None, "{filter}");
        assert!(err.to_string().contains(reason), "{filter}: {err}");
    }
    let err = error(
        r#"<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter test="none"/></C:addressbook-query>"#,
    );
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn address_data_in_another_media_type_or_version_is_refused() {
    for attributes in [
        r#"content-type="application/vcard+json""#,
        r#"content-type="text/calendar""#,
        r#"version="2.1""#,
        r#"content-type="text/vcard; version=2.1""#,
        r#"content-type="text/vcard; version=4.0" version="3.0""#,
    ] {
        let body = format!(
            r#"<C:addressbook-multiget xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:D="DAV:"><D:prop><C:address-data {attributes}/></D:prop><D:href>/a.vcf</D:href></C:addressbook-multiget>"#
        );
        let err = error(&body);
        assert!(
            matches!(err, ReportError::UnsupportedAddressData(_)),
            "{attributes}: {err:?}"
        );
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(err.precondition(), Some(Precondition::SupportedAddressData));
    }
    for (attributes, version) in [
        (r#"content-type="text/vcard""#, None),
        (
            r#"content-type="TEXT/VCARD" version="3.0""#,
            Some(VCardVersion::V3),
        ),
        (
            r#"content-type="text/vcard;version=4.0""#,
            Some(VCardVersion::V4),
        ),
        (
            r#"content-type="text/x-vcard" version="4.0""#,
            Some(VCardVersion::V4),
        ),
    ] {
        let body = format!(
            r#"<C:addressbook-multiget xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:D="DAV:"><D:prop><C:address-data {attributes}/></D:prop><D:href>/a.vcf</D:href></C:addressbook-multiget>"#
        );
        let ReportRequest::AddressbookMultiget { props, .. } =
            parse_report(body.as_bytes()).unwrap()
        else {
            panic!("expected addressbook-multiget");
        };
        assert_eq!(
            props.address_data,
            Some(AddressDataRequest {
                version,
                props: None
            }),
            "{attributes}"
        );
    }
    let err = error(
        r#"<C:addressbook-multiget xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:D="DAV:"><D:prop><C:address-data><C:allprop/><C:prop name="FN"/></C:address-data></D:prop><D:href>/a.vcf</D:href></C:addressbook-multiget>"#,
    );
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    assert!(err.to_string().contains("both allprop and prop"), "{err}");
}

#[test]
fn sync_collection_reads_address_data() {
    let body = br#"<sync-collection xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><sync-token/><sync-level>1</sync-level><prop><getetag/><CARD:address-data version="4.0"/></prop></sync-collection>"#;
    let ReportRequest::SyncCollection { props, .. } = parse_report(body).unwrap() else {
        panic!("expected sync-collection");
    };
    assert_eq!(
        props.address_data,
        Some(AddressDataRequest {
            version: Some(VCardVersion::V4),
            props: None
        })
    );
}
