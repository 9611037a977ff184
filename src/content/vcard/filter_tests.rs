//! addressbook-query filter rules (RFC 6352 10.5) on parsed vCards.

use super::tests::contact;
use super::ContactObject;
use crate::content::card_query::{AddressFilter, CardParamFilter, CardPropFilter};
use crate::content::text_match::{Collation, MatchType, TextMatch};

fn jane() -> ContactObject {
    contact(&[
        "VERSION:3.0",
        "N:Doe;Jane;Quinn;Dr.;",
        "FN:Dr. Jane Doe",
        "NICKNAME:JD,Janie",
        "EMAIL;TYPE=INTERNET,WORK:jane@work.example",
        "item1.EMAIL;TYPE=INTERNET:jane@home.example",
        "item1.X-ABLabel:_$!<Other>!$_",
        "TEL;TYPE=WORK,VOICE:+49 30 1234",
        "TEL;TYPE=CELL:+49 170 5555",
        "ADR;TYPE=HOME:;;Hauptstraße 1;Berlin;;10115;Deutschland",
        "CATEGORIES:Friends,Climbing",
        "BDAY:1980-05-17",
        "UID:jane-1",
    ])
}

fn text(text: &str) -> TextMatch {
    TextMatch {
        text: text.into(),
        collation: Collation::UnicodeCasemap,
        match_type: MatchType::Contains,
        negate: false,
    }
}

fn typed(text_match: TextMatch, match_type: MatchType) -> TextMatch {
    TextMatch {
        match_type,
        ..text_match
    }
}

fn negated(text_match: TextMatch) -> TextMatch {
    TextMatch {
        negate: true,
        ..text_match
    }
}

fn prop(name: &str, text_matches: Vec<TextMatch>) -> CardPropFilter {
    CardPropFilter {
        name: name.into(),
        text_matches,
        ..Default::default()
    }
}

fn param(name: &str, text_match: Option<TextMatch>) -> CardParamFilter {
    CardParamFilter {
        name: name.into(),
        is_not_defined: false,
        text_match,
    }
}

fn any_of(prop_filters: Vec<CardPropFilter>) -> AddressFilter {
    AddressFilter {
        all_of: false,
        prop_filters,
    }
}

fn all_of(prop_filters: Vec<CardPropFilter>) -> AddressFilter {
    AddressFilter {
        all_of: true,
        prop_filters,
    }
}

fn passes(prop_filter: CardPropFilter) -> bool {
    jane().matches(&any_of(vec![prop_filter]))
}

#[test]
fn an_empty_filter_matches_everything() {
    assert!(jane().matches(&AddressFilter::default()));
    assert!(jane().matches(&all_of(Vec::new())));
}

#[test]
fn a_prop_filter_without_tests_needs_the_property() {
    assert!(passes(prop("FN", Vec::new())));
    assert!(passes(prop("X-ABLABEL", Vec::new())));
    assert!(!passes(prop("ORG", Vec::new())));
}

#[test]
fn is_not_defined_on_a_property() {
    let absent = |name: &str| CardPropFilter {
        name: name.into(),
        is_not_defined: true,
        ..Default::default()
    };
    assert!(passes(absent("ORG")));
    assert!(!passes(absent("EMAIL")));
}

#[test]
fn filter_test_combines_prop_filters() {
    let found = prop("FN", vec![text("jane")]);
    let missing = prop("FN", vec![text("oliver")]);
    assert!(jane().matches(&any_of(vec![missing.clone(), found.clone()])));
    assert!(!jane().matches(&all_of(vec![missing.clone(), found.clone()])));
    assert!(jane().matches(&all_of(vec![found.clone(), prop("UID", Vec::new())])));
    assert!(!jane().matches(&any_of(vec![missing])));
}

#[test]
fn prop_filter_test_combines_text_matches_and_param_filters() {
    let any = prop("EMAIL", vec![text("nobody"), text("work.example")]);
    assert!(passes(any.clone()));
    assert!(!passes(CardPropFilter {
        all_of: true,
        ..any
    }));
    // allof is evaluated per property: a work address at work.example exists ...
    let work_at_work = CardPropFilter {
        all_of: true,
        param_filters: vec![param("TYPE", Some(typed(text("work"), MatchType::Equals)))],
        ..prop("EMAIL", vec![text("work.example")])
    };
    assert!(passes(work_at_work));
    // ... a work address at home.example does not, though each test alone passes.
    let work_at_home = CardPropFilter {
        all_of: true,
        param_filters: vec![param("TYPE", Some(typed(text("work"), MatchType::Equals)))],
        ..prop("EMAIL", vec![text("home.example")])
    };
    assert!(!passes(work_at_home.clone()));
    assert!(passes(CardPropFilter {
        all_of: false,
        ..work_at_home
    }));
}

#[test]
fn match_types() {
    let fn_test =
        |value: &str, match_type| passes(prop("FN", vec![typed(text(value), match_type)]));
    assert!(fn_test("dr. jane doe", MatchType::Equals));
    assert!(!fn_test("jane doe", MatchType::Equals));
    assert!(fn_test("Dr.", MatchType::StartsWith));
    assert!(!fn_test("Jane", MatchType::StartsWith));
    assert!(fn_test("DOE", MatchType::EndsWith));
    assert!(!fn_test("Jane", MatchType::EndsWith));
    assert!(fn_test("e d", MatchType::Contains));
}

