//! The groupware entities the store holds, as plain data.
//! Ids are numeric per context, the way OX numbers users, groups and folders.

use std::fmt;
use std::str::FromStr;

pub type ContextId = i64;
pub type UserId = i64;
pub type FolderId = i64;

/// The global address list: the public contacts folder listing every user of a context.
pub const GLOBAL_ADDRESS_BOOK: FolderId = 6;
/// The root of private folders.
pub const PRIVATE_ROOT: FolderId = 1;
/// The root of public folders.
pub const PUBLIC_ROOT: FolderId = 2;
/// The entity that stands for "all users of the context" in group permissions.
pub const ALL_USERS_GROUP: i64 = 0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub id: ContextId,
    pub name: String,
    pub enabled: bool,
    pub login_mappings: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewContext {
    /// Chosen by the administrator; the next free id when absent.
    pub id: Option<ContextId>,
    pub name: String,
    pub login_mappings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub context_id: ContextId,
    pub id: UserId,
    pub login: String,
    pub mail: String,
    pub aliases: Vec<String>,
    pub display_name: String,
    pub password_hash: String,
    pub enabled: bool,
    pub permissions: Vec<String>,
}

/// How a user is named to others: mail address and display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCard {
    pub id: UserId,
    pub mail: String,
    pub display_name: String,
    pub enabled: bool,
}

impl User {
    pub fn has_module(&self, module: &str) -> bool {
        self.permissions
            .iter()
            .any(|m| m.eq_ignore_ascii_case(module))
    }
}

/// A user to create, with the default folders OX gives every user and the entry that
/// represents the user in the global address list.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub mail: String,
    pub aliases: Vec<String>,
    pub display_name: String,
    pub password_hash: String,
    pub permissions: Vec<String>,
    pub default_folders: Vec<DefaultFolder>,
    /// The vCard placed into the global address list (folder 6).
    pub address_book_entry: Option<WriteObject>,
}

#[derive(Debug, Clone)]
pub struct DefaultFolder {
    pub module: FolderModule,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub password_hash: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub context_id: ContextId,
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub members: Vec<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub context_id: ContextId,
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub mail: String,
    pub kind: ResourceKind,
    /// Whether the resource accepts an invitation by itself when it is free (and
    /// declines when it is busy); otherwise its bookings wait for its administrator.
    pub auto_accept: bool,
    /// The calendar folder holding the resource's bookings; None until the first one.
    pub calendar_folder: Option<FolderId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Room,
    Equipment,
}

/// What a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FolderModule {
    Calendar,
    Contacts,
    Tasks,
    /// The private and public roots: containers only.
    System,
    /// A user's scheduling inbox (RFC 6638): the iTIP messages the user received.
    ScheduleInbox,
}

/// Where a folder lives. A private folder seen by anyone but its owner is "shared".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FolderType {
    Private,
    Public,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub context_id: ContextId,
    pub id: FolderId,
    pub parent_id: FolderId,
    pub module: FolderModule,
    pub folder_type: FolderType,
    pub owner_id: Option<UserId>,
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
    pub is_default: bool,
    pub subscribed: bool,
    pub used_for_sync: bool,
    /// Where the folder sorts among the user's calendars (Apple's calendar-order); None = unset.
    pub sort_order: Option<i32>,
    /// The path segment a DAV client chose when it created the folder (MKCALENDAR);
    /// None for folders made otherwise, which are addressed by id. It is the owner's
    /// name for the folder, unique among the owner's folders; other users address the
    /// folder by id.
    pub dav_name: Option<String>,
    pub permissions: Vec<Permission>,
}

#[cfg(test)]
impl Folder {
    /// For unit tests: the private calendar "Team" (folder 30 of context 1) of `owner`
    /// with `permissions`.
    pub fn example(owner: UserId, permissions: Vec<Permission>) -> Folder {
        Folder {
            context_id: 1,
            id: 30,
            parent_id: 1,
            module: FolderModule::Calendar,
            folder_type: FolderType::Private,
            owner_id: Some(owner),
            name: "Team".into(),
            color: None,
            description: None,
            is_default: false,
            subscribed: true,
            used_for_sync: true,
            sort_order: None,
            dav_name: None,
            permissions,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewFolder {
    pub parent_id: FolderId,
    pub module: FolderModule,
    pub folder_type: FolderType,
    pub owner_id: Option<UserId>,
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
    pub sort_order: Option<i32>,
    pub dav_name: Option<String>,
    pub permissions: Vec<Permission>,
}

/// A change to a folder; None leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct FolderUpdate {
    pub name: Option<String>,
    pub color: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub subscribed: Option<bool>,
    pub used_for_sync: Option<bool>,
    pub sort_order: Option<Option<i32>>,
}

/// An OX folder permission for one user or group.
/// Folder: 0 none, 1 see, 2 create objects, 4 create subfolders, 128 max.
/// Read / write / delete: 0 none, 1 own objects, 2 all objects, 128 max.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub entity: i64,
    pub is_group: bool,
    pub folder: i32,
    pub read: i32,
    pub write: i32,
    pub delete: i32,
    pub admin: bool,
}

pub mod level {
    pub const NONE: i32 = 0;
    pub const SEE_FOLDER: i32 = 1;
    pub const CREATE_OBJECTS: i32 = 2;
    pub const CREATE_SUBFOLDERS: i32 = 4;
    pub const OWN: i32 = 1;
    pub const ALL: i32 = 2;
    pub const MAX: i32 = 128;
}

/// The named roles of OX App Suite's sharing dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Viewer,
    Reviewer,
    Author,
    Administrator,
}

