//! Address books made and removed over CardDAV: extended MKCOL (RFC 5689) with the
//! `CARDDAV:addressbook` resource type at `/carddav/<name>/` makes a private contact
//! folder owned by the user, with the properties the body sets, all or nothing; DELETE
//! removes an address book the user administers, never the default contact folder, the
//! global address list or the aggregated collection.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, StatusCode};

use super::body_parsing::refused;
use super::error::DavError;
use super::mkcalendar::check_body_type;
use super::new_collection::{create_owned, set_or_undo};
use super::object::need_privilege;
use super::proppatch::{not_xml, Target};
use super::AppState;
use crate::access::DavUser;
use crate::caldav::collection::is_id_shaped;
use crate::carddav::collection::AGGREGATED_SEGMENT;
use crate::carddav::{AddressBook, ContactFolder};
use crate::config::props;
use crate::dav::{check_new_name, parse_mkcol_within, refusal_body, ElementName, KnownProp};
use crate::dav::{Precondition, Refusal};
use crate::store::{FolderModule, GLOBAL_ADDRESS_BOOK};

fn location_refused(reason: impl Into<String>) -> DavError {
    Refusal::new(Precondition::AddressbookCollectionLocationOk, reason).into()
}

/// Whether a new address book may be called `segment`: not digits only (such paths
/// address folders by id, whoever's), not the aggregated collection's name, and a
/// name davgate stores.
fn check_name(state: &AppState, segment: &str) -> Result<(), DavError> {
    if is_id_shaped(segment) {
        return Err(location_refused(
            "an address book's name may not consist of digits only: such paths address folders by id",
        ));
    }
    if segment.eq_ignore_ascii_case(AGGREGATED_SEGMENT) {
        return Err(location_refused(format!(
            "{AGGREGATED_SEGMENT} is the aggregated address book's name"
        )));
    }
    check_new_name(segment, state.limits.names.max_resource_name_bytes)
        .map_err(|e| location_refused(e.to_string()))
}

/// Whether the user may own one more contact folder
/// (`davgate.limits.maxAddressBooksPerUser`): 507 with the reason when not. Concurrent
/// requests of one user may pass together, so the bound can be passed by as many.
async fn may_own_another(state: &AppState, me: &DavUser) -> Result<(), DavError> {
    let max = state.limits.collections.max_address_books_per_user;
    let owned = state
        .store
        .visible_folders(me.user.context_id, me.user.id)
        .await?
        .into_iter()
        .filter(|f| f.owner_id == Some(me.user.id) && f.module == FolderModule::Contacts)
        .count();
    if owned >= max {
        return Err(DavError::Status(
            StatusCode::INSUFFICIENT_STORAGE,
            format!("a user may own at most {max} address books; delete one first"),
        ));
    }
    Ok(())
}

/// MKCOL at `/carddav/<segment>/`, where no address book is.
pub(super) async fn create(
    state: &AppState,
    me: &DavUser,
    segment: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, DavError> {
    if !state.config.get::<props::AddressBookCreation>() {
        return Err(location_refused(
            "address books cannot be created on this server",
        ));
    }
    check_body_type(headers, body)?;
    let request = state
        .body_parsers
        .parse(body, parse_mkcol_within)
        .await
        .map_err(|e| refused("request body", &e, e.exceeded()))?;
    for (name, value) in &request.props {
        not_xml(name, Some(value))
            .map_err(|e| DavError::BadRequest(format!("request body: {e}")))?;
    }
    check_name(state, segment)?;
    if !request
        .resource_types
        .contains(&ElementName::carddav("addressbook"))
    {
        let requested: Vec<_> = request.props.iter().map(|(name, _)| name.clone()).collect();
        return Err(DavError::Xml(
            StatusCode::FORBIDDEN,
            refusal_body(
                true,
                &KnownProp::ResourceType.name(),
                StatusCode::FORBIDDEN,
                &requested,
                "only address books (CARDDAV:addressbook) can be created in the address book home",
            ),
        ));
    }
    if !me.user.has_module("contacts") {
        return Err(DavError::Forbidden(
            "the account may not use the contacts module".into(),
        ));
    }
    may_own_another(state, me).await?;
    let folder = create_owned(
        state,
        me,
        FolderModule::Contacts,
        segment.to_owned(),
        segment,
    )
    .await?;
    set_or_undo(state, me, &folder, Target::AddressBook, &request.props).await?;
    let location = state.paths.external(&format!(
        "/carddav/{}/",
        super::paths::encode_segment(segment)
    ));
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}

/// DELETE of an address book, with the rights a calendar's DELETE needs.
pub(super) async fn delete(
    state: &AppState,
    me: &DavUser,
    book: &AddressBook,
) -> Result<Response, DavError> {
    let href = state.paths.external(&book.sub_path());
    let folder: &ContactFolder = match book {
        AddressBook::Folder(folder) => folder,
        AddressBook::Aggregated(_) => return Err(need_privilege(href, "unbind")),
    };
    if !folder.rights.can_administer() {
        return Err(need_privilege(href, "unbind"));
    }
    if folder.folder.is_default || folder.id() == GLOBAL_ADDRESS_BOOK {
        return Err(DavError::Forbidden(
            "the default contact folder and the global address list cannot be deleted".into(),
        ));
    }
    state
        .store
        .delete_folder(me.user.context_id, folder.id())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
