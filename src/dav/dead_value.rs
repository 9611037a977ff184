//! Dead property values (RFC 4918 4.3): a property's content as a self-contained XML
//! fragment that declares its namespaces, stored as text and written back verbatim.

use std::collections::{HashMap, HashSet};

use super::document::{parse_document, Element, Node, XmlError};
use super::names::Namespace;
use super::xml_writer::PropValue;

const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

/// The value of a dead property. The fragment is always well-formed content for an
/// element: it is only ever built by serializing a parsed tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeadValue {
    xml: String,
    text: String,
}

impl DeadValue {
    /// The content of a property element from a request body (PROPPATCH, MKCOL).
    pub fn from_element(property: &Element) -> Self {
        let mut xml = String::new();
        let mut text = String::new();
        write_content(property, &mut xml, None);
        collect_text(property, &mut text);
        Self { xml, text }
    }

    /// A fragment read back from storage. It is parsed and written out again, so what
    /// the server later sends is well-formed even if the stored text was not written by
    /// davgate; a fragment that is not well-formed XML content on its own is refused.
    pub fn from_stored(xml: &str) -> Result<Self, XmlError> {
        let wrapped = format!("<v>{xml}</v>");
        let root = parse_document(wrapped.as_bytes())?.ok_or(XmlError::NoRoot)?;
        Ok(Self::from_element(&root))
    }

    /// A value that is character data only, such as a display name set by the server.
    pub fn from_text(text: &str) -> Self {
        let mut xml = String::new();
        escape_text(text, &mut xml);
        Self {
            xml,
            text: text.to_owned(),
        }
    }

    /// The fragment, to store as text.
    pub fn xml(&self) -> &str {
        &self.xml
    }

    /// All character data of the value in document order (for `displayname`, a calendar
    /// color such as `#FF0000FF`, ...).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The top-level elements of the value, parsed by namespace.
    pub fn elements(&self) -> Vec<Element> {
        let wrapped = format!("<v>{}</v>", self.xml);
        parse_document(wrapped.as_bytes())
            .ok()
            .flatten()
            .map(|root| root.children)
            .unwrap_or_default()
    }

    /// The first character of the value that XML 1.0 does not allow (NUL, the other
    /// control characters but tab, line feed and carriage return, U+FFFE, U+FFFF), which
    /// a lenient parser may have let through; None for a value that can be stored and
    /// written back as well-formed XML.
    pub fn non_xml_char(&self) -> Option<char> {
        non_xml_char(&self.xml)
    }

    /// The value for a multistatus response, written verbatim inside the property.
    pub fn to_prop_value(&self) -> PropValue {
        if self.xml.is_empty() {
            PropValue::Empty
        } else {
            PropValue::Xml(self.xml.clone())
        }
    }
}

/// The first character of `text` that XML 1.0 does not allow anywhere in a document.
pub fn non_xml_char(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}')
            || c == '\u{fffe}'
            || c == '\u{ffff}'
    })
}

/// The namespace declarations in scope while writing: URI to prefix (empty for none).
/// `None` outside the fragment's top-level elements.
type Scope<'a> = Option<&'a HashMap<String, String>>;

fn write_content(element: &Element, out: &mut String, scope: Scope<'_>) {
    for node in &element.content {
        match node {
            Node::Text(range) => escape_text(&element.text[range.clone()], out),
            Node::Child(index) => write_element(&element.children[*index], out, scope),
        }
    }
}

fn write_element(element: &Element, out: &mut String, scope: Scope<'_>) {
    let mut declared = HashMap::new();
    let mut declarations = String::new();
    if scope.is_none() {
        // The outermost element of the fragment declares everything its subtree uses.
        let mut uris = Vec::new();
        used_namespaces(element, &mut uris);
        let mut generated = 0;
        for uri in uris {
            let prefix = if uri.is_empty() {
                String::new()
            } else if let Some(fixed) = Namespace::from_uri(&uri).fixed_prefix() {
                fixed.to_owned()
            } else {
                generated += 1;
                format!("n{}", generated - 1)
            };
            if prefix.is_empty() {
                declarations.push_str(" xmlns=\"\"");
            } else {
                declarations.push_str(&format!(" xmlns:{prefix}=\""));
                escape_attribute(&uri, &mut declarations);
                declarations.push('"');
            }
            declared.insert(uri, prefix);
        }
    }
    let scope = scope.unwrap_or(&declared);
    let name = qualified(&element.name.ns, &element.name.local, scope);
    out.push('<');
    out.push_str(&name);
    out.push_str(&declarations);
    for (attribute, value) in &element.attributes {
        out.push(' ');
        out.push_str(&qualified(&attribute.ns, &attribute.local, scope));
        out.push_str("=\"");
        escape_attribute(value, out);
        out.push('"');
    }
    if element.content.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    write_content(element, out, Some(scope));
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
}

