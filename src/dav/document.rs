//! A request body read into a small element tree with every name resolved to its
//! namespace URI, so that PROPFIND, PROPPATCH and REPORT parsers never look at prefixes.
//! Reading takes time linear in the body, and stops at the first bound of its `Budget`
//! the body crosses, or once the budget is cancelled.

use std::collections::HashSet;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::body_limits::{Budget, Exceeded, MAX_DEPTH};
use super::names::{ElementName, Namespace};
use super::namespace_scope::Scopes;

/// One element of a request body. Text is the concatenation of the element's own
/// character data (entities unescaped, CDATA included); children are elements only.
/// `content` keeps both in document order, for values that are stored as sent; its
/// text pieces are ranges of `text`, so whoever takes `text` away leaves `content`
/// without its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: ElementName,
    pub attributes: Vec<(ElementName, String)>,
    pub children: Vec<Element>,
    pub text: String,
    pub content: Vec<Node>,
}

/// A piece of an element's content in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Character data, unescaped; adjacent text and CDATA are joined. The bytes of the
    /// element's `text` it is, which holds each piece once.
    Text(std::ops::Range<usize>),
    /// The child element at this index of `children`.
    Child(usize),
}

impl Element {
    /// The first child element with this name.
    pub fn child(&self, ns: &Namespace, local: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name.is(ns, local))
    }

    /// All child elements with this name, in document order.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a Namespace,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |child| child.name.is(ns, local))
    }

    /// The value of an attribute without a namespace (the usual case in DAV bodies).
    pub fn attribute(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(name, _)| name.ns.uri().is_empty() && name.local == local)
            .map(|(_, value)| value.as_str())
    }

    /// How many elements lie below this one (children, their children, ...).
    pub fn descendants(&self) -> usize {
        self.children
            .iter()
            .map(|child| 1 + child.descendants())
            .sum()
    }
}

/// Why a request body is not a well-formed XML document (the HTTP layer answers 400), or
/// one beyond the body's bounds (413).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("request body is not UTF-8")]
    NotUtf8,
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error("undeclared namespace prefix {0:?}")]
    UnknownPrefix(String),
    #[error("attribute {0} appears twice on one element")]
    DuplicateAttribute(String),
    #[error("request body too complex: {0}")]
    TooComplex(Exceeded),
    #[error("no root element")]
    NoRoot,
    #[error("content after the root element")]
    TrailingContent,
    /// The request ended while its body was read; no client sees this.
    #[error("the request ended before its body was read")]
    Cancelled,
}

impl XmlError {
    /// The bound the body went beyond, if that is why it was refused.
    pub fn exceeded(&self) -> Option<Exceeded> {
        match self {
            Self::TooComplex(exceeded) => Some(*exceeded),
            _ => None,
        }
    }
}

impl From<Exceeded> for XmlError {
    fn from(exceeded: Exceeded) -> Self {
        XmlError::TooComplex(exceeded)
    }
}

/// Parses a document davgate trusts (one it wrote, a value from its store, another
/// server's answer): only the nesting depth is bounded. Returns `Ok(None)` for a body
/// that is empty or only whitespace, which several DAV methods give a meaning of their
/// own.
pub fn parse_document(body: &[u8]) -> Result<Option<Element>, XmlError> {
    parse_document_within(body, &Budget::trusted())
}