impl Permission {
    pub fn for_role(entity: i64, is_group: bool, role: Role) -> Permission {
        use level::*;
        let (folder, read, write, delete, admin) = match role {
            Role::Viewer => (SEE_FOLDER, ALL, NONE, NONE, false),
            Role::Reviewer => (SEE_FOLDER, ALL, ALL, NONE, false),
            Role::Author => (CREATE_SUBFOLDERS, ALL, ALL, ALL, false),
            Role::Administrator => (MAX, MAX, MAX, MAX, true),
        };
        Permission {
            entity,
            is_group,
            folder,
            read,
            write,
            delete,
            admin,
        }
    }

    /// Parses a role name (viewer, reviewer, author, administrator/owner) or the OX
    /// numeric form `folder/read/write/delete[/admin]`, e.g. `4/2/2/2` or `128/128/128/128/admin`.
    pub fn parse_level(entity: i64, is_group: bool, text: &str) -> Result<Permission, String> {
        let role = match text.to_ascii_lowercase().as_str() {
            "viewer" | "read" => Some(Role::Viewer),
            "reviewer" => Some(Role::Reviewer),
            "author" | "write" => Some(Role::Author),
            "administrator" | "admin" | "owner" => Some(Role::Administrator),
            _ => None,
        };
        if let Some(role) = role {
            return Ok(Permission::for_role(entity, is_group, role));
        }
        let parts: Vec<&str> = text.split('/').collect();
        if !(4..=5).contains(&parts.len()) {
            return Err(format!(
                "permission level {text:?} is neither a role (viewer, reviewer, author, administrator) nor folder/read/write/delete[/admin]"
            ));
        }
        let number = |i: usize, allowed: &[i32]| -> Result<i32, String> {
            let n: i32 = parts[i]
                .trim()
                .parse()
                .map_err(|_| format!("{:?} in {text:?} is not a number", parts[i]))?;
            if allowed.contains(&n) {
                Ok(n)
            } else {
                Err(format!("{n} in {text:?} is not one of {allowed:?}"))
            }
        };
        let admin = match parts.get(4).map(|s| s.trim()) {
            None => false,
            Some("admin") => true,
            Some(other) => return Err(format!("{other:?} in {text:?} should be \"admin\"")),
        };
        Ok(Permission {
            entity,
            is_group,
            folder: number(0, &[0, 1, 2, 4, 128])?,
            read: number(1, &[0, 1, 2, 128])?,
            write: number(2, &[0, 1, 2, 128])?,
            delete: number(3, &[0, 1, 2, 128])?,
            admin,
        })
    }

    pub fn can_see(&self) -> bool {
        self.folder >= level::SEE_FOLDER || self.admin
    }
}

/// A calendar object or contact as the store keeps it: the client's bytes plus the
/// index columns extracted when it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub folder_id: FolderId,
    pub resource_name: String,
    pub uid: String,
    pub component: String,
    pub etag: String,
    pub data: Vec<u8>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub display_name: Option<String>,
    pub user_id: Option<UserId>,
    pub modified_at: i64,
    /// The Schedule-Tag of a scheduling object resource (RFC 6638 3.2.10); None for
    /// every other member.
    pub schedule_tag: Option<String>,
}

/// What a report answers of a member with its data (a multiget, the data of a sync):
/// the stored bytes and what its properties and its reader's rights need, without the
/// index columns (`StoredObject` has them), which such a report never reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberData {
    pub folder_id: FolderId,
    pub resource_name: String,
    pub etag: String,
    pub data: Vec<u8>,
    /// Who created the member: whether a user who may read only their own sees it, and
    /// whether a private event is shown whole.
    pub user_id: Option<UserId>,
    pub modified_at: i64,
}

impl From<StoredObject> for MemberData {
    fn from(object: StoredObject) -> Self {
        MemberData {
            folder_id: object.folder_id,
            resource_name: object.resource_name,
            etag: object.etag,
            data: object.data,
            user_id: object.user_id,
            modified_at: object.modified_at,
        }
    }
}

