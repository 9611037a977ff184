//! REPORT on address books: addressbook-multiget, addressbook-query (RFC 6352 8.6, 8.7)
//! and sync-collection (RFC 6578), on a folder's address book and on the aggregated one.
//! Responses stream; data is read in batches of 500 names per folder, members folder by
//! folder, so memory stays flat however many contacts the address book holds.
//!
//! The aggregated collection's sync token names the folders it spanned. When that set
//! has changed since the client's token, the members of folders that came in are reported
//! as new and those of folders that left as deleted, instead of a forced full resync. The
//! token is the client's word, so a folder it names must be a contact folder the user may
//! read now; otherwise the token is refused (403 `DAV:valid-sync-token`) and the client
//! syncs afresh, learning nothing of a folder it may no longer read.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::response::Response;
use futures::stream::{self, StreamExt};

use super::error::DavError;
use super::paths::DavPaths;
use super::propfind_answer::MemberAnswer;
use super::report_members::{
    at_most, by_collection, home_multistatus, multiget, multiget_responses, not_found,
    sync_responses, MemberView,
};
use super::streaming;
use super::sync::{check_since, readable_only, LimitedSync};
use super::AppState;
use crate::access::{DavUser, FolderRights};
use crate::carddav::home::{reachable_address_books, readable_contact_folders};
use crate::carddav::AddressBook;
use crate::content::card_query::{AddressDataRequest, AddressFilter};
use crate::content::vcard::{ContactObject, VCARD_CONTENT_TYPE};
use crate::dav::report::{parse_report_within, ReportProps, ReportRequest};
use crate::dav::{KnownProp, Precondition, Response as DavResponse};
use crate::store::{ContextId, DynStore, FolderId, MemberData, MemberFilter, UserId};
use crate::sync_token::{parse_sync_token, SpanToken};

/// A REPORT on `book`, or, with `at_member`, on one of its members, where only
/// addressbook-multiget applies (RFC 6352 8.7); its hrefs are read as on the book.
pub(super) async fn report(
    state: &AppState,
    me: &DavUser,
    book: &AddressBook,
    body: &Bytes,
    at_member: bool,
) -> Result<Response, DavError> {
    let request = state.body_parsers.parse(body, parse_report_within).await?;
    if at_member && !matches!(request, ReportRequest::AddressbookMultiget { .. }) {
        return Err(Precondition::SupportedReport.into());
    }
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
        } => sync(state, me, ctx, sync_token, limit, props).await,
        _ => Err(Precondition::SupportedReport.into()),
    }
}

/// addressbook-multiget on the address book home with hrefs in several address books
/// (as calendar-multiget on the calendar home, RFC 4791 7.9): each book's hrefs answered
/// as a multiget on it would; an href in no address book the user may read answers 404.
pub(super) async fn home_multiget(
    state: &AppState,
    me: &DavUser,
    props: ReportProps,
    hrefs: Vec<String>,
) -> Result<Response, DavError> {
    let (groups, mut answered) = by_collection(&state.paths, "carddav", hrefs);
    let mut books = reachable_address_books(&state.store, me).await?;
    let mut parts = Vec::new();
    for (segment, group) in groups {
        match books.remove(&segment).filter(readable) {
            Some(book) => {
                let ctx = BookContext {
                    store: state.store.clone(),
                    paths: state.paths.clone(),
                    book: Arc::new(book),
                    me: me.user.id,
                    context: me.user.context_id,
                };
                parts.push(multiget_responses(ctx, props.clone(), group));
            }
            None => answered.extend(not_found(group)),
        }
    }
    Ok(home_multistatus(answered, parts))
}

/// A folder's address book needs the read right; the aggregated one shows only what the
/// user may read.
fn readable(book: &AddressBook) -> bool {
    match book {
        AddressBook::Folder(folder) => folder.rights.can_read(),
        AddressBook::Aggregated(_) => true,
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

    fn locate(&self, member_name: String) -> Option<(FolderId, String)> {
        let located = self.book.locate(&member_name)?;
        Some((located.folder.id(), located.name))
    }

    fn may_read(&self, folder: FolderId, author: Option<UserId>) -> bool {
        self.book
            .folder(folder)
            .is_some_and(|f| f.rights.can_read_object(author, self.me))
    }

    fn asked_data(&self, props: &ReportProps) -> Option<KnownProp> {
        props.address_data.as_ref().map(|_| KnownProp::AddressData)
    }

    fn content_type(&self) -> &'static str {
        VCARD_CONTENT_TYPE
    }

    fn member_response(
        &self,
        object: &MemberData,
        props: &ReportProps,
        plan: &MemberAnswer,
    ) -> DavResponse {
        let data = props
            .address_data
            .as_ref()
            .map(|request| address_data(object, request));
        self.response_with(object, data.as_deref(), plan)
    }
}

