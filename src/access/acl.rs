//! WebDAV access control lists (RFC 3744) over OX folder permissions: the privileges
//! davgate supports, how an OX permission reads as the privileges of an ACE and which
//! privilege sets an ACE may grant to become an OX permission again (one table, read
//! both ways, so that an ACL read and sent back unchanged changes nothing), and the ACEs
//! of a folder.

use crate::dav::{ElementName, Namespace, PropValue, XmlElement};
use crate::store::{level, Folder, Permission, ALL_USERS_GROUP};

/// A set of the privileges below `DAV:all`, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Privileges(u16);

impl Privileges {
    pub const READ: Privileges = Privileges(1);
    /// CalDAV's `read-free-busy`, contained in `DAV:read`.
    pub const READ_FREE_BUSY: Privileges = Privileges(1 << 1);
    pub const WRITE_PROPERTIES: Privileges = Privileges(1 << 2);
    pub const WRITE_CONTENT: Privileges = Privileges(1 << 3);
    pub const BIND: Privileges = Privileges(1 << 4);
    pub const UNBIND: Privileges = Privileges(1 << 5);
    pub const READ_ACL: Privileges = Privileges(1 << 6);
    /// Every user holds it on what she can see; it is never granted on its own.
    pub const READ_CURRENT_USER_PRIVILEGE_SET: Privileges = Privileges(1 << 7);
    pub const WRITE_ACL: Privileges = Privileges(1 << 8);
    pub const WRITE: Privileges = Privileges(4 | 8 | 16 | 32);
    pub const ALL: Privileges = Privileges(0x1ff);

    pub const fn union(self, other: Privileges) -> Privileges {
        Privileges(self.0 | other.0)
    }

    pub fn contains(self, other: Privileges) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether two ACEs granting these would grant the same.
    pub fn equivalent(self, other: Privileges) -> bool {
        self.normalized() == other.normalized()
    }

    /// The set as an ACE compares it: `DAV:read` holds `read-free-busy`, and
    /// `read-current-user-privilege-set` goes with any grant.
    fn normalized(self) -> Privileges {
        let mut bits = self.0 & !Self::READ_CURRENT_USER_PRIVILEGE_SET.0;
        if self.contains(Self::READ) {
            bits |= Self::READ_FREE_BUSY.0;
        }
        Privileges(bits)
    }

    /// The privilege a request names; None for one davgate does not support.
    pub fn named(name: &ElementName) -> Option<Privileges> {
        if name.is(&Namespace::CalDav, "read-free-busy") {
            return Some(Self::READ_FREE_BUSY);
        }
        if name.ns != Namespace::Dav {
            return None;
        }
        Some(match name.local.as_str() {
            "all" => Self::ALL,
            "read" => Self::READ.union(Self::READ_FREE_BUSY),
            "write" => Self::WRITE,
            "write-properties" => Self::WRITE_PROPERTIES,
            "write-content" => Self::WRITE_CONTENT,
            "bind" => Self::BIND,
            "unbind" => Self::UNBIND,
            "read-acl" => Self::READ_ACL,
            "read-current-user-privilege-set" => Self::READ_CURRENT_USER_PRIVILEGE_SET,
            "write-acl" => Self::WRITE_ACL,
            _ => return None,
        })
    }
}

/// The OX levels of a permission, without its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Levels {
    folder: i32,
    read: i32,
    write: i32,
    delete: i32,
    admin: bool,
}

impl Levels {
    fn of(p: &Permission) -> Levels {
        Levels {
            folder: p.folder,
            read: p.read,
            write: p.write,
            delete: p.delete,
            admin: p.admin,
        }
    }
}

const fn levels(folder: i32, read: i32, write: i32, delete: i32, admin: bool) -> Levels {
    Levels {
        folder,
        read,
        write,
        delete,
        admin,
    }
}

