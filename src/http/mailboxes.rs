//! The scheduling mailboxes of the calendar home (RFC 6638 2.1, 2.2): PROPFIND of the
//! inbox, its messages and the outbox; calendar-multiget and sync-collection on the
//! inbox; GET, HEAD and DELETE of messages. Messages are iTIP objects (with METHOD), so
//! they are served as stored and never read as calendar object resources.

use std::sync::Arc;

use axum::response::Response;
use futures::stream::{self, StreamExt};
use http::{HeaderMap, Method};

use super::error::DavError;
use super::object::{delete_member, entity_response, not_modified, read_member, MemberTarget};
use super::paths::DavPaths;
use super::propfind::{answer, dead_props, listing, member_response};
use super::propfind_answer::MemberAnswer;
use super::proppatch::{dead_property_bounds, PatchedFolder, Target};
use super::report_members::{multiget, sync_responses, MemberView};
use super::streaming;
use super::sync::{check_since, readable_only, LimitedSync};
use super::AppState;
use crate::access::{DavUser, FolderRights};
use crate::caldav::mailboxes::{outbox_properties, outbox_sub_path, INBOX_MESSAGE_CONTENT_TYPE};
use crate::caldav::{home, ScheduleInbox};
use crate::dav::report::{parse_report_within, ReportProps, ReportRequest};
use crate::dav::{Depth, KnownProp, Precondition, PropfindRequest, Response as DavResponse};
use crate::scheduling::inbox::inbox_folder;
use crate::store::{ContextId, DynStore, FolderId, FolderModule, MemberData, MemberFilter, UserId};
use crate::sync_token::{parse_sync_token, sync_token};

/// PROPFIND of the inbox: itself, and with Depth 1 its messages.
pub(super) async fn propfind_inbox(
    state: &AppState,
    me: &DavUser,
    inbox: ScheduleInbox,
    depth: Depth,
    request: PropfindRequest,
) -> Result<Response, DavError> {
    let first = vec![inbox_response(state, me, &inbox, &request).await?];
    let members = match inbox.folder() {
        Some(folder) if depth == Depth::One => listing(
            state,
            me,
            vec![folder],
            MemberFilter::default(),
            {
                let paths = state.paths.clone();
                move |_: FolderId, name: &str| paths.external(&ScheduleInbox::member_sub_path(name))
            },
            INBOX_MESSAGE_CONTENT_TYPE,
            Arc::new(request),
        ),
        _ => stream::empty().boxed(),
    };
    Ok(streaming::multistatus(
        first,
        members,
        streaming::no_token(),
    ))
}

/// PROPFIND of one message.
pub(super) async fn propfind_message(
    state: &AppState,
    me: &DavUser,
    inbox: &ScheduleInbox,
    name: &str,
    request: &PropfindRequest,
) -> Result<Response, DavError> {
    let folder = inbox.folder().ok_or(DavError::NotFound)?;
    let href = state.paths.external(&ScheduleInbox::member_sub_path(name));
    member_response(
        state,
        me,
        folder,
        name,
        href,
        INBOX_MESSAGE_CONTENT_TYPE,
        (request, None),
    )
    .await
}

/// PROPFIND of the outbox, which has no members at any depth.
pub(super) fn propfind_outbox(
    state: &AppState,
    me: &DavUser,
    request: &PropfindRequest,
) -> Response {
    streaming::multistatus(
        vec![outbox_response(state, me, request)],
        stream::empty().boxed(),
        streaming::no_token(),
    )
}

/// The responses of both mailboxes, as the calendar home lists them with Depth 1.
pub(super) async fn home_responses(
    state: &AppState,
    me: &DavUser,
    inbox: &ScheduleInbox,
    request: &PropfindRequest,
) -> Result<Vec<DavResponse>, DavError> {
    Ok(vec![
        inbox_response(state, me, inbox, request).await?,
        outbox_response(state, me, request),
    ])
}

