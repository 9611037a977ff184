//! Namespace-aware XML output over quick-xml's `Writer`: property values as a small tree,
//! fixed prefixes declared once on the root, generated ones declared where first needed.

use std::collections::HashMap;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::names::{ElementName, Namespace};

/// The value of a property, or the content of any element in a response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PropValue {
    /// No content: `<D:displayname/>`, also how 404/403/424 propstats list names.
    #[default]
    Empty,
    /// Character data, escaped on output.
    Text(String),
    /// One `<D:href>` child, e.g. for `current-user-principal`.
    Href(String),
    /// Zero or more `<D:href>` children, e.g. for `calendar-user-address-set`.
    Hrefs(Vec<String>),
    /// Child elements, e.g. `<D:collection/><C:calendar/>` inside `resourcetype`.
    Elements(Vec<XmlElement>),
    /// A stored dead-property fragment, written verbatim. Only fragments that came from
    /// `DeadValue` (which checks them) keep the document well-formed.
    Xml(String),
}

/// One element of a response tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlElement {
    pub name: ElementName,
    /// Attributes without a namespace, such as `name="VEVENT"`.
    pub attributes: Vec<(String, String)>,
    pub content: PropValue,
}

impl XmlElement {
    pub fn new(name: ElementName, content: PropValue) -> Self {
        Self {
            name,
            attributes: Vec::new(),
            content,
        }
    }

    /// An element without content, like `<D:collection/>`.
    pub fn empty(name: ElementName) -> Self {
        Self::new(name, PropValue::Empty)
    }

    pub fn text(name: ElementName, text: impl Into<String>) -> Self {
        Self::new(name, PropValue::Text(text.into()))
    }

    pub fn with_attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }
}

/// Writes one XML document. The well-known namespaces get the prefixes D, C, CARD, CS
/// and ICAL on the root element; any other namespace gets `x0`, `x1`, ... declared on
/// the element that first uses it within the current scope.
pub(crate) struct DavXmlWriter {
    writer: Writer<Vec<u8>>,
    /// Generated prefixes: namespace URI to n for prefix `xn`. A response may name as many
    /// namespaces as a request declared, so this is a map, not a list to search.
    generated: HashMap<String, usize>,
    /// Namespace URIs whose generated prefix is declared in the open element scopes.
    declared: Vec<String>,
    /// For every open element, how many entries it added to `declared`.
    scopes: Vec<usize>,
}

const FIXED: [Namespace; 5] = [
    Namespace::Dav,
    Namespace::CalDav,
    Namespace::CardDav,
    Namespace::CalendarServer,
    Namespace::AppleIcal,
];

