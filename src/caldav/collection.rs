//! A calendar or task folder as the user sees it through CalDAV: its path, display name,
//! privileges, sharing state and live properties.

use crate::access::{seen_by, FolderRights, Sharing};
use crate::caldav::window::SyncWindow;
use crate::content::ical::ical_utc;
use crate::dav::{supported_report_set, ElementName, KnownProp, PropValue, XmlElement};
use crate::http::paths::{encode_segment_into, DavPaths};
use crate::scheduling::inbox::is_mailbox_segment;
use crate::store::{Folder, FolderId, FolderModule, User};
use crate::sync_token::sync_token;

/// Largest calendar object accepted (CALDAV:max-resource-size).
pub const MAX_CALENDAR_RESOURCE_SIZE: usize = 4 * 1024 * 1024;

/// Whether a collection holds events or tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarKind {
    Events,
    Tasks,
}

impl CalendarKind {
    pub fn of(module: FolderModule) -> Option<CalendarKind> {
        match module {
            FolderModule::Calendar => Some(Self::Events),
            FolderModule::Tasks => Some(Self::Tasks),
            _ => None,
        }
    }

    /// The one component type members of such a collection have.
    pub fn component(self) -> &'static str {
        match self {
            Self::Events => "VEVENT",
            Self::Tasks => "VTODO",
        }
    }

    /// The groupware module a user needs for collections of this kind.
    pub fn module_permission(self) -> &'static str {
        match self {
            Self::Events => "calendar",
            Self::Tasks => "tasks",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarCollection {
    pub folder: Folder,
    pub kind: CalendarKind,
    pub rights: FolderRights,
    pub sharing: Sharing,
    pub display_name: String,
    /// The path segment under which the viewer reaches the collection.
    segment: String,
}

/// Whether a path segment has the form of a folder id: ASCII digits only. Such segments
/// address folders by id and are never names a client may choose, so an id and a name
/// cannot mean two different folders.
pub fn is_id_shaped(segment: &str) -> bool {
    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit())
}

/// The folder id a segment names: its canonical decimal form only (no sign, no leading
/// zero), so each folder has exactly one id segment.
pub fn folder_id_of(segment: &str) -> Option<FolderId> {
    if !is_id_shaped(segment) || (segment.len() > 1 && segment.starts_with('0')) {
        return None;
    }
    segment.parse().ok()
}

impl CalendarCollection {
    /// The collection for `folder` as `me` (member of `groups`) sees it; None when the
    /// folder is not a calendar or task folder or the user may not see it.
    /// `owner_name` names the owner of another user's folder (for the shared display name).
    pub fn project(
        folder: Folder,
        me: &User,
        groups: &[i64],
        owner_name: Option<&str>,
        shared_name_template: &str,
    ) -> Option<CalendarCollection> {
        let kind = CalendarKind::of(folder.module)?;
        let (rights, sharing, display_name) =
            seen_by(&folder, me.id, groups, owner_name, shared_name_template)?;
        // A name a client chose is its owner's: everybody else addresses the folder by id.
        // The mailboxes' names are never a calendar's (one named so before keeps its id).
        let segment = match &folder.dav_name {
            Some(name) if folder.owner_id == Some(me.id) && !is_mailbox_segment(name) => {
                name.clone()
            }
            _ => folder.id.to_string(),
        };
        Some(CalendarCollection {
            folder,
            kind,
            rights,
            sharing,
            display_name,
            segment,
        })
    }

    pub fn id(&self) -> i64 {
        self.folder.id
    }

    /// The collection's path segment for the viewer: for its owner, the name a client
    /// gave it; otherwise the folder id.
    pub fn path_segment(&self) -> &str {
        &self.segment
    }

    /// Whether the segment is a name the viewer's client chose rather than the folder id.
    pub fn is_named(&self) -> bool {
        self.segment != self.folder.id.to_string()
    }

    /// `/caldav/<segment>/`, below the DAV prefix, percent-encoded.
    pub fn sub_path(&self) -> String {
        let mut path = String::with_capacity(48);
        path.push_str("/caldav/");
        encode_segment_into(&mut path, self.path_segment());
        path.push('/');
        path
    }

    /// `/caldav/<segment>/<resource name>`, percent-encoded.
    pub fn member_sub_path(&self, resource_name: &str) -> String {
        let mut path = self.sub_path();
        encode_segment_into(&mut path, resource_name);
        path
    }

