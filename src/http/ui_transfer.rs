//! What the browser page's import and export (`ui::transfer`) need of the DAV paths: an
//! item stored exactly as a PUT with `If-None-Match: *` stores it (the same checks, the
//! same rights, the same conditional write; calendar objects without implicit
//! scheduling, so an import sends no invitations), and members as their reader may see
//! them (others' private events busy-only).

use http::{header, HeaderMap, HeaderValue};

use super::error::DavError;
use super::object::{put_member, MemberTarget};
use super::private_view::as_seen;
use super::AppState;
use crate::access::DavUser;
use crate::caldav::{write, CalendarCollection, SyncWindow};
use crate::carddav::AddressBook;
use crate::config::props;
use crate::dav::Precondition;
use crate::store::{Folder, StoredObject, UserId};

/// Where an import stores.
pub enum ImportInto<'a> {
    Calendar(&'a CalendarCollection),
    AddressBook(&'a AddressBook),
}

/// Stores `body` as the new member `name` (never replacing one); the reason a client
/// would be given when it is refused.
pub async fn put_new(
    state: &AppState,
    me: &DavUser,
    into: ImportInto<'_>,
    name: &str,
    body: &[u8],
) -> Result<(), String> {
    let mut headers = HeaderMap::new();
    headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
    let outcome = match into {
        ImportInto::Calendar(collection) => {
            // An imported event may refer to managed attachments only as a PUT may.
            super::attachment_post::check_written_ids(state, me, collection, name, body)
                .await
                .map_err(reason)?;
            let strict = me
                .config
                .get::<props::IntervalStrict>()
                .then(|| SyncWindow::of(&me.config));
            let target = MemberTarget::calendar(state, collection, name);
            let build = || {
                let requirements = write::Requirements {
                    strict_window: strict.as_ref(),
                    limits: &state.limits.content,
                };
                Ok(write::prepare(
                    collection,
                    name,
                    body,
                    None,
                    requirements,
                    me.user.id,
                )?)
            };
            put_member(state, me, &target, &headers, build, |other| {
                Precondition::CalendarNoUidConflict(other.to_owned())
            })
            .await
        }
        ImportInto::AddressBook(book) => {
            super::contact::put(state, me, book, name, &headers, body).await
        }
    };
    outcome.map(|_| ()).map_err(reason)
}

/// The reason of a refused write, as the page shows it.
fn reason(err: DavError) -> String {
    match err {
        DavError::Refused(refusal) => refusal.reason,
        DavError::Precondition(
            Precondition::CalendarNoUidConflict(_) | Precondition::AddressbookNoUidConflict(_),
        ) => "another item of the collection has this UID".into(),
        DavError::Precondition(Precondition::NeedPrivileges(_)) => {
            "you may not add items to this collection".into()
        }
        DavError::PreconditionFailed(_) => "an item of this name exists already".into(),
        DavError::Store(err) => {
            tracing::warn!(error = %err, "import: store error");
            "the database did not store it; try again later".into()
        }
        other => other.to_string(),
    }
}

/// `object` of `folder` as `me` may read it.
pub fn as_read(folder: &Folder, object: StoredObject, me: UserId) -> StoredObject {
    as_seen(folder, &object, me).into_owned()
}
