//! The organizer's side of implicit scheduling (RFC 6638 3.2.1): what her PUT or DELETE
//! of a scheduling object sends to whom. `prepare` works out, before her copy is
//! written, the copy to store (groups expanded, resources' answers, SCHEDULE-STATUS on
//! every attendee) and the deliveries; `deliver` makes them once the copy is stored.

use super::deliver::{self, parse_stored, status, Rewrite};
use super::edit::{self, Participation};
use super::itip::{self, components, recurrence_id, same_address, Agent};
use super::lines::{Component, Line};
use super::target::{self, Target};
use super::SchedulingError;
use crate::dav::{Precondition, Refusal};
use crate::http::AppState;
use crate::store::{ContextId, FolderId, User};

/// One message to one attendee.
enum Delivery {
    /// The event (new or changed) to `address`.
    Request { address: String, target: Target },
    /// The end of the event for `address`, as the previous copy had it.
    Cancel { address: String, target: Target },
}

/// What an organizer's write sends, and the copy she gets.
pub struct OrganizerPlan {
    /// Her copy as stored: groups expanded, answers of resources, SCHEDULE-STATUS.
    pub stored: Component,
    previous: Option<Component>,
    deliveries: Vec<Delivery>,
    uid: String,
    organizer: String,
}

/// The attendees of `cal` the server schedules (SCHEDULE-AGENT=SERVER), without the
/// organizer.
fn scheduled_attendees(cal: &Component, organizer: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for component in components(cal) {
        for line in component.props.iter().filter(|l| l.name == "ATTENDEE") {
            let attendee = itip::Attendee::of(line);
            if attendee.agent == Agent::Server
                && !same_address(&attendee.address, organizer)
                && !out.iter().any(|a| same_address(a, &attendee.address))
            {
                out.push(attendee.address);
            }
        }
    }
    out
}

/// What the attendee sees of `cal`, for telling whether a change concerns her: her
/// REQUEST without DTSTAMP and without anyone's participation (which answers change,
/// and which an organizer's client may send as it last read it).
fn seen_by(cal: &Component, address: &str) -> Option<String> {
    let mut message = itip::request(cal, address)?;
    for component in message.children.iter_mut() {
        component.remove("DTSTAMP");
        component.remove("LAST-MODIFIED");
        for line in component.props.iter_mut().filter(|l| l.name == "ATTENDEE") {
            line.remove_param("PARTSTAT");
            line.remove_param("RSVP");
        }
    }
    Some(message.render())
}

/// Adds the members of each group attendee as attendees of their own (MEMBER naming the
/// group), unless they are there already; within the attendee limit.
async fn expand_groups(
    state: &AppState,
    context: ContextId,
    organizer: &User,
    cal: &mut Component,
) -> Result<(), SchedulingError> {
    let limit = state.limits.content.max_attendees_per_event;
    let mut resolved = target::Cache::default();
    for index in 0..cal.children.len() {
        if cal.children[index].name == "VTIMEZONE" {
            continue;
        }
        let groups: Vec<String> = cal.children[index]
            .props
            .iter()
            .filter(|l| l.name == "ATTENDEE")
            .map(|l| l.value.trim().to_owned())
            .collect();
        for group_address in groups {
            let Target::Group(members) = resolved
                .get(state, context, organizer, &group_address)
                .await?
            else {
                continue;
            };
            let component = &mut cal.children[index];
            for member in members {
                let address = format!("mailto:{}", member.mail);
                let present = component
                    .props
                    .iter()
                    .any(|l| l.name == "ATTENDEE" && same_address(&l.value, &address));
                if present || member.mail.is_empty() {
                    continue;
                }
                let mut line = Line::new("ATTENDEE", address);
                line.set_param("CN", vec![member.display_name.clone()]);
                line.set_param("CUTYPE", vec!["INDIVIDUAL".into()]);
                line.set_param("PARTSTAT", vec!["NEEDS-ACTION".into()]);
                line.set_param("RSVP", vec!["TRUE".into()]);
                line.set_param("MEMBER", vec![group_address.clone()]);
                component.props.push(line);
                let count = component
                    .props
                    .iter()
                    .filter(|l| l.name == "ATTENDEE")
                    .count();
                if count > limit {
                    return Err(Refusal::new(
                        Precondition::CalendarMaxAttendeesPerInstance,
                        format!("the group {group_address} makes more than {limit} attendees"),
                    )
                    .into());
                }
            }
        }
    }
    Ok(())
}

