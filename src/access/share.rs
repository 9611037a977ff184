//! Sharing from DAV clients (Apple's calendarserver-sharing) on OX folder permissions:
//! which collections a user may share, the permission each access becomes (read: OX
//! viewer, read-write: OX author), and the `CS:invite` and `CS:allowed-sharing-modes`
//! properties that show it.

use std::collections::HashMap;

use super::{FolderRights, Sharing};
use crate::dav::share_body::ShareAccess;
use crate::dav::{ElementName, PropValue, XmlElement};
use crate::http::paths::DavPaths;
use crate::store::{
    level, Folder, FolderType, Permission, Role, UserCard, UserId, GLOBAL_ADDRESS_BOOK,
};

/// The permission a sharee gets for `access`: OX's viewer or author role, so that OX and
/// `davgate folder list` show the same share.
pub fn permission_for(user: UserId, access: ShareAccess) -> Permission {
    let role = match access {
        ShareAccess::Read => Role::Viewer,
        ShareAccess::ReadWrite => Role::Author,
    };
    Permission::for_role(user, false, role)
}

/// The access a permission amounts to: read-write as soon as it writes anything.
pub fn access_of(permission: &Permission) -> ShareAccess {
    if permission.write >= level::OWN {
        ShareAccess::ReadWrite
    } else {
        ShareAccess::Read
    }
}

/// Whether a user with `rights` may change who `folder` is shared with: its owner or an
/// administrator of it, never for the global address list.
pub fn can_share(folder: &Folder, rights: &FolderRights) -> bool {
    rights.can_administer() && folder.id != GLOBAL_ADDRESS_BOOK
}

/// The users a permission of `folder` names individually, the owner excepted, with the
/// access each has. Group permissions (all users included) are OX's own sharing and not
/// listed.
pub fn sharees(folder: &Folder) -> impl Iterator<Item = (UserId, ShareAccess)> + '_ {
    folder
        .permissions
        .iter()
        .filter(move |p| !p.is_group && Some(p.entity) != folder.owner_id)
        .map(|p| (p.entity, access_of(p)))
}

/// Whether `folder` has a `CS:invite`: a private folder with an owner, shared with
/// somebody.
fn has_invite(folder: &Folder) -> bool {
    match (folder.folder_type, folder.owner_id) {
        (FolderType::Private, Some(owner)) => Sharing::of(folder, owner) == Sharing::SharedByMe,
        _ => false,
    }
}

/// The users whose cards the `CS:invite` of `folder` shows `me` (with `rights`): the
/// owner, and the sharees `me` may see (see `invite`); empty when it has none.
pub fn invite_users(folder: &Folder, me: UserId, rights: &FolderRights) -> Vec<UserId> {
    if !has_invite(folder) {
        return Vec::new();
    }
    folder
        .owner_id
        .into_iter()
        .chain(visible_sharees(folder, me, rights).map(|(user, _)| user))
        .collect()
}

/// Who administers the folder sees every sharee; any other user (a sharee) only herself,
/// so that a share tells nobody who else it was given to.
fn visible_sharees<'a>(
    folder: &'a Folder,
    me: UserId,
    rights: &FolderRights,
) -> impl Iterator<Item = (UserId, ShareAccess)> + 'a {
    let all = rights.can_administer();
    sharees(folder).filter(move |(user, _)| all || *user == me)
}

