//! What a user may do in a folder: the OX permission bits of the user, the user's groups
//! and "all users" combined, and how they read as WebDAV privileges (RFC 3744).

pub mod acl;
pub mod dav_user;
pub mod private;
pub mod share;
pub mod sharing;
pub use dav_user::DavUser;
pub use sharing::{project_named, project_seen, seen_by, Sharing};

use crate::dav::{ElementName, PropValue, XmlElement};
use crate::store::{level, Folder, Permission, UserId, ALL_USERS_GROUP};

/// The combined permission of one user on one folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderRights {
    pub folder: i32,
    pub read: i32,
    pub write: i32,
    pub delete: i32,
    pub admin: bool,
    /// Whether the user owns the folder (the owner keeps admin rights on private folders).
    pub owner: bool,
}

impl FolderRights {
    /// The highest level of each kind among the permissions that apply to `user`
    /// (a member of `groups`).
    pub fn of(folder: &Folder, user: UserId, groups: &[i64]) -> FolderRights {
        let applies = |p: &&Permission| {
            if p.is_group {
                p.entity == ALL_USERS_GROUP || groups.contains(&p.entity)
            } else {
                p.entity == user
            }
        };
        let mut rights = FolderRights {
            folder: 0,
            read: 0,
            write: 0,
            delete: 0,
            admin: false,
            owner: folder.owner_id == Some(user),
        };
        for p in folder.permissions.iter().filter(applies) {
            rights.folder = rights.folder.max(p.folder);
            rights.read = rights.read.max(p.read);
            rights.write = rights.write.max(p.write);
            rights.delete = rights.delete.max(p.delete);
            rights.admin |= p.admin;
        }
        rights
    }

    pub fn can_see(&self) -> bool {
        self.folder >= level::SEE_FOLDER || self.admin
    }

    /// Reading members at all (own objects at least).
    pub fn can_read(&self) -> bool {
        self.read >= level::OWN
    }

    /// Reading every member, not only the user's own.
    pub fn can_read_all(&self) -> bool {
        self.read >= level::ALL
    }

    /// Reading a member created by `creator`.
    pub fn can_read_object(&self, creator: Option<UserId>, me: UserId) -> bool {
        self.can_read_all() || (self.can_read() && creator == Some(me))
    }

    /// Creating members (`DAV:bind`).
    pub fn can_create(&self) -> bool {
        self.folder >= level::CREATE_OBJECTS
    }

    /// Changing a member created by `creator`.
    pub fn can_modify(&self, creator: Option<UserId>, me: UserId) -> bool {
        self.write >= level::ALL || (self.write >= level::OWN && creator == Some(me))
    }

    /// Deleting a member created by `creator` (`DAV:unbind`).
    pub fn can_delete(&self, creator: Option<UserId>, me: UserId) -> bool {
        self.delete >= level::ALL || (self.delete >= level::OWN && creator == Some(me))
    }

    /// Renaming, recolouring or deleting the folder itself.
    pub fn can_administer(&self) -> bool {
        self.admin || self.owner
    }

    /// The privileges of `DAV:current-user-privilege-set`, as DAV names.
    pub fn privilege_names(&self) -> Vec<&'static str> {
        let mut names = vec!["read-current-user-privilege-set"];
        if self.can_read() {
            names.push("read");
        }
        if self.write >= level::OWN {
            names.push("write-content");
        }
        if self.can_create() {
            names.push("bind");
        }
        if self.delete >= level::OWN {
            names.push("unbind");
        }
        if self.can_administer() {
            names.push("write-properties");
        }
        let all_write = self.write >= level::OWN
            && self.can_create()
            && self.delete >= level::OWN
            && self.can_administer();
        if all_write {
            names.push("write");
        }
        names
    }

    /// `DAV:current-user-privilege-set` as a property value.
    pub fn privilege_set(&self) -> PropValue {
        privilege_set(&self.privilege_names())
    }
}

/// `<D:privilege><D:name/></D:privilege>` for each name.
pub fn privilege_set(names: &[&str]) -> PropValue {
    PropValue::Elements(
        names
            .iter()
            .map(|name| {
                XmlElement::new(
                    ElementName::dav("privilege"),
                    PropValue::Elements(vec![XmlElement::empty(ElementName::dav(*name))]),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Role;

    fn folder(owner: UserId, permissions: Vec<Permission>) -> Folder {
        Folder::example(owner, permissions)
    }

    #[test]
    fn a_viewer_reads_but_cannot_write_create_or_delete() {
        let f = folder(
            3,
            vec![
                Permission::for_role(3, false, Role::Administrator),
                Permission::for_role(4, false, Role::Viewer),
            ],
        );
        let rights = FolderRights::of(&f, 4, &[]);
        assert!(rights.can_see() && rights.can_read_all());
        assert!(!rights.can_create());
        assert!(!rights.can_modify(Some(4), 4));
        assert!(!rights.can_delete(Some(4), 4));
        assert_eq!(
            rights.privilege_names(),
            vec!["read-current-user-privilege-set", "read"]
        );
    }

    #[test]
    fn group_and_all_users_permissions_combine_to_the_highest_level() {
        let f = folder(
            3,
            vec![
                Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer),
                Permission::for_role(9, true, Role::Author),
            ],
        );
        let outsider = FolderRights::of(&f, 5, &[]);
        assert!(outsider.can_read_all() && !outsider.can_create());
        let member = FolderRights::of(&f, 5, &[9]);
        assert!(member.can_create() && member.can_modify(Some(3), 5));
        assert!(!member.can_administer());
    }

    #[test]
    fn the_owner_has_every_privilege() {
        let f = folder(3, vec![Permission::for_role(3, false, Role::Administrator)]);
        let names = FolderRights::of(&f, 3, &[]).privilege_names();
        for wanted in [
            "read",
            "write",
            "write-content",
            "bind",
            "unbind",
            "write-properties",
        ] {
            assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
        }
    }

    #[test]
    fn own_level_write_covers_only_own_objects() {
        let mut p = Permission::for_role(4, false, Role::Author);
        p.write = level::OWN;
        p.delete = level::OWN;
        let rights = FolderRights::of(&folder(3, vec![p]), 4, &[]);
        assert!(rights.can_modify(Some(4), 4));
        assert!(!rights.can_modify(Some(3), 4));
        assert!(rights.can_delete(Some(4), 4));
        assert!(!rights.can_delete(None, 4));
    }
}
