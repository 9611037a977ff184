//! PROPFIND (RFC 4918 9.1) on every kind of resource: Depth 0 and 1, `prop`, `allprop`
//! and `propname`; members of a calendar collection are streamed from the store.

use std::sync::Arc;

use axum::body::Bytes;
use axum::response::Response;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use http::HeaderMap;

use super::acl_props::{completed, members_with_acl, with_acl, AclOf, AclProps};
use super::body_parsing::refused;
use super::error::DavError;
use super::mailboxes;
use super::paths::member_href;
pub(super) use super::propfind_answer::answer;
use super::propfind_answer::MemberAnswer;
use super::resource::DavResource;
use super::share_props::ShareProps;
use super::streaming;
use super::AppState;
use crate::access::{DavUser, FolderRights};
use crate::caldav::attachment_limits::attachment_limit_props;
use crate::caldav::CALENDAR_CONTENT_TYPE;
use crate::caldav::{home, CalendarCollection, SyncWindow};
use crate::carddav::{self, AddressBook};
use crate::config::props;
use crate::content::vcard::VCARD_CONTENT_TYPE;
use crate::dav::member::{member_properties, MemberFacts};
use crate::dav::{
    Depth, KnownProp, Precondition, PropName, PropValue, PropfindRequest, Response as DavResponse,
};
use crate::principals::{EntryResource, PrincipalFacts};
use crate::quota::QuotaProps;
use crate::store::{FolderId, MemberFilter, ObjectSummary};

