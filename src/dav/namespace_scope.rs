//! The namespace bindings of an XML document as it is read: which URI each prefix (and
//! the default namespace) stands for in the element being read, found with one map
//! lookup however many declarations the document makes.

use std::collections::HashMap;

use quick_xml::events::attributes::Attribute;
use quick_xml::name::PrefixDeclaration;

use super::body_limits::Exceeded;
use super::document::XmlError;
use super::names::Namespace;

const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
const NS_XMLNS: &str = "http://www.w3.org/2000/xmlns/";

/// The namespace bindings in scope: for each prefix (empty for the default namespace)
/// the stack of its bindings, innermost last, so a name resolves with one map lookup
/// however many declarations the document makes.
#[derive(Default)]
pub(super) struct Scopes {
    bindings: HashMap<Vec<u8>, Vec<Namespace>>,
    /// The prefixes declared by the open elements, in order.
    declared: Vec<Vec<u8>>,
    /// For each open element, how many entries of `declared` are its own.
    per_element: Vec<usize>,
    /// Declarations in the whole document so far.
    total: usize,
}

impl Scopes {
    pub(super) fn enter(&mut self) {
        self.per_element.push(0);
    }

    pub(super) fn leave(&mut self) {
        let own = self.per_element.pop().unwrap_or(0);
        for _ in 0..own {
            if let Some(prefix) = self.declared.pop() {
                if let Some(stack) = self.bindings.get_mut(&prefix) {
                    stack.pop();
                }
            }
        }
    }

    pub(super) fn declare(
        &mut self,
        declaration: PrefixDeclaration<'_>,
        attribute: &Attribute<'_>,
        limit: usize,
    ) -> Result<(), XmlError> {
        self.total += 1;
        if self.total > limit {
            return Err(Exceeded::NamespaceDeclarations(limit).into());
        }
        let uri = attribute
            .unescape_value()
            .map_err(|err| XmlError::Malformed(err.to_string()))?;
        let prefix: &[u8] = match declaration {
            PrefixDeclaration::Default => b"",
            PrefixDeclaration::Named(prefix) => prefix,
        };
        let reserved = |what: &str| Err(XmlError::Malformed(format!("{what} is reserved")));
        match (prefix, uri.as_ref()) {
            (b"xml", NS_XML) => return Ok(()),
            (b"xml", _) => return reserved("the prefix xml"),
            (b"xmlns", _) => return reserved("the prefix xmlns"),
            (_, NS_XML) => return reserved("the namespace of the prefix xml"),
            (_, NS_XMLNS) => return reserved("the namespace of the prefix xmlns"),
            _ => {}
        }
        // An empty URI undeclares: no namespace for the default, an unknown prefix
        // otherwise.
        self.bindings
            .entry(prefix.to_vec())
            .or_default()
            .push(Namespace::from_uri(&uri));
        self.declared.push(prefix.to_vec());
        if let Some(own) = self.per_element.last_mut() {
            *own += 1;
        }
        Ok(())
    }

    /// The namespace of a name with this prefix; unprefixed attributes (`use_default`
    /// false) have none whatever the default namespace.
    pub(super) fn resolve(
        &self,
        prefix: Option<&[u8]>,
        use_default: bool,
    ) -> Result<Namespace, XmlError> {
        let innermost = |prefix: &[u8]| self.bindings.get(prefix).and_then(|stack| stack.last());
        match prefix {
            None if !use_default => Ok(Namespace::Other(String::new())),
            None => Ok(innermost(b"")
                .cloned()
                .unwrap_or(Namespace::Other(String::new()))),
            Some(b"xml") => Ok(Namespace::Other(NS_XML.to_owned())),
            Some(prefix) => match innermost(prefix) {
                Some(ns) if !ns.uri().is_empty() => Ok(ns.clone()),
                _ => Err(XmlError::UnknownPrefix(
                    String::from_utf8_lossy(prefix).into_owned(),
                )),
            },
        }
    }
}