#[test]
fn collations() {
    let with = |value: &str, collation| {
        passes(prop(
            "ADR",
            vec![TextMatch {
                collation,
                ..text(value)
            }],
        ))
    };
    // i;unicode-casemap, CardDAV's default, folds beyond ASCII.
    assert!(with("HAUPTSTRAßE", Collation::UnicodeCasemap));
    assert!(with("DEUTSCHLAND", Collation::AsciiCasemap));
    assert!(!with("deutschland", Collation::Octet));
    assert!(with("Deutschland", Collation::Octet));
    let umlaut = contact(&["VERSION:4.0", "FN:Jürgen Ärger"]);
    let fn_filter = |collation| {
        any_of(vec![prop(
            "FN",
            vec![TextMatch {
                collation,
                ..text("ärger")
            }],
        )])
    };
    assert!(umlaut.matches(&fn_filter(Collation::UnicodeCasemap)));
    assert!(!umlaut.matches(&fn_filter(Collation::AsciiCasemap)));
}

#[test]
fn negate_condition_inverts_the_whole_property_test() {
    assert!(passes(prop("FN", vec![negated(text("oliver"))])));
    assert!(!passes(prop("FN", vec![negated(text("jane"))])));
    // N holds "Doe" in one component: negating it fails even though the other
    // components do not contain it.
    assert!(!passes(prop("N", vec![negated(text("doe"))])));
    // Without the property there is nothing to test.
    assert!(!passes(prop("ORG", vec![negated(text("anything"))])));
    // With several properties of the name, one that passes is enough: the cell phone
    // is not a +49 30 number.
    assert!(passes(prop("TEL", vec![negated(text("+49 30"))])));
}

#[test]
fn structured_values_match_whole_and_by_component() {
    assert!(passes(prop(
        "N",
        vec![typed(text("doe"), MatchType::Equals)]
    )));
    assert!(passes(prop(
        "N",
        vec![typed(text("jane"), MatchType::Equals)]
    )));
    assert!(passes(prop(
        "N",
        vec![typed(text("Doe;Jane;Quinn;Dr.;"), MatchType::Equals)]
    )));
    assert!(passes(prop(
        "N",
        vec![typed(text("Doe;Jane"), MatchType::StartsWith)]
    )));
    assert!(passes(prop(
        "ADR",
        vec![typed(text("berlin"), MatchType::Equals)]
    )));
    assert!(passes(prop(
        "ADR",
        vec![typed(text("10115;Deutschland"), MatchType::EndsWith)]
    )));
    assert!(passes(prop(
        "NICKNAME",
        vec![typed(text("janie"), MatchType::Equals)]
    )));
    assert!(passes(prop(
        "CATEGORIES",
        vec![typed(text("Friends,Climbing"), MatchType::Equals)]
    )));
    assert!(passes(prop(
        "BDAY",
        vec![typed(text("1980"), MatchType::StartsWith)]
    )));
}

#[test]
fn names_match_regardless_of_group_unless_a_group_is_named() {
    assert!(passes(prop("EMAIL", vec![text("home.example")])));
    assert!(passes(prop("ITEM1.EMAIL", vec![text("home.example")])));
    assert!(!passes(prop("ITEM1.EMAIL", vec![text("work.example")])));
    assert!(!passes(prop("ITEM2.EMAIL", Vec::new())));
    assert!(passes(prop("item1.x-ablabel", vec![text("other")])));
}

#[test]
fn param_filters() {
    let tel = |param_filter: CardParamFilter| {
        passes(CardPropFilter {
            param_filters: vec![param_filter],
            ..prop("TEL", Vec::new())
        })
    };
    // TYPE=WORK,VOICE holds the values WORK and VOICE.
    assert!(tel(param(
        "TYPE",
        Some(typed(text("work"), MatchType::Equals))
    )));
    assert!(tel(param(
        "type",
        Some(typed(text("voice"), MatchType::Equals))
    )));
    assert!(!tel(param(
        "TYPE",
        Some(typed(text("home"), MatchType::Equals))
    )));
    assert!(!tel(param(
        "TYPE",
        Some(typed(text("work,voice"), MatchType::Equals))
    )));
    // Present without a test; is-not-defined on a parameter.
    assert!(tel(param("TYPE", None)));
    assert!(!tel(param("PREF", None)));
    assert!(tel(CardParamFilter {
        is_not_defined: true,
        ..param("PREF", None)
    }));
    let typeless = contact(&["VERSION:3.0", "FN:X", "TEL:+1 555"]);
    let no_type = any_of(vec![CardPropFilter {
        param_filters: vec![CardParamFilter {
            is_not_defined: true,
            ..param("TYPE", None)
        }],
        ..prop("TEL", Vec::new())
    }]);
    assert!(typeless.matches(&no_type));
    assert!(!jane().matches(&no_type));
    // Negated: no TYPE value of some TEL is CELL (the work phone).
    assert!(tel(param(
        "TYPE",
        Some(negated(typed(text("cell"), MatchType::Equals)))
    )));
    let only_cell = contact(&["VERSION:3.0", "FN:X", "TEL;TYPE=CELL:+1 555"]);
    let not_cell = any_of(vec![CardPropFilter {
        param_filters: vec![param(
            "TYPE",
            Some(negated(typed(text("cell"), MatchType::Equals))),
        )],
        ..prop("TEL", Vec::new())
    }]);
    assert!(!only_cell.matches(&not_cell));
}
