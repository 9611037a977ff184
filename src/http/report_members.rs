//! What calendar and address book reports share: multiget and the responses of a sync,
//! both reading member data in batches of 500 names per folder. A collection takes part
//! through `MemberView`; a calendar is a view over one folder, the aggregated address
//! book one over several.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use axum::response::Response;
use futures::future::{self, FutureExt};
use futures::stream::{self, BoxStream, StreamExt};
use http::StatusCode;

use super::error::DavError;
use super::paths::DavPaths;
use super::propfind_answer::MemberAnswer;
use super::read_ahead;
use super::request_path::{self, PathError};
use super::streaming;
use super::sync::too_many;
use crate::dav::headers::reference_path;
use crate::dav::member::MemberFacts;
use crate::dav::report::ReportProps;
use crate::dav::{KnownProp, PropValue, Response as DavResponse};
use crate::store::{ContextId, DynStore, FolderId, MemberData, SyncMember, UserId};

/// What an href of a report names: a member of the collection (folder and stored name),
/// nothing in it, or no resource at all (a path no resource can have).
type HrefTarget = Result<Option<(FolderId, String)>, PathError>;

/// The collection as a report's hrefs are read against it: its href as this server
/// writes it, and its decoded path segments, which an href's must repeat.
pub(super) struct HrefScope {
    href: String,
    segments: Result<Vec<String>, PathError>,
}

/// Whether `byte` may stand in a URI path segment as it is (RFC 3986 `pchar`, with the
/// `%` of an escape): an href of such bytes reads the same before and after parsing.
fn is_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:@".contains(&byte)
}

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
    fn locate(&self, member_name: String) -> Option<(FolderId, String)>;
    /// Whether the user may read a member of `folder` created by `author` (folders with
    /// "read own" show only their own).
    fn may_read(&self, folder: FolderId, author: Option<UserId>) -> bool;
    /// The property that carries member data (calendar-data, address-data), when the
    /// report asks for it.
    fn asked_data(&self, props: &ReportProps) -> Option<KnownProp>;
    /// The media type members are served as.
    fn content_type(&self) -> &'static str;
    /// The response for one member, with its data when the report asks for it; `plan`
    /// is `self.plan(props)`.
    fn member_response(
        &self,
        object: &MemberData,
        props: &ReportProps,
        plan: &MemberAnswer,
    ) -> DavResponse;

    /// How the report's members are answered, worked out once per report.
    fn plan(&self, props: &ReportProps) -> MemberAnswer {
        MemberAnswer::carrying(&props.request, self.asked_data(props))
    }

    /// What ends a multiget after its members: nothing, unless the view left data out.
    fn ending(&self) -> BoxStream<'static, Result<DavResponse, DavError>> {
        stream::empty().boxed()
    }

    /// The response for `object`: its live properties, with `data` (calendar-data,
    /// address-data) among them when given, as `plan` (`self.plan(props)`) answers,
    /// written at once (`MemberAnswer::written`).
    fn response_with(
        &self,
        object: &MemberData,
        data: Option<&[u8]>,
        plan: &MemberAnswer,
    ) -> DavResponse {
        let href = self.href(object.folder_id, &object.resource_name);
        let text = data.map(text_of);
        plan.written(href, &self.facts(object), text.as_deref())
    }

    /// As `response_with`, but with the properties as values, for a response that
    /// changes afterwards.
    fn propstats_with(
        &self,
        object: &MemberData,
        data: Option<&[u8]>,
        plan: &MemberAnswer,
    ) -> DavResponse {
        let data = data.map(|data| PropValue::Text(text_of(data).into_owned()));
        plan.response_with(
            self.href(object.folder_id, &object.resource_name),
            &self.facts(object),
            data,
        )
    }

    /// What a listing shows of `object`.
    fn facts<'a>(&self, object: &'a MemberData) -> MemberFacts<'a> {
        MemberFacts {
            etag: &object.etag,
            size: object.data.len() as i64,
            modified_at: object.modified_at,
            content_type: self.content_type(),
        }
    }

    /// The folder and stored name an href (as a client sends it) names, if it names a
    /// member of this collection; an error when its path cannot name any resource (a
    /// NUL, a dot segment, a malformed escape), which the multiget answers on its own.
    /// `scope` is `href_scope()`, worked out once per report.
    fn locate_href(&self, href: &str, scope: &HrefScope) -> HrefTarget {
        let collection = scope.segments.as_ref().map_err(Clone::clone)?;
        // The href as this server writes it (the collection's href and a name with only
        // path characters): the name is its last segment, decoded.
        if let Some(rest) = href.strip_prefix(scope.href.as_str()) {
            if !rest.is_empty() && rest.bytes().all(is_path_byte) {
                // Usually the name alone, decoded at once.
                if !rest.contains('/') {
                    return Ok(self.locate(request_path::segment(rest)?));
                }
                let name = request_path::segments(rest)?.pop();
                return Ok(name.and_then(|name| self.locate(name)));
            }
        }
        let Some(sub) = reference_path(href).and_then(|path| self.paths().strip_external(&path))
        else {
            return Ok(None);
        };
        let mut segments = request_path::segments(&sub)?;
        let Some(name) = segments.pop() else {
            return Ok(None);
        };
        if segments != *collection {
            return Ok(None);
        }
        Ok(self.locate(name))
    }

    /// What every href of a report is compared with.
    fn href_scope(&self) -> HrefScope {
        let sub = self.collection_sub_path();
        HrefScope {
            href: self.paths().external(&sub),
            segments: request_path::segments(&sub),
        }
    }

    /// Members of `folder` by name, ordered by name: one query (the callers pass at most
    /// a batch).
    fn objects_named(
        &self,
        folder: FolderId,
        names: Vec<String>,
    ) -> impl Future<Output = Result<Vec<MemberData>, DavError>> + Send {
        let store = self.store().clone();
        let context = self.context();
        async move {
            if names.is_empty() {
                return Ok(Vec::new());
            }
            Ok(store.objects_by_names(context, folder, &names).await?)
        }
    }
}

