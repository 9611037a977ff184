//! REPORT on address books: addressbook-multiget, addressbook-query (RFC 6352 8.6, 8.7)
//! and sync-collection (RFC 6578), on a folder's address book and on the aggregated one.
//! Responses stream; data is read in batches of 500 names per folder, members folder by
//! folder, so memory stays flat however many contacts the address book holds.
//!
//! The aggregated collection's sync token names the folders it spanned. When that set
//! has changed since the client's token, the members of folders that came in are reported
//! as new and those of folders that left as deleted, instead of a forced full resync.

use std::sync::Arc;

use axum::body::Bytes;
use axum::response::Response;
use futures::stream::{self, StreamExt};

use super::error::DavError;
use super::paths::DavPaths;
use super::report_members::{at_most, multiget, sync_responses, MemberView};
use super::streaming;
use super::sync::{check_since, LimitedSync};
use super::AppState;
use crate::access::DavUser;
use crate::carddav::AddressBook;
use crate::content::card_query::{AddressDataRequest, AddressFilter};
use crate::content::vcard::{ContactObject, VCARD_CONTENT_TYPE};
use crate::dav::report::{parse_report_within, ReportProps, ReportRequest};
use crate::dav::{KnownProp, Precondition, Response as DavResponse};
use crate::store::{ContextId, DynStore, FolderId, MemberFilter, StoredObject, UserId};
use crate::sync_token::{parse_sync_token, SpanToken};

pub(super) async fn report(
    state: &AppState,
    me: &DavUser,
    book: &AddressBook,
    body: &Bytes,
) -> Result<Response, DavError> {
    let request = state.body_parsers.parse(body, parse_report_within).await?;
    if let AddressBook::Folder(folder) = book {
        if !folder.rights.can_read() {
            return Err(super::object::need_privilege(
                state.paths.external(&book.sub_path()),
                "read",
            ));
        }
    }
    let ctx = BookContext {
        store: state.store.clone(),
        paths: state.paths.clone(),
        book: Arc::new(book.clone()),
        me: me.user.id,
        context: me.user.context_id,
    };
    match request {
        ReportRequest::AddressbookMultiget { props, hrefs } => Ok(multiget(ctx, props, hrefs)),
        ReportRequest::AddressbookQuery {
            props,
            filter,
            limit,
        } => Ok(query(ctx, props, filter, limit)),
        ReportRequest::SyncCollection {
            sync_token,
            limit,
            props,
            ..
        } => sync(ctx, sync_token, limit, props).await,
        _ => Err(Precondition::SupportedReport.into()),
    }
}

/// What every report's stream needs, owned so the stream can outlive the handler.
#[derive(Clone)]
struct BookContext {
    store: DynStore,
    paths: DavPaths,
    book: Arc<AddressBook>,
    me: UserId,
    context: i64,
}

impl BookContext {
    fn collection_href(&self) -> String {
        self.paths.external(&self.book.sub_path())
    }
}

impl MemberView for BookContext {
    fn store(&self) -> &DynStore {
        &self.store
    }

    fn paths(&self) -> &DavPaths {
        &self.paths
    }

    fn context(&self) -> ContextId {
        self.context
    }

    fn collection_sub_path(&self) -> String {
        self.book.sub_path()
    }

    fn href(&self, folder: FolderId, name: &str) -> String {
        self.paths
            .external(&self.book.member_sub_path(folder, name))
    }

    fn locate(&self, member_name: &str) -> Option<(FolderId, String)> {
        let located = self.book.locate(member_name)?;
        Some((located.folder.id(), located.name))
    }

    fn may_read(&self, object: &StoredObject) -> bool {
        self.book
            .folder(object.folder_id)
            .is_some_and(|f| f.rights.can_read_object(object.user_id, self.me))
    }

    fn reads_all(&self, folder: FolderId) -> bool {
        self.book
            .folder(folder)
            .is_some_and(|f| f.rights.can_read_all())
    }

    fn wants_data(&self, props: &ReportProps) -> bool {
        props.address_data.is_some()
    }

    fn content_type(&self) -> &'static str {
        VCARD_CONTENT_TYPE
    }

    fn member_response(&self, object: &StoredObject, props: &ReportProps) -> DavResponse {
        let data = props
            .address_data
            .as_ref()
            .map(|request| (KnownProp::AddressData, address_data(object, request)));
        self.response_with(object, data, props)
    }
}

/// The vCard as the client asked for it: as stored unless a version or a subset of
/// properties was requested.
fn address_data(object: &StoredObject, request: &AddressDataRequest) -> Vec<u8> {
    if *request == AddressDataRequest::default() {
        object.data.clone()
    } else {
        ContactObject::render(&object.data, request)
    }
}

