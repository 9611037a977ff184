//! The body of a sharing request (Apple's calendarserver-sharing): a `CS:share` document
//! POSTed to a calendar or an address book, whose `CS:set` elements grant a sharee read or
//! read-write access and whose `CS:remove` elements take it away again.

use super::body_limits::Budget;
use super::document::{parse_document_within, Element, XmlError};
use super::names::Namespace;

/// The access a `CS:set` grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareAccess {
    /// `CS:read`: the sharee reads the collection.
    Read,
    /// `CS:read-write`: the sharee also writes and deletes its members.
    ReadWrite,
}

/// One change of a `CS:share` body, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareChange {
    Set {
        /// The sharee: a `mailto:` address or a principal URL, as sent.
        href: String,
        /// The name the client gave the sharee (`CS:common-name`), if any.
        common_name: Option<String>,
        access: ShareAccess,
    },
    Remove {
        href: String,
    },
}

impl ShareChange {
    pub fn href(&self) -> &str {
        match self {
            Self::Set { href, .. } | Self::Remove { href } => href,
        }
    }
}

/// Why a body is not a sharing request davgate can carry out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareBodyError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("a sharing request needs a {{http://calendarserver.org/ns/}}share body")]
    Empty,
    #[error("root element is {0}, expected {{http://calendarserver.org/ns/}}share")]
    WrongRoot(String),
    #[error("the share element holds no set or remove")]
    NoChanges,
    #[error("a {0} element holds no DAV:href naming the sharee")]
    MissingHref(&'static str),
    #[error("a set element for {0} holds neither CS:read nor CS:read-write")]
    MissingAccess(String),
    #[error("a set element for {0} holds both CS:read and CS:read-write")]
    AmbiguousAccess(String),
    /// More set and remove elements than one request may hold (the limit).
    #[error(
        "a sharing request may hold at most {0} set and remove elements \
         (davgate.limits.maxShareesPerRequest)"
    )]
    TooManySharees(usize),
}

impl ShareBodyError {
    /// Whether the body went beyond one of its bounds (413) rather than being malformed.
    pub fn exceeded(&self) -> Option<super::Exceeded> {
        match self {
            Self::Xml(xml) => xml.exceeded(),
            _ => None,
        }
    }
}

/// A `CS:share` body within `budget`, holding at most `max_changes` set and remove
/// elements (counted before any of them is read further).
pub fn parse_share_within(
    body: &[u8],
    budget: &Budget,
    max_changes: usize,
) -> Result<Vec<ShareChange>, ShareBodyError> {
    let root = parse_document_within(body, budget)?.ok_or(ShareBodyError::Empty)?;
    let cs = Namespace::CalendarServer;
    if !root.name.is(&cs, "share") {
        return Err(ShareBodyError::WrongRoot(root.name.to_string()));
    }
    let operations: Vec<&Element> = root
        .children
        .iter()
        .filter(|child| child.name.is(&cs, "set") || child.name.is(&cs, "remove"))
        .collect();
    if operations.is_empty() {
        return Err(ShareBodyError::NoChanges);
    }
    if operations.len() > max_changes {
        return Err(ShareBodyError::TooManySharees(max_changes));
    }
    operations
        .into_iter()
        .map(|operation| {
            let is_set = operation.name.is(&cs, "set");
            let what = if is_set { "set" } else { "remove" };
            let href = operation
                .child(&Namespace::Dav, "href")
                .map(|href| href.text.trim().to_owned())
                .filter(|href| !href.is_empty())
                .ok_or(ShareBodyError::MissingHref(what))?;
            if !is_set {
                return Ok(ShareChange::Remove { href });
            }
            let read = operation.child(&cs, "read").is_some();
            let read_write = operation.child(&cs, "read-write").is_some();
            let access = match (read, read_write) {
                (true, false) => ShareAccess::Read,
                (false, true) => ShareAccess::ReadWrite,
                (false, false) => return Err(ShareBodyError::MissingAccess(href)),
                (true, true) => return Err(ShareBodyError::AmbiguousAccess(href)),
            };
            let common_name = operation
                .child(&cs, "common-name")
                .map(|name| name.text.trim().to_owned())
                .filter(|name| !name.is_empty());
            Ok(ShareChange::Set {
                href,
                common_name,
                access,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Vec<ShareChange>, ShareBodyError> {
        parse_share_within(body.as_bytes(), &Budget::default(), 3)
    }

    #[test]
    fn sets_and_removes_in_document_order_whatever_the_prefixes() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<B:share xmlns:A="DAV:" xmlns:B="http://calendarserver.org/ns/">
  <B:set><A:href>mailto:bob@example.com</A:href><B:common-name> Bob </B:common-name>
    <B:summary>Team</B:summary><B:read-write/></B:set>
  <B:remove><A:href> /principals/users/7/ </A:href></B:remove>
  <set xmlns="http://calendarserver.org/ns/"><href xmlns="DAV:">mailto:c@example.com</href><read/></set>
</B:share>"#;
        assert_eq!(
            parse(body).unwrap(),
            vec![
                ShareChange::Set {
                    href: "mailto:bob@example.com".into(),
                    common_name: Some("Bob".into()),
                    access: ShareAccess::ReadWrite,
                },
                ShareChange::Remove {
                    href: "/principals/users/7/".into()
                },
                ShareChange::Set {
                    href: "mailto:c@example.com".into(),
                    common_name: None,
                    access: ShareAccess::Read,
                },
            ]
        );
    }

    #[test]
    fn malformed_bodies_say_what_is_wrong() {
        let cs = r#"xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/""#;
        assert_eq!(parse(""), Err(ShareBodyError::Empty));
        assert!(matches!(
            parse(r#"<D:propfind xmlns:D="DAV:"/>"#),
            Err(ShareBodyError::WrongRoot(_))
        ));
        assert_eq!(
            parse(&format!("<CS:share {cs}/>")),
            Err(ShareBodyError::NoChanges)
        );
        assert_eq!(
            parse(&format!(
                "<CS:share {cs}><CS:set><CS:read/></CS:set></CS:share>"
            )),
            Err(ShareBodyError::MissingHref("set"))
        );
        assert_eq!(
            parse(&format!(
                "<CS:share {cs}><CS:remove><D:href> </D:href></CS:remove></CS:share>"
            )),
            Err(ShareBodyError::MissingHref("remove"))
        );
        assert_eq!(
            parse(&format!(
                "<CS:share {cs}><CS:set><D:href>mailto:a@b</D:href></CS:set></CS:share>"
            )),
            Err(ShareBodyError::MissingAccess("mailto:a@b".into()))
        );
        assert_eq!(
            parse(&format!(
                "<CS:share {cs}><CS:set><D:href>mailto:a@b</D:href><CS:read/><CS:read-write/></CS:set></CS:share>"
            )),
            Err(ShareBodyError::AmbiguousAccess("mailto:a@b".into()))
        );
        assert!(matches!(parse("<CS:share"), Err(ShareBodyError::Xml(_))));
    }

    #[test]
    fn more_changes_than_the_limit_are_refused_before_any_is_read() {
        let remove = r#"<CS:remove><D:href>mailto:x@example.com</D:href></CS:remove>"#;
        let body = format!(
            r#"<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">{}</CS:share>"#,
            remove.repeat(4)
        );
        assert_eq!(parse(&body), Err(ShareBodyError::TooManySharees(3)));
        let body = body.replacen(remove, "", 1);
        assert_eq!(parse(&body).unwrap().len(), 3);
    }
}