pub(super) async fn propfind(
    state: &AppState,
    me: &DavUser,
    resource: DavResource,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, DavError> {
    let depth = Depth::from_headers(headers, Depth::Infinity)?;
    if depth == Depth::Infinity {
        return Err(Precondition::PropfindFiniteDepth.into());
    }
    let request = state
        .body_parsers
        .parse(body, PropfindRequest::parse_within)
        .await
        .map_err(|e| refused("PROPFIND body", &e, e.exceeded()))?;
    match resource {
        DavResource::Entry(entry) => {
            let homes = matches!(
                entry,
                EntryResource::CalendarHome | EntryResource::AddressbookHome
            );
            let children = if depth == Depth::One && !homes {
                entry.children(&state.store, &me.user).await?
            } else {
                Vec::new()
            };
            let listed = std::iter::once(&entry).chain(&children);
            let facts = PrincipalFacts::load(&state.store, me, listed).await?;
            let quota = QuotaProps::load(state, me, &request).await?;
            let own = quota.of(homes.then_some(me.user.id));
            let mut responses = vec![entry_response(state, me, &entry, &facts, own, &request)];
            if depth == Depth::One {
                // (Resolving `/caldav/` already refused users without CalDAV.)
                if entry == EntryResource::CalendarHome {
                    // The inbox first: its folder takes the name from a calendar that had
                    // it, which the home then lists by id.
                    let mailboxes = match DavResource::mailboxes(&state.store, me).await? {
                        Some(inbox) => {
                            mailboxes::home_responses(state, me, &inbox, &request).await?
                        }
                        None => Vec::new(),
                    };
                    let collections = home::calendars(&state.store, me).await?;
                    let window = SyncWindow::of(&me.config);
                    responses.extend(
                        collection_responses(state, me, &collections, &window, &request).await?,
                    );
                    responses.extend(mailboxes);
                } else if entry == EntryResource::AddressbookHome {
                    let agent = crate::clients::user_agent(headers);
                    let books = carddav::home::address_books(&state.store, me, agent).await?;
                    responses.extend(book_responses(state, me, &books, &request).await?);
                } else {
                    for child in &children {
                        responses.push(entry_response(state, me, child, &facts, &[], &request));
                    }
                }
            }
            Ok(streaming::multistatus(
                responses,
                stream::empty().boxed(),
                streaming::no_token(),
            ))
        }
        DavResource::Calendar(collection) => {
            // One window for the collection's min/max-date-time and the members listed.
            let window = SyncWindow::of(&me.config);
            let first = collection_responses(
                state,
                me,
                std::slice::from_ref(&collection),
                &window,
                &request,
            )
            .await?;
            let members = if depth == Depth::One {
                let request = Arc::new(request);
                let acl = AclProps::of(&state.paths, &me.user, AclOf::Calendar(&collection), true);
                let members = member_responses(state, me, &collection, &window, request.clone());
                members_with_acl(acl, request, members)
            } else {
                stream::empty().boxed()
            };
            Ok(streaming::multistatus(
                first,
                members,
                streaming::no_token(),
            ))
        }
        DavResource::CalendarMember { collection, name } => {
            let href = state.paths.external(&collection.member_sub_path(&name));
            let acl = AclProps::of(&state.paths, &me.user, AclOf::Calendar(&collection), true);
            member_response(
                state,
                me,
                (collection.id(), collection.rights),
                &name,
                href,
                CALENDAR_CONTENT_TYPE,
                (&request, acl),
            )
            .await
        }
        DavResource::UnmappedCalendar(_) => Err(DavError::NotFound),
        DavResource::CalendarAttachment { .. } => Err(DavError::MethodNotAllowed {
            method: "PROPFIND".into(),
            allow: "OPTIONS, GET, HEAD",
        }),
        DavResource::ScheduleInbox(inbox) => {
            mailboxes::propfind_inbox(state, me, inbox, depth, request).await
        }
        DavResource::ScheduleInboxMessage { inbox, name } => {
            mailboxes::propfind_message(state, me, &inbox, &name, &request).await
        }
        DavResource::ScheduleOutbox => Ok(mailboxes::propfind_outbox(state, me, &request)),
        DavResource::AddressBook(book) => {
            let first = book_responses(state, me, std::slice::from_ref(&book), &request).await?;
            let members = if depth == Depth::One {
                let (of, request) = (AclOf::Book(&book), Arc::new(request));
                let acl = AclProps::of(&state.paths, &me.user, of, true);
                let members = book_member_responses(state, me, book, request.clone());
                members_with_acl(acl, request, members)
            } else {
                stream::empty().boxed()
            };
            Ok(streaming::multistatus(
                first,
                members,
                streaming::no_token(),
            ))
        }
        DavResource::AddressBookMember { book, name } => {
            let located = book.locate(&name).ok_or(DavError::NotFound)?;
            let folder = located.folder.id();
            let href = state
                .paths
                .external(&book.member_sub_path(folder, &located.name));
            let acl = AclProps::of(&state.paths, &me.user, AclOf::Book(&book), true);
            member_response(
                state,
                me,
                (folder, located.folder.rights),
                &located.name,
                href,
                VCARD_CONTENT_TYPE,
                (&request, acl),
            )
            .await
        }
    }
}

/// The one response of a PROPFIND on a member.
pub(super) async fn member_response(
    state: &AppState,
    me: &DavUser,
    (folder, rights): (FolderId, FolderRights),
    name: &str,
    href: String,
    content_type: &str,
    (request, acl): (&PropfindRequest, Option<AclProps>),
) -> Result<Response, DavError> {
    let object = state
        .store
        .object(me.user.context_id, folder, name)
        .await?
        .ok_or(DavError::NotFound)?;
    // As GET answers: a member the user may not read is not there for the user.
    if !rights.can_read_object(object.user_id, me.user.id) {
        return Err(DavError::NotFound);
    }
    let live = member_properties(
        &object.etag,
        object.data.len() as i64,
        object.modified_at,
        content_type,
        request,
    );
    let response = completed(acl, answer(href, &live, &[], request), request);
    Ok(streaming::multistatus(
        vec![response],
        stream::empty().boxed(),
        streaming::no_token(),
    ))
}

/// The address books' own responses: two queries whatever their number, one for the
/// folders' latest changes and one for the dead properties of folder address books.
async fn book_responses(
    state: &AppState,
    me: &DavUser,
    books: &[AddressBook],
    request: &PropfindRequest,
) -> Result<Vec<DavResponse>, DavError> {
    let context = me.user.context_id;
    let mut ids: Vec<i64> = books.iter().flat_map(AddressBook::folder_ids).collect();
    ids.sort_unstable();
    ids.dedup();
    let seqs = state.store.folder_seqs(context, &ids).await?;
    let own: Vec<i64> = books
        .iter()
        .filter_map(|b| match b {
            AddressBook::Folder(folder) => Some(folder.id()),
            AddressBook::Aggregated(_) => None,
        })
        .collect();
    let mut dead_properties = state
        .store
        .collections_dead_properties_within(context, &own, dead_property_bounds(state))
        .await?;
    let max_size = me.config.get::<props::MaxVCardSize>();
    let quota = QuotaProps::load(state, me, request).await?;
    let shares = ShareProps::load(state, me, books.iter().flat_map(shared_folder), request).await?;
    Ok(books
        .iter()
        .map(|book| {
            let mut live = book.properties(&state.paths, book.latest_seq(&seqs), max_size);
            live.extend_from_slice(quota.of(book.quota_owner(me.user.id)));
            match book {
                AddressBook::Folder(folder) => {
                    live.extend(shares.of(&state.paths, &folder.folder, &folder.rights));
                    live.extend(push_props(state, &folder.folder, &folder.rights));
                }
                // The user's own view: whoever may PROPFIND it may subscribe to it.
                AddressBook::Aggregated(aggregated) => {
                    live.extend(crate::push::props::aggregated_contacts_props(
                        state.push.as_deref(),
                        context,
                        aggregated.owner,
                    ))
                }
            }
            let dead = match book {
                AddressBook::Folder(folder) => {
                    dead_props(dead_properties.remove(&folder.id()).unwrap_or_default())
                }
                AddressBook::Aggregated(_) => Vec::new(),
            };
            let href = state.paths.external(&book.sub_path());
            let response = answer(href, &live, &dead, request);
            with_acl(
                &state.paths,
                &me.user,
                AclOf::Book(book),
                false,
                request,
                response,
            )
        })
        .collect())
}

/// WebDAV-Push's properties of a folder's collection, for those who may subscribe to it.
fn push_props(
    state: &AppState,
    folder: &crate::store::Folder,
    rights: &FolderRights,
) -> Vec<(crate::dav::KnownProp, PropValue)> {
    let settings = state.push.as_deref().filter(|_| rights.can_read());
    crate::push::props::folder_props(settings, folder.context_id, folder.id)
}

/// The folder of a folder address book, which may be shared (the aggregated one is not).
fn shared_folder(book: &AddressBook) -> Option<(&crate::store::Folder, &FolderRights)> {
    match book {
        AddressBook::Folder(folder) => Some((&folder.folder, &folder.rights)),
        AddressBook::Aggregated(_) => None,
    }
}

/// The members of every folder of the address book, folder after folder (each store
/// stream opens when the previous one is done).
fn book_member_responses(
    state: &AppState,
    me: &DavUser,
    book: AddressBook,
    request: Arc<PropfindRequest>,
) -> BoxStream<'static, Result<DavResponse, DavError>> {
    let folders = book
        .folders()
        .iter()
        .map(|folder| (folder.id(), folder.rights))
        .collect();
    let paths = state.paths.clone();
    let href_of =
        move |folder: FolderId, name: &str| paths.external(&book.member_sub_path(folder, name));
    listing(
        state,
        me,
        folders,
        MemberFilter::default(),
        href_of,
        VCARD_CONTENT_TYPE,
        request,
    )
}