/// `CS:invite` of `folder` for `me`: `CS:organizer` (the owner's principal and name) and
/// one `CS:user` per visible sharee (mailto: address, name, `CS:invite-accepted`, since OX
/// shares need no acceptance, and `CS:access`). None for a folder that is not shared.
/// `cards` holds at least the users `invite_users` named.
pub fn invite(
    folder: &Folder,
    me: UserId,
    rights: &FolderRights,
    cards: &HashMap<UserId, UserCard>,
    paths: &DavPaths,
) -> Option<PropValue> {
    if !has_invite(folder) {
        return None;
    }
    let cs = ElementName::calendarserver;
    let mut entries = Vec::new();
    if let Some(owner) = folder.owner_id {
        let mut organizer = vec![XmlElement::text(
            ElementName::dav("href"),
            paths.external(&format!("/principals/users/{owner}/")),
        )];
        if let Some(card) = cards.get(&owner) {
            organizer.push(XmlElement::text(
                cs("common-name"),
                card.display_name.clone(),
            ));
        }
        entries.push(XmlElement::new(
            cs("organizer"),
            PropValue::Elements(organizer),
        ));
    }
    for (user, access) in visible_sharees(folder, me, rights) {
        let Some(card) = cards.get(&user) else {
            continue;
        };
        let access = match access {
            ShareAccess::Read => cs("read"),
            ShareAccess::ReadWrite => cs("read-write"),
        };
        entries.push(XmlElement::new(
            cs("user"),
            PropValue::Elements(vec![
                XmlElement::text(ElementName::dav("href"), format!("mailto:{}", card.mail)),
                XmlElement::text(cs("common-name"), card.display_name.clone()),
                XmlElement::empty(cs("invite-accepted")),
                XmlElement::new(
                    cs("access"),
                    PropValue::Elements(vec![XmlElement::empty(access)]),
                ),
            ]),
        ));
    }
    Some(PropValue::Elements(entries))
}

/// `CS:allowed-sharing-modes`: `CS:can-be-shared` for a collection `me` may share, empty
/// for any other.
pub fn allowed_sharing_modes(folder: &Folder, rights: &FolderRights) -> PropValue {
    if can_share(folder, rights) {
        PropValue::Elements(vec![XmlElement::empty(ElementName::calendarserver(
            "can-be-shared",
        ))])
    } else {
        PropValue::Empty
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(permissions: Vec<Permission>) -> Folder {
        Folder::example(3, permissions)
    }

    #[test]
    fn read_is_a_viewer_and_read_write_an_author() {
        let read = permission_for(4, ShareAccess::Read);
        assert_eq!(read, Permission::for_role(4, false, Role::Viewer));
        assert_eq!(access_of(&read), ShareAccess::Read);
        let write = permission_for(4, ShareAccess::ReadWrite);
        assert_eq!(write, Permission::for_role(4, false, Role::Author));
        assert_eq!(access_of(&write), ShareAccess::ReadWrite);
        // Any write level reads as read-write, the OX reviewer and administrator too.
        assert_eq!(
            access_of(&Permission::for_role(4, false, Role::Reviewer)),
            ShareAccess::ReadWrite
        );
    }

    #[test]
    fn sharees_see_only_themselves_and_the_organizer() {
        let f = folder(vec![
            Permission::for_role(3, false, Role::Administrator),
            Permission::for_role(4, false, Role::Viewer),
            Permission::for_role(5, false, Role::Author),
            Permission::for_role(9, true, Role::Viewer),
        ]);
        let owner = FolderRights::of(&f, 3, &[]);
        assert_eq!(invite_users(&f, 3, &owner), vec![3, 4, 5]);
        let sharee = FolderRights::of(&f, 4, &[]);
        assert_eq!(invite_users(&f, 4, &sharee), vec![3, 4]);
        let group_member = FolderRights::of(&f, 6, &[9]);
        assert_eq!(invite_users(&f, 6, &group_member), vec![3]);
        assert!(can_share(&f, &owner) && !can_share(&f, &sharee));
    }

    #[test]
    fn an_unshared_folder_has_no_invite() {
        let f = folder(vec![Permission::for_role(3, false, Role::Administrator)]);
        let owner = FolderRights::of(&f, 3, &[]);
        assert!(invite_users(&f, 3, &owner).is_empty());
        let paths = DavPaths::default();
        assert_eq!(invite(&f, 3, &owner, &HashMap::new(), &paths), None);
    }
}
