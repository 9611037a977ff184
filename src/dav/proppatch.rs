//! The PROPPATCH request body (RFC 4918 9.2): property sets and removals in document
//! order, each set value kept as a [`DeadValue`].

use super::body_limits::{BodyLimits, Budget, Exceeded};
use super::dead_value::DeadValue;
use super::document::{parse_document_within, Element, XmlError};
use super::names::{ElementName, Namespace, PropName};

/// What a PROPPATCH asks, in the order the client wrote it; RFC 4918 has the server
/// apply the operations in that order, all or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProppatchRequest {
    pub operations: Vec<PropOperation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropOperation {
    Set(PropName, DeadValue),
    Remove(PropName),
}

/// Why a PROPPATCH (or MKCOL / MKCALENDAR) body was refused; the client gets 400, or 413
/// for a body beyond its bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("the request needs a body")]
    Empty,
    #[error("root element is {found}, expected {expected}")]
    WrongRoot { found: String, expected: String },
    #[error("{0} must hold a {{DAV:}}prop element")]
    MissingProp(String),
    #[error("{0} holds no set or remove")]
    NoOperations(String),
    #[error("{0} names no property to set or remove")]
    NoProperties(String),
    #[error("request body too complex: {0}")]
    TooComplex(#[from] Exceeded),
}

impl BodyError {
    /// The bound the body went beyond, if that is why it was refused.
    pub fn exceeded(&self) -> Option<Exceeded> {
        match self {
            Self::Xml(xml) => xml.exceeded(),
            Self::TooComplex(exceeded) => Some(*exceeded),
            _ => None,
        }
    }
}

impl ProppatchRequest {
    /// Parses a PROPPATCH body within the default bounds.
    pub fn parse(body: &[u8]) -> Result<Self, BodyError> {
        Self::parse_within(body, &Budget::default())
    }

    /// Parses a PROPPATCH body within `budget`: at most `max_properties` sets and
    /// removes in all.
    pub fn parse_within(body: &[u8], budget: &Budget) -> Result<Self, BodyError> {
        let root = parse_document_within(body, budget)?.ok_or(BodyError::Empty)?;
        expect_root(&root, &Namespace::Dav, "propertyupdate")?;
        let dav = Namespace::Dav;
        let updates: Vec<(&Element, bool)> = root
            .children
            .iter()
            .filter_map(|child| {
                if child.name.is(&dav, "set") {
                    Some((child, true))
                } else if child.name.is(&dav, "remove") {
                    Some((child, false))
                } else {
                    None
                }
            })
            .collect();
        if updates.is_empty() {
            return Err(BodyError::NoOperations(root.name.to_string()));
        }
        let mut named = 0;
        for (update, _) in &updates {
            named += prop_of(update)?.children.len();
        }
        BodyLimits::check(named, budget.limits.max_properties, Exceeded::Properties)?;
        let mut operations = Vec::with_capacity(named);
        for (update, is_set) in updates {
            if is_set {
                for (name, value) in set_props(update)? {
                    operations.push(PropOperation::Set(name, value));
                }
            } else {
                for property in &prop_of(update)?.children {
                    operations.push(PropOperation::Remove(property.name.clone()));
                }
            }
        }
        if operations.is_empty() {
            // RFC 4918 9.2: there is nothing to answer a propstat for.
            return Err(BodyError::NoProperties(root.name.to_string()));
        }
        Ok(Self { operations })
    }
}

pub(crate) fn expect_root(root: &Element, ns: &Namespace, local: &str) -> Result<(), BodyError> {
    if root.name.is(ns, local) {
        Ok(())
    } else {
        Err(BodyError::WrongRoot {
            found: root.name.to_string(),
            expected: ElementName::new(ns.clone(), local).to_string(),
        })
    }
}

pub(crate) fn prop_of(operation: &Element) -> Result<&Element, BodyError> {
    operation
        .child(&Namespace::Dav, "prop")
        .ok_or_else(|| BodyError::MissingProp(operation.name.to_string()))
}

