//! The resources every user finds before any collection: the DAV root, the principal
//! collections, the principals of users, resources (rooms and equipment) and groups, and
//! the calendar and address book homes. Their properties are in `properties`, what those
//! need from the store beyond the principal itself in `facts`, and the matching of the
//! principal searches in `search`.

mod facts;
mod properties;
pub mod proxy;
pub mod search;

pub use facts::PrincipalFacts;
pub use proxy::{ProxyGroup, ProxyKind};

use crate::store::{DynStore, Group, Resource, StoreError, StoreResult, User};

/// A resource of the entry-point tree, resolved from a path below the DAV prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryResource {
    Root,
    Principals,
    UserPrincipals,
    UserPrincipal(User),
    ResourcePrincipals,
    /// A room or a piece of equipment of the viewer's context.
    ResourcePrincipal(Resource),
    GroupPrincipals,
    /// A group of the viewer's context; its members are the enabled users only.
    GroupPrincipal(Group),
    /// `calendar-proxy-read` or `calendar-proxy-write` below a user's principal (`proxy`).
    CalendarProxy(ProxyGroup),
    CalendarHome,
    AddressbookHome,
}

impl EntryResource {
    /// Resolves `sub` (decoded, below the prefix) for the authenticated user `me`.
    /// Principals of other users of the same context resolve by id or login; a disabled
    /// user's does not: such an account is no calendar user one could invite or share
    /// with any more, and its principal would show its name and addresses to anyone.
    /// Resources and groups resolve by id, within the viewer's context only.
    pub async fn resolve(store: &DynStore, me: &User, sub: &str) -> StoreResult<Option<Self>> {
        let segments: Vec<&str> = sub.split('/').filter(|s| !s.is_empty()).collect();
        Ok(match segments.as_slice() {
            [] => Some(Self::Root),
            ["principals"] => Some(Self::Principals),
            ["principals", "users"] => Some(Self::UserPrincipals),
            ["principals", "users", who] => user_principal(store, me, who)
                .await?
                .map(Self::UserPrincipal),
            ["principals", "users", who, group] => match ProxyKind::from_segment(group) {
                Some(kind) => match user_principal(store, me, who).await? {
                    Some(owner) => Some(Self::CalendarProxy(
                        ProxyGroup::one(store, me, &owner, kind).await?,
                    )),
                    None => None,
                },
                None => None,
            },
            ["principals", "resources"] => Some(Self::ResourcePrincipals),
            ["principals", "resources", id] => match id.parse::<i64>() {
                Ok(id) => store
                    .resources(me.context_id)
                    .await?
                    .into_iter()
                    .find(|r| r.id == id)
                    .map(Self::ResourcePrincipal),
                Err(_) => None,
            },
            ["principals", "groups"] => Some(Self::GroupPrincipals),
            ["principals", "groups", id] => match id.parse::<i64>() {
                Ok(id) => {
                    let groups = store.groups(me.context_id).await?;
                    match groups.into_iter().find(|g| g.id == id) {
                        Some(group) => {
                            let enabled = enabled_users(store, me).await?;
                            Some(Self::GroupPrincipal(without_disabled(group, &enabled)))
                        }
                        None => None,
                    }
                }
                Err(_) => None,
            },
            ["caldav"] => Some(Self::CalendarHome),
            ["carddav"] => Some(Self::AddressbookHome),
            _ => None,
        })
    }

    /// The path below the prefix, as hrefs name it.
    pub fn sub_path(&self) -> String {
        match self {
            Self::Root => "/".into(),
            Self::Principals => "/principals/".into(),
            Self::UserPrincipals => "/principals/users/".into(),
            Self::UserPrincipal(user) => principal_path(user),
            Self::ResourcePrincipals => "/principals/resources/".into(),
            Self::ResourcePrincipal(resource) => resource_principal_path(resource.id),
            Self::GroupPrincipals => "/principals/groups/".into(),
            Self::GroupPrincipal(group) => group_principal_path(group.id),
            Self::CalendarProxy(group) => group.sub_path(),
            Self::CalendarHome => "/caldav/".into(),
            Self::AddressbookHome => "/carddav/".into(),
        }
    }