async fn inbox_response(
    state: &AppState,
    me: &DavUser,
    inbox: &ScheduleInbox,
    request: &PropfindRequest,
) -> Result<DavResponse, DavError> {
    let seq = match inbox.folder() {
        Some((id, _)) => state.store.folder_seq(me.user.context_id, id).await?,
        None => 0,
    };
    let default_calendar = default_calendar_href(state, me).await?;
    let live = inbox.properties(&state.paths, seq, default_calendar);
    let dead = match inbox.folder() {
        Some((id, _)) => {
            let bounds = dead_property_bounds(&state.limits.properties);
            let stored = state
                .store
                .dead_properties_within(me.user.context_id, id, "", bounds)
                .await?;
            dead_props(stored)
        }
        None => Vec::new(),
    };
    Ok(answer(
        state.paths.external(&ScheduleInbox::sub_path()),
        &live,
        &dead,
        request,
    ))
}

fn outbox_response(state: &AppState, me: &DavUser, request: &PropfindRequest) -> DavResponse {
    answer(
        state.paths.external(&outbox_sub_path()),
        &outbox_properties(&state.paths, me.user.id),
        &[],
        request,
    )
}

/// The href of the user's default calendar as her calendar home lists it; None when
/// the home does not list it.
async fn default_calendar_href(state: &AppState, me: &DavUser) -> Result<Option<String>, DavError> {
    let Some(folder) = state
        .store
        .default_folder(me.user.context_id, me.user.id, FolderModule::Calendar)
        .await?
    else {
        return Ok(None);
    };
    Ok(home::calendar(&state.store, me, folder.id)
        .await?
        .map(|calendar| state.paths.external(&calendar.sub_path())))
}

/// The inbox as PROPPATCH changes it: its folder, made now if no delivery has made it
/// (the client's properties need a place), with its live properties protected.
pub(super) async fn patched_inbox(
    state: &AppState,
    me: &DavUser,
) -> Result<PatchedFolder, DavError> {
    let folder = inbox_folder(&state.store, me.user.context_id, me.user.id).await?;
    Ok(PatchedFolder {
        id: folder.id,
        href: state.paths.external(&ScheduleInbox::sub_path()),
        can_administer: folder.owner_id == Some(me.user.id),
        target: Target::ScheduleInbox,
    })
}

/// The target of GET, HEAD and DELETE of message `name` in `folder` (the inbox's, with
/// the owner's rights).
fn message_target<'a>(
    state: &AppState,
    (folder, rights): &'a (FolderId, FolderRights),
    name: &'a str,
) -> MemberTarget<'a> {
    MemberTarget {
        folder: *folder,
        name,
        rights,
        href: state.paths.external(&ScheduleInbox::member_sub_path(name)),
        collection_href: state.paths.external(&ScheduleInbox::sub_path()),
        private_in: None,
        quota: None,
    }
}

/// GET or HEAD of a message: its bytes as delivered.
pub(super) async fn get(
    state: &AppState,
    me: &DavUser,
    inbox: &ScheduleInbox,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let folder = inbox.folder().ok_or(DavError::NotFound)?;
    let object = read_member(state, me, &message_target(state, &folder, name)).await?;
    if let Some(response) = not_modified(headers, &object)? {
        return Ok(response);
    }
    Ok(entity_response(
        method,
        crate::caldav::CALENDAR_CONTENT_TYPE,
        crate::dav::member::quoted_etag(&object.etag),
        object.modified_at,
        object.data,
    ))
}

/// DELETE of a message (how a client says it has processed it), under `If-Match`.
pub(super) async fn delete(
    state: &AppState,
    me: &DavUser,
    inbox: &ScheduleInbox,
    name: &str,
    headers: &HeaderMap,
) -> Result<Response, DavError> {
    let folder = inbox.folder().ok_or(DavError::NotFound)?;
    delete_member(state, me, &message_target(state, &folder, name), headers).await
}

