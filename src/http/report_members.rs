//! What calendar and address book reports share: multiget and the responses of a sync,
//! both reading member data in batches of 500 names per folder. A collection takes part
//! through `MemberView`; a calendar is a view over one folder, the aggregated address
//! book one over several.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;

use axum::response::Response;
use futures::stream::{self, BoxStream, StreamExt};
use http::StatusCode;

use super::error::DavError;
use super::paths::{decode_path, DavPaths};
use super::propfind::answer;
use super::streaming;
use super::sync::too_many;
use crate::dav::headers::reference_path;
use crate::dav::member::member_properties;
use crate::dav::report::ReportProps;
use crate::dav::{KnownProp, PropValue, Response as DavResponse};
use crate::store::{ContextId, DynStore, FolderId, StoredObject, SyncMember};

/// Names fetched per store query when a report needs member data.
const BATCH: usize = 500;

/// A collection as its reports read members, owned so that streams can outlive the
/// handler.
pub(super) trait MemberView: Clone + Send + Sync + 'static {
    fn store(&self) -> &DynStore;
    fn paths(&self) -> &DavPaths;
    fn context(&self) -> ContextId;
    /// The collection's path below the DAV prefix.
    fn collection_sub_path(&self) -> String;
    /// The href of member `name` of `folder`.
    fn href(&self, folder: FolderId, name: &str) -> String;
    /// The folder and stored name behind a member name of the collection.
    fn locate(&self, member_name: &str) -> Option<(FolderId, String)>;
    /// Whether the user may read this member (folders with "read own" show only their own).
    fn may_read(&self, object: &StoredObject) -> bool;
    /// Whether the user may read every member of `folder` without looking at each.
    fn reads_all(&self, folder: FolderId) -> bool;
    /// Whether the report asks for member data (calendar-data, address-data).
    fn wants_data(&self, props: &ReportProps) -> bool;
    /// The media type members are served as.
    fn content_type(&self) -> &'static str;
    /// The response for one member, with its data when the report asks for it.
    fn member_response(&self, object: &StoredObject, props: &ReportProps) -> DavResponse;

    /// The response for `object`: its live properties, with `data` (calendar-data,
    /// address-data) among them when given, as `props` asks.
    fn response_with(
        &self,
        object: &StoredObject,
        data: Option<(KnownProp, Vec<u8>)>,
        props: &ReportProps,
    ) -> DavResponse {
        let mut live = member_properties(
            &object.etag,
            object.data.len() as i64,
            object.modified_at,
            self.content_type(),
        );
        if let Some((name, data)) = data {
            live.push((
                name,
                PropValue::Text(String::from_utf8_lossy(&data).into_owned()),
            ));
        }
        answer(
            self.href(object.folder_id, &object.resource_name),
            &live,
            &[],
            &props.request,
        )
    }

    /// The folder and stored name an href (as a client sends it) names, if it names a
    /// member of this collection.
    fn locate_href(&self, href: &str) -> Option<(FolderId, String)> {
        let sub = self.paths().strip_external(&reference_path(href)?)?;
        let decoded = decode_path(&sub).ok()?;
        let collection = decode_path(&self.collection_sub_path()).ok()?;
        let name = decoded.strip_prefix(&collection)?;
        if name.is_empty() || name.contains('/') {
            return None;
        }
        self.locate(name)
    }

    /// Members of `folder` by name: one query (the callers pass at most a batch).
    fn objects_named(
        &self,
        folder: FolderId,
        names: Vec<String>,
    ) -> impl Future<Output = Result<HashMap<String, StoredObject>, DavError>> + Send {
        let store = self.store().clone();
        let context = self.context();
        async move {
            if names.is_empty() {
                return Ok(HashMap::new());
            }
            Ok(store
                .objects_by_names(context, folder, &names)
                .await?
                .into_iter()
                .map(|o| (o.resource_name.clone(), o))
                .collect())
        }
    }
}

/// Members found by a batch query, shared by the responses that name them (a multiget
/// may name one member twice).
type Found = HashMap<FolderId, HashMap<String, Arc<StoredObject>>>;

/// The members of `wanted` (folder, names) by folder, one query per folder.
async fn fetch<V: MemberView>(
    view: &V,
    wanted: BTreeMap<FolderId, Vec<String>>,
) -> Result<Found, DavError> {
    let mut found = HashMap::new();
    for (folder, names) in wanted {
        let objects = view.objects_named(folder, names).await?;
        let objects = objects
            .into_iter()
            .map(|(name, object)| (name, Arc::new(object)))
            .collect();
        found.insert(folder, objects);
    }
    Ok(found)
}

