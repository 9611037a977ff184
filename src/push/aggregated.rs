//! WebDAV-Push for the aggregated address book (`<prefix>/carddav/Contacts/`): one
//! collection per user spanning the contact folders `aggregatedCollectionFolders` picks
//! among those the user may read, with a sync token (`SpanToken`) made of their latest
//! change and their ids.
//!
//! Its topic is the user's own (`VapidKey::aggregated_contacts_topic`). A subscription
//! names the user, not a folder, so the change log cannot tell which changes the user
//! sees: its trigger marks every aggregated subscription of the context pending at each
//! change of a contacts folder (and of a folder deleted). The dispatcher then looks at
//! the book as the subscriber sees it now ([`Subscribers::current_token`]: the user's
//! current groups, rights and configuration, the token PROPFIND and the sync report
//! compute, by the same code) and sends a message only when that token differs from the
//! one last sent (`last_token`, at first the token when the client registered). A change
//! in a folder the user cannot read, or no longer reads, leaves the token as it was and
//! sends nothing; the message carries nothing but the topic and the token the user
//! could PROPFIND.
//!
//! Cost: a contacts change in a context marks every aggregated subscription of that
//! context (one index probe when there is none; a context without aggregated
//! subscriptions pays only that). Each marked subscription costs, once per coalescing
//! window (`davgate.push.coalesceMillis`) however many changes fell into it, one token
//! computation: reading the user (and the profile, usually cached), the user's visible
//! folders and their latest sequences, a few queries. So N aggregated subscriptions in a
//! context cost up to N such computations per window in which its contacts change,
//! whether or not their users see the change. Group membership and configuration
//! changes are not in the change log: they show in the next message a change brings.

use std::sync::Arc;

use crate::access::DavUser;
use crate::carddav::collection::AGGREGATED_SEGMENT;
use crate::carddav::home::address_book;
use crate::config::ServerConfig;
use crate::shared_state::LoginCache;
use crate::store::{ContextId, DynStore, StoreError, StoreResult, UserId};

/// What the dispatcher needs to see an aggregated address book as its subscriber does:
/// the store, the configuration and the cache of users' profiles requests use.
#[derive(Clone)]
pub struct Subscribers {
    pub store: DynStore,
    pub config: ServerConfig,
    pub profiles: Arc<LoginCache>,
}

impl Subscribers {
    /// The user as a request of theirs would see things; None when the user is gone or
    /// disabled (their subscriptions are of no use any more).
    pub async fn user(&self, context: ContextId, id: UserId) -> StoreResult<Option<DavUser>> {
        let user = match self.store.user(context, id).await {
            Ok(user) if user.enabled => user,
            Ok(_) | Err(StoreError::NotFound) => return Ok(None),
            Err(other) => return Err(other),
        };
        let (groups, subject) = self.profiles.profile(&self.store, &user).await?;
        let view = self.config.view(&subject);
        Ok(Some(DavUser::with_profile(user, groups, view)))
    }

    /// The sync token of `me`'s aggregated address book now; None when the user has no
    /// such book (`exposedCollections` says folders only).
    pub async fn current_token(&self, me: &DavUser) -> StoreResult<Option<String>> {
        match address_book(&self.store, me, AGGREGATED_SEGMENT).await? {
            Some(book) => book
                .current_sync_token(&self.store, me.user.context_id)
                .await
                .map(Some),
            None => Ok(None),
        }
    }
}
