//! What every sync-collection report shares: only the members the user may read, cut off
//! at `DAV:limit` without splitting a run of one sequence number, the 507 that marks a
//! truncated result and the token to resume from (RFC 6578 3.6).

use std::sync::{Arc, Mutex};

use futures::stream::{self, BoxStream, StreamExt};
use http::StatusCode;

use super::error::DavError;
use crate::dav::{Precondition, Response as DavResponse};
use crate::store::{ContextId, DynStore, FolderId, StoreError, StoreResult, SyncMember, UserId};

/// The members of `members` the user may read, as `may_read` (folder, creator) says: in a
/// folder where one may read only one's own, other users' members and their tombstones
/// are left out before any limit counts them, so a report shows neither their names nor
/// their number.
pub(super) fn readable_only(
    members: BoxStream<'static, StoreResult<SyncMember>>,
    may_read: impl Fn(FolderId, Option<UserId>) -> bool + Send + 'static,
) -> BoxStream<'static, StoreResult<SyncMember>> {
    members
        .filter(move |member| {
            let keep = match member {
                Ok(member) => may_read(member.folder_id, member.creator),
                Err(_) => true,
            };
            futures::future::ready(keep)
        })
        .boxed()
}

/// The members a sync report sends, and how far it got.
pub(super) struct LimitedSync {
    pub members: BoxStream<'static, Result<SyncMember, DavError>>,
    pub progress: SyncProgress,
}

impl LimitedSync {
    /// At most `limit` members of `members` (changes after `since`), none after
    /// `current` (the token the report ends with); the cut never falls inside a run of
    /// one sequence number, so the resume token skips nothing.
    pub fn new(
        members: BoxStream<'static, StoreResult<SyncMember>>,
        since: i64,
        current: i64,
        limit: Option<u32>,
    ) -> Self {
        let limit = limit.map(|l| l as usize).unwrap_or(usize::MAX);
        let progress = SyncProgress {
            state: Arc::new(Mutex::new(State {
                last_seq: since,
                truncated: false,
            })),
            current,
        };
        let state = progress.state.clone();
        let members = members
            .scan(0usize, move |emitted, member| {
                let mut state = state.lock().expect("sync progress");
                let out = match member {
                    Err(err) => Some(Err(DavError::from(err))),
                    Ok(_) if state.truncated => None,
                    Ok(member) if member.seq > current => None,
                    Ok(member) if *emitted >= limit && member.seq != state.last_seq => {
                        state.truncated = true;
                        Some(Ok(None))
                    }
                    Ok(member) => {
                        *emitted += 1;
                        state.last_seq = member.seq;
                        Some(Ok(Some(member)))
                    }
                };
                futures::future::ready(out)
            })
            .filter_map(|item| futures::future::ready(item.transpose()))
            .boxed();
        LimitedSync { members, progress }
    }
}

/// Shared with the stream: read once the members are out.
#[derive(Clone)]
pub(super) struct SyncProgress {
    state: Arc<Mutex<State>>,
    current: i64,
}

struct State {
    last_seq: i64,
    truncated: bool,
}

impl SyncProgress {
    /// The 507 response for `collection_href` when the members were cut off.
    pub fn ending(
        &self,
        collection_href: String,
    ) -> BoxStream<'static, Result<DavResponse, DavError>> {
        let state = self.state.clone();
        stream::once(async move {
            let truncated = state.lock().expect("sync progress").truncated;
            truncated.then(|| Ok(too_many(collection_href)))
        })
        .filter_map(futures::future::ready)
        .boxed()
    }

    /// The token the report ends with: `current`, or where a cut-off report stopped,
    /// written by `token_of`.
    pub fn token(
        &self,
        token_of: impl FnOnce(i64) -> String + Send + 'static,
    ) -> BoxStream<'static, Result<Option<String>, DavError>> {
        let state = self.state.clone();
        let current = self.current;
        stream::once(async move {
            let state = state.lock().expect("sync progress");
            let seq = if state.truncated {
                state.last_seq
            } else {
                current
            };
            Ok(Some(token_of(seq)))
        })
        .boxed()
    }
}

/// Refuses a token the change log can no longer answer (403 `DAV:valid-sync-token`).
/// An initial sync (`since` 0) is always possible, even after the log was pruned.
pub(super) async fn check_since(
    store: &DynStore,
    context: ContextId,
    since: i64,
) -> Result<(), DavError> {
    if since == 0 {
        return Ok(());
    }
    match store.check_sync_token(context, since).await {
        Ok(()) => Ok(()),
        Err(StoreError::InvalidSyncToken(_)) => Err(Precondition::ValidSyncToken.into()),
        Err(other) => Err(other.into()),
    }
}

/// The 507 response that ends a truncated result (RFC 5323 / RFC 6578 3.6).
pub(super) fn too_many(href: String) -> DavResponse {
    DavResponse::with_status(href, StatusCode::INSUFFICIENT_STORAGE)
        .with_error(Precondition::NumberOfMatchesWithinLimits)
}
