//! A 207 Multi-Status answer read from the client side: per response its href and the
//! properties the server found, by namespace URI.

use crate::dav::document::{parse_document, Element};
use crate::dav::names::Namespace;

/// One `DAV:response`: the href and the properties that came with status 200.
#[derive(Debug, Clone)]
pub struct FoundResponse {
    pub href: String,
    found: Vec<Element>,
}

impl FoundResponse {
    /// A property the server returned with 200.
    pub fn prop(&self, ns: &Namespace, local: &str) -> Option<&Element> {
        self.found.iter().find(|prop| prop.name.is(ns, local))
    }

    /// The first `DAV:href` inside a property (current-user-principal, home sets).
    pub fn href_in(&self, ns: &Namespace, local: &str) -> Option<String> {
        self.prop(ns, local)?
            .child(&Namespace::Dav, "href")
            .map(|href| href.text.trim().to_owned())
            .filter(|href| !href.is_empty())
    }

    /// A text property such as `DAV:displayname`, trimmed.
    pub fn text(&self, ns: &Namespace, local: &str) -> Option<String> {
        self.prop(ns, local)
            .map(|prop| prop.text.trim().to_owned())
            .filter(|text| !text.is_empty())
    }
}

/// Reads a multistatus body. Responses without an href are skipped.
pub fn read_multistatus(body: &[u8]) -> Result<Vec<FoundResponse>, String> {
    let root = parse_document(body)
        .map_err(|err| err.to_string())?
        .ok_or_else(|| "the body is empty".to_owned())?;
    if !root.name.is(&Namespace::Dav, "multistatus") {
        return Err(format!(
            "the root element is {{{}}}{}, not DAV:multistatus",
            root.name.ns.uri(),
            root.name.local
        ));
    }
    let mut responses = Vec::new();
    for response in root.children_named(&Namespace::Dav, "response") {
        let Some(href) = response.child(&Namespace::Dav, "href") else {
            continue;
        };
        let mut found = Vec::new();
        for propstat in response.children_named(&Namespace::Dav, "propstat") {
            let ok = propstat
                .child(&Namespace::Dav, "status")
                .is_some_and(|status| status_code(&status.text) == Some(200));
            if !ok {
                continue;
            }
            if let Some(prop) = propstat.child(&Namespace::Dav, "prop") {
                found.extend(prop.children.iter().cloned());
            }
        }
        responses.push(FoundResponse {
            href: href.text.trim().to_owned(),
            found,
        });
    }
    Ok(responses)
}

/// The code of a status line such as `HTTP/1.1 200 OK`.
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_found_properties_by_namespace_whatever_the_prefix() {
        let body = br#"<?xml version="1.0"?>
            <x:multistatus xmlns:x="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">
              <x:response>
                <x:href>/dav/principals/users/2/</x:href>
                <x:propstat>
                  <x:prop><cal:calendar-home-set><x:href> /dav/caldav/ </x:href></cal:calendar-home-set>
                  <x:displayname>Alice Adams</x:displayname></x:prop>
                  <x:status>HTTP/1.1 200 OK</x:status>
                </x:propstat>
                <x:propstat>
                  <x:prop><x:current-user-principal/></x:prop>
                  <x:status>HTTP/1.1 404 Not Found</x:status>
                </x:propstat>
              </x:response>
            </x:multistatus>"#;
        let responses = read_multistatus(body).unwrap();
        assert_eq!(responses.len(), 1);
        let response = &responses[0];
        assert_eq!(response.href, "/dav/principals/users/2/");
        assert_eq!(
            response
                .href_in(&Namespace::CalDav, "calendar-home-set")
                .as_deref(),
            Some("/dav/caldav/")
        );
        assert_eq!(
            response.text(&Namespace::Dav, "displayname").as_deref(),
            Some("Alice Adams")
        );
        assert!(response
            .prop(&Namespace::Dav, "current-user-principal")
            .is_none());
    }

    #[test]
    fn refuses_what_is_not_a_multistatus() {
        assert!(read_multistatus(b"<html><body>Login</body></html>")
            .unwrap_err()
            .contains("not DAV:multistatus"));
        assert!(read_multistatus(b"").is_err());
    }
}