/// The permissions an ACE can stand for, with the privileges it grants, both ways.
const MAPPING: &[(Levels, &[&str])] = &[
    // OX's viewer.
    (levels(1, 2, 0, 0, false), &["read"]),
    // OX's reviewer: reads and changes every member, creates none.
    (levels(1, 2, 2, 0, false), &["read", "write-content"]),
    (levels(2, 2, 0, 0, false), &["read", "bind"]),
    (
        levels(2, 2, 2, 2, false),
        &["read", "write-content", "bind", "unbind"],
    ),
    // OX's author.
    (levels(4, 2, 2, 2, false), &["read", "write"]),
    // OX's administrator.
    (levels(128, 128, 128, 128, true), &["all"]),
];

/// The privileges DAV names (the grant of an `Ace`) stand for.
pub fn set_of(names: &[&str]) -> Privileges {
    names
        .iter()
        .filter_map(|name| Privileges::named(&ElementName::dav(*name)))
        .fold(Privileges::default(), Privileges::union)
}

/// Whether an ACE granting `privileges` grants what `names` do.
pub fn grants_same(privileges: Privileges, names: &[&str]) -> bool {
    privileges.normalized() == set_of(names).normalized()
}

/// The permission (levels of `entity`) that an ACE granting `privileges` stands for;
/// None when no OX permission grants exactly these.
pub fn permission_for(entity: i64, is_group: bool, privileges: Privileges) -> Option<Permission> {
    let wanted = privileges.normalized();
    MAPPING
        .iter()
        .find(|(_, names)| set_of(names).normalized() == wanted)
        .map(|(l, _)| Permission {
            entity,
            is_group,
            folder: l.folder,
            read: l.read,
            write: l.write,
            delete: l.delete,
            admin: l.admin,
        })
}

/// The privileges an ACE for `p` grants, and whether the mapping holds it exactly (a
/// permission set otherwise, with other levels, reads as what it allows but cannot be
/// written through an ACL).
pub fn grant_of(p: &Permission) -> (Vec<&'static str>, bool) {
    if let Some((_, names)) = MAPPING.iter().find(|(l, _)| *l == Levels::of(p)) {
        return (names.to_vec(), true);
    }
    if p.admin {
        return (vec!["all"], false);
    }
    let mut names = Vec::new();
    if p.read >= level::OWN {
        names.push("read");
    }
    if p.write >= level::OWN {
        names.push("write-content");
    }
    if p.folder >= level::CREATE_OBJECTS {
        names.push("bind");
    }
    if p.delete >= level::OWN {
        names.push("unbind");
    }
    (names, false)
}

/// Who an ACE is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AcePrincipal {
    User(i64),
    Group(i64),
    /// Every user of the context (OX's group 0): `DAV:authenticated`.
    Authenticated,
}

impl AcePrincipal {
    pub fn of(p: &Permission) -> AcePrincipal {
        match (p.is_group, p.entity) {
            (true, ALL_USERS_GROUP) => AcePrincipal::Authenticated,
            (true, id) => AcePrincipal::Group(id),
            (false, id) => AcePrincipal::User(id),
        }
    }

    /// The entity and group flag of the OX permission.
    pub fn entity(self) -> (i64, bool) {
        match self {
            AcePrincipal::User(id) => (id, false),
            AcePrincipal::Group(id) => (id, true),
            AcePrincipal::Authenticated => (ALL_USERS_GROUP, true),
        }
    }

    /// The principal's path below the DAV prefix; None for `DAV:authenticated`.
    pub fn sub_path(self) -> Option<String> {
        match self {
            AcePrincipal::User(id) => Some(format!("/principals/users/{id}/")),
            AcePrincipal::Group(id) => Some(crate::principals::group_principal_path(id)),
            AcePrincipal::Authenticated => None,
        }
    }
}

/// One ACE of a folder's ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    pub principal: AcePrincipal,
    pub grant: Vec<&'static str>,
    /// The owner's own, and those whose levels no ACE can write: kept by every ACL.
    pub protected: bool,
    /// The permission behind the ACE.
    pub permission: Permission,
}