/// Works out the organizer's write of `new` over `previous` (her stored copy, if any).
pub async fn prepare(
    state: &AppState,
    context: ContextId,
    organizer: &User,
    organizer_address: &str,
    previous: Option<Component>,
    mut new: Component,
) -> Result<OrganizerPlan, SchedulingError> {
    expand_groups(state, context, organizer, &mut new).await?;
    let uid = itip::view(&new).map(|v| v.uid).unwrap_or_default();
    let mut resolved = target::Cache::default();
    let mut deliveries = Vec::new();
    for address in scheduled_attendees(&new, organizer_address) {
        let target = resolved.get(state, context, organizer, &address).await?;
        let forced = components(&new).any(|c| {
            c.props.iter().any(|l| {
                l.name == "ATTENDEE"
                    && same_address(&l.value, &address)
                    && l.param("SCHEDULE-FORCE-SEND")
                        .is_some_and(|v| v.eq_ignore_ascii_case("REQUEST"))
            })
        });
        let changed = forced
            || previous
                .as_ref()
                .is_none_or(|p| seen_by(p, &address) != seen_by(&new, &address));
        if !changed {
            // Participation the server keeps (replies, answers of resources) stays as
            // stored, whatever an older copy of the client says.
            if let Some(previous) = &previous {
                for (rid, participation) in edit::participations(previous, &address) {
                    if components(&new).any(|c| recurrence_id(c) == rid) {
                        edit::set_participation(&mut new, &address, rid.as_deref(), &participation);
                    }
                }
            }
        }
        let state_after = match &target {
            Target::Group(_) => continue,
            Target::Nobody => status::INVALID_USER,
            Target::Outside(_) if state.mail.is_none() => status::NO_DELIVERY_METHOD,
            Target::Outside(_) => status::SENT,
            Target::User(_) => status::DELIVERED,
            Target::Resource(resource) => {
                if changed && resource.auto_accept {
                    let folder =
                        super::resources::booking_calendar(&state.store, context, resource).await?;
                    let answer =
                        super::booking::answer(state, context, folder.id, &new, &uid).await?;
                    let participation = Participation {
                        partstat: answer.to_owned(),
                        delegated_to: Vec::new(),
                    };
                    let rids: Vec<Option<String>> = edit::participations(&new, &address)
                        .into_iter()
                        .map(|(rid, _)| rid)
                        .collect();
                    for rid in rids {
                        edit::set_participation(&mut new, &address, rid.as_deref(), &participation);
                    }
                }
                status::DELIVERED
            }
        };
        edit::set_schedule_status(&mut new, &address, state_after);
        if changed && !matches!(target, Target::Nobody) {
            deliveries.push(Delivery::Request { address, target });
        }
    }
    if let Some(previous) = &previous {
        let remaining = scheduled_attendees(&new, organizer_address);
        for address in scheduled_attendees(previous, organizer_address) {
            if remaining.iter().any(|a| same_address(a, &address)) {
                continue;
            }
            let target = resolved.get(state, context, organizer, &address).await?;
            deliveries.push(Delivery::Cancel { address, target });
        }
    }
    edit::clear_force_send(&mut new);
    Ok(OrganizerPlan {
        stored: new,
        previous,
        deliveries,
        uid,
        organizer: organizer_address.to_owned(),
    })
}

/// The plan of deleting the organizer's copy `previous`: CANCEL to every attendee.
pub async fn prepare_delete(
    state: &AppState,
    context: ContextId,
    organizer: &User,
    organizer_address: &str,
    previous: Component,
) -> Result<OrganizerPlan, SchedulingError> {
    let uid = itip::view(&previous).map(|v| v.uid).unwrap_or_default();
    let mut resolved = target::Cache::default();
    let mut deliveries = Vec::new();
    for address in scheduled_attendees(&previous, organizer_address) {
        let target = resolved.get(state, context, organizer, &address).await?;
        deliveries.push(Delivery::Cancel { address, target });
    }
    Ok(OrganizerPlan {
        stored: previous.clone(),
        previous: Some(previous),
        deliveries,
        uid,
        organizer: organizer_address.to_owned(),
    })
}