/// multiget: each href answered in order, found members fetched in batches of 500
/// hrefs, one query per folder and batch. A response is built when the body needs it,
/// so one step of the stream renders one member, not a batch.
pub(super) fn multiget<V: MemberView>(view: V, props: ReportProps, hrefs: Vec<String>) -> Response {
    let props = Arc::new(props);
    let chunks: Vec<Vec<String>> = hrefs.chunks(BATCH).map(<[_]>::to_vec).collect();
    let fetcher = view.clone();
    let batches = stream::iter(chunks).then(move |chunk| {
        let view = fetcher.clone();
        async move {
            let located: Vec<(String, Option<(FolderId, String)>)> = chunk
                .into_iter()
                .map(|href| {
                    let target = view.locate_href(&href);
                    (href, target)
                })
                .collect();
            let mut wanted: BTreeMap<FolderId, Vec<String>> = BTreeMap::new();
            for (folder, name) in located.iter().filter_map(|(_, t)| t.as_ref()) {
                wanted.entry(*folder).or_default().push(name.clone());
            }
            let found = fetch(&view, wanted).await?;
            Ok::<_, DavError>(
                located
                    .into_iter()
                    .map(|(href, target)| {
                        let object = target
                            .and_then(|(folder, name)| found.get(&folder)?.get(&name).cloned())
                            .filter(|o| view.may_read(o));
                        (href, object)
                    })
                    .collect::<Vec<_>>(),
            )
        }
    });
    let responses = streaming::flatten_batches(batches).map(move |item| {
        item.map(|(href, object)| match object {
            Some(object) => view.member_response(&object, &props),
            None => DavResponse::with_status(href, StatusCode::NOT_FOUND),
        })
    });
    streaming::multistatus(Vec::new(), responses.boxed(), streaming::no_token())
}

/// What a sync reports of one member, its response not yet built.
enum SyncAnswer {
    /// Deleted, gone since the change was read, or not the user's to read.
    Gone(String),
    /// Read, for its data or because the user may read only some members.
    Read(Arc<StoredObject>),
    /// Described from the change log alone.
    Listed(String, SyncMember),
}

/// Sync members as responses: deleted ones 404, live ones with their properties. Data
/// is read (in batches of 500, one query per folder) only when the report asks for it
/// or the user may read only some members of a folder. As in `multiget`, each response
/// is built when the body needs it.
pub(super) fn sync_responses<V: MemberView>(
    view: V,
    members: BoxStream<'static, Result<SyncMember, DavError>>,
    props: Arc<ReportProps>,
) -> BoxStream<'static, Result<DavResponse, DavError>> {
    let fetcher = view.clone();
    let wanted_props = props.clone();
    let batches = members.ready_chunks(BATCH).then(move |chunk| {
        let view = fetcher.clone();
        let props = wanted_props.clone();
        async move {
            let members: Vec<SyncMember> = chunk.into_iter().collect::<Result<_, _>>()?;
            let wants_data = view.wants_data(&props);
            let mut wanted: BTreeMap<FolderId, Vec<String>> = BTreeMap::new();
            for member in members.iter().filter(|m| !m.deleted) {
                if wants_data || !view.reads_all(member.folder_id) {
                    wanted
                        .entry(member.folder_id)
                        .or_default()
                        .push(member.resource_name.clone());
                }
            }
            let objects = fetch(&view, wanted).await?;
            let mut answers = Vec::with_capacity(members.len());
            for member in members {
                let href = view.href(member.folder_id, &member.resource_name);
                if member.deleted {
                    answers.push(SyncAnswer::Gone(href));
                    continue;
                }
                let pending = match objects.get(&member.folder_id) {
                    Some(in_folder) => match in_folder.get(&member.resource_name) {
                        Some(object) if view.may_read(object) => SyncAnswer::Read(object.clone()),
                        _ => SyncAnswer::Gone(href),
                    },
                    None => SyncAnswer::Listed(href, member),
                };
                answers.push(pending);
            }
            Ok::<_, DavError>(answers)
        }
    });
    streaming::flatten_batches(batches)
        .map(move |item| {
            item.map(|pending| match pending {
                SyncAnswer::Gone(href) => DavResponse::with_status(href, StatusCode::NOT_FOUND),
                SyncAnswer::Read(object) => view.member_response(&object, &props),
                SyncAnswer::Listed(href, member) => {
                    let live = member_properties(
                        member.etag.as_deref().unwrap_or(""),
                        member.size.unwrap_or(0),
                        member.modified_at.unwrap_or(0),
                        view.content_type(),
                    );
                    answer(href, &live, &[], &props.request)
                }
            })
        })
        .boxed()
}

/// The first `limit` query matches, then (if there were more) a 507 for the collection
/// (RFC 5323 5.17, as CalDAV's and CardDAV's queries use it).
pub(super) fn at_most(
    matches: BoxStream<'static, Result<DavResponse, DavError>>,
    limit: u64,
    collection_href: String,
) -> BoxStream<'static, Result<DavResponse, DavError>> {
    matches
        .scan((0u64, false), move |(count, stopped), item| {
            let out = if *stopped {
                None
            } else if *count >= limit {
                *stopped = true;
                Some(Ok(too_many(collection_href.clone())))
            } else {
                *count += 1;
                Some(item)
            };
            futures::future::ready(out)
        })
        .boxed()
}