/// The folder's ACEs, in the order of its permissions; permissions that grant nothing
/// have none.
pub fn folder_aces(folder: &Folder) -> Vec<Ace> {
    folder
        .permissions
        .iter()
        .filter_map(|p| {
            let (grant, exact) = grant_of(p);
            if grant.is_empty() {
                return None;
            }
            let owners = !p.is_group && folder.owner_id == Some(p.entity);
            Some(Ace {
                principal: AcePrincipal::of(p),
                grant,
                protected: owners || !exact,
                permission: *p,
            })
        })
        .collect()
}

/// `DAV:acl`: the ACEs with their principals' hrefs (`href_of` makes a path below the
/// prefix external), inherited from `inherited` when given.
pub fn acl_value(
    aces: &[Ace],
    href_of: impl Fn(&str) -> String,
    inherited: Option<&str>,
) -> PropValue {
    let dav = ElementName::dav;
    PropValue::Elements(
        aces.iter()
            .map(|ace| {
                let principal = match ace.principal.sub_path() {
                    Some(path) => XmlElement::new(dav("href"), PropValue::Text(href_of(&path))),
                    None => XmlElement::empty(dav("authenticated")),
                };
                let mut children = vec![
                    XmlElement::new(dav("principal"), PropValue::Elements(vec![principal])),
                    XmlElement::new(dav("grant"), privilege_elements(&ace.grant)),
                ];
                if ace.protected {
                    children.push(XmlElement::empty(dav("protected")));
                }
                if let Some(href) = inherited {
                    children.push(XmlElement::new(
                        dav("inherited"),
                        PropValue::Href(href.to_owned()),
                    ));
                }
                XmlElement::new(dav("ace"), PropValue::Elements(children))
            })
            .collect(),
    )
}

/// `<D:privilege><D:name/></D:privilege>` for each name.
fn privilege_elements(names: &[&str]) -> PropValue {
    super::privilege_set(names)
}

/// `DAV:supported-privilege-set`: `all` over `read` (with CalDAV's `read-free-busy` on
/// calendars), `write` (over `write-properties`, `write-content`, `bind`, `unbind`),
/// `read-acl`, `read-current-user-privilege-set` and `write-acl`. The privileges no ACE
/// grants alone are abstract.
pub fn supported_privilege_set(calendar: bool) -> PropValue {
    let read_children = if calendar {
        vec![supported(
            ElementName::caldav("read-free-busy"),
            "Read free/busy time",
            true,
            vec![],
        )]
    } else {
        vec![]
    };
    let write_children = [
        ("write-properties", "Write properties"),
        ("write-content", "Write resource content"),
        ("bind", "Add members"),
        ("unbind", "Remove members"),
    ]
    .into_iter()
    .map(|(name, text)| supported(ElementName::dav(name), text, false, vec![]))
    .collect();
    let children = vec![
        supported(ElementName::dav("read"), "Read", false, read_children),
        supported(ElementName::dav("write"), "Write", false, write_children),
        supported(ElementName::dav("read-acl"), "Read ACL", true, vec![]),
        supported(
            ElementName::dav("read-current-user-privilege-set"),
            "Read current user privilege set",
            true,
            vec![],
        ),
        supported(ElementName::dav("write-acl"), "Write ACL", true, vec![]),
    ];
    PropValue::Elements(vec![supported(
        ElementName::dav("all"),
        "All privileges",
        false,
        children,
    )])
}

fn supported(
    privilege: ElementName,
    description: &str,
    is_abstract: bool,
    children: Vec<XmlElement>,
) -> XmlElement {
    let mut content = vec![
        XmlElement::new(
            ElementName::dav("privilege"),
            PropValue::Elements(vec![XmlElement::empty(privilege)]),
        ),
        XmlElement::text(ElementName::dav("description"), description)
            .with_attribute("xml:lang", "en"),
    ];
    if is_abstract {
        content.push(XmlElement::empty(ElementName::dav("abstract")));
    }
    content.extend(children);
    XmlElement::new(
        ElementName::dav("supported-privilege"),
        PropValue::Elements(content),
    )
}