/// The members a batch read, by folder, each folder's ordered by name (as the store
/// returns them), so that a member is found by binary search without a map of names.
#[derive(Default)]
struct Found(BTreeMap<FolderId, Vec<MemberData>>);

impl Found {
    /// Whether `folder` was read (its members are known, found or not).
    fn read(&self, folder: FolderId) -> bool {
        self.0.contains_key(&folder)
    }

    fn get(&self, folder: FolderId, name: &str) -> Option<&MemberData> {
        let members = self.0.get(&folder)?;
        members
            .binary_search_by(|member| member.resource_name.as_str().cmp(name))
            .ok()
            .map(|at| &members[at])
    }
}

/// Member data as text: as it is when it is UTF-8 (checked with `str::from_utf8`, many
/// bytes at a time, where `String::from_utf8_lossy` walks it in chunks), else with
/// replacement characters.
fn text_of(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(data),
    }
}

/// The members of `wanted` (folder, names) by folder, one query per folder.
async fn fetch<V: MemberView>(
    view: V,
    wanted: BTreeMap<FolderId, Vec<String>>,
) -> Result<Found, DavError> {
    let mut found = Found::default();
    for (folder, names) in wanted {
        found
            .0
            .insert(folder, view.objects_named(folder, names).await?);
    }
    Ok(found)
}

/// multiget: each href answered in order, found members fetched in batches of 500
/// hrefs, one query per folder and batch.
pub(super) fn multiget<V: MemberView>(view: V, props: ReportProps, hrefs: Vec<String>) -> Response {
    streaming::multistatus(
        Vec::new(),
        multiget_responses(view, props, hrefs),
        streaming::no_token(),
    )
}

/// The responses of a multiget of `hrefs` in `view`, then what ends it. Each batch's
/// members are read ahead (`read_ahead`): the store reads the next batch while this one
/// is written.
pub(super) fn multiget_responses<V: MemberView>(
    view: V,
    props: ReportProps,
    hrefs: Vec<String>,
) -> BoxStream<'static, Result<DavResponse, DavError>> {
    let plan = view.plan(&props);
    let ending = view.ending();
    let scope = view.href_scope();
    let mut located = hrefs.into_iter().map(|href| {
        let target = view.locate_href(&href, &scope);
        (href, target)
    });
    let mut batches: Vec<Vec<(String, HrefTarget)>> = Vec::new();
    loop {
        let batch: Vec<_> = located.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        batches.push(batch);
    }
    let reader = view.clone();
    let reads = stream::iter(batches.into_iter().enumerate())
        .map(move |(index, batch)| {
            let mut wanted: BTreeMap<FolderId, Vec<String>> = BTreeMap::new();
            for (folder, name) in batch
                .iter()
                .filter_map(|(_, t)| t.as_ref().ok().and_then(Option::as_ref))
            {
                wanted.entry(*folder).or_default().push(name.clone());
            }
            read_ahead::batch(index, fetch(reader.clone(), wanted))
                .map(move |found| found.map(|found| (batch, found)))
        })
        .buffered(read_ahead::BATCHES_AHEAD);
    let answered = reads.map(move |read| {
        let (batch, found) = read?;
        Ok::<_, DavError>(
            batch
                .into_iter()
                .map(|(href, target)| {
                    // An href no resource can have is answered on its own; the rest of
                    // the report goes on.
                    let Ok(target) = target else {
                        return DavResponse::with_status(href, StatusCode::BAD_REQUEST);
                    };
                    let object = target
                        .and_then(|(folder, name)| found.get(folder, &name))
                        .filter(|o| view.may_read(o.folder_id, o.user_id));
                    match object {
                        Some(object) => view.member_response(object, &props, &plan),
                        None => DavResponse::with_status(href, StatusCode::NOT_FOUND),
                    }
                })
                .collect(),
        )
    });
    streaming::flatten_batches(answered).chain(ending).boxed()
}