fn qualified(ns: &Namespace, local: &str, scope: &HashMap<String, String>) -> String {
    let uri = ns.uri();
    if uri == NS_XML {
        return format!("xml:{local}");
    }
    match scope.get(uri) {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}:{local}"),
        _ => local.to_owned(),
    }
}

/// Namespace URIs of the element, its attributes and descendants, in order of first use
/// (`seen` holds them too, for lookup); `""` stands for names without a namespace. The
/// `xml:` namespace is never declared.
fn used_namespaces(element: &Element, uris: &mut Vec<String>) {
    let mut seen = HashSet::new();
    collect_namespaces(element, uris, &mut seen);
}

fn collect_namespaces(element: &Element, uris: &mut Vec<String>, seen: &mut HashSet<String>) {
    let mut add = |uri: &str| {
        if uri != NS_XML && !seen.contains(uri) {
            seen.insert(uri.to_owned());
            uris.push(uri.to_owned());
        }
    };
    add(element.name.ns.uri());
    for (attribute, _) in &element.attributes {
        // Unprefixed attributes have no namespace whatever the default, so they need
        // no declaration.
        if !attribute.ns.uri().is_empty() {
            add(attribute.ns.uri());
        }
    }
    for child in &element.children {
        collect_namespaces(child, uris, seen);
    }
}

