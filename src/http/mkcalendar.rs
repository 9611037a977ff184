//! MKCALENDAR (RFC 4791 5.3.1) and extended MKCOL (RFC 5689) in the calendar home: a new
//! private calendar or task folder owned by the user, with the properties the body sets.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

use super::body_parsing::refused;
use super::error::DavError;
use super::proppatch::apply_to_folder;
use super::AppState;
use crate::access::DavUser;
use crate::caldav::CalendarKind;
use crate::dav::{parse_mkcalendar_within, parse_mkcol_within};
use crate::dav::{ElementName, KnownProp, Namespace, Precondition};
use crate::store::{
    FolderModule, FolderType, NewFolder, Permission, Role, StoreError, PRIVATE_ROOT,
};

pub(super) async fn mkcalendar(
    state: &AppState,
    me: &DavUser,
    segment: &str,
    body: &Bytes,
    extended_mkcol: bool,
) -> Result<Response, DavError> {
    let parse = if extended_mkcol {
        parse_mkcol_within
    } else {
        parse_mkcalendar_within
    };
    let request = state
        .body_parsers
        .parse(body, parse)
        .await
        .map_err(|e| refused("request body", &e, e.exceeded()))?;
    if extended_mkcol {
        let calendar = request
            .resource_types
            .iter()
            .any(|t| *t == ElementName::new(Namespace::CalDav, "calendar"));
        if !calendar {
            return Err(DavError::Forbidden(
                "only calendar collections can be created in the calendar home".into(),
            ));
        }
    }
    let kind = match request.supported_components() {
        None => CalendarKind::Events,
        Some(components) => {
            let events = components.iter().any(|c| c.eq_ignore_ascii_case("VEVENT"));
            let tasks = components.iter().any(|c| c.eq_ignore_ascii_case("VTODO"));
            match (events, tasks) {
                (true, _) => CalendarKind::Events,
                (false, true) => CalendarKind::Tasks,
                (false, false) => return Err(Precondition::SupportedCalendarComponent.into()),
            }
        }
    };
    if !me.user.has_module(kind.module_permission()) {
        return Err(DavError::Forbidden(format!(
            "the account may not use the {} module",
            kind.module_permission()
        )));
    }
    let display_name = request
        .props
        .iter()
        .find(|(name, _)| KnownProp::from_name(name) == Some(KnownProp::DisplayName))
        .map(|(_, value)| value.text().trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| segment.to_owned());
    let folder = state
        .store
        .create_folder(
            me.user.context_id,
            NewFolder {
                parent_id: PRIVATE_ROOT,
                module: match kind {
                    CalendarKind::Events => FolderModule::Calendar,
                    CalendarKind::Tasks => FolderModule::Tasks,
                },
                folder_type: FolderType::Private,
                owner_id: Some(me.user.id),
                name: display_name,
                color: None,
                description: None,
                permissions: vec![Permission::for_role(me.user.id, false, Role::Administrator)],
                sort_order: None,
                dav_name: Some(segment.to_owned()),
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::AlreadyExists(_) => DavError::Status(
                StatusCode::CONFLICT,
                format!("the name {segment:?} is taken by another collection"),
            ),
            other => other.into(),
        })?;
    let settable: Vec<_> = request
        .props
        .into_iter()
        .filter(|(name, _)| {
            !matches!(
                KnownProp::from_name(name),
                Some(KnownProp::DisplayName)
                    | Some(KnownProp::SupportedCalendarComponentSet)
                    | Some(KnownProp::ResourceType)
            )
        })
        .collect();
    if let Err(err) = apply_to_folder(state, me, folder.id, &settable).await {
        // A property the body could not set leaves no half-made calendar behind.
        state
            .store
            .delete_folder(me.user.context_id, folder.id)
            .await?;
        return Err(err);
    }
    let location = state.paths.external(&format!(
        "/caldav/{}/",
        super::paths::encode_segment(segment)
    ));
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}
