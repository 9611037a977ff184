//! PROPPATCH on calendar collections and folder address books (RFC 4918 9.2): display
//! name and description (and a calendar's colour and order) are stored on the folder,
//! anything else as a dead property; all or nothing, with 403 / 409 for the failing
//! properties and 424 for the rest.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::body_parsing::refused;
use super::error::DavError;
use super::object::need_privilege;
use super::AppState;
use crate::access::DavUser;
use crate::caldav::CalendarCollection;
use crate::dav::dead_value::non_xml_char;
use crate::dav::{DeadValue, PropOperation, ProppatchRequest};
use crate::dav::{KnownProp, Multistatus, PropName, PropValue, Response as DavResponse};
use crate::limits::PropertyLimits;
use crate::store::{DeadProperty, DeadPropertyBounds, FolderId, FolderUpdate, StoreError};

/// What one requested change means for a calendar collection.
#[derive(Debug)]
enum Change {
    Name(String),
    Description(Option<String>),
    Color(Option<String>),
    Order(Option<i32>),
    SetDead(PropName, DeadValue),
    RemoveDead(PropName),
}

/// The kind of collection a PROPPATCH changes: which live properties it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Calendar,
    AddressBook,
    /// The scheduling inbox: its live properties are all protected; clients keep
    /// their own as dead properties.
    ScheduleInbox,
}

/// The folder behind the collection a PROPPATCH names.
pub(super) struct PatchedFolder {
    pub id: FolderId,
    pub href: String,
    pub can_administer: bool,
    pub target: Target,
}

impl PatchedFolder {
    pub fn calendar(state: &AppState, collection: &CalendarCollection) -> Self {
        PatchedFolder {
            id: collection.id(),
            href: state.paths.external(&collection.sub_path()),
            can_administer: collection.rights.can_administer(),
            target: Target::Calendar,
        }
    }
}

pub(super) async fn proppatch(
    state: &AppState,
    me: &DavUser,
    folder: PatchedFolder,
    body: &Bytes,
) -> Result<Response, DavError> {
    let request = state
        .body_parsers
        .parse(body, ProppatchRequest::parse_within)
        .await
        .map_err(|e| refused("PROPPATCH body", &e, e.exceeded()))?;
    for operation in &request.operations {
        let (name, value) = match operation {
            PropOperation::Set(name, value) => (name, Some(value)),
            PropOperation::Remove(name) => (name, None),
        };
        not_xml(name, value).map_err(|e| DavError::BadRequest(format!("PROPPATCH body: {e}")))?;
    }
    let href = folder.href;
    if !folder.can_administer {
        return Err(need_privilege(href, "write-properties"));
    }
    let limits = &state.limits.properties;
    let mut changes = Vec::new();
    let mut failures: Vec<(PropName, StatusCode)> = Vec::new();
    let mut reasons = Vec::new();
    for operation in request.operations {
        match classify(operation, folder.target) {
            Ok(change) => match within_limits(&change, limits) {
                Ok(()) => changes.push(change),
                Err(reason) => {
                    failures.push((
                        change_name(&change, folder.target),
                        StatusCode::INSUFFICIENT_STORAGE,
                    ));
                    reasons.push(reason);
                }
            },
            Err(failure) => failures.push(failure),
        }
    }
    let mut response = DavResponse::with_props(href);
    if !failures.is_empty() {
        for (name, status) in failures {
            response.add(status, crate::dav::Property::new(name, PropValue::Empty));
        }
        for change in &changes {
            response.failed_dependency(change_name(change, folder.target));
        }
        if !reasons.is_empty() {
            response = response.with_description(reasons.join("; "));
        }
        return Ok(multistatus(response));
    }
    match store_changes(state, me, folder.id, &changes).await {
        Ok(()) => {
            for change in &changes {
                response.found(change_name(change, folder.target), PropValue::Empty);
            }
        }
        // The dead properties would outgrow the resource's bounds: nothing was stored
        // (RFC 4918 9.2.1: 507 for what could not be recorded, 424 for the rest).
        Err(DavError::Store(StoreError::OverLimit(reason))) => {
            for change in &changes {
                let name = change_name(change, folder.target);
                if matches!(change, Change::SetDead(..)) {
                    response.add(
                        StatusCode::INSUFFICIENT_STORAGE,
                        crate::dav::Property::new(name, PropValue::Empty),
                    );
                } else {
                    response.failed_dependency(name);
                }
            }
            response = response.with_description(reason);
        }
        Err(other) => return Err(other),
    }
    Ok(multistatus(response))
}

/// The reason a property name or value is refused when it holds a character XML 1.0
/// does not allow, which a lenient parser may let through: it could not be written back
/// as well-formed XML, and PostgreSQL cannot store a NUL.
pub(super) fn not_xml(name: &PropName, value: Option<&DeadValue>) -> Result<(), String> {
    let found = non_xml_char(name.ns.uri())
        .or_else(|| non_xml_char(&name.local))
        .or_else(|| value.and_then(DeadValue::non_xml_char));
    match found {
        Some(c) => Err(format!(
            "{{{}}}{} holds U+{:04X}, which XML does not allow",
            name.ns.uri(),
            name.local,
            c as u32
        )),
        None => Ok(()),
    }
}

