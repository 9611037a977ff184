//! The REPORTs of RFC 3744 9.2 and 9.3, both with `Depth: 0`:
//! - `DAV:acl-principal-prop-set` on a calendar or folder address book: the properties
//!   asked of each user and group principal its ACL names (`DAV:authenticated` is none),
//!   for viewers who may read the ACL (the owner, folder administrators; others get 403
//!   `DAV:need-privileges` read-acl).
//! - `DAV:principal-match`: with `DAV:self` on the principal collections, the viewer's
//!   principal and those of her groups; on a collection, nothing (no member is a
//!   principal). With `DAV:principal-property` `DAV:owner` on a calendar or address
//!   book, the members the viewer created that she may read (inside the sync window of
//!   calendars); other properties name no principal of a member, so nothing matches.
//!
//! Both list at most `davgate.limits.maxPrincipalSearchResults` resources and end with a
//! 507 `DAV:number-of-matches-within-limits` response for the request URI when more
//! match, as the principal searches do.

use axum::body::Bytes;
use axum::response::Response;
use futures::stream::{self, StreamExt, TryStreamExt};
use http::HeaderMap;

use super::error::DavError;
use super::object::need_privilege;
use super::propfind::answer;
use super::resource::DavResource;
use super::streaming;
use super::sync::too_many;
use super::AppState;
use crate::access::acl::{folder_aces, AcePrincipal};
use crate::access::{DavUser, FolderRights};
use crate::caldav::{SyncWindow, CALENDAR_CONTENT_TYPE};
use crate::carddav::AddressBook;
use crate::content::vcard::VCARD_CONTENT_TYPE;
use crate::dav::acl_body::{parse_acl_report_within, AclReport, PrincipalMatch};
use crate::dav::member::member_properties;
use crate::dav::{Depth, Namespace, Precondition, PropfindRequest, Response as DavResponse};
use crate::principals::search::{principals, Kinds};
use crate::principals::{EntryResource, PrincipalFacts};
use crate::store::{Folder, FolderId, MemberFilter};