/// The properties of a `DAV:set` with their values.
pub(crate) fn set_props(set: &Element) -> Result<Vec<(PropName, DeadValue)>, BodyError> {
    Ok(prop_of(set)?
        .children
        .iter()
        .map(|property| (property.name.clone(), DeadValue::from_element(property)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
    }

    #[test]
    fn rfc4918_proppatch_example() {
        let request =
            ProppatchRequest::parse(&fixture("requests/rfc4918-9.2.2-proppatch.xml")).unwrap();
        let z = Namespace::Other("http://ns.example.com/standards/z39.50/".into());
        let [PropOperation::Set(set, value), PropOperation::Remove(removed)] =
            request.operations.as_slice()
        else {
            panic!("expected one set and one remove: {request:?}");
        };
        assert_eq!(*set, ElementName::new(z.clone(), "Authors"));
        assert_eq!(*removed, ElementName::new(z.clone(), "Copyright-Owner"));
        let authors: Vec<(ElementName, String)> = value
            .elements()
            .into_iter()
            .map(|e| (e.name, e.text))
            .collect();
        assert_eq!(
            authors,
            vec![
                (
                    ElementName::new(z.clone(), "Author"),
                    "Jim Whitehead".into()
                ),
                (ElementName::new(z, "Author"), "Roy Fielding".into()),
            ]
        );
    }

    #[test]
    fn operations_keep_document_order_across_sets_and_removes() {
        let body = br##"<?xml version="1.0"?>
<x:propertyupdate xmlns:x="DAV:" xmlns:i="http://apple.com/ns/ical/">
  <x:remove><x:prop><i:calendar-order/></x:prop></x:remove>
  <x:set><x:prop>
    <x:displayname>Work &amp; Play</x:displayname>
    <i:calendar-color>#FF0000FF</i:calendar-color>
  </x:prop></x:set>
  <x:remove><x:prop><x:displayname/></x:prop></x:remove>
  <x:set><x:prop><x:displayname>Again</x:displayname></x:prop></x:set>
</x:propertyupdate>"##;
        let request = ProppatchRequest::parse(body).unwrap();
        let summary: Vec<String> = request
            .operations
            .iter()
            .map(|op| match op {
                PropOperation::Set(name, value) => format!("set {name} = {}", value.text()),
                PropOperation::Remove(name) => format!("remove {name}"),
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                "remove {http://apple.com/ns/ical/}calendar-order",
                "set {DAV:}displayname = Work & Play",
                "set {http://apple.com/ns/ical/}calendar-color = #FF0000FF",
                "remove {DAV:}displayname",
                "set {DAV:}displayname = Again",
            ]
        );
        let PropOperation::Set(_, value) = &request.operations[1] else {
            unreachable!()
        };
        assert_eq!(value.xml(), "Work &amp; Play");
    }

    #[test]
    fn refused_bodies() {
        assert_eq!(ProppatchRequest::parse(b" "), Err(BodyError::Empty));
        assert!(matches!(
            ProppatchRequest::parse(br#"<propfind xmlns="DAV:"/>"#),
            Err(BodyError::WrongRoot { found, .. }) if found == "{DAV:}propfind"
        ));
        assert_eq!(
            ProppatchRequest::parse(br#"<propertyupdate xmlns="DAV:"/>"#),
            Err(BodyError::NoOperations("{DAV:}propertyupdate".into()))
        );
        assert_eq!(
            ProppatchRequest::parse(br#"<propertyupdate xmlns="DAV:"><set/></propertyupdate>"#),
            Err(BodyError::MissingProp("{DAV:}set".into()))
        );
        for empty in [
            &br#"<propertyupdate xmlns="DAV:"><set><prop>text</prop></set></propertyupdate>"#[..],
            br#"<propertyupdate xmlns="DAV:"><set><prop/></set><remove><prop/></remove></propertyupdate>"#,
        ] {
            assert_eq!(
                ProppatchRequest::parse(empty),
                Err(BodyError::NoProperties("{DAV:}propertyupdate".into()))
            );
        }
        assert!(matches!(
            ProppatchRequest::parse(br#"<propertyupdate xmlns="DAV:"><set>"#),
            Err(BodyError::Xml(_))
        ));
    }
}