/// Makes the deliveries of `plan`, the organizer's copy being stored in `folder` (None
/// once deleted). A delivery that fails is logged and, where the copy is still there,
/// shows in its SCHEDULE-STATUS; the organizer's write stands.
pub async fn deliver(
    state: &AppState,
    context: ContextId,
    organizer: &User,
    folder: Option<FolderId>,
    plan: OrganizerPlan,
) {
    let stamp = itip::dtstamp_now();
    let mut corrections: Vec<(String, &'static str)> = Vec::new();
    for delivery in &plan.deliveries {
        let outcome = match delivery {
            Delivery::Request { address, target } => {
                request(state, context, organizer, &plan, address, target).await
            }
            Delivery::Cancel { address, target } => {
                let Some(previous) = &plan.previous else {
                    continue;
                };
                cancel(
                    state, context, organizer, &plan, previous, address, target, &stamp,
                )
                .await
            }
        };
        match outcome {
            Ok(Some(status)) => {
                if let Delivery::Request { address, .. } = delivery {
                    corrections.push((address.clone(), status));
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, uid = %plan.uid, "a scheduling delivery failed");
                if let Delivery::Request { address, .. } = delivery {
                    corrections.push((address.clone(), status::DELIVERY_FAILED));
                }
            }
        }
    }
    let Some(folder) = folder.filter(|_| !corrections.is_empty()) else {
        return;
    };
    let corrected = deliver::rewrite(state, context, folder, &plan.uid, |current| match current {
        Some(mut cal) => {
            for (address, status) in &corrections {
                edit::set_schedule_status(&mut cal, address, status);
            }
            Rewrite::Store {
                cal,
                renew_tag: false,
            }
        }
        None => Rewrite::Nothing,
    })
    .await;
    if let Err(error) = corrected {
        tracing::warn!(%error, uid = %plan.uid, "SCHEDULE-STATUS could not be corrected");
    }
}

/// Whether `current`, a copy found by UID, may be replaced or removed on behalf of
/// `organizer`: absent, or a copy of an event she organizes. Another event that happens
/// to have the UID is never touched.
fn ours(current: Option<&Component>, organizer: &str) -> bool {
    current.is_none_or(|cal| {
        itip::view(cal)
            .and_then(|v| v.organizer().map(|o| same_address(o, organizer)))
            .unwrap_or(false)
    })
}

/// Delivers the REQUEST of `plan` to `address`; the SCHEDULE-STATUS when it differs
/// from the one `prepare` set.
async fn request(
    state: &AppState,
    context: ContextId,
    organizer: &User,
    plan: &OrganizerPlan,
    address: &str,
    target: &Target,
) -> Result<Option<&'static str>, SchedulingError> {
    let stored = &plan.stored;
    let Some(message) = itip::request(stored, address) else {
        return Ok(None);
    };
    let mut foreign = false;
    match target {
        Target::User(user) => {
            if let Some(calendar) = deliver::copy_folder(state, context, user, &plan.uid).await? {
                deliver::rewrite(state, context, calendar, &plan.uid, |current| {
                    foreign = !ours(current.as_ref(), &plan.organizer);
                    if foreign {
                        return Rewrite::Nothing;
                    }
                    match itip::attendee_copy(stored, address) {
                        None => Rewrite::Remove,
                        Some(mut copy) => {
                            if let Some(previous) = current {
                                edit::keep_personal(&previous, &mut copy);
                            }
                            Rewrite::Store {
                                cal: copy,
                                renew_tag: true,
                            }
                        }
                    }
                })
                .await?;
            }
            if foreign {
                return Ok(Some(status::REJECTED));
            }
            deliver::to_inbox(state, context, user.id, &message).await?;
        }
        Target::Resource(resource) => {
            let calendar =
                super::resources::booking_calendar(&state.store, context, resource).await?;
            let declined = edit::participations(stored, address)
                .iter()
                .all(|(_, p)| p.partstat == "DECLINED");
            deliver::rewrite(state, context, calendar.id, &plan.uid, |current| {
                foreign = !ours(current.as_ref(), &plan.organizer);
                match itip::attendee_copy(stored, address) {
                    _ if foreign => Rewrite::Nothing,
                    Some(copy) if !declined => Rewrite::Store {
                        cal: copy,
                        renew_tag: true,
                    },
                    _ => Rewrite::Remove,
                }
            })
            .await?;
            if foreign {
                return Ok(Some(status::REJECTED));
            }
            if resource.auto_accept {
                if let Some(reply) = itip::reply(stored, address, None, &itip::dtstamp_now()) {
                    deliver::to_inbox(state, context, organizer.id, &reply).await?;
                }
            }
        }
        Target::Outside(mail) => {
            let sent = deliver::by_mail(
                state,
                &organizer.mail,
                Some(&organizer.display_name),
                mail,
                &message,
            )
            .await;
            let predicted = if state.mail.is_some() {
                status::SENT
            } else {
                status::NO_DELIVERY_METHOD
            };
            return Ok((sent != predicted).then_some(sent));
        }
        Target::Group(_) | Target::Nobody => {}
    }
    Ok(None)
}

/// Delivers the CANCEL of `previous` to `address`, removing her copy when it is one of
/// this organizer's event.
#[allow(clippy::too_many_arguments)]
async fn cancel(
    state: &AppState,
    context: ContextId,
    organizer: &User,
    plan: &OrganizerPlan,
    previous: &Component,
    address: &str,
    target: &Target,
    stamp: &str,
) -> Result<Option<&'static str>, SchedulingError> {
    let uid = &plan.uid;
    let Some(message) = itip::cancel(previous, address, stamp) else {
        return Ok(None);
    };
    let remove = |current: Option<Component>| {
        if ours(current.as_ref(), &plan.organizer) {
            Rewrite::Remove
        } else {
            Rewrite::Nothing
        }
    };
    match target {
        Target::User(user) => {
            if let Some(copy) = deliver::find_copy(state, context, user.id, uid).await? {
                let mine = parse_stored(&copy).ok();
                if !ours(mine.as_ref(), &plan.organizer) {
                    return Ok(None);
                }
                deliver::rewrite(state, context, copy.folder_id, uid, remove).await?;
            }
            deliver::to_inbox(state, context, user.id, &message).await?;
        }
        Target::Resource(resource) => {
            let calendar =
                super::resources::booking_calendar(&state.store, context, resource).await?;
            deliver::rewrite(state, context, calendar.id, uid, remove).await?;
        }
        Target::Outside(mail) => {
            deliver::by_mail(
                state,
                &organizer.mail,
                Some(&organizer.display_name),
                mail,
                &message,
            )
            .await;
        }
        Target::Group(_) | Target::Nobody => {}
    }
    Ok(None)
}
