//! `CS:invite` and `CS:allowed-sharing-modes` (Apple's calendarserver-sharing) in PROPFIND
//! answers of calendars and folder address books. Both are answered only when asked for
//! by name, never for `allprop` (as the extension asks); the users `CS:invite` names are
//! read in one query for all the collections of an answer.

use std::collections::HashMap;

use super::error::DavError;
use super::AppState;
use crate::access::share::{allowed_sharing_modes, invite, invite_users};
use crate::access::{DavUser, FolderRights};
use crate::dav::{KnownProp, PropValue, PropfindRequest};
use crate::http::paths::DavPaths;
use crate::store::{Folder, UserCard, UserId};

/// What a PROPFIND asks of sharing, with the users it names.
pub(super) struct ShareProps {
    invite: bool,
    modes: bool,
    me: UserId,
    cards: HashMap<UserId, UserCard>,
}

impl ShareProps {
    /// For the collections `folders` (with the viewer's rights on each).
    pub(super) async fn load<'a>(
        state: &AppState,
        me: &DavUser,
        folders: impl Iterator<Item = (&'a Folder, &'a FolderRights)>,
        request: &PropfindRequest,
    ) -> Result<ShareProps, DavError> {
        let asked = |prop: KnownProp| match request {
            PropfindRequest::Prop(names) => names.contains(&prop.name()),
            _ => false,
        };
        let mut props = ShareProps {
            invite: asked(KnownProp::Invite),
            modes: asked(KnownProp::AllowedSharingModes),
            me: me.user.id,
            cards: HashMap::new(),
        };
        if props.invite {
            let mut users: Vec<UserId> = folders
                .flat_map(|(folder, rights)| invite_users(folder, me.user.id, rights))
                .collect();
            users.sort_unstable();
            users.dedup();
            let cards = state.store.user_cards(me.user.context_id, &users).await?;
            props.cards = cards.into_iter().map(|card| (card.id, card)).collect();
        }
        Ok(props)
    }

    /// The asked sharing properties of one collection.
    pub(super) fn of(
        &self,
        paths: &DavPaths,
        folder: &Folder,
        rights: &FolderRights,
    ) -> Vec<(KnownProp, PropValue)> {
        let mut props = Vec::new();
        if self.invite {
            if let Some(value) = invite(folder, self.me, rights, &self.cards, paths) {
                props.push((KnownProp::Invite, value));
            }
        }
        if self.modes {
            props.push((
                KnownProp::AllowedSharingModes,
                allowed_sharing_modes(folder, rights),
            ));
        }
        props
    }
}
