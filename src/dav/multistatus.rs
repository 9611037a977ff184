//! The 207 Multi-Status body (RFC 4918 section 13, RFC 6578 sync-token): responses with
//! propstats grouped by status, or a bare status, written with quick-xml; or with
//! propstats written already (a listing's members, `ResponseBody::Written`).

use http::StatusCode;

use super::names::{ElementName, PropName};
use super::precondition::Precondition;
use super::xml_writer::DavXmlWriter;
pub use super::xml_writer::{PropValue, XmlElement};

/// A whole multistatus document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Multistatus {
    pub responses: Vec<Response>,
    /// The collection's new `DAV:sync-token`, for a sync-collection REPORT.
    pub sync_token: Option<String>,
}

/// One `DAV:response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Already external and percent-encoded (see `http::paths::DavPaths`).
    pub href: String,
    pub body: ResponseBody,
    /// A precondition that failed for this resource, rendered as `DAV:error`.
    pub error: Option<Precondition>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    /// Property results, one group per status, in the order the statuses first occurred.
    Propstats(Vec<Propstat>),
    /// A status for the resource as a whole, e.g. 404 for a missing multiget href.
    Status(StatusCode),
    /// The propstats already written, under the root's fixed prefixes, with the
    /// prefixes they generate declared inside (a listing's member, written by a plan
    /// made once per listing). Nothing is added to them.
    Written(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Propstat {
    pub status: StatusCode,
    pub props: Vec<Property>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: PropName,
    pub value: PropValue,
}

impl Property {
    pub fn new(name: impl Into<PropName>, value: PropValue) -> Self {
        Self {
            name: name.into(),
            value,
        }
    }
}

impl Response {
    /// The response as an element, for a property value that holds responses (the
    /// expand-property REPORT, RFC 3253 3.8).
    pub fn to_element(&self) -> XmlElement {
        let status =
            |status: StatusCode| XmlElement::text(ElementName::dav("status"), status_line(status));
        let mut children = vec![XmlElement::text(
            ElementName::dav("href"),
            self.href.clone(),
        )];
        match &self.body {
            ResponseBody::Status(code) => children.push(status(*code)),
            ResponseBody::Written(written) => {
                let mut out = DavXmlWriter::fragment();
                out.dav_text_element("href", &self.href);
                out.raw(written);
                let xml = String::from_utf8(out.finish()).expect("written XML is UTF-8");
                return XmlElement::new(ElementName::dav("response"), PropValue::Xml(xml));
            }
            ResponseBody::Propstats(propstats) => {
                for propstat in propstats {
                    let props = propstat
                        .props
                        .iter()
                        .map(|p| XmlElement::new(p.name.clone(), p.value.clone()))
                        .collect();
                    children.push(XmlElement::new(
                        ElementName::dav("propstat"),
                        PropValue::Elements(vec![
                            XmlElement::new(ElementName::dav("prop"), PropValue::Elements(props)),
                            status(propstat.status),
                        ]),
                    ));
                }
            }
        }
        XmlElement::new(ElementName::dav("response"), PropValue::Elements(children))
    }

    /// A response that will carry propstats.
    pub fn with_props(href: impl Into<String>) -> Self {
        Self {
            href: href.into(),
            body: ResponseBody::Propstats(Vec::new()),
            error: None,
            description: None,
        }
    }

    /// A response whose propstats are `written` already (see [`ResponseBody::Written`]).
    pub fn written(href: impl Into<String>, written: Vec<u8>) -> Self {
        Self {
            href: href.into(),
            body: ResponseBody::Written(written),
            error: None,
            description: None,
        }
    }

    /// A response for the resource as a whole.
    pub fn with_status(href: impl Into<String>, status: StatusCode) -> Self {
        Self {
            href: href.into(),
            body: ResponseBody::Status(status),
            error: None,
            description: None,
        }
    }

    /// Adds a property under `status`, joining the propstat of that status if there is
    /// one. A response built with a bare status turns into a propstat response.
    pub fn add(&mut self, status: StatusCode, property: Property) -> &mut Self {
        if let ResponseBody::Status(_) = self.body {
            self.body = ResponseBody::Propstats(Vec::new());
        }
        debug_assert!(
            !matches!(self.body, ResponseBody::Written(_)),
            "a property added to written propstats"
        );
        if let ResponseBody::Propstats(propstats) = &mut self.body {
            match propstats.iter_mut().find(|p| p.status == status) {
                Some(propstat) => propstat.props.push(property),
                None => propstats.push(Propstat {
                    status,
                    props: vec![property],
                }),
            }
        }
        self
    }

    /// A property found, with its value (200).
    pub fn found(&mut self, name: impl Into<PropName>, value: PropValue) -> &mut Self {
        self.add(StatusCode::OK, Property::new(name, value))
    }

    /// A property this resource does not have (404), listed as an empty element.
    pub fn not_found(&mut self, name: impl Into<PropName>) -> &mut Self {
        self.add(StatusCode::NOT_FOUND, Property::new(name, PropValue::Empty))
    }

    /// A property the user may not read or change (403).
    pub fn forbidden(&mut self, name: impl Into<PropName>) -> &mut Self {
        self.add(StatusCode::FORBIDDEN, Property::new(name, PropValue::Empty))
    }

    /// A property not changed because another one in the same PROPPATCH failed (424).
    pub fn failed_dependency(&mut self, name: impl Into<PropName>) -> &mut Self {
        self.add(
            StatusCode::FAILED_DEPENDENCY,
            Property::new(name, PropValue::Empty),
        )
    }

    pub fn with_error(mut self, error: Precondition) -> Self {
        self.error = Some(error);
        self
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl Multistatus {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, response: Response) -> &mut Self {
        self.responses.push(response);
        self
    }

    pub fn with_sync_token(mut self, token: impl Into<String>) -> Self {
        self.sync_token = Some(token.into());
        self
    }

    /// The UTF-8 document, with XML declaration.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut xml = MultistatusStream::head();
        for response in &self.responses {
            xml = MultistatusStream::append_response(xml, response);
        }
        xml.extend(MultistatusStream::tail(self.sync_token.as_deref()));
        xml
    }
}

/// A multistatus written in pieces, for reports too large to hold as one value: `head`,
/// then one `response` per resource, then `tail`. Each response piece declares the
/// prefixes it generates for namespaces other than the fixed ones, so it stands alone
/// under the root that `head` opens.
pub struct MultistatusStream;

impl MultistatusStream {
    /// The XML declaration and the `D:multistatus` start tag with the fixed prefixes.
    pub fn head() -> Vec<u8> {
        let mut out = DavXmlWriter::new();
        out.start_root(&ElementName::dav("multistatus"));
        out.finish()
    }

    /// `buffer` with one `D:response` element appended.
    pub fn append_response(buffer: Vec<u8>, response: &Response) -> Vec<u8> {
        let mut out = DavXmlWriter::fragment_into(buffer);
        write_response(&mut out, response);
        out.finish()
    }

    /// The collection's new sync token, if any, and the end tag of the root.
    pub fn tail(sync_token: Option<&str>) -> Vec<u8> {
        let mut out = DavXmlWriter::fragment();
        if let Some(token) = sync_token {
            out.text_element(&ElementName::dav("sync-token"), token);
        }
        out.end(&ElementName::dav("multistatus"));
        out.finish()
    }
}

/// One `D:response`. Its frame (the DAV elements with the root's fixed `D` prefix) is
/// written as bytes: a large multistatus writes it for every member.
fn write_response(out: &mut DavXmlWriter, response: &Response) {
    out.raw(b"<D:response>");
    out.dav_text_element("href", &response.href);
    match &response.body {
        ResponseBody::Status(status) => write_status(out, *status),
        ResponseBody::Written(written) => out.raw(written),
        // A client that asked for no property (sync-collection with an empty `DAV:prop`)
        // still gets one propstat: RFC 4918 14.24 wants a status or a propstat in every
        // response.
        ResponseBody::Propstats(propstats) if propstats.is_empty() => {
            out.raw(b"<D:propstat><D:prop/>");
            write_status(out, StatusCode::OK);
            out.raw(b"</D:propstat>");
        }
        ResponseBody::Propstats(propstats) => {
            for propstat in propstats {
                out.raw(b"<D:propstat><D:prop>");
                for property in &propstat.props {
                    out.value(&property.name, &property.value);
                }
                out.raw(b"</D:prop>");
                write_status(out, propstat.status);
                out.raw(b"</D:propstat>");
            }
        }
    }
    if let Some(error) = &response.error {
        let error_name = ElementName::dav("error");
        out.start(&error_name);
        out.element(&error.element());
        out.end(&error_name);
    }
    if let Some(description) = &response.description {
        out.dav_text_element("responsedescription", description);
    }
    out.raw(b"</D:response>");
}

pub(crate) fn write_status(out: &mut DavXmlWriter, status: StatusCode) {
    // The statuses of nearly every response, without formatting.
    let common: &[u8] = match status {
        StatusCode::OK => b"<D:status>HTTP/1.1 200 OK</D:status>",
        StatusCode::NOT_FOUND => b"<D:status>HTTP/1.1 404 Not Found</D:status>",
        _ => {
            out.dav_text_element("status", &status_line(status));
            return;
        }
    };
    out.raw(common);
}

/// `HTTP/1.1 404 Not Found`, the form RFC 4918 gives `DAV:status`.
pub fn status_line(status: StatusCode) -> String {
    format!(
        "HTTP/1.1 {} {}",
        status.as_str(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_owned()
}

/// `DAV:supported-report-set` (RFC 3253 3.1.5) naming `reports`.
pub fn supported_report_set(reports: &[ElementName]) -> PropValue {
    PropValue::Elements(
        reports
            .iter()
            .map(|name| {
                XmlElement::new(
                    ElementName::dav("supported-report"),
                    PropValue::Elements(vec![XmlElement::new(
                        ElementName::dav("report"),
                        PropValue::Elements(vec![XmlElement::empty(name.clone())]),
                    )]),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
#[path = "multistatus_tests.rs"]
mod tests;