/// Whether the change fits `davgate.limits.maxPropertyValueBytes` (any value) and
/// `maxPropertyNameBytes` (a dead property's name); the reason when it does not.
fn within_limits(change: &Change, limits: &PropertyLimits) -> Result<(), String> {
    let (value, name) = match change {
        Change::Name(text) => (text.len(), None),
        Change::Description(text) | Change::Color(text) => {
            (text.as_ref().map_or(0, String::len), None)
        }
        Change::Order(_) | Change::RemoveDead(_) => (0, None),
        Change::SetDead(name, value) => (value.xml().len(), Some(name)),
    };
    if value > limits.max_value_bytes {
        return Err(format!(
            "a property value may hold at most {} bytes, this one has {value}",
            limits.max_value_bytes
        ));
    }
    if let Some(name) = name {
        let length = name.ns.uri().len() + name.local.len();
        if length > limits.max_name_bytes {
            return Err(format!(
                "a property name (namespace and local name) may hold at most {} bytes, this one has {length}",
                limits.max_name_bytes
            ));
        }
    }
    Ok(())
}

/// The bounds the store keeps a resource's dead properties in.
pub(super) fn dead_property_bounds(limits: &PropertyLimits) -> DeadPropertyBounds {
    let bound = |value: usize| i64::try_from(value).unwrap_or(i64::MAX);
    DeadPropertyBounds {
        max_value_bytes: bound(limits.max_value_bytes),
        max_count: bound(limits.max_dead_per_resource),
        max_total_bytes: bound(limits.max_dead_bytes_per_resource),
    }
}

