//! The addressbook-query model (RFC 6352 10.4 and 10.5): what a CardDAV REPORT body asks,
//! parsed by `dav::report` and evaluated by `content::vcard`.

use super::text_match::TextMatch;
use super::vcard::VCardVersion;

/// `CARDDAV:filter`. No prop-filters matches every address object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressFilter {
    /// `test="allof"`: every prop-filter must match; the default `anyof` needs one.
    pub all_of: bool,
    pub prop_filters: Vec<CardPropFilter>,
}

/// `CARDDAV:prop-filter`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardPropFilter {
    /// Property name, upper case: EMAIL, FN, X-ABLABEL. With a group prefix
    /// (`ITEM1.EMAIL`) only properties of that group match; without one, properties of
    /// any group or none do.
    pub name: String,
    /// `test="allof"`: every text-match and param-filter must pass; the default `anyof`
    /// needs one.
    pub all_of: bool,
    /// `is-not-defined`: passes when no such property exists; the other tests are absent.
    pub is_not_defined: bool,
    pub text_matches: Vec<TextMatch>,
    pub param_filters: Vec<CardParamFilter>,
}

/// `CARDDAV:param-filter`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardParamFilter {
    /// Parameter name, upper case: TYPE, PREF, X-SERVICE-TYPE.
    pub name: String,
    pub is_not_defined: bool,
    pub text_match: Option<TextMatch>,
}

/// `CARDDAV:address-data` in a report or PROPFIND: which version and which properties
/// of each address object to return. The default returns the stored vCard unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressDataRequest {
    /// The vCard version asked for; None = as stored.
    pub version: Option<VCardVersion>,
    /// `CARDDAV:prop name=".."` names, upper case, possibly with a group prefix
    /// (`ITEM1.EMAIL`); None = `allprop` or nothing said, all properties.
    pub props: Option<Vec<String>>,
}
