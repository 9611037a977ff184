//! Calendar delegation as Apple's calendar server names it (calendar-proxy): each user
//! principal has two group principals, `<principal>/calendar-proxy-read/` and
//! `<principal>/calendar-proxy-write/`, whose members are derived from the permissions
//! on the user's default calendar, and which her client changes with PROPPATCH of
//! `DAV:group-member-set` (`http::proxy_patch`).
//!
//! The mapping, per permission of a single user on the owner's default calendar (group
//! and all-users permissions, and the owner herself, never count):
//! - write delegate: she may create members, read and change every member (OX author
//!   level or more: folder "create objects", read all, write all);
//! - read delegate: she sees the folder and reads every member, but is no write
//!   delegate (viewer and reviewer levels);
//! - anything less (read own members only) makes her no delegate.
//!
//! A PROPPATCH gives new read delegates the viewer level and new write delegates the
//! author level; users dropped from a group lose their permission on that calendar.

use crate::access::privilege_set;
use crate::dav::{ElementName, KnownProp, PropValue, XmlElement};
use crate::http::paths::DavPaths;
use crate::store::{level, DynStore, Folder, FolderModule, Permission, StoreResult, User, UserId};

use super::PrincipalFacts;

type Props = Vec<(KnownProp, PropValue)>;

/// Which of the two proxy groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyKind {
    Read,
    Write,
}

impl ProxyKind {
    pub const BOTH: [ProxyKind; 2] = [ProxyKind::Read, ProxyKind::Write];

    /// The path segment below the user's principal, which is also the name of the
    /// resource type element in Apple's namespace.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Read => "calendar-proxy-read",
            Self::Write => "calendar-proxy-write",
        }
    }

    pub fn from_segment(segment: &str) -> Option<Self> {
        Self::BOTH
            .into_iter()
            .find(|kind| kind.segment() == segment)
    }

    /// The resource type element beside `DAV:principal`.
    pub fn resource_type(self) -> XmlElement {
        XmlElement::empty(ElementName::calendarserver(self.segment()))
    }

    /// What a delegate of this group gets on the owner's default calendar.
    pub fn permission(self, user: UserId) -> Permission {
        let role = match self {
            Self::Read => crate::store::Role::Viewer,
            Self::Write => crate::store::Role::Author,
        };
        Permission::for_role(user, false, role)
    }

    /// The group a permission makes its user a member of (see the module documentation).
    pub fn of(permission: &Permission) -> Option<ProxyKind> {
        if permission.is_group {
            return None;
        }
        let admin = permission.admin;
        let sees = permission.can_see();
        let reads_all = permission.read >= level::ALL || admin;
        let writes =
            (permission.folder >= level::CREATE_OBJECTS && permission.write >= level::ALL) || admin;
        match (sees && reads_all, writes) {
            (true, true) => Some(Self::Write),
            (true, false) => Some(Self::Read),
            (false, _) => None,
        }
    }
}

/// `/principals/users/<id>/calendar-proxy-read/` or `.../calendar-proxy-write/`.
pub fn proxy_path(owner: UserId, kind: ProxyKind) -> String {
    format!("/principals/users/{owner}/{}/", kind.segment())
}

/// One proxy group of a user, as a viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyGroup {
    pub owner: User,
    pub kind: ProxyKind,
    /// The enabled users of the group, ordered; None when the viewer may not learn
    /// them: only the owner and users who hold a permission of their own that lets
    /// them see her default calendar do (the members tell who shares that calendar).
    pub members: Option<Vec<UserId>>,
}

impl ProxyGroup {
    /// Both groups of `owner` as `me` sees them, from one read of her default calendar.
    pub async fn both(store: &DynStore, me: &User, owner: &User) -> StoreResult<Vec<ProxyGroup>> {
        let calendar = store
            .default_folder(owner.context_id, owner.id, FolderModule::Calendar)
            .await?
            .filter(|folder| may_see_members(folder, owner, me));
        // Only the users the calendar's permissions name are looked up, and only when
        // the viewer may learn the members.
        let enabled = match &calendar {
            Some(folder) => enabled_among(store, folder).await?,
            None => Vec::new(),
        };
        Ok(ProxyKind::BOTH
            .into_iter()
            .map(|kind| ProxyGroup {
                owner: owner.clone(),
                kind,
                members: calendar
                    .as_ref()
                    .map(|folder| members(folder, owner.id, kind, &enabled))
                    .or_else(|| (owner.id == me.id).then(Vec::new)),
            })
            .collect())
    }

    /// The group `kind` of `owner` as `me` sees it.
    pub async fn one(
        store: &DynStore,
        me: &User,
        owner: &User,
        kind: ProxyKind,
    ) -> StoreResult<ProxyGroup> {
        let groups = Self::both(store, me, owner).await?;
        Ok(groups
            .into_iter()
            .find(|group| group.kind == kind)
            .expect("both kinds"))
    }

    pub fn sub_path(&self) -> String {
        proxy_path(self.owner.id, self.kind)
    }

    pub fn display_name(&self) -> String {
        let what = match self.kind {
            ProxyKind::Read => "read access",
            ProxyKind::Write => "write access",
        };
        format!("{}: delegates with {what}", self.owner.display_name)
    }
}