fn multistatus(response: DavResponse) -> Response {
    let mut multistatus = Multistatus::new();
    multistatus.push(response);
    (
        StatusCode::MULTI_STATUS,
        [(http::header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        multistatus.to_xml(),
    )
        .into_response()
}

fn classify(operation: PropOperation, target: Target) -> Result<Change, (PropName, StatusCode)> {
    let (name, value) = match operation {
        PropOperation::Set(name, value) => (name, Some(value)),
        PropOperation::Remove(name) => (name, None),
    };
    if target == Target::ScheduleInbox {
        return match KnownProp::from_name(&name) {
            None => Ok(dead(name, value)),
            Some(_) => Err((name, StatusCode::FORBIDDEN)),
        };
    }
    let text = value.as_ref().map(|v| v.text().trim().to_owned());
    let calendar = target == Target::Calendar;
    let description = if calendar {
        KnownProp::CalendarDescription
    } else {
        KnownProp::AddressbookDescription
    };
    match (KnownProp::from_name(&name), text) {
        (Some(KnownProp::DisplayName), Some(text)) if !text.is_empty() => Ok(Change::Name(text)),
        (Some(KnownProp::DisplayName), _) => Err((name, StatusCode::CONFLICT)),
        (Some(known), text) if known == description => {
            Ok(Change::Description(text.filter(|t| !t.is_empty())))
        }
        (Some(KnownProp::CalendarColor), text) if calendar => {
            Ok(Change::Color(text.filter(|t| !t.is_empty())))
        }
        (Some(KnownProp::CalendarOrder), None) if calendar => Ok(Change::Order(None)),
        (Some(KnownProp::CalendarOrder), Some(text)) if calendar => match text.parse::<i32>() {
            Ok(order) => Ok(Change::Order(Some(order))),
            Err(_) => Err((name, StatusCode::CONFLICT)),
        },
        // Clients set the zone for floating times; davgate keeps it as given.
        (Some(KnownProp::CalendarTimezone), _) if calendar => Ok(dead(name, value)),
        // RFC 7809: a calendar's zone by TZID, one the time zone service knows.
        (None, Some(text)) if calendar && crate::tzdist::is_calendar_timezone_id(&name) => {
            match crate::tzdist::is_known_tzid(&text) {
                true => Ok(dead(name, value)),
                false => Err((name, StatusCode::FORBIDDEN)),
            }
        }
        (None, _) => Ok(dead(name, value)),
        (Some(_), _) => Err((name, StatusCode::FORBIDDEN)),
    }
}

fn dead(name: PropName, value: Option<DeadValue>) -> Change {
    match value {
        Some(value) => Change::SetDead(name, value),
        None => Change::RemoveDead(name),
    }
}

fn change_name(change: &Change, target: Target) -> PropName {
    match change {
        Change::Name(_) => KnownProp::DisplayName.name(),
        Change::Description(_) if target == Target::AddressBook => {
            KnownProp::AddressbookDescription.name()
        }
        Change::Description(_) => KnownProp::CalendarDescription.name(),
        Change::Color(_) => KnownProp::CalendarColor.name(),
        Change::Order(_) => KnownProp::CalendarOrder.name(),
        Change::SetDead(name, _) | Change::RemoveDead(name) => name.clone(),
    }
}

/// Stores the changes: folder columns in one update, dead properties in one transaction.
pub(super) async fn apply_to_folder(
    state: &AppState,
    me: &DavUser,
    folder: i64,
    target: Target,
    changes: &[(PropName, DeadValue)],
) -> Result<(), DavError> {
    let mut classified = Vec::new();
    for (name, value) in changes {
        match classify(PropOperation::Set(name.clone(), value.clone()), target) {
            Ok(change) => {
                within_limits(&change, &state.limits.properties)
                    .map_err(|reason| DavError::Status(StatusCode::INSUFFICIENT_STORAGE, reason))?;
                classified.push(change);
            }
            Err((name, _)) => {
                return Err(DavError::Forbidden(format!(
                    "property {{{}}}{} cannot be set",
                    name.ns.uri(),
                    name.local
                )))
            }
        }
    }
    store_changes(state, me, folder, &classified)
        .await
        .map_err(|err| match err {
            DavError::Store(StoreError::OverLimit(reason)) => {
                DavError::Status(StatusCode::INSUFFICIENT_STORAGE, reason)
            }
            other => other,
        })
}

async fn store_changes(
    state: &AppState,
    me: &DavUser,
    folder: i64,
    changes: &[Change],
) -> Result<(), DavError> {
    let mut update = FolderUpdate::default();
    let mut set = Vec::new();
    let mut remove = Vec::new();
    for change in changes {
        match change {
            Change::Name(name) => update.name = Some(name.clone()),
            Change::Description(d) => update.description = Some(d.clone()),
            Change::Color(c) => update.color = Some(c.clone()),
            Change::Order(o) => update.sort_order = Some(*o),
            Change::SetDead(name, value) => set.push(DeadProperty {
                namespace: name.ns.uri().to_owned(),
                name: name.local.clone(),
                value: value.xml().to_owned(),
            }),
            Change::RemoveDead(name) => remove.push((name.ns.uri().to_owned(), name.local.clone())),
        }
    }
    let context = me.user.context_id;
    // Dead properties first: they are what the resource's bounds may refuse, and a
    // refusal must leave the folder's own properties unchanged too.
    if !set.is_empty() || !remove.is_empty() {
        let bounds = dead_property_bounds(&state.limits.properties);
        state
            .store
            .update_dead_properties_within(context, folder, "", &set, &remove, bounds)
            .await?;
    }
    let folder_changes = update.name.is_some()
        || update.description.is_some()
        || update.color.is_some()
        || update.sort_order.is_some();
    if folder_changes {
        state.store.update_folder(context, folder, update).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What setting `prop` to `text` comes to on each kind of collection.
    fn outcome(prop: KnownProp, text: &str, target: Target) -> Result<String, StatusCode> {
        classify(
            PropOperation::Set(prop.name(), DeadValue::from_text(text)),
            target,
        )
        .map(|change| format!("{change:?}"))
        .map_err(|(_, status)| status)
    }

    #[test]
    fn each_kind_of_collection_takes_its_own_live_properties() {
        let forbidden = Err(StatusCode::FORBIDDEN);
        for (prop, text, calendar, address_book) in [
            (
                KnownProp::DisplayName,
                " Team ",
                Ok(r#"Name("Team")"#.to_owned()),
                Ok(r#"Name("Team")"#.to_owned()),
            ),
            (
                KnownProp::DisplayName,
                " ",
                Err(StatusCode::CONFLICT),
                Err(StatusCode::CONFLICT),
            ),
            (
                KnownProp::CalendarDescription,
                "Trips",
                Ok(r#"Description(Some("Trips"))"#.to_owned()),
                forbidden.clone(),
            ),
            (
                KnownProp::AddressbookDescription,
                "Trips",
                forbidden.clone(),
                Ok(r#"Description(Some("Trips"))"#.to_owned()),
            ),
            (
                KnownProp::CalendarColor,
                "#FF0000",
                Ok(r##"Color(Some("#FF0000"))"##.to_owned()),
                forbidden.clone(),
            ),
            (
                KnownProp::CalendarOrder,
                "3",
                Ok("Order(Some(3))".to_owned()),
                forbidden.clone(),
            ),
            (
                KnownProp::CalendarOrder,
                "third",
                Err(StatusCode::CONFLICT),
                forbidden.clone(),
            ),
            (
                KnownProp::GetEtag,
                "\"x\"",
                forbidden.clone(),
                forbidden.clone(),
            ),
        ] {
            assert_eq!(outcome(prop, text, Target::Calendar), calendar, "{prop:?}");
            assert_eq!(
                outcome(prop, text, Target::AddressBook),
                address_book,
                "{prop:?}"
            );
        }
        // A calendar keeps its time zone as a dead property; an address book has none.
        let zone = outcome(
            KnownProp::CalendarTimezone,
            "BEGIN:VCALENDAR",
            Target::Calendar,
        );
        assert!(zone.is_ok_and(|change| change.starts_with("SetDead(")));
        assert_eq!(
            outcome(KnownProp::CalendarTimezone, "x", Target::AddressBook),
            forbidden
        );
    }
}