    /// The live properties, with the change sequence behind getctag and sync-token.
    pub fn properties(
        &self,
        paths: &DavPaths,
        window: &SyncWindow,
        folder_seq: i64,
    ) -> Vec<(KnownProp, PropValue)> {
        let component = XmlElement::empty(ElementName::caldav("comp"))
            .with_attribute("name", self.kind.component());
        let mut props = vec![
            (KnownProp::ResourceType, self.resource_type()),
            (
                KnownProp::DisplayName,
                PropValue::Text(self.display_name.clone()),
            ),
            (
                KnownProp::SupportedCalendarComponentSet,
                PropValue::Elements(vec![component]),
            ),
            (
                KnownProp::SupportedCalendarData,
                PropValue::Elements(vec![XmlElement::empty(ElementName::caldav(
                    "calendar-data",
                ))
                .with_attribute("content-type", "text/calendar")
                .with_attribute("version", "2.0")]),
            ),
            (
                KnownProp::CalendarMaxResourceSize,
                PropValue::Text(MAX_CALENDAR_RESOURCE_SIZE.to_string()),
            ),
            (
                KnownProp::GetCtag,
                PropValue::Text(format!("{}-{}", self.folder.id, folder_seq)),
            ),
            (
                KnownProp::SyncToken,
                PropValue::Text(sync_token(folder_seq)),
            ),
            (
                KnownProp::CurrentUserPrivilegeSet,
                self.rights.privilege_set(),
            ),
            (KnownProp::SupportedReportSet, supported_reports()),
        ];
        if let Some(start) = window.start {
            props.push((KnownProp::MinDateTime, PropValue::Text(ical_utc(start))));
        }
        if let Some(end) = window.end {
            props.push((KnownProp::MaxDateTime, PropValue::Text(ical_utc(end))));
        }
        if let Some(owner) = self.folder.owner_id {
            props.push((
                KnownProp::Owner,
                PropValue::Href(paths.external(&format!("/principals/users/{owner}/"))),
            ));
        }
        if let Some(description) = &self.folder.description {
            props.push((
                KnownProp::CalendarDescription,
                PropValue::Text(description.clone()),
            ));
        }
        if let Some(color) = &self.folder.color {
            props.push((KnownProp::CalendarColor, PropValue::Text(color.clone())));
        }
        if let Some(order) = self.folder.sort_order {
            props.push((KnownProp::CalendarOrder, PropValue::Text(order.to_string())));
        }
        props
    }

    fn resource_type(&self) -> PropValue {
        let mut types = vec![
            XmlElement::empty(ElementName::dav("collection")),
            XmlElement::empty(ElementName::caldav("calendar")),
        ];
        match self.sharing {
            Sharing::SharedByMe => types.push(XmlElement::empty(ElementName::calendarserver(
                "shared-owner",
            ))),
            Sharing::SharedWithMe => {
                types.push(XmlElement::empty(ElementName::calendarserver("shared")))
            }
            Sharing::NotShared => {}
        }
        PropValue::Elements(types)
    }
}

fn supported_reports() -> PropValue {
    supported_report_set(&[
        ElementName::caldav("calendar-multiget"),
        ElementName::caldav("calendar-query"),
        ElementName::caldav("free-busy-query"),
        ElementName::dav("sync-collection"),
        ElementName::dav("acl-principal-prop-set"),
        ElementName::dav("principal-match"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FolderType, Permission, Role, UserId};

    fn user(id: UserId) -> User {
        User {
            context_id: 1,
            id,
            login: format!("u{id}"),
            mail: format!("u{id}@example.com"),
            aliases: vec![],
            display_name: format!("User {id}"),
            password_hash: String::new(),
            enabled: true,
            permissions: vec!["calendar".into(), "tasks".into()],
        }
    }

    fn folder(owner: UserId, permissions: Vec<Permission>) -> Folder {
        Folder {
            context_id: 1,
            id: 42,
            parent_id: 1,
            module: FolderModule::Calendar,
            folder_type: FolderType::Private,
            owner_id: Some(owner),
            name: "Holidays".into(),
            color: Some("#FF0000FF".into()),
            description: None,
            is_default: false,
            subscribed: true,
            used_for_sync: true,
            sort_order: Some(3),
            dav_name: None,
            permissions,
        }
    }

    #[test]
    fn a_folder_shared_with_me_is_named_after_its_owner() {
        let f = folder(
            3,
            vec![
                Permission::for_role(3, false, Role::Administrator),
                Permission::for_role(4, false, Role::Viewer),
            ],
        );
        let c = CalendarCollection::project(
            f,
            &user(4),
            &[],
            Some("Alice Adams"),
            "[owner]: [foldername]",
        )
        .unwrap();
        assert_eq!(c.sharing, Sharing::SharedWithMe);
        assert_eq!(c.display_name, "Alice Adams: Holidays");
    }

    #[test]
    fn my_folder_shared_with_others_is_shared_owner() {
        let f = folder(
            3,
            vec![
                Permission::for_role(3, false, Role::Administrator),
                Permission::for_role(4, false, Role::Viewer),
            ],
        );
        let c =
            CalendarCollection::project(f, &user(3), &[], None, "[owner]: [foldername]").unwrap();
        assert_eq!(c.sharing, Sharing::SharedByMe);
        assert_eq!(c.display_name, "Holidays");
    }

    #[test]
    fn a_folder_without_a_permission_for_me_is_not_projected() {
        let f = folder(3, vec![Permission::for_role(3, false, Role::Administrator)]);
        assert!(CalendarCollection::project(f, &user(5), &[], None, "").is_none());
    }
}