/// The vCard as the client asked for it: as stored unless a version or a subset of
/// properties was requested.
fn address_data<'a>(object: &'a MemberData, request: &AddressDataRequest) -> Cow<'a, [u8]> {
    if *request == AddressDataRequest::default() {
        Cow::Borrowed(&object.data)
    } else {
        Cow::Owned(ContactObject::render(&object.data, request))
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
    let plan = ctx.plan(&props);
    // One folder after the other: each stream opens when the previous one is done.
    let objects = stream::iter(folders)
        .flat_map(move |folder| store.object_stream(context, folder, MemberFilter::default()));
    let rest = objects
        .filter_map(move |object| {
            let found = match object {
                Ok(object) => query_match(&ctx, &object.into(), &filter, &props, &plan).map(Ok),
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
    object: &MemberData,
    filter: &AddressFilter,
    props: &ReportProps,
    plan: &MemberAnswer,
) -> Option<DavResponse> {
    if !ctx.may_read(object.folder_id, object.user_id) {
        return None;
    }
    let parsed = ContactObject::parse(&object.data).ok()?;
    parsed
        .matches(filter)
        .then(|| ctx.member_response(object, props, plan))
}

/// What the client's token says it has seen: a sequence, and for the aggregated
/// collection the folders it spanned then (at most `max_folders`).
fn parse_token(
    book: &AddressBook,
    token: Option<&str>,
    max_folders: usize,
) -> Result<Option<SpanToken>, DavError> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let parsed = match book {
        AddressBook::Folder(folder) => {
            parse_sync_token(token).map(|seq| SpanToken::new(seq, &[folder.id()]))
        }
        AddressBook::Aggregated(_) => SpanToken::parse(token, max_folders),
    };
    parsed.map(Some).ok_or(Precondition::ValidSyncToken.into())
}

/// sync-collection: members changed since the token (all members for an empty token),
/// deleted ones as 404, at most `limit` with a 507 and a token to resume from; only
/// members the user may read.
async fn sync(
    state: &AppState,
    me: &DavUser,
    ctx: BookContext,
    token: Option<String>,
    limit: Option<u32>,
    props: ReportProps,
) -> Result<Response, DavError> {
    // A token davgate issued names at most the folders the book spanned then; more than
    // the limit only when the book spans that many.
    let max_folders = state
        .limits
        .sync
        .max_token_folders
        .max(ctx.book.folders().len());
    let seen = parse_token(&ctx.book, token.as_deref(), max_folders)?;
    let since = seen.as_ref().map_or(0, |t| t.seq);
    check_since(&ctx.store, ctx.context, since).await?;
    let folders = ctx.book.folder_ids();
    let seqs = ctx.store.folder_seqs(ctx.context, &folders).await?;
    let current = seqs.values().copied().max().unwrap_or(0).max(since);
    let (kept, came, left) = match &seen {
        None => (folders.clone(), Vec::new(), Vec::new()),
        Some(seen) => split_folders(&folders, &seen.folders),
    };
    // A folder that left is reported only if the user may read it now: the token is the
    // client's word, and of a folder the user may no longer (or never could) read, even
    // the names of its members tell too much. Any other folder makes the token invalid,
    // and the client syncs afresh.
    let departed = readable_contact_folders(&ctx.store, me, &left).await?;
    if departed.len() != left.len() {
        return Err(Precondition::ValidSyncToken.into());
    }
    let rights: Arc<HashMap<FolderId, FolderRights>> = Arc::new(
        ctx.book
            .folders()
            .iter()
            .chain(&departed)
            .map(|f| (f.id(), f.rights))
            .collect(),
    );
    // The members of `folders` changed after `since` that the user may read.
    let readable_since = |folders: &[FolderId], since: i64| {
        let (rights, me) = (rights.clone(), ctx.me);
        let members = ctx
            .store
            .sync_stream(ctx.context, folders, since, MemberFilter::default());
        readable_only(members, move |folder, creator| {
            rights
                .get(&folder)
                .is_some_and(|r| r.can_read_object(creator, me))
        })
    };
    let props = Arc::new(props);
    // Changes inside folders the client already had, cut off at the limit.
    let limited = LimitedSync::new(readable_since(&kept, since), since, current, limit);
    // Folders that came in: their members, all new; folders that left: every member the
    // client may hold (the live ones, and those deleted since its token), all gone.
    let joined = readable_since(&came, 0);
    let gone_live = readable_since(&left, 0);
    let gone_deleted = readable_since(&left, since)
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