/// The members of `folders` matching `filter` that the user may read (with the rights
/// they have in each folder), one response each as the store yields them, folder after
/// folder (each store stream opens when the previous one is done). `href_of` names a
/// member's href.
pub(super) fn listing(
    state: &AppState,
    me: &DavUser,
    folders: Vec<(FolderId, FolderRights)>,
    filter: MemberFilter,
    href_of: impl Fn(FolderId, &str) -> String + Send + Sync + 'static,
    content_type: &'static str,
    request: Arc<PropfindRequest>,
) -> BoxStream<'static, Result<DavResponse, DavError>> {
    let store = state.store.clone();
    let context = me.user.context_id;
    let reader = me.user.id;
    let href_of = Arc::new(href_of);
    let plan = Arc::new(MemberAnswer::new(&request));
    // Access control properties are added to each member afterwards
    // (`members_with_acl`), so those members are not written at once.
    let written = !AclProps::wanted(&request);
    stream::iter(folders)
        .flat_map(move |(folder, rights)| {
            let href_of = href_of.clone();
            let plan = plan.clone();
            store
                .object_summary_stream(context, folder, filter.clone())
                .try_filter(move |summary| {
                    futures::future::ready(rights.can_read_object(summary.user_id, reader))
                })
                .map(move |summary| {
                    let summary: ObjectSummary = summary?;
                    let href = href_of(folder, &summary.resource_name);
                    let facts = MemberFacts {
                        etag: &summary.etag,
                        size: summary.size,
                        modified_at: summary.modified_at,
                        content_type,
                    };
                    Ok(if written {
                        plan.written(href, &facts, None)
                    } else {
                        plan.response(href, &facts)
                    })
                })
        })
        .boxed()
}