/// A REPORT on the inbox or, with `at_member`, on one of its messages (multiget only):
/// calendar-multiget and sync-collection. calendar-query and free-busy-query read
/// calendar object resources, which messages are not: 403 `DAV:supported-report`.
pub(super) async fn report(
    state: &AppState,
    me: &DavUser,
    inbox: &ScheduleInbox,
    body: &axum::body::Bytes,
    at_member: bool,
) -> Result<Response, DavError> {
    let request = state.body_parsers.parse(body, parse_report_within).await?;
    let view = InboxView {
        store: state.store.clone(),
        paths: state.paths.clone(),
        context: inbox.context,
        folder: inbox.folder(),
        me: me.user.id,
    };
    match request {
        ReportRequest::CalendarMultiget { props, hrefs } => Ok(multiget(view, props, hrefs)),
        ReportRequest::SyncCollection {
            sync_token,
            limit,
            props,
            ..
        } if !at_member => sync(view, sync_token, limit, props).await,
        _ => Err(Precondition::SupportedReport.into()),
    }
}

/// sync-collection on the inbox: messages delivered since the token, deleted ones 404.
/// An inbox without a folder has had no messages: nothing changed since any token.
async fn sync(
    view: InboxView,
    token: Option<String>,
    limit: Option<u32>,
    props: ReportProps,
) -> Result<Response, DavError> {
    let since = match token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => parse_sync_token(token).ok_or(Precondition::ValidSyncToken)?,
    };
    let context = view.context;
    check_since(&view.store, context, since).await?;
    let (members, current) = match view.folder {
        Some((folder, rights)) => {
            let current = view.store.folder_seq(context, folder).await?.max(since);
            let members =
                view.store
                    .sync_stream(context, &[folder], since, MemberFilter::default());
            let me = view.me;
            let members = readable_only(members, move |_, creator| {
                rights.can_read_object(creator, me)
            });
            (members, current)
        }
        None => (stream::empty().boxed(), since),
    };
    let limited = LimitedSync::new(members, since, current, limit);
    let href = view.paths.external(&ScheduleInbox::sub_path());
    let rest = sync_responses(view, limited.members, Arc::new(props))
        .chain(limited.progress.ending(href))
        .boxed();
    let tail = limited.progress.token(sync_token);
    Ok(streaming::multistatus(Vec::new(), rest, tail))
}

/// The inbox as its reports read messages: calendar-data is the message as stored.
#[derive(Clone)]
struct InboxView {
    store: DynStore,
    paths: DavPaths,
    context: ContextId,
    /// The inbox's folder and the owner's rights on it; None before the first delivery.
    folder: Option<(FolderId, FolderRights)>,
    me: UserId,
}

impl MemberView for InboxView {
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
        ScheduleInbox::sub_path()
    }

    fn href(&self, _folder: FolderId, name: &str) -> String {
        self.paths.external(&ScheduleInbox::member_sub_path(name))
    }

    fn locate(&self, member_name: String) -> Option<(FolderId, String)> {
        self.folder.map(|(id, _)| (id, member_name))
    }

    fn may_read(&self, _folder: FolderId, author: Option<UserId>) -> bool {
        self.folder
            .is_some_and(|(_, rights)| rights.can_read_object(author, self.me))
    }

    fn asked_data(&self, props: &ReportProps) -> Option<KnownProp> {
        props
            .calendar_data
            .as_ref()
            .map(|_| KnownProp::CalendarData)
    }

    fn content_type(&self) -> &'static str {
        INBOX_MESSAGE_CONTENT_TYPE
    }

    fn member_response(
        &self,
        object: &MemberData,
        props: &ReportProps,
        plan: &MemberAnswer,
    ) -> DavResponse {
        let data = props.calendar_data.as_ref().map(|_| object.data.as_slice());
        self.response_with(object, data, plan)
    }
}
