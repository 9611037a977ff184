//! Which principals the principal searches look at and what matches: RFC 3744's
//! `DAV:principal-property-search` (the text in the searched properties) and Apple's
//! `CS:calendarserver-principal-search` (every token in the display name or a mail
//! address). A search on `/principals/` looks at users, resources and groups, one on a
//! sub-collection at that collection's principals; all of the viewer's context only,
//! never a disabled user.

use crate::dav::report::SearchContext;
use crate::dav::{Namespace, PropName};
use crate::store::{DynStore, ResourceKind, StoreResult, User};

use super::{enabled_users, without_disabled, EntryResource};

/// The kinds of principal a search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    pub users: bool,
    pub rooms: bool,
    pub equipment: bool,
    pub groups: bool,
}

impl Kinds {
    const NONE: Kinds = Kinds {
        users: false,
        rooms: false,
        equipment: false,
        groups: false,
    };
    const ALL: Kinds = Kinds {
        users: true,
        rooms: true,
        equipment: true,
        groups: true,
    };

    /// The principals below the principal collection `collection`.
    pub fn below(collection: &EntryResource) -> Kinds {
        match collection {
            EntryResource::Principals => Self::ALL,
            EntryResource::UserPrincipals => Kinds {
                users: true,
                ..Self::NONE
            },
            EntryResource::ResourcePrincipals => Kinds {
                rooms: true,
                equipment: true,
                ..Self::NONE
            },
            EntryResource::GroupPrincipals => Kinds {
                groups: true,
                ..Self::NONE
            },
            _ => Self::NONE,
        }
    }

    /// What a calendarserver search's `context` asks for (as Apple's server reads it:
    /// rooms are locations, equipment resources, and attendees are users, groups and
    /// equipment).
    pub fn of_context(context: SearchContext) -> Kinds {
        match context {
            SearchContext::All => Self::ALL,
            SearchContext::Attendee => Kinds {
                rooms: false,
                ..Self::ALL
            },
            SearchContext::Location => Kinds {
                rooms: true,
                ..Self::NONE
            },
            SearchContext::Resource => Kinds {
                equipment: true,
                ..Self::NONE
            },
        }
    }

    pub fn and(self, other: Kinds) -> Kinds {
        Kinds {
            users: self.users && other.users,
            rooms: self.rooms && other.rooms,
            equipment: self.equipment && other.equipment,
            groups: self.groups && other.groups,
        }
    }
}

/// The principals of `kinds` in the viewer's context, users first, then resources, then
/// groups, each by id. At most three queries (users, resources, groups with members).
pub async fn principals(
    store: &DynStore,
    me: &User,
    kinds: Kinds,
) -> StoreResult<Vec<EntryResource>> {
    let mut found = Vec::new();
    if kinds.users {
        let mut users: Vec<User> = store
            .users(me.context_id)
            .await?
            .into_iter()
            .filter(|u| u.enabled)
            .collect();
        users.sort_by_key(|u| u.id);
        found.extend(users.into_iter().map(EntryResource::UserPrincipal));
    }
    if kinds.rooms || kinds.equipment {
        let mut resources = store.resources(me.context_id).await?;
        resources.retain(|r| match r.kind {
            ResourceKind::Room => kinds.rooms,
            ResourceKind::Equipment => kinds.equipment,
        });
        resources.sort_by_key(|r| r.id);
        found.extend(resources.into_iter().map(EntryResource::ResourcePrincipal));
    }
    if kinds.groups {
        let mut groups = store.groups(me.context_id).await?;
        if !groups.is_empty() {
            let enabled = enabled_users(store, me).await?;
            groups.sort_by_key(|g| g.id);
            found.extend(
                groups
                    .into_iter()
                    .map(|g| EntryResource::GroupPrincipal(without_disabled(g, &enabled))),
            );
        }
    }
    Ok(found)
}

/// Whether every token (lowercased) is part of the principal's display name or of one
/// of its mail addresses, without regard to case.
pub fn matches_tokens(principal: &EntryResource, tokens: &[String]) -> bool {
    let mut texts = vec![principal.display_name().to_lowercase()];
    texts.extend(mails(principal).map(|mail| mail.to_lowercase()));
    tokens
        .iter()
        .all(|token| texts.iter().any(|text| text.contains(token.as_str())))
}

/// The texts a `DAV:principal-property-search` of `prop` looks at in `principal`;
/// none for properties that are not searchable.
pub fn candidates(principal: &EntryResource, prop: &PropName) -> Vec<String> {
    match (&prop.ns, prop.local.as_str()) {
        (Namespace::Dav, "displayname") => {
            let mut names = vec![principal.display_name()];
            match principal {
                EntryResource::UserPrincipal(user) => names.push(user.login.clone()),
                EntryResource::ResourcePrincipal(resource) => names.push(resource.name.clone()),
                EntryResource::GroupPrincipal(group) => names.push(group.name.clone()),
                _ => {}
            }
            names
        }
        (Namespace::CalDav, "calendar-user-address-set") => mails(principal)
            .map(|mail| format!("mailto:{mail}"))
            .collect(),
        (Namespace::CalendarServer, "email-address-set") => {
            mails(principal).map(str::to_owned).collect()
        }
        _ => Vec::new(),
    }
}

/// The principal's mail addresses: a user's primary one and aliases, a resource's one.
fn mails(principal: &EntryResource) -> impl Iterator<Item = &str> {
    let (first, aliases): (Option<&String>, &[String]) = match principal {
        EntryResource::UserPrincipal(user) => (Some(&user.mail), &user.aliases),
        EntryResource::ResourcePrincipal(resource) => (Some(&resource.mail), &[]),
        _ => (None, &[]),
    };
    first
        .into_iter()
        .chain(aliases)
        .map(String::as_str)
        .filter(|mail| !mail.is_empty())
}
