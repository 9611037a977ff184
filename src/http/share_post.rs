//! POST of a sharing request (Apple's calendarserver-sharing) to a calendar or a folder
//! address book: a `CS:share` body whose sets grant users read (OX viewer) or read-write
//! (OX author) access and whose removes take a user's permission away. Only who may
//! administer the folder may share it; every sharee is checked before anything is
//! written, and all changes are written in one transaction, so a refused request changes
//! nothing. Success is 200 without a body, as Apple's server answers.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, StatusCode};

use super::body_parsing::refused;
use super::error::DavError;
use super::object::need_privilege;
use super::AppState;
use crate::access::share::{can_share, permission_for, sharees};
use crate::access::{DavUser, FolderRights};
use crate::caldav::CalendarCollection;
use crate::carddav::collection::ContactFolder;
use crate::dav::share_body::{parse_share_within, ShareBodyError, ShareChange};
use crate::dav::{AclCondition, Precondition, Refusal};
use crate::scheduling::addresses::{mail_of, resolve, CalendarUser};
use crate::store::{Folder, Permission, StoreError, UserCard, UserId};

/// A sharing request to a calendar or task list.
pub(super) async fn calendar(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, DavError> {
    let href = state.paths.external(&collection.sub_path());
    share(
        state,
        me,
        (&collection.folder, &collection.rights),
        href,
        headers,
        body,
    )
    .await
}

/// A sharing request to the address book of one contact folder.
pub(super) async fn address_book(
    state: &AppState,
    me: &DavUser,
    book: &ContactFolder,
    href: String,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, DavError> {
    share(state, me, (&book.folder, &book.rights), href, headers, body).await
}

async fn share(
    state: &AppState,
    me: &DavUser,
    (folder, rights): (&Folder, &FolderRights),
    href: String,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, DavError> {
    // Changing who has access is changing the folder's access control list.
    if !can_share(folder, rights) {
        return Err(need_privilege(href, "write-acl"));
    }
    if !is_xml(headers) {
        return Err(DavError::Status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a sharing request is an XML document (text/xml or application/xml)".into(),
        ));
    }
    let max = state.limits.max_sharees_per_request;
    let changes = state
        .body_parsers
        .parse(body, move |body, budget| {
            parse_share_within(body, budget, max)
        })
        .await
        .map_err(|e| match e {
            ShareBodyError::TooManySharees(_) => DavError::Forbidden(e.to_string()),
            e => refused("sharing request body", &e, e.exceeded()),
        })?;
    let plan = plan(state, me, folder, &changes).await?;
    let (set, remove): (Vec<Permission>, Vec<UserId>) = plan.into_iter().fold(
        (Vec::new(), Vec::new()),
        |(mut set, mut remove), (user, change)| {
            match change {
                Some(permission) => set.push(permission),
                None => remove.push(user),
            }
            (set, remove)
        },
    );
    match state
        .store
        .change_permissions(me.user.context_id, folder.id, &set, &remove)
        .await
    {
        Ok(()) => Ok(StatusCode::OK.into_response()),
        // Deleted meanwhile.
        Err(StoreError::NotFound) => Err(DavError::NotFound),
        Err(other) => Err(other.into()),
    }
}

/// Each user's new permission (None: removed), the last change naming a user winning;
/// refused as a whole at the first sharee that cannot be one.
async fn plan(
    state: &AppState,
    me: &DavUser,
    folder: &Folder,
    changes: &[ShareChange],
) -> Result<BTreeMap<UserId, Option<Permission>>, DavError> {
    let context = me.user.context_id;
    // The current sharees, for removes naming one by an address no longer resolved (a
    // disabled user's).
    let current: Vec<UserId> = sharees(folder).map(|(user, _)| user).collect();
    let cards = state.store.user_cards(context, &current).await?;
    let mut plan = BTreeMap::new();
    for change in changes {
        let href = change.href();
        let named = resolve(&state.store, &state.paths, context, href).await?;
        match change {
            ShareChange::Set { access, .. } => {
                let user = match named {
                    Some(CalendarUser::User(user)) => user.id,
                    Some(CalendarUser::Group(_) | CalendarUser::Resource(_)) => {
                        return Err(not_a_sharee(format!(
                            "{href} names a group or a resource; collections are shared \
                             with users"
                        )))
                    }
                    None => {
                        return Err(not_a_sharee(format!(
                            "{href} names no user this collection can be shared with"
                        )))
                    }
                };
                if Some(user) == folder.owner_id {
                    return Err(not_a_sharee(format!(
                        "{href} is the owner of this collection, who keeps full access"
                    )));
                }
                if user == me.user.id {
                    return Err(not_a_sharee(format!(
                        "{href} is you: your own access is not changed by sharing"
                    )));
                }
                plan.insert(user, Some(permission_for(user, *access)));
            }
            ShareChange::Remove { .. } => {
                let user = match named {
                    Some(CalendarUser::User(user)) => Some(user.id),
                    _ => current_sharee(&cards, href),
                };
                if user.is_some() && user == folder.owner_id {
                    return Err(not_a_sharee(format!(
                        "{href} is the owner of this collection, whose access cannot be \
                         removed"
                    )));
                }
                // Removing somebody who has no access changes nothing, as in Apple's
                // server; the answer is the same whoever the address names.
                if let Some(user) = user {
                    plan.insert(user, None);
                }
            }
        }
    }
    Ok(plan)
}

/// The current sharee whose mail address `href` is.
fn current_sharee(cards: &[UserCard], href: &str) -> Option<UserId> {
    let mail = mail_of(href)?;
    cards
        .iter()
        .find(|card| card.mail.eq_ignore_ascii_case(mail))
        .map(|card| card.id)
}

fn not_a_sharee(reason: String) -> DavError {
    Refusal::new(Precondition::Acl(AclCondition::RecognizedPrincipal), reason).into()
}

/// An XML media type, or none given (the body decides then).
fn is_xml(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return true;
    };
    let media = value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    media == "text/xml" || media == "application/xml" || media.ends_with("+xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_media_types_or_none_are_taken() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            is_xml(&headers)
        };
        assert!(is_xml(&HeaderMap::new()));
        assert!(with("text/xml"));
        assert!(with("application/xml; charset=\"utf-8\""));
        assert!(with("Text/XML;charset=UTF-8"));
        assert!(!with("text/calendar"));
        assert!(!with("text/plain"));
    }

    #[test]
    fn removes_match_current_sharees_by_mail() {
        let cards = vec![UserCard {
            id: 4,
            mail: "bob@example.com".into(),
            display_name: "Bob".into(),
            enabled: false,
        }];
        assert_eq!(current_sharee(&cards, "MAILTO:Bob@Example.com"), Some(4));
        assert_eq!(current_sharee(&cards, "mailto:carol@example.com"), None);
        assert_eq!(current_sharee(&cards, "/principals/users/4/"), None);
    }
}
