//! A request body read into a small element tree with every name resolved to its
//! namespace URI, so that PROPFIND, PROPPATCH and REPORT parsers never look at prefixes.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::names::{ElementName, Namespace};

/// Deeper nesting than any DAV request needs is refused rather than followed.
const MAX_DEPTH: usize = 64;

/// One element of a request body. Text is the concatenation of the element's own
/// character data (entities unescaped, CDATA included); children are elements only.
/// `content` keeps both in document order, for values that are stored as sent.
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
    /// Character data, unescaped; adjacent text and CDATA are joined.
    Text(String),
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
}

/// Why a request body is not a well-formed XML document. The HTTP layer answers 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("request body is not UTF-8")]
    NotUtf8,
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error("undeclared namespace prefix {0:?}")]
    UnknownPrefix(String),
    #[error("XML nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("no root element")]
    NoRoot,
    #[error("content after the root element")]
    TrailingContent,
}

/// Parses a whole body into its root element. Returns `Ok(None)` for a body that is
/// empty or only whitespace, which several DAV methods give a meaning of their own.
pub fn parse_document(body: &[u8]) -> Result<Option<Element>, XmlError> {
    let text = std::str::from_utf8(body).map_err(|_| XmlError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(None);
    }
    let mut reader = NsReader::from_str(text);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|err| XmlError::Malformed(err.to_string()))?;
        let ns = namespace(resolved)?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() && open.is_empty() => {
                return Err(XmlError::TrailingContent);
            }
            Event::Start(start) => {
                if open.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                open.push(start_element(&reader, ns, &start)?);
            }
            Event::Empty(start) => {
                let element = start_element(&reader, ns, &start)?;
                close(element, &mut open, &mut root);
            }
            Event::End(_) => {
                let element = open
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unmatched end tag".into()))?;
                close(element, &mut open, &mut root);
            }
            Event::Text(text) => {
                let text = text
                    .unescape()
                    .map_err(|err| XmlError::Malformed(err.to_string()))?;
                match open.last_mut() {
                    Some(parent) => parent.push_text(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(XmlError::Malformed("text outside the root".into())),
                }
            }
            Event::CData(data) => {
                let data = std::str::from_utf8(&data)
                    .map_err(|_| XmlError::NotUtf8)?
                    .to_owned();
                match open.last_mut() {
                    Some(parent) => parent.push_text(&data),
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
    if let Some(unclosed) = open.last() {
        return Err(XmlError::Malformed(format!(
            "missing end tag for {}",
            unclosed.name
        )));
    }
    root.map(Some).ok_or(XmlError::NoRoot)
}

fn close(element: Element, open: &mut [Element], root: &mut Option<Element>) {
    match open.last_mut() {
        Some(parent) => {
            parent.content.push(Node::Child(parent.children.len()));
            parent.children.push(element);
        }
        None => *root = Some(element),
    }
}

impl Element {
    fn push_text(&mut self, text: &str) {
        self.text.push_str(text);
        match self.content.last_mut() {
            Some(Node::Text(last)) => last.push_str(text),
            _ => self.content.push(Node::Text(text.to_owned())),
        }
    }
}

fn start_element(
    reader: &NsReader<&[u8]>,
    ns: Namespace,
    start: &quick_xml::events::BytesStart<'_>,
) -> Result<Element, XmlError> {
    let local = utf8(start.local_name().as_ref())?;
    let name = ElementName::new(ns, local);
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|err| XmlError::Malformed(err.to_string()))?;
        let key = attribute.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let (resolved, local) = reader.resolve_attribute(key);
        let value = attribute
            .unescape_value()
            .map_err(|err| XmlError::Malformed(err.to_string()))?;
        attributes.push((
            ElementName::new(namespace(resolved)?, utf8(local.as_ref())?),
            value.into_owned(),
        ));
    }
    Ok(Element {
        name,
        attributes,
        children: Vec::new(),
        text: String::new(),
        content: Vec::new(),
    })
}

fn namespace(resolved: ResolveResult<'_>) -> Result<Namespace, XmlError> {
    match resolved {
        // quick-xml hands over the binding's raw attribute text: `&amp;` still escaped.
        ResolveResult::Bound(ns) => {
            let raw = utf8(ns.as_ref())?;
            let uri = quick_xml::escape::unescape(&raw)
                .map_err(|err| XmlError::Malformed(err.to_string()))?;
            Ok(Namespace::from_uri(&uri))
        }
        ResolveResult::Unbound => Ok(Namespace::Other(String::new())),
        ResolveResult::Unknown(prefix) => Err(XmlError::UnknownPrefix(
            String::from_utf8_lossy(&prefix).into_owned(),
        )),
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
                Node::Text("one".into()),
                Node::Child(0),
                Node::Text("two<3>".into()),
                Node::Child(1),
            ]
        );
        assert_eq!(root.children[1].content, vec![Node::Text("x".into())]);
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
        assert_eq!(parse_document(body.as_bytes()), Err(XmlError::TooDeep));
        let body = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse_document(body.as_bytes()).is_ok());
    }
}