impl DavXmlWriter {
    pub(crate) fn new() -> Self {
        let mut this = Self::fragment();
        this.emit(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        this
    }

    /// A writer for a piece of a document whose root (written elsewhere) declares the
    /// fixed prefixes; generated prefixes are declared inside the piece.
    pub(crate) fn fragment() -> Self {
        Self::fragment_into(Vec::new())
    }

    /// A fragment writer that appends to `buffer`.
    pub(crate) fn fragment_into(buffer: Vec<u8>) -> Self {
        Self {
            writer: Writer::new(buffer),
            generated: HashMap::new(),
            declared: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// Opens the root element and declares the fixed prefixes on it.
    pub(crate) fn start_root(&mut self, name: &ElementName) {
        let (qualified, declaration) = self.qualify(name);
        let mut start = BytesStart::new(qualified);
        for ns in FIXED {
            let prefix = ns.fixed_prefix().unwrap_or_default();
            start.push_attribute((format!("xmlns:{prefix}").as_str(), ns.uri()));
        }
        self.open(start, declaration);
    }

    pub(crate) fn start(&mut self, name: &ElementName) {
        self.start_with_attributes(name, &[]);
    }

    fn start_with_attributes(&mut self, name: &ElementName, attributes: &[(String, String)]) {
        let (qualified, declaration) = self.qualify(name);
        let mut start = BytesStart::new(qualified);
        for (key, value) in attributes {
            start.push_attribute((key.as_str(), value.as_str()));
        }
        self.open(start, declaration);
    }

    pub(crate) fn end(&mut self, name: &ElementName) {
        let (qualified, _) = self.qualify(name);
        self.emit(Event::End(BytesEnd::new(qualified)));
        let added = self.scopes.pop().unwrap_or(0);
        self.declared.truncate(self.declared.len() - added);
    }

    /// `<prefix:local>`, `</prefix:local>` or `<prefix:local/>` for a name with a fixed
    /// prefix, written straight into the output: a multistatus writes a few such tags
    /// for every member, and going through `qualify` would allocate for each.
    fn fixed_tag(&mut self, name: &ElementName, close: bool, empty: bool) -> bool {
        let Some(prefix) = name.ns.fixed_prefix() else {
            return false;
        };
        let out = self.writer.get_mut();
        out.push(b'<');
        if close {
            out.push(b'/');
        }
        out.extend_from_slice(prefix.as_bytes());
        out.push(b':');
        out.extend_from_slice(name.local.as_bytes());
        if empty {
            out.push(b'/');
        }
        out.push(b'>');
        true
    }

    /// Character data with `&`, `<` and `>` escaped, the rest as it is (quotes need no
    /// escaping outside attribute values), written straight into the output: the ETags
    /// and hrefs of a large listing cost no allocation each.
    fn text(&mut self, text: &str) {
        escape_text_into(self.writer.get_mut(), text);
    }

    /// `<D:local>text</D:local>` with `text` escaped.
    pub(crate) fn dav_text_element(&mut self, local: &str, text: &str) {
        let out = self.writer.get_mut();
        out.extend_from_slice(b"<D:");
        out.extend_from_slice(local.as_bytes());
        out.push(b'>');
        self.text(text);
        let out = self.writer.get_mut();
        out.extend_from_slice(b"</D:");
        out.extend_from_slice(local.as_bytes());
        out.push(b'>');
    }

    /// Bytes that are already XML (fixed tags of the DAV namespace).
    pub(crate) fn raw(&mut self, xml: &[u8]) {
        self.writer.get_mut().extend_from_slice(xml);
    }

    pub(crate) fn text_element(&mut self, name: &ElementName, text: &str) {
        if self.fixed_tag(name, false, false) {
            self.text(text);
            self.fixed_tag(name, true, false);
            return;
        }
        self.start(name);
        self.text(text);
        self.end(name);
    }

    /// Writes `name` with `value` as its content.
    pub(crate) fn value(&mut self, name: &ElementName, value: &PropValue) {
        self.element_with(name, &[], value);
    }

    pub(crate) fn element(&mut self, element: &XmlElement) {
        self.element_with(&element.name, &element.attributes, &element.content);
    }

    fn element_with(
        &mut self,
        name: &ElementName,
        attributes: &[(String, String)],
        value: &PropValue,
    ) {
        let empty = match value {
            PropValue::Empty => true,
            PropValue::Elements(children) => children.is_empty(),
            PropValue::Xml(xml) => xml.is_empty(),
            _ => false,
        };
        if attributes.is_empty() && name.ns.fixed_prefix().is_some() {
            if empty {
                self.fixed_tag(name, false, true);
                return;
            }
            if let PropValue::Text(text) = value {
                self.fixed_tag(name, false, false);
                self.text(text);
                self.fixed_tag(name, true, false);
                return;
            }
        }
        if empty {
            let (qualified, declaration) = self.qualify(name);
            let mut start = BytesStart::new(qualified);
            if let Some((key, uri)) = &declaration {
                start.push_attribute((key.as_str(), uri.as_str()));
            }
            for (key, value) in attributes {
                start.push_attribute((key.as_str(), value.as_str()));
            }
            self.emit(Event::Empty(start));
            return;
        }
        self.start_with_attributes(name, attributes);
        match value {
            PropValue::Empty => {}
            PropValue::Text(text) => self.text(text),
            PropValue::Href(href) => self.text_element(&ElementName::dav("href"), href),
            PropValue::Hrefs(hrefs) => {
                for href in hrefs {
                    self.text_element(&ElementName::dav("href"), href);
                }
            }
            PropValue::Elements(children) => {
                for child in children {
                    self.element(child);
                }
            }
            PropValue::Xml(xml) => self.emit(Event::Text(BytesText::from_escaped(xml.as_str()))),
        }
        self.end(name);
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.writer.into_inner()
    }

    /// What was written so far, taken out; the prefixes generated and declared stay, so
    /// what is written next continues the same piece.
    pub(crate) fn take_written(&mut self) -> Vec<u8> {
        std::mem::take(self.writer.get_mut())
    }

    fn open(&mut self, mut start: BytesStart<'static>, declaration: Option<(String, String)>) {
        let mut added = 0;
        if let Some((key, uri)) = declaration {
            start.push_attribute((key.as_str(), uri.as_str()));
            self.declared.push(uri);
            added = 1;
        }
        self.scopes.push(added);
        self.emit(Event::Start(start));
    }

    /// The qualified name for an element, and the `xmlns:xN` declaration it needs when
    /// its generated prefix is not yet in scope.
    fn qualify(&mut self, name: &ElementName) -> (String, Option<(String, String)>) {
        if let Some(prefix) = name.ns.fixed_prefix() {
            return (format!("{prefix}:{}", name.local), None);
        }
        let uri = name.ns.uri();
        if uri.is_empty() {
            // The writer never declares a default namespace, so a bare name has none.
            return (name.local.clone(), None);
        }
        let next = self.generated.len();
        let index = match self.generated.get(uri) {
            Some(index) => *index,
            None => {
                self.generated.insert(uri.to_owned(), next);
                next
            }
        };
        let qualified = format!("x{index}:{}", name.local);
        if self.declared.iter().any(|declared| declared == uri) {
            (qualified, None)
        } else {
            (qualified, Some((format!("xmlns:x{index}"), uri.to_owned())))
        }
    }

    fn emit(&mut self, event: Event<'_>) {
        // The target is a Vec, whose writes cannot fail.
        self.writer
            .write_event(event)
            .expect("writing XML into memory");
    }
}

/// A standalone document whose root element is `root`, the fixed prefixes declared on it.
pub fn xml_document(root: &XmlElement) -> Vec<u8> {
    let mut out = DavXmlWriter::new();
    out.start_root(&root.name);
    if let PropValue::Elements(children) = &root.content {
        for child in children {
            out.element(child);
        }
    }
    out.end(&root.name);
    out.finish()
}

/// Appends `text` with `&`, `<` and `>` escaped. The characters to escape are searched
/// with `memchr3`, many bytes at a time: text (hrefs, ETags, calendar data) rarely has
/// any, and a byte-by-byte scan (as quick_xml's `partial_escape` does) cost a listing of
/// 50,000 members about a thousand instructions per member.
pub(crate) fn escape_text_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for at in memchr::memchr3_iter(b'&', b'<', b'>', bytes) {
        out.extend_from_slice(&bytes[start..at]);
        out.extend_from_slice(match bytes[at] {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            _ => b"&gt;",
        });
        start = at + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::escape_text_into;

    #[test]
    fn markup_characters_are_escaped_and_the_rest_kept() {
        let escaped = |text: &str| {
            let mut out = b"<x>".to_vec();
            escape_text_into(&mut out, text);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(escaped("\"v1-ab\""), "<x>\"v1-ab\"");
        assert_eq!(escaped("a&b<c>d]]>"), "<x>a&amp;b&lt;c&gt;d]]&gt;");
        assert_eq!(escaped("&&"), "<x>&amp;&amp;");
        assert_eq!(escaped("Grüße 日本 & more"), "<x>Grüße 日本 &amp; more");
        assert_eq!(escaped(""), "<x>");
        let long = "x".repeat(100) + "<" + &"y".repeat(100);
        assert_eq!(
            escaped(&long),
            format!("<x>{}&lt;{}", "x".repeat(100), "y".repeat(100))
        );
    }
}