/// A proxy group's own properties: its members (when the viewer may know them), and
/// write-properties for its owner, who changes them.
pub(super) fn properties(props: &mut Props, group: &ProxyGroup, me: &User, paths: &DavPaths) {
    props.push((
        KnownProp::PrincipalUrl,
        PropValue::Href(paths.external(&group.sub_path())),
    ));
    if let Some(members) = &group.members {
        let hrefs = members
            .iter()
            .map(|id| paths.external(&format!("/principals/users/{id}/")));
        props.push((KnownProp::GroupMemberSet, PropValue::Hrefs(hrefs.collect())));
    }
    let privileges: &[&str] = if group.owner.id == me.id {
        &["read", "write-properties"]
    } else {
        &["read"]
    };
    props.push((
        KnownProp::CurrentUserPrivilegeSet,
        privilege_set(privileges),
    ));
}

/// On the viewer's own principal: `CS:calendar-proxy-read-for` and `-write-for` into
/// `props`, and the hrefs of the proxy groups she is in, for `DAV:group-membership`.
/// Whom a user is a delegate of is hers to know (it tells who shares a calendar with
/// her), so another user's principal has neither.
pub(super) fn delegations(
    props: &mut Props,
    user: &User,
    me: &User,
    paths: &DavPaths,
    facts: &PrincipalFacts,
) -> Vec<String> {
    if user.id != me.id {
        return Vec::new();
    }
    for (prop, kind) in [
        (KnownProp::CalendarProxyReadFor, ProxyKind::Read),
        (KnownProp::CalendarProxyWriteFor, ProxyKind::Write),
    ] {
        let owners = facts.proxy_for.iter().filter(|(_, k)| *k == kind);
        let hrefs = owners.map(|(owner, _)| paths.external(&format!("/principals/users/{owner}/")));
        props.push((prop, PropValue::Hrefs(hrefs.collect())));
    }
    facts
        .proxy_for
        .iter()
        .map(|(owner, kind)| paths.external(&proxy_path(*owner, *kind)))
        .collect()
}

/// Whether `me` may learn who the delegates of `owner` are.
fn may_see_members(calendar: &Folder, owner: &User, me: &User) -> bool {
    owner.id == me.id
        || calendar
            .permissions
            .iter()
            .any(|p| !p.is_group && p.entity == me.id && p.can_see())
}

/// The enabled users among those a permission of `folder` names, ordered: one query
/// for the permissions' users, whatever the size of the context.
async fn enabled_among(store: &DynStore, folder: &Folder) -> StoreResult<Vec<UserId>> {
    let named: Vec<UserId> = folder
        .permissions
        .iter()
        .filter(|p| !p.is_group)
        .map(|p| p.entity)
        .collect();
    let mut enabled: Vec<UserId> = store
        .user_cards(folder.context_id, &named)
        .await?
        .into_iter()
        .filter(|card| card.enabled)
        .map(|card| card.id)
        .collect();
    enabled.sort_unstable();
    Ok(enabled)
}

/// The enabled users (`enabled` is ordered) that the permissions on `calendar` make
/// members of the group `kind` of `owner`, ordered.
pub fn members(calendar: &Folder, owner: UserId, kind: ProxyKind, enabled: &[i64]) -> Vec<UserId> {
    let mut members: Vec<UserId> = calendar
        .permissions
        .iter()
        .filter(|p| p.entity != owner && ProxyKind::of(p) == Some(kind))
        .map(|p| p.entity)
        .filter(|id| enabled.binary_search(id).is_ok())
        .collect();
    members.sort_unstable();
    members.dedup();
    members
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Role;

    fn user(role: Role) -> Permission {
        Permission::for_role(7, false, role)
    }

    #[test]
    fn permissions_map_onto_the_two_groups() {
        assert_eq!(ProxyKind::of(&user(Role::Viewer)), Some(ProxyKind::Read));
        assert_eq!(ProxyKind::of(&user(Role::Reviewer)), Some(ProxyKind::Read));
        assert_eq!(ProxyKind::of(&user(Role::Author)), Some(ProxyKind::Write));
        assert_eq!(
            ProxyKind::of(&user(Role::Administrator)),
            Some(ProxyKind::Write)
        );
        // Reading her own members only is no delegation.
        let own = Permission::parse_level(7, false, "2/1/1/1").unwrap();
        assert_eq!(ProxyKind::of(&own), None);
        // Creating without changing others' members is read access.
        let create_only = Permission::parse_level(7, false, "2/2/1/1").unwrap();
        assert_eq!(ProxyKind::of(&create_only), Some(ProxyKind::Read));
        // Groups never count.
        let group = Permission::for_role(3, true, Role::Author);
        assert_eq!(ProxyKind::of(&group), None);
        // What a PROPPATCH grants maps back onto its own group.
        for kind in ProxyKind::BOTH {
            assert_eq!(ProxyKind::of(&kind.permission(9)), Some(kind));
            assert_eq!(ProxyKind::from_segment(kind.segment()), Some(kind));
        }
    }
}