/// addressbook-query: every member of every folder, parsed once and tested; at most
/// `limit` matches, then a 507.
fn query(
    ctx: BookContext,
    props: ReportProps,
    filter: AddressFilter,
    limit: Option<u32>,
) -> Response {
    let limit = limit.map(u64::from).unwrap_or(u64::MAX);
    let collection_href = ctx.collection_href();
    let folders = ctx.book.folder_ids();
    let store = ctx.store.clone();
    let context = ctx.context;
    // One folder after the other: each stream opens when the previous one is done.
    let objects = stream::iter(folders)
        .flat_map(move |folder| store.object_stream(context, folder, MemberFilter::default()));
    let rest = objects
        .filter_map(move |object| {
            let found = match object {
                Ok(object) => query_match(&ctx, &object, &filter, &props).map(Ok),
                Err(err) => Some(Err(DavError::from(err))),
            };
            futures::future::ready(found)
        })
        .boxed();
    let rest = at_most(rest, limit, collection_href);
    streaming::multistatus(Vec::new(), rest, streaming::no_token())
}

/// The response for `object` when the user may read it and it passes `filter`.
fn query_match(
    ctx: &BookContext,
    object: &StoredObject,
    filter: &AddressFilter,
    props: &ReportProps,
) -> Option<DavResponse> {
    if !ctx.may_read(object) {
        return None;
    }
    let parsed = ContactObject::parse(&object.data).ok()?;
    parsed
        .matches(filter)
        .then(|| ctx.member_response(object, props))
}

/// What the client's token says it has seen: a sequence, and for the aggregated
/// collection the folders it spanned then.
fn parse_token(book: &AddressBook, token: Option<&str>) -> Result<Option<SpanToken>, DavError> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let parsed = match book {
        AddressBook::Folder(folder) => {
            parse_sync_token(token).map(|seq| SpanToken::new(seq, &[folder.id()]))
        }
        AddressBook::Aggregated(_) => SpanToken::parse(token),
    };
    parsed.map(Some).ok_or(Precondition::ValidSyncToken.into())
}

/// sync-collection: members changed since the token (all members for an empty token),
/// deleted ones as 404, at most `limit` with a 507 and a token to resume from.
async fn sync(
    ctx: BookContext,
    token: Option<String>,
    limit: Option<u32>,
    props: ReportProps,
) -> Result<Response, DavError> {
    let seen = parse_token(&ctx.book, token.as_deref())?;
    let since = seen.as_ref().map_or(0, |t| t.seq);
    check_since(&ctx.store, ctx.context, since).await?;
    let folders = ctx.book.folder_ids();
    let seqs = ctx.store.folder_seqs(ctx.context, &folders).await?;
    let current = seqs.values().copied().max().unwrap_or(0).max(since);
    let (kept, came, left) = match &seen {
        None => (folders.clone(), Vec::new(), Vec::new()),
        Some(seen) => split_folders(&folders, &seen.folders),
    };
    let props = Arc::new(props);
    // Changes inside folders the client already had, cut off at the limit.
    let changes = ctx
        .store
        .sync_stream(ctx.context, &kept, since, MemberFilter::default());
    let limited = LimitedSync::new(changes, since, current, limit);
    // Folders that came in: their members, all new; folders that left: every member the
    // client may hold (the live ones, and those deleted since its token), all gone.
    let joined = ctx
        .store
        .sync_stream(ctx.context, &came, 0, MemberFilter::default());
    let gone_live = ctx
        .store
        .sync_stream(ctx.context, &left, 0, MemberFilter::default());
    let gone_deleted = ctx
        .store
        .sync_stream(ctx.context, &left, since, MemberFilter::default())
        .filter(|m| futures::future::ready(m.as_ref().map_or(true, |m| m.deleted)));
    let gone = gone_live
        .chain(gone_deleted)
        .map(|member| {
            member.map(|mut member| {
                member.deleted = true;
                member
            })
        })
        .map(|m| m.map_err(DavError::from));
    let set_changes = gone
        .chain(joined.map(|m| m.map_err(DavError::from)))
        .boxed();
    let rest = sync_responses(
        ctx.clone(),
        set_changes.chain(limited.members).boxed(),
        props,
    )
    .chain(limited.progress.ending(ctx.collection_href()))
    .boxed();
    let book = ctx.book.clone();
    let tail = limited.progress.token(move |seq| book.sync_token(seq));
    Ok(streaming::multistatus(Vec::new(), rest, tail))
}

/// `folders` (now) against `seen` (the token's): those in both, those that came in, those
/// that left.
fn split_folders(
    folders: &[FolderId],
    seen: &[FolderId],
) -> (Vec<FolderId>, Vec<FolderId>, Vec<FolderId>) {
    let kept = folders
        .iter()
        .copied()
        .filter(|f| seen.contains(f))
        .collect();
    let came = folders
        .iter()
        .copied()
        .filter(|f| !seen.contains(f))
        .collect();
    let left = seen
        .iter()
        .copied()
        .filter(|f| !folders.contains(f))
        .collect();
    (kept, came, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_sets_split_into_kept_joined_and_left() {
        assert_eq!(
            split_folders(&[6, 12, 30], &[6, 30, 44]),
            (vec![6, 30], vec![12], vec![44])
        );
        assert_eq!(split_folders(&[6], &[6]), (vec![6], vec![], vec![]));
    }
}