pub(super) async fn report(
    state: &AppState,
    me: &DavUser,
    resource: &DavResource,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, DavError> {
    if let DavResource::UnmappedCalendar(_) = resource {
        return Err(DavError::NotFound);
    }
    if Depth::from_headers(headers, Depth::Zero)? != Depth::Zero {
        return Err(DavError::BadRequest(
            "the ACL reports are defined for Depth: 0 only".into(),
        ));
    }
    let request = state
        .body_parsers
        .parse(body, parse_acl_report_within)
        .await
        .map_err(|e| super::acl::body_refused("REPORT body", &e))?;
    let href = state.paths.external(&resource_sub_path(resource));
    let responses = match (request, resource) {
        (AclReport::PrincipalPropSet(props), _) => {
            let (folder, rights) = folder_of(resource).ok_or(Precondition::SupportedReport)?;
            if !rights.can_administer() {
                return Err(need_privilege(href, "read-acl"));
            }
            acl_principals(state, me, folder, &props, href).await?
        }
        (AclReport::PrincipalMatch { matching, props }, DavResource::Entry(entry)) => {
            if !entry.is_principal_collection() {
                return Err(Precondition::SupportedReport.into());
            }
            match matching {
                PrincipalMatch::SelfPrincipal => own_principals(state, me, entry, &props).await?,
                PrincipalMatch::Property(_) => Vec::new(),
            }
        }
        (AclReport::PrincipalMatch { matching, props }, _) => {
            let (folder, rights) = folder_of(resource).ok_or(Precondition::SupportedReport)?;
            match matching {
                PrincipalMatch::Property(name) if name.is(&Namespace::Dav, "owner") => {
                    let own = OwnMembers {
                        folder: folder.id,
                        rights,
                        resource,
                    };
                    own.responses(state, me, &props, href).await?
                }
                _ => Vec::new(),
            }
        }
    };
    Ok(streaming::multistatus(
        responses,
        stream::empty().boxed(),
        streaming::no_token(),
    ))
}

/// The folder of a calendar or folder address book, with the viewer's rights.
fn folder_of(resource: &DavResource) -> Option<(&Folder, FolderRights)> {
    match resource {
        DavResource::Calendar(c) => Some((&c.folder, c.rights)),
        DavResource::AddressBook(AddressBook::Folder(f)) => Some((&f.folder, f.rights)),
        _ => None,
    }
}

fn resource_sub_path(resource: &DavResource) -> String {
    match resource {
        DavResource::Calendar(c) => c.sub_path(),
        DavResource::AddressBook(book) => book.sub_path(),
        DavResource::Entry(entry) => entry.sub_path(),
        _ => "/".into(),
    }
}

/// At most `max` principals with the properties asked for, then the 507 for `href` when
/// there were more.
async fn principal_responses(
    state: &AppState,
    me: &DavUser,
    found: Vec<EntryResource>,
    props: &PropfindRequest,
    href: String,
) -> Result<Vec<DavResponse>, DavError> {
    let max = state.limits.max_principal_search_results;
    let more = found.len() > max;
    let listed: Vec<EntryResource> = found.into_iter().take(max).collect();
    let facts = PrincipalFacts::load(&state.store, me, &listed).await?;
    let mut responses: Vec<DavResponse> = listed
        .iter()
        .map(|principal| {
            let props_of = principal.properties(&me.user, &state.paths, &facts);
            answer(
                state.paths.external(&principal.sub_path()),
                &props_of,
                &[],
                props,
            )
        })
        .collect();
    if more {
        responses.push(too_many(href));
    }
    Ok(responses)
}

/// The user and group principals the folder's ACL names, users first, each by id.
async fn acl_principals(
    state: &AppState,
    me: &DavUser,
    folder: &Folder,
    props: &PropfindRequest,
    href: String,
) -> Result<Vec<DavResponse>, DavError> {
    let named: Vec<AcePrincipal> = folder_aces(folder).iter().map(|a| a.principal).collect();
    let kinds = Kinds {
        users: named.iter().any(|p| matches!(p, AcePrincipal::User(_))),
        rooms: false,
        equipment: false,
        groups: named.iter().any(|p| matches!(p, AcePrincipal::Group(_))),
    };
    let found = principals(&state.store, &me.user, kinds)
        .await?
        .into_iter()
        .filter(|principal| match principal {
            EntryResource::UserPrincipal(u) => named.contains(&AcePrincipal::User(u.id)),
            EntryResource::GroupPrincipal(g) => named.contains(&AcePrincipal::Group(g.id)),
            _ => false,
        })
        .collect();
    principal_responses(state, me, found, props, href).await
}

/// The viewer's principal and her groups', as far as they lie below `collection`.
async fn own_principals(
    state: &AppState,
    me: &DavUser,
    collection: &EntryResource,
    props: &PropfindRequest,
) -> Result<Vec<DavResponse>, DavError> {
    let below = Kinds::below(collection);
    let kinds = Kinds {
        users: false,
        rooms: false,
        equipment: false,
        groups: below.groups && !me.groups.is_empty(),
    };
    let mut found = Vec::new();
    if below.users {
        found.push(EntryResource::UserPrincipal(me.user.clone()));
    }
    found.extend(
        principals(&state.store, &me.user, kinds)
            .await?
            .into_iter()
            .filter(|p| matches!(p, EntryResource::GroupPrincipal(g) if me.groups.contains(&g.id))),
    );
    let href = state.paths.external(&collection.sub_path());
    principal_responses(state, me, found, props, href).await
}

/// The members of one folder that the viewer created.
struct OwnMembers<'a> {
    folder: FolderId,
    rights: FolderRights,
    resource: &'a DavResource,
}

impl OwnMembers<'_> {
    /// Read a page at a time; at most `maxPrincipalSearchResults` are listed.
    async fn responses(
        &self,
        state: &AppState,
        me: &DavUser,
        props: &PropfindRequest,
        href: String,
    ) -> Result<Vec<DavResponse>, DavError> {
        let (filter, content_type) = match self.resource {
            DavResource::Calendar(_) => {
                let window = SyncWindow::of(&me.config).bounds();
                let filter = MemberFilter {
                    window,
                    component: None,
                };
                (filter, CALENDAR_CONTENT_TYPE)
            }
            _ => (MemberFilter::default(), VCARD_CONTENT_TYPE),
        };
        let max = state.limits.max_principal_search_results;
        let me_id = me.user.id;
        let mut members =
            state
                .store
                .object_summary_stream(me.user.context_id, self.folder, filter);
        let mut responses = Vec::new();
        while let Some(summary) = members.try_next().await? {
            let mine = summary.user_id == Some(me_id);
            if !mine || !self.rights.can_read_object(summary.user_id, me_id) {
                continue;
            }
            if responses.len() == max {
                responses.push(too_many(href));
                break;
            }
            let sub = match self.resource {
                DavResource::Calendar(c) => c.member_sub_path(&summary.resource_name),
                DavResource::AddressBook(book) => {
                    book.member_sub_path(self.folder, &summary.resource_name)
                }
                _ => continue,
            };
            let live = member_properties(
                &summary.etag,
                summary.size,
                summary.modified_at,
                content_type,
                props,
            );
            responses.push(answer(state.paths.external(&sub), &live, &[], props));
        }
        Ok(responses)
    }
}