/// How much of each collection's dead properties is served (`davgate.limits`): values
/// stored beyond the limits, before they existed or by another writer, stay stored but
/// are not read, so they cannot make every PROPFIND large.
fn dead_property_bounds(state: &AppState) -> crate::store::DeadPropertyBounds {
    super::proppatch::dead_property_bounds(&state.limits.properties)
}

pub(super) fn dead_props(stored: Vec<crate::store::DeadProperty>) -> Vec<(PropName, PropValue)> {
    stored
        .into_iter()
        .map(|p| {
            (
                PropName::new(crate::dav::Namespace::from_uri(&p.namespace), p.name),
                PropValue::Xml(p.value),
            )
        })
        .collect()
}

fn entry_response(
    state: &AppState,
    me: &DavUser,
    entry: &EntryResource,
    facts: &PrincipalFacts,
    quota: &[(KnownProp, PropValue)],
    request: &PropfindRequest,
) -> DavResponse {
    let href = state.paths.external(&entry.sub_path());
    let mut props = entry.properties(&me.user, &state.paths, facts);
    props.extend_from_slice(quota);
    let response = answer(href, &props, &[], request);
    with_acl(
        &state.paths,
        &me.user,
        AclOf::Entry(entry),
        false,
        request,
        response,
    )
}

/// The collections' own responses: live properties, then dead properties; two queries
/// whatever the number of collections.
async fn collection_responses(
    state: &AppState,
    me: &DavUser,
    collections: &[CalendarCollection],
    window: &SyncWindow,
    request: &PropfindRequest,
) -> Result<Vec<DavResponse>, DavError> {
    let context = me.user.context_id;
    let ids: Vec<i64> = collections.iter().map(CalendarCollection::id).collect();
    let seqs = state.store.folder_seqs(context, &ids).await?;
    let mut dead_properties = state
        .store
        .collections_dead_properties_within(context, &ids, dead_property_bounds(state))
        .await?;
    let quota = QuotaProps::load(state, me, request).await?;
    let folders = collections.iter().map(|c| (&c.folder, &c.rights));
    let shares = ShareProps::load(state, me, folders, request).await?;
    Ok(collections
        .iter()
        .map(|collection| {
            let seq = seqs.get(&collection.id()).copied().unwrap_or(0);
            let mut live = collection.properties(&state.paths, window, seq);
            live.extend_from_slice(quota.of(collection.folder.owner_id));
            live.extend(attachment_limit_props(&state.limits.attachments));
            live.extend(shares.of(&state.paths, &collection.folder, &collection.rights));
            live.extend(push_props(state, &collection.folder, &collection.rights));
            let dead = dead_props(dead_properties.remove(&collection.id()).unwrap_or_default());
            let href = state.paths.external(&collection.sub_path());
            let response = answer(href, &live, &dead, request);
            with_acl(
                &state.paths,
                &me.user,
                AclOf::Calendar(collection),
                false,
                request,
                response,
            )
        })
        .collect())
}

/// The members inside the user's sync `window`, one response each, as the store yields
/// them.
fn member_responses(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    window: &SyncWindow,
    request: Arc<PropfindRequest>,
) -> BoxStream<'static, Result<DavResponse, DavError>> {
    let filter = MemberFilter {
        window: window.bounds(),
        component: None,
    };
    let collection_href = state.paths.external(&collection.sub_path());
    let href_of = move |_: FolderId, name: &str| member_href(&collection_href, name);
    listing(
        state,
        me,
        vec![(collection.id(), collection.rights)],
        filter,
        href_of,
        CALENDAR_CONTENT_TYPE,
        request,
    )
}