/// Parses a request body within `budget`: refused as soon as it crosses one of the
/// bounds, stopped at the next event once the budget is cancelled. Every step is
/// linear in what it reads, so the whole parse is linear in the body.
pub fn parse_document_within(body: &[u8], budget: &Budget) -> Result<Option<Element>, XmlError> {
    let text = std::str::from_utf8(body).map_err(|_| XmlError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(None);
    }
    let mut reader = Reader::from_str(text);
    let mut tree = Tree::new(budget);
    loop {
        if budget.cancel.stop_here() {
            return Err(XmlError::Cancelled);
        }
        let event = reader
            .read_event()
            .map_err(|err| XmlError::Malformed(err.to_string()))?;
        match event {
            Event::Start(_) | Event::Empty(_) if tree.root.is_some() && tree.open.is_empty() => {
                return Err(XmlError::TrailingContent);
            }
            Event::Start(start) => {
                if tree.open.len() >= MAX_DEPTH {
                    return Err(Exceeded::Depth(MAX_DEPTH).into());
                }
                let element = tree.start_element(&start)?;
                tree.open.push(element);
            }
            Event::Empty(start) => {
                let element = tree.start_element(&start)?;
                tree.scopes.leave();
                tree.close(element);
            }
            Event::End(_) => {
                let element = tree
                    .open
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unmatched end tag".into()))?;
                tree.scopes.leave();
                tree.close(element);
            }
            Event::Text(text) => {
                let text = text
                    .unescape()
                    .map_err(|err| XmlError::Malformed(err.to_string()))?;
                match tree.open.last_mut() {
                    Some(parent) => parent.push_text(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(XmlError::Malformed("text outside the root".into())),
                }
            }
            Event::CData(data) => {
                let data = std::str::from_utf8(&data).map_err(|_| XmlError::NotUtf8)?;
                match tree.open.last_mut() {
                    Some(parent) => parent.push_text(data),
                    None => return Err(XmlError::Malformed("CDATA outside the root".into())),
                }
            }
            Event::DocType(_) => {
                return Err(XmlError::Malformed("DOCTYPE is not accepted".into()));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if let Some(unclosed) = tree.open.last() {
        return Err(XmlError::Malformed(format!(
            "missing end tag for {}",
            unclosed.name
        )));
    }
    tree.root.map(Some).ok_or(XmlError::NoRoot)
}

/// The document as it is being read: the open elements, the finished root, the
/// namespaces in scope and what has been counted against the budget.
struct Tree<'b> {
    budget: &'b Budget,
    open: Vec<Element>,
    root: Option<Element>,
    scopes: Scopes,
    elements: usize,
}

impl<'b> Tree<'b> {
    fn new(budget: &'b Budget) -> Self {
        Tree {
            budget,
            open: Vec::new(),
            root: None,
            scopes: Scopes::default(),
            elements: 0,
        }
    }

    fn close(&mut self, element: Element) {
        match self.open.last_mut() {
            Some(parent) => {
                parent.content.push(Node::Child(parent.children.len()));
                parent.children.push(element);
            }
            None => self.root = Some(element),
        }
    }

    /// The element a start tag opens, its namespace declarations entered into scope
    /// (the caller leaves the scope when the element ends).
    fn start_element(&mut self, start: &BytesStart<'_>) -> Result<Element, XmlError> {
        let limits = &self.budget.limits;
        self.elements += 1;
        if self.elements > limits.max_elements {
            return Err(Exceeded::Elements(limits.max_elements).into());
        }
        // quick-xml's own check for repeated attributes compares each with all before
        // it; the attributes are counted first and checked for repeats with a set below.
        let mut raw: Vec<Attribute<'_>> = Vec::new();
        for attribute in start.attributes().with_checks(false) {
            if raw.len() == limits.max_attributes_per_element {
                return Err(
                    Exceeded::AttributesPerElement(limits.max_attributes_per_element).into(),
                );
            }
            raw.push(attribute.map_err(|err| XmlError::Malformed(err.to_string()))?);
        }
        check_unique(raw.iter().map(|a| a.key.as_ref()), |key| {
            String::from_utf8_lossy(key).into_owned()
        })?;
        self.scopes.enter();
        for attribute in &raw {
            if let Some(declaration) = attribute.key.as_namespace_binding() {
                self.scopes
                    .declare(declaration, attribute, limits.max_namespace_declarations)?;
            }
        }
        let (local, prefix) = start.name().decompose();
        let ns = self
            .scopes
            .resolve(prefix.as_ref().map(|p| p.as_ref()), true)?;
        let name = ElementName::new(ns, utf8(local.as_ref())?);
        let mut attributes = Vec::with_capacity(raw.len());
        for attribute in raw {
            if attribute.key.as_namespace_binding().is_some() {
                continue;
            }
            let (local, prefix) = attribute.key.decompose();
            let ns = self
                .scopes
                .resolve(prefix.as_ref().map(|p| p.as_ref()), false)?;
            let value = attribute
                .unescape_value()
                .map_err(|err| XmlError::Malformed(err.to_string()))?;
            attributes.push((
                ElementName::new(ns, utf8(local.as_ref())?),
                value.into_owned(),
            ));
        }
        // Two prefixes bound to one namespace make two spellings of one attribute.
        check_unique(attributes.iter().map(|(name, _)| name), ToString::to_string)?;
        Ok(Element {
            name,
            attributes,
            children: Vec::new(),
            text: String::new(),
            content: Vec::new(),
        })
    }
}

/// Err naming the first item that appears twice. Few items are compared pairwise, more
/// through a set, so an element costs time linear in its attributes.
fn check_unique<T: Eq + std::hash::Hash>(
    items: impl Iterator<Item = T> + Clone,
    show: impl Fn(&T) -> String,
) -> Result<(), XmlError> {
    const PAIRWISE: usize = 8;
    if items.clone().nth(PAIRWISE).is_none() {
        let items: Vec<T> = items.collect();
        for (index, item) in items.iter().enumerate() {
            if items[..index].contains(item) {
                return Err(XmlError::DuplicateAttribute(show(item)));
            }
        }
        return Ok(());
    }
    let mut seen = HashSet::new();
    for item in items {
        if seen.contains(&item) {
            return Err(XmlError::DuplicateAttribute(show(&item)));
        }
        seen.insert(item);
    }
    Ok(())
}

impl Element {
    fn push_text(&mut self, text: &str) {
        let start = self.text.len();
        self.text.push_str(text);
        let end = self.text.len();
        match self.content.last_mut() {
            Some(Node::Text(last)) => last.end = end,
            _ => self.content.push(Node::Text(start..end)),
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<String, XmlError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| XmlError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::body_limits::BodyLimits;

    fn parse(body: &str) -> Element {
        parse_document(body.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn namespace_uris_are_unescaped() {
        let root = parse(r#"<a:x xmlns:a="urn:a&amp;b"><y xmlns="urn:&#99;"/></a:x>"#);
        assert_eq!(root.name.ns.uri(), "urn:a&b");
        assert_eq!(root.children[0].name.ns.uri(), "urn:c");
    }

    #[test]
    fn names_resolve_by_namespace_whatever_the_prefix() {
        let root = parse(
            r#"<x:a xmlns:x="DAV:" xmlns="urn:ietf:params:xml:ns:caldav"><b/><y:c xmlns:y="urn:other"/></x:a>"#,
        );
        assert_eq!(root.name, ElementName::dav("a"));
        assert_eq!(root.children[0].name, ElementName::caldav("b"));
        assert_eq!(
            root.children[1].name,
            ElementName::new(Namespace::Other("urn:other".into()), "c")
        );
    }

    #[test]
    fn unprefixed_without_default_namespace_has_no_namespace() {
        let root = parse("<a><b/></a>");
        assert_eq!(root.name.ns.uri(), "");
        assert_eq!(root.children[0].name.local, "b");
    }

    #[test]
    fn text_and_attributes_are_unescaped() {
        let root = parse(
            r#"<D:href xmlns:D="DAV:" x="a&amp;b">/a%20b/&lt;c&gt;<![CDATA[<raw>]]></D:href>"#,
        );
        assert_eq!(root.text, "/a%20b/<c><raw>");
        assert_eq!(root.attribute("x"), Some("a&b"));
    }

    #[test]
    fn mixed_content_keeps_document_order() {
        let root = parse(r#"<a>one<b/>two<![CDATA[<3>]]><c>x</c></a>"#);
        assert_eq!(root.text, "onetwo<3>");
        assert_eq!(
            root.content,
            vec![
                Node::Text(0..3),
                Node::Child(0),
                Node::Text(3..9),
                Node::Child(1),
            ]
        );
        assert_eq!(&root.text[3..9], "two<3>");
        assert_eq!(root.children[1].content, vec![Node::Text(0..1)]);
    }

    #[test]
    fn empty_and_whitespace_bodies_have_no_root() {
        assert_eq!(parse_document(b"").unwrap(), None);
        assert_eq!(parse_document(b"  \r\n ").unwrap(), None);
    }

    #[test]
    fn malformed_bodies_are_errors() {
        for body in [
            "<a>",
            "<a></b>",
            "</a>",
            "<a><b></a>",
            "<x:a/>",
            "<a/><b/>",
            "text",
            "<?xml version=\"1.0\"?>",
            "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
        ] {
            assert!(parse_document(body.as_bytes()).is_err(), "{body}");
        }
        assert_eq!(parse_document(b"<a>\xff</a>"), Err(XmlError::NotUtf8));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let body = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(
            parse_document(body.as_bytes()),
            Err(XmlError::TooComplex(Exceeded::Depth(MAX_DEPTH)))
        );
        let body = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse_document(body.as_bytes()).is_ok());
    }

    fn within(body: &str, limits: BodyLimits) -> Result<Option<Element>, XmlError> {
        parse_document_within(body.as_bytes(), &Budget::new(limits))
    }

    #[test]
    fn repeated_attributes_are_refused_by_name_and_by_namespace() {
        let refused = |body: &str| parse_document(body.as_bytes()).unwrap_err();
        assert_eq!(
            refused(r#"<a x="1" x="2"/>"#),
            XmlError::DuplicateAttribute("x".into())
        );
        assert_eq!(
            refused(r#"<a xmlns:p="urn:u" xmlns:q="urn:u" p:x="1" q:x="2"/>"#),
            XmlError::DuplicateAttribute("{urn:u}x".into())
        );
        // Many attributes are checked through a set: the repeat at the end is found.
        let many: String = (0..20).map(|n| format!(" a{n}=\"v\"")).collect();
        assert_eq!(
            refused(&format!("<a{many} a3=\"w\"/>")),
            XmlError::DuplicateAttribute("a3".into())
        );
        // One local name in two namespaces is two attributes.
        let root = parse(r#"<a xmlns:p="urn:u" x="1" p:x="2"/>"#);
        assert_eq!(root.attributes.len(), 2);
        assert_eq!(root.attribute("x"), Some("1"));
    }

    #[test]
    fn prefixes_are_scoped_to_their_element() {
        let root = parse(
            r#"<p:a xmlns:p="urn:one"><p:b xmlns:p="urn:two"><p:c/></p:b><p:d/><e xmlns="urn:def"><f xmlns=""/><g/></e></p:a>"#,
        );
        let uris = |element: &Element| element.name.ns.uri().to_owned();
        assert_eq!(uris(&root), "urn:one");
        assert_eq!(uris(&root.children[0]), "urn:two");
        assert_eq!(uris(&root.children[0].children[0]), "urn:two");
        assert_eq!(
            uris(&root.children[1]),
            "urn:one",
            "the inner binding ended"
        );
        let e = &root.children[2];
        assert_eq!(uris(e), "urn:def");
        assert_eq!(
            uris(&e.children[0]),
            "",
            "xmlns=\"\" undeclares the default"
        );
        assert_eq!(uris(&e.children[1]), "urn:def");
        // A prefix declared on a sibling is not in scope.
        assert_eq!(
            parse_document(br#"<a><b xmlns:p="urn:p"/><p:c/></a>"#),
            Err(XmlError::UnknownPrefix("p".into()))
        );
        assert_eq!(
            parse(r#"<a xml:lang="en"/>"#).attributes[0].0.ns.uri(),
            "http://www.w3.org/XML/1998/namespace"
        );
        for reserved in [
            r#"<a xmlns:xml="urn:other"/>"#,
            r#"<a xmlns:xmlns="urn:other"/>"#,
            r#"<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>"#,
        ] {
            assert!(
                matches!(
                    parse_document(reserved.as_bytes()),
                    Err(XmlError::Malformed(_))
                ),
                "{reserved}"
            );
        }
    }

    #[test]
    fn each_bound_is_checked_as_the_body_is_read() {
        let limits = BodyLimits {
            max_elements: 3,
            max_attributes_per_element: 2,
            max_namespace_declarations: 2,
            ..BodyLimits::default()
        };
        assert!(within("<a><b/><c/></a>", limits).is_ok());
        assert_eq!(
            within("<a><b/><c/><d/></a>", limits),
            Err(XmlError::TooComplex(Exceeded::Elements(3)))
        );
        assert!(within(r#"<a x="1" y="2"/>"#, limits).is_ok());
        assert_eq!(
            within(r#"<a x="1" y="2" z="3"/>"#, limits),
            Err(XmlError::TooComplex(Exceeded::AttributesPerElement(2)))
        );
        assert_eq!(
            within(
                r#"<a xmlns="urn:a"><b xmlns="urn:b"/><c xmlns="urn:c"/></a>"#,
                limits
            ),
            Err(XmlError::TooComplex(Exceeded::NamespaceDeclarations(2)))
        );
        // Documents davgate trusts have no bound but the depth.
        let wide = format!("<a>{}</a>", "<b/>".repeat(50_000));
        assert_eq!(parse(&wide).children.len(), 50_000);
    }

    #[test]
    fn a_cancelled_parse_stops() {
        let budget = Budget::default();
        budget.cancel.cancel();
        assert_eq!(
            parse_document_within(b"<a><b/></a>", &budget),
            Err(XmlError::Cancelled)
        );
        assert!(budget.cancel.stopped_work());
        let untouched = Budget::default();
        assert!(parse_document_within(b"<a/>", &untouched).is_ok());
        assert!(!untouched.cancel.stopped_work());
    }
}