fn collect_text(element: &Element, out: &mut String) {
    for node in &element.content {
        match node {
            Node::Text(range) => out.push_str(&element.text[range.clone()]),
            Node::Child(index) => collect_text(&element.children[*index], out),
        }
    }
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A parser would turn a bare CR into LF.
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

fn escape_attribute(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Attribute-value normalization would turn these into spaces.
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::names::ElementName;

    fn property(body: &str) -> Element {
        let root = parse_document(body.as_bytes()).unwrap().unwrap();
        root.children.into_iter().next().unwrap()
    }

    /// The fragment inside a fresh root, parsed again.
    fn reparse(value: &DeadValue) -> Element {
        let wrapped = format!("<r>{}</r>", value.xml());
        parse_document(wrapped.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn text_values_keep_their_text() {
        let value = DeadValue::from_element(&property(
            r#"<D:prop xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><I:calendar-color>#FF0000FF</I:calendar-color></D:prop>"#,
        ));
        assert_eq!(value.xml(), "#FF0000FF");
        assert_eq!(value.text(), "#FF0000FF");
        let value = DeadValue::from_element(&property(
            r#"<D:prop xmlns:D="DAV:"><D:displayname>Tom &amp; Jerry &lt;3 <![CDATA[x<y]]></D:displayname></D:prop>"#,
        ));
        assert_eq!(value.text(), "Tom & Jerry <3 x<y");
        assert_eq!(value.xml(), "Tom &amp; Jerry &lt;3 x&lt;y");
        assert_eq!(reparse(&value).text, "Tom & Jerry <3 x<y");
    }

    #[test]
    fn element_values_declare_the_namespaces_they_use() {
        // RFC 4918 9.2.2, with the namespace declared on the root of the request.
        let value = DeadValue::from_element(&property(
            r#"<D:prop xmlns:D="DAV:" xmlns:Z="http://ns.example.com/standards/z39.50/"><Z:Authors><Z:Author>Jim Whitehead</Z:Author><Z:Author>Roy Fielding</Z:Author></Z:Authors></D:prop>"#,
        ));
        assert_eq!(
            value.xml(),
            r#"<n0:Author xmlns:n0="http://ns.example.com/standards/z39.50/">Jim Whitehead</n0:Author><n0:Author xmlns:n0="http://ns.example.com/standards/z39.50/">Roy Fielding</n0:Author>"#
        );
        assert_eq!(value.text(), "Jim WhiteheadRoy Fielding");
        let z = Namespace::Other("http://ns.example.com/standards/z39.50/".into());
        let names: Vec<_> = value.elements().into_iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            vec![
                ElementName::new(z.clone(), "Author"),
                ElementName::new(z, "Author")
            ]
        );
    }

    #[test]
    fn mixed_content_attributes_and_xml_lang_survive() {
        let value = DeadValue::from_element(&property(
            r#"<p xmlns:D="DAV:" xmlns:x="urn:x" xmlns="urn:default"><v>Hello <D:b x:k="a&quot;b" plain="1&#10;2">big</D:b> <i xml:lang="en">world</i>!<bare xmlns=""/></v></p>"#,
        ));
        assert_eq!(value.text(), "Hello big world!");
        let again = reparse(&value);
        assert_eq!(again.text, "Hello  !");
        let b = &again.children[0];
        assert_eq!(b.name, ElementName::dav("b"));
        assert_eq!(b.attribute("plain"), Some("1\n2"));
        let namespaced = b
            .attributes
            .iter()
            .find(|(name, _)| name.local == "k")
            .unwrap();
        assert_eq!(namespaced.0.ns.uri(), "urn:x");
        assert_eq!(namespaced.1, "a\"b");
        let i = &again.children[1];
        assert_eq!(i.name.ns.uri(), "urn:default");
        assert_eq!(i.attributes[0].0.ns.uri(), NS_XML);
        assert_eq!(again.children[2].name.ns.uri(), "");
    }

    #[test]
    fn unprefixed_names_stay_without_namespace_under_a_default() {
        let value = DeadValue::from_element(&property(r#"<p><v><a><b/></a></v></p>"#));
        assert_eq!(value.xml(), r#"<a xmlns=""><b/></a>"#);
        let inside_default = format!(r#"<r xmlns="urn:d">{}</r>"#, value.xml());
        let root = parse_document(inside_default.as_bytes()).unwrap().unwrap();
        assert_eq!(root.children[0].name.ns.uri(), "");
        assert_eq!(root.children[0].children[0].name.ns.uri(), "");
    }

    #[test]
    fn stored_fragments_are_checked_and_normalized() {
        let value = DeadValue::from_stored(r#"<x:a xmlns:x="urn:x">1</x:a>tail"#).unwrap();
        assert_eq!(value.xml(), r#"<n0:a xmlns:n0="urn:x">1</n0:a>tail"#);
        assert_eq!(value.text(), "1tail");
        assert_eq!(
            DeadValue::from_stored(value.xml()).unwrap(),
            value,
            "a fragment davgate wrote reads back unchanged"
        );
        for broken in ["<a>", "</v><v>", "<x:a/>", "a & b", "<a></b>"] {
            assert!(DeadValue::from_stored(broken).is_err(), "{broken}");
        }
        assert_eq!(DeadValue::from_stored("").unwrap(), DeadValue::default());
    }

    #[test]
    fn carriage_returns_are_kept() {
        let value = DeadValue::from_text("a\r\nb");
        assert_eq!(value.xml(), "a&#13;\nb");
        assert_eq!(reparse(&value).text, "a\r\nb");
    }

    #[test]
    fn characters_xml_does_not_allow_are_found() {
        let value = DeadValue::from_element(&property("<r><v>a&#1;b</v></r>"));
        assert_eq!(value.non_xml_char(), Some('\u{1}'));
        let value = DeadValue::from_element(&property(
            "<r><v><x:e xmlns:x=\"urn:x\" a=\"&#27;\"/></v></r>",
        ));
        assert_eq!(value.non_xml_char(), Some('\u{1b}'));
        assert_eq!(DeadValue::from_text("a\0b").non_xml_char(), Some('\0'));
        assert_eq!(
            DeadValue::from_element(&property(
                "<r><v>tab\t, line\n, return&#13;, €, \u{10000}</v></r>"
            ))
            .non_xml_char(),
            None
        );
        assert_eq!(non_xml_char("a\u{fffe}"), Some('\u{fffe}'));
        assert_eq!(
            non_xml_char("a\u{85}"),
            None,
            "C1 controls are XML 1.0 characters"
        );
    }
}
