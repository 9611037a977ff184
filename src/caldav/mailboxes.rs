//! The scheduling mailboxes of a calendar home (RFC 6638 2.1, 2.2) as the user sees
//! them: `schedule-inbox`, the folder the iTIP messages she receives are kept in, and
//! `schedule-outbox`, where a client POSTs the messages she sends (it holds nothing).
//! Both are always the viewer's own.

use crate::access::FolderRights;
use crate::dav::{supported_report_set, ElementName, KnownProp, PropValue, XmlElement};
use crate::http::paths::{encode_segment, DavPaths};
use crate::scheduling::inbox::{INBOX_SEGMENT, OUTBOX_SEGMENT};
use crate::store::{ContextId, Folder, FolderId, UserId};
use crate::sync_token::sync_token;

/// The media type inbox messages are listed with: without a `component` parameter, as
/// an inbox holds messages about events and tasks alike.
pub const INBOX_MESSAGE_CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// The viewer's scheduling inbox. Its folder is made by the first delivery: until then
/// the inbox is there, empty, and reading it writes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleInbox {
    pub context: ContextId,
    pub owner: UserId,
    /// The folder and the owner's rights on it (what deleting a message checks); None
    /// before the first delivery.
    stored: Option<(Folder, FolderRights)>,
}

impl ScheduleInbox {
    /// The inbox of `owner` (a member of `groups`) with its folder, if it has one yet.
    pub fn new(context: ContextId, owner: UserId, groups: &[i64], folder: Option<Folder>) -> Self {
        let stored = folder.map(|folder| {
            let rights = FolderRights::of(&folder, owner, groups);
            (folder, rights)
        });
        ScheduleInbox {
            context,
            owner,
            stored,
        }
    }

    /// The folder's id and the owner's rights on it; None before the first delivery.
    pub fn folder(&self) -> Option<(FolderId, FolderRights)> {
        self.stored
            .as_ref()
            .map(|(folder, rights)| (folder.id, *rights))
    }

    /// `/caldav/schedule-inbox/`, below the DAV prefix.
    pub fn sub_path() -> String {
        format!("/caldav/{INBOX_SEGMENT}/")
    }

    /// `/caldav/schedule-inbox/<resource name>`, percent-encoded.
    pub fn member_sub_path(resource_name: &str) -> String {
        format!("/caldav/{INBOX_SEGMENT}/{}", encode_segment(resource_name))
    }

    /// The live properties, with the folder's change sequence (0 without a folder)
    /// behind getctag and sync-token, and the href of the owner's default calendar as
    /// her home lists it.
    pub fn properties(
        &self,
        paths: &DavPaths,
        folder_seq: i64,
        default_calendar: Option<String>,
    ) -> Vec<(KnownProp, PropValue)> {
        let components = ["VEVENT", "VTODO"]
            .into_iter()
            .map(|name| XmlElement::empty(ElementName::caldav("comp")).with_attribute("name", name))
            .collect();
        let mut props = vec![
            (KnownProp::ResourceType, resource_type("schedule-inbox")),
            (KnownProp::DisplayName, PropValue::Text("Inbox".into())),
            (
                KnownProp::SupportedCalendarComponentSet,
                PropValue::Elements(components),
            ),
            (
                KnownProp::GetCtag,
                PropValue::Text(format!(
                    "{}-{}",
                    self.folder().map_or(0, |(id, _)| id),
                    folder_seq
                )),
            ),
            (
                KnownProp::SyncToken,
                PropValue::Text(sync_token(folder_seq)),
            ),
            (
                KnownProp::SupportedReportSet,
                supported_report_set(&[
                    ElementName::caldav("calendar-multiget"),
                    ElementName::dav("sync-collection"),
                ]),
            ),
            (
                KnownProp::CurrentUserPrivilegeSet,
                privileges(
                    &["read", "read-current-user-privilege-set", "unbind"],
                    &[
                        "schedule-deliver",
                        "schedule-deliver-invite",
                        "schedule-deliver-reply",
                        "schedule-query-freebusy",
                    ],
                ),
            ),
        ];
        props.push((KnownProp::Owner, owner_href(paths, self.owner)));
        if let Some(href) = default_calendar {
            props.push((KnownProp::ScheduleDefaultCalendarUrl, PropValue::Href(href)));
        }
        props
    }
}

/// The live properties of the outbox of `owner`.
pub fn outbox_properties(paths: &DavPaths, owner: UserId) -> Vec<(KnownProp, PropValue)> {
    vec![
        (KnownProp::ResourceType, resource_type("schedule-outbox")),
        (KnownProp::DisplayName, PropValue::Text("Outbox".into())),
        (KnownProp::Owner, owner_href(paths, owner)),
        (
            KnownProp::CurrentUserPrivilegeSet,
            privileges(
                &["read", "read-current-user-privilege-set"],
                &[
                    "schedule-send",
                    "schedule-send-invite",
                    "schedule-send-reply",
                    "schedule-send-freebusy",
                ],
            ),
        ),
        (KnownProp::SupportedReportSet, supported_report_set(&[])),
    ]
}

/// `/caldav/schedule-outbox/`, below the DAV prefix.
pub fn outbox_sub_path() -> String {
    format!("/caldav/{OUTBOX_SEGMENT}/")
}

fn owner_href(paths: &DavPaths, owner: UserId) -> PropValue {
    PropValue::Href(paths.external(&format!("/principals/users/{owner}/")))
}

/// `DAV:collection` and the CalDAV mailbox type `kind`.
fn resource_type(kind: &str) -> PropValue {
    PropValue::Elements(vec![
        XmlElement::empty(ElementName::dav("collection")),
        XmlElement::empty(ElementName::caldav(kind)),
    ])
}

/// `<D:privilege>` for each WebDAV privilege of `dav` and CalDAV privilege of `caldav`.
fn privileges(dav: &[&str], caldav: &[&str]) -> PropValue {
    let names = dav
        .iter()
        .map(|name| ElementName::dav(*name))
        .chain(caldav.iter().map(|name| ElementName::caldav(*name)));
    PropValue::Elements(
        names
            .map(|name| {
                XmlElement::new(
                    ElementName::dav("privilege"),
                    PropValue::Elements(vec![XmlElement::empty(name)]),
                )
            })
            .collect(),
    )
}