/// The hrefs of a multiget on a home (`home` is `caldav` or `carddav`) grouped by the
/// collection segment they are below, in the order the collections first come; the
/// hrefs below no collection answered 404, those no resource can have 400.
pub(super) fn by_collection(
    paths: &DavPaths,
    home: &str,
    hrefs: Vec<String>,
) -> (Vec<(String, Vec<String>)>, Vec<DavResponse>) {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut answered = Vec::new();
    for href in hrefs {
        let Some(sub) = reference_path(&href).and_then(|path| paths.strip_external(&path)) else {
            answered.push(DavResponse::with_status(href, StatusCode::NOT_FOUND));
            continue;
        };
        match request_path::segments(&sub) {
            Ok(mut segments) if segments.len() == 3 && segments[0] == home => {
                let segment = segments.swap_remove(1);
                match groups.iter_mut().find(|(s, _)| *s == segment) {
                    Some((_, group)) => group.push(href),
                    None => groups.push((segment, vec![href])),
                }
            }
            Ok(_) => answered.push(DavResponse::with_status(href, StatusCode::NOT_FOUND)),
            Err(_) => answered.push(DavResponse::with_status(href, StatusCode::BAD_REQUEST)),
        }
    }
    (groups, answered)
}

/// 404 for each of `hrefs`.
pub(super) fn not_found(hrefs: Vec<String>) -> impl Iterator<Item = DavResponse> {
    hrefs
        .into_iter()
        .map(|href| DavResponse::with_status(href, StatusCode::NOT_FOUND))
}

/// The multistatus of a multiget on a home: what was answered at once, then each
/// collection's part.
pub(super) fn home_multistatus(
    answered: Vec<DavResponse>,
    parts: Vec<BoxStream<'static, Result<DavResponse, DavError>>>,
) -> Response {
    streaming::multistatus(
        answered,
        stream::iter(parts).flatten().boxed(),
        streaming::no_token(),
    )
}

/// Sync members as responses: deleted ones 404, live ones with their properties. Data
/// is read (in batches of 500, one query per folder, read ahead as a multiget's) only
/// when the report asks for it. `members` holds only what the user may read
/// (`sync::readable_only`).
pub(super) fn sync_responses<V: MemberView>(
    view: V,
    members: BoxStream<'static, Result<SyncMember, DavError>>,
    props: Arc<ReportProps>,
) -> BoxStream<'static, Result<DavResponse, DavError>> {
    let plan = view.plan(&props);
    let wants_data = view.asked_data(&props).is_some();
    let reader = view.clone();
    let reads = members
        .ready_chunks(BATCH)
        .enumerate()
        .map(move |(index, chunk)| {
            let members: Vec<SyncMember> = match chunk.into_iter().collect::<Result<_, _>>() {
                Ok(members) => members,
                Err(err) => return future::ready(Err(err)).left_future(),
            };
            let mut wanted: BTreeMap<FolderId, Vec<String>> = BTreeMap::new();
            for member in members.iter().filter(|m| wants_data && !m.deleted) {
                wanted
                    .entry(member.folder_id)
                    .or_default()
                    .push(member.resource_name.clone());
            }
            if wanted.is_empty() {
                return future::ready(Ok((members, Found::default()))).left_future();
            }
            read_ahead::batch(index, fetch(reader.clone(), wanted))
                .map(move |found| found.map(|found| (members, found)))
                .right_future()
        })
        .buffered(read_ahead::BATCHES_AHEAD);
    let answered = reads.map(move |read| {
        let (members, objects) = read?;
        let mut responses = Vec::with_capacity(members.len());
        for member in members {
            let href = view.href(member.folder_id, &member.resource_name);
            if member.deleted {
                responses.push(DavResponse::with_status(href, StatusCode::NOT_FOUND));
                continue;
            }
            if objects.read(member.folder_id) {
                match objects.get(member.folder_id, &member.resource_name) {
                    Some(object) if view.may_read(object.folder_id, object.user_id) => {
                        responses.push(view.member_response(object, &props, &plan))
                    }
                    // Not the user's to read: another writer changed its creator since.
                    Some(_) => {}
                    // Gone since the change was read.
                    None => responses.push(DavResponse::with_status(href, StatusCode::NOT_FOUND)),
                }
            } else {
                // No data asked for: the sync member's own facts answer.
                let facts = MemberFacts {
                    etag: member.etag.as_deref().unwrap_or(""),
                    size: member.size.unwrap_or(0),
                    modified_at: member.modified_at.unwrap_or(0),
                    content_type: view.content_type(),
                };
                responses.push(plan.written(href, &facts, None));
            }
        }
        Ok::<_, DavError>(responses)
    });
    streaming::flatten_batches(answered)
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

#[cfg(test)]
mod tests {
    use super::text_of;
    use std::borrow::Cow;

    #[test]
    fn member_data_is_served_as_stored_or_with_replacement_characters() {
        let stored = "SUMMARY:caf\u{e9}\r\n";
        assert!(matches!(text_of(stored.as_bytes()), Cow::Borrowed(text) if text == stored));
        assert_eq!(text_of(b"SUMMARY:caf\xe9\r\n"), "SUMMARY:caf\u{fffd}\r\n");
    }
}