/// What listing a collection needs of each member, without the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    pub resource_name: String,
    pub etag: String,
    pub size: i64,
    pub modified_at: i64,
    /// Who created the member: whether a user who may read only their own sees it.
    pub user_id: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteObject {
    pub resource_name: String,
    pub uid: String,
    /// VEVENT, VTODO or VCARD.
    pub component: String,
    pub data: Vec<u8>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub display_name: Option<String>,
    pub user_id: Option<UserId>,
}

/// The condition a write is made under, checked in the same transaction as the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteCondition {
    /// Create or replace.
    Unconditional,
    /// `If-None-Match: *`: only create.
    MustNotExist,
    /// `If-Match: "etag"`: only replace this version.
    IfMatch(String),
    /// Only replace (or delete) the member while it exists and was created by this user
    /// (None: by nobody known), whatever else changed: what a write without a client
    /// condition was allowed against, since the right to change a member depends on its
    /// author alone. Concurrent writers of such a member then both succeed, the last one
    /// winning.
    AuthoredBy(Option<UserId>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    pub etag: String,
    pub created: bool,
}

/// Which members a listing covers: objects whose `[start_at, end_at)` overlaps `window`
/// (a NULL start or end is open on that side; an object that is a single instant counts
/// when the instant lies in the window), and only those of `component` ("VEVENT", as
/// stored) when given. The default covers every member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFilter {
    /// `(start, end)` in UTC epoch seconds, end exclusive.
    pub window: Option<(i64, i64)>,
    pub component: Option<String>,
}

/// One member in a sync report: a live member with its current etag and size, or a
/// tombstone (`deleted`, no etag or size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncMember {
    pub folder_id: FolderId,
    pub resource_name: String,
    pub seq: i64,
    pub deleted: bool,
    pub etag: Option<String>,
    pub size: Option<i64>,
    /// When a live member was last written; None for a tombstone.
    pub modified_at: Option<i64>,
    /// Who created the member (of a tombstone: as it was deleted), which decides who may
    /// see it in a folder where users read only their own; None when unknown.
    pub creator: Option<UserId>,
}

/// A WebDAV dead property: stored as the client sent it, `value` being the XML content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadProperty {
    pub namespace: String,
    pub name: String,
    pub value: String,
}

/// How much of a resource's dead properties is kept and served: values of at most
/// `max_value_bytes`, and of those at most `max_count`, `max_total_bytes` in all, first
/// names (namespace, then local name) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadPropertyBounds {
    pub max_value_bytes: i64,
    pub max_count: i64,
    pub max_total_bytes: i64,
}

impl DeadPropertyBounds {
    /// No bounds at all, for tools and tests that see what is stored.
    pub const NONE: DeadPropertyBounds = DeadPropertyBounds {
        max_value_bytes: i64::MAX,
        max_count: i64::MAX,
        max_total_bytes: i64::MAX,
    };
}

/// One member's latest change since a sync token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// '' stands for the folder itself.
    pub resource_name: String,
    pub seq: i64,
    pub deleted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub value: String,
    pub is_final: bool,
}

macro_rules! text_enum {
    ($ty:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(&self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.to_ascii_lowercase().as_str() {
                    $($text => Ok($ty::$variant),)+
                    _ => Err(format!(concat!("unknown ", stringify!($ty), " {:?}; expected one of: ", $($text, " "),+), s)),
                }
            }
        }
    };
}

text_enum!(FolderModule { Calendar = "calendar", Contacts = "contacts", Tasks = "tasks", System = "system", ScheduleInbox = "schedule-inbox" });
text_enum!(FolderType { Private = "private", Public = "public" });
text_enum!(ResourceKind { Room = "room", Equipment = "equipment" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_levels_parse_roles_and_numbers() {
        let viewer = Permission::parse_level(5, false, "viewer").unwrap();
        assert_eq!(
            (viewer.folder, viewer.read, viewer.write, viewer.delete),
            (1, 2, 0, 0)
        );
        let numeric = Permission::parse_level(5, true, "4/2/1/0").unwrap();
        assert_eq!(
            (numeric.folder, numeric.read, numeric.write, numeric.delete),
            (4, 2, 1, 0)
        );
        assert!(numeric.is_group && !numeric.admin);
        assert!(
            Permission::parse_level(5, false, "128/128/128/128/admin")
                .unwrap()
                .admin
        );
        assert!(Permission::parse_level(5, false, "3/2/2/2").is_err());
        assert!(Permission::parse_level(5, false, "boss").is_err());
    }

    #[test]
    fn modules_round_trip_through_text() {
        for m in [
            FolderModule::Calendar,
            FolderModule::Contacts,
            FolderModule::Tasks,
        ] {
            assert_eq!(m.as_str().parse::<FolderModule>().unwrap(), m);
        }
        assert!("mail".parse::<FolderModule>().is_err());
    }
}