    /// Members listed by a Depth 1 PROPFIND.
    pub async fn children(&self, store: &DynStore, me: &User) -> StoreResult<Vec<EntryResource>> {
        Ok(match self {
            Self::Root => vec![Self::Principals, Self::CalendarHome, Self::AddressbookHome],
            Self::Principals => vec![
                Self::UserPrincipals,
                Self::ResourcePrincipals,
                Self::GroupPrincipals,
            ],
            Self::UserPrincipals => store
                .users(me.context_id)
                .await?
                .into_iter()
                .filter(|u| u.enabled)
                .map(Self::UserPrincipal)
                .collect(),
            Self::ResourcePrincipals => store
                .resources(me.context_id)
                .await?
                .into_iter()
                .map(Self::ResourcePrincipal)
                .collect(),
            Self::GroupPrincipals => {
                let groups = store.groups(me.context_id).await?;
                let enabled = enabled_users(store, me).await?;
                groups
                    .into_iter()
                    .map(|g| Self::GroupPrincipal(without_disabled(g, &enabled)))
                    .collect()
            }
            // Apple's clients find the proxy groups as the principal's members.
            Self::UserPrincipal(user) => ProxyGroup::both(store, me, user)
                .await?
                .into_iter()
                .map(Self::CalendarProxy)
                .collect(),
            _ => Vec::new(),
        })
    }

    /// The principal collections, where the principal searches run.
    pub fn is_principal_collection(&self) -> bool {
        matches!(
            self,
            Self::Principals
                | Self::UserPrincipals
                | Self::ResourcePrincipals
                | Self::GroupPrincipals
        )
    }

    /// Whether this is the principal of a user, resource or group.
    pub fn is_principal(&self) -> bool {
        matches!(
            self,
            Self::UserPrincipal(_)
                | Self::ResourcePrincipal(_)
                | Self::GroupPrincipal(_)
                | Self::CalendarProxy(_)
        )
    }

    fn display_name(&self) -> String {
        match self {
            Self::Root => "davgate".into(),
            Self::Principals => "Principals".into(),
            Self::UserPrincipals => "Users".into(),
            Self::UserPrincipal(user) => user.display_name.clone(),
            Self::ResourcePrincipals => "Resources".into(),
            Self::ResourcePrincipal(resource) => resource.display_name.clone(),
            Self::GroupPrincipals => "Groups".into(),
            Self::GroupPrincipal(group) => group.display_name.clone(),
            Self::CalendarProxy(group) => group.display_name(),
            Self::CalendarHome => "Calendars".into(),
            Self::AddressbookHome => "Address Books".into(),
        }
    }
}

/// The enabled user of the viewer's context that `who` (an id or a login) names.
async fn user_principal(store: &DynStore, me: &User, who: &str) -> StoreResult<Option<User>> {
    let by_id = match who.parse::<i64>() {
        Ok(id) if id == me.id => Some(me.clone()),
        Ok(id) => match store.user(me.context_id, id).await {
            Ok(user) => Some(user),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other),
        },
        Err(_) => None,
    };
    let found = match by_id {
        Some(user) => Some(user),
        None => store.user_by_login(me.context_id, who).await?,
    };
    Ok(found.filter(|user| user.enabled))
}

/// `/principals/users/<id>/`, the path OX gives a user's principal.
pub fn principal_path(user: &User) -> String {
    format!("/principals/users/{}/", user.id)
}

/// `/principals/resources/<id>/`.
pub fn resource_principal_path(id: i64) -> String {
    format!("/principals/resources/{id}/")
}

/// `/principals/groups/<id>/`.
pub fn group_principal_path(id: i64) -> String {
    format!("/principals/groups/{id}/")
}

/// The ids of the enabled users of the viewer's context, ordered.
async fn enabled_users(store: &DynStore, me: &User) -> StoreResult<Vec<i64>> {
    let mut ids: Vec<i64> = store
        .users(me.context_id)
        .await?
        .into_iter()
        .filter(|u| u.enabled)
        .map(|u| u.id)
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// `group` with its disabled members left out (`enabled` is ordered).
fn without_disabled(mut group: Group, enabled: &[i64]) -> Group {
    group.members.retain(|id| enabled.binary_search(id).is_ok());
    group
}