/// Whether `privileges` holds one no ACE may grant on its own (marked abstract).
pub fn is_abstract_alone(privileges: Privileges) -> bool {
    let concrete = Privileges::ALL.0
        & !(Privileges::READ_FREE_BUSY.0
            | Privileges::READ_ACL.0
            | Privileges::READ_CURRENT_USER_PRIVILEGE_SET.0
            | Privileges::WRITE_ACL.0);
    let named_concrete = privileges.0 & concrete != 0;
    !named_concrete && privileges.0 != 0
}

/// `DAV:acl-restrictions`: ACEs grant only and are never inverted.
pub fn acl_restrictions() -> PropValue {
    PropValue::Elements(vec![
        XmlElement::empty(ElementName::dav("grant-only")),
        XmlElement::empty(ElementName::dav("no-invert")),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Role;

    #[test]
    fn every_mapped_permission_reads_as_an_ace_that_maps_back_to_it() {
        for (l, names) in MAPPING {
            let p = Permission {
                entity: 7,
                is_group: false,
                folder: l.folder,
                read: l.read,
                write: l.write,
                delete: l.delete,
                admin: l.admin,
            };
            let (grant, exact) = grant_of(&p);
            assert!(exact);
            assert_eq!(grant, names.to_vec());
            assert_eq!(permission_for(7, false, set_of(&grant)), Some(p));
        }
    }

    #[test]
    fn the_roles_map_to_the_privileges_clients_send() {
        let viewer = Permission::for_role(4, false, Role::Viewer);
        assert_eq!(
            permission_for(4, false, set_of(&["read"])),
            Some(viewer),
            "read is the viewer"
        );
        let author = Permission::for_role(4, false, Role::Author);
        let expanded = set_of(&[
            "read",
            "write-properties",
            "write-content",
            "bind",
            "unbind",
            "read-current-user-privilege-set",
        ]);
        assert_eq!(permission_for(4, false, expanded), Some(author));
        let admin = Permission::for_role(4, false, Role::Administrator);
        assert_eq!(permission_for(4, false, set_of(&["all"])), Some(admin));
        let reviewer = Permission::for_role(4, false, Role::Reviewer);
        assert_eq!(
            permission_for(4, false, set_of(&["read", "write-content"])),
            Some(reviewer)
        );
        assert_eq!(permission_for(4, false, set_of(&["write"])), None);
        assert_eq!(
            permission_for(4, false, set_of(&["read", "write-acl"])),
            None
        );
    }

    #[test]
    fn unmapped_levels_read_as_what_they_allow_and_are_protected() {
        let mut p = Permission::for_role(5, false, Role::Author);
        p.write = level::OWN;
        let (grant, exact) = grant_of(&p);
        assert!(!exact);
        assert_eq!(grant, ["read", "write-content", "bind", "unbind"]);
        let folder = Folder::example(
            3,
            vec![
                Permission::for_role(3, false, Role::Administrator),
                p,
                Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer),
            ],
        );
        let aces = folder_aces(&folder);
        let protected: Vec<bool> = aces.iter().map(|a| a.protected).collect();
        assert_eq!(protected, [true, true, false]);
        assert_eq!(aces[2].principal, AcePrincipal::Authenticated);
    }

    #[test]
    fn privileges_no_ace_grants_alone_are_abstract() {
        assert!(is_abstract_alone(Privileges::READ_FREE_BUSY));
        assert!(is_abstract_alone(Privileges::READ_ACL));
        assert!(!is_abstract_alone(Privileges::READ));
        assert!(!is_abstract_alone(Privileges::ALL));
    }
}
