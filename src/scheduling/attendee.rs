//! The attendee's side of implicit scheduling (RFC 6638 3.2.2): what she may change in
//! her copy, and the REPLY her change of participation sends: into the organizer's copy
//! (that attendee's status only, read-modify-write so concurrent replies all land), the
//! other internal attendees' copies (without a new Schedule-Tag), the organizer's inbox,
//! or by mail to an organizer outside the context. The same REPLY comes from a PUT of
//! her copy, the DELETE of it, or an iTIP REPLY she posts to her outbox.

use super::deliver::{self, Rewrite};
use super::edit::{self, Participation};
use super::itip::{self, components, recurrence_id, same_address};
use super::lines::Component;
use super::target::{self, Target};
use super::SchedulingError;
use crate::dav::{Precondition, Refusal};
use crate::http::AppState;
use crate::store::{ContextId, User};

/// A change of her participation: per RECURRENCE-ID (None: the master).
pub type Changes = Vec<(Option<String>, Participation)>;

/// Her participation in the instance `rid` of `cal`: the override's, else the master's.
fn participation_in(cal: &Component, address: &str, rid: &Option<String>) -> Option<Participation> {
    let all = edit::participations(cal, address);
    let exact = all.iter().find(|(r, _)| r == rid).map(|(_, p)| p.clone());
    let has_override = components(cal).any(|c| recurrence_id(c) == *rid);
    if exact.is_some() || has_override {
        return exact;
    }
    all.into_iter().find(|(r, _)| r.is_none()).map(|(_, p)| p)
}

/// Checks her new copy against the stored one and gives the copy to store (others'
/// participation as stored) with the changes of her participation.
pub fn prepare(
    previous: &Component,
    mut new: Component,
    me: &str,
) -> Result<(Component, Changes), SchedulingError> {
    edit::attendee_change_allowed(previous, &new).map_err(|reason| {
        Refusal::new(Precondition::AllowedAttendeeSchedulingObjectChange, reason)
    })?;
    edit::keep_others_participation(previous, &mut new, me);
    let changes = edit::participations(&new, me)
        .into_iter()
        .filter(|(rid, now)| participation_in(previous, me, rid).as_ref() != Some(now))
        .collect();
    Ok((new, changes))
}

/// The changes deleting her copy `previous` makes: DECLINED wherever she had not
/// declined, unless the event was cancelled.
pub fn declined_on_delete(previous: &Component, me: &str) -> Changes {
    let cancelled = components(previous).any(|c| {
        c.prop("RECURRENCE-ID").is_none()
            && c.value("STATUS")
                .is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"))
    });
    if cancelled {
        return Vec::new();
    }
    edit::participations(previous, me)
        .into_iter()
        .filter(|(_, p)| p.partstat != "DECLINED")
        .map(|(rid, _)| {
            (
                rid,
                Participation {
                    partstat: "DECLINED".into(),
                    delegated_to: Vec::new(),
                },
            )
        })
        .collect()
}

/// Whether `cal` is an event `organizer` organizes.
fn organized_by(cal: &Component, organizer: &str) -> bool {
    itip::view(cal)
        .and_then(|v| v.organizer().map(|o| same_address(o, organizer)))
        .unwrap_or(false)
}

fn apply(cal: &mut Component, me: &str, changes: &Changes) -> bool {
    let mut changed = false;
    for (rid, participation) in changes {
        changed |= edit::set_participation(cal, me, rid.as_deref(), participation);
    }
    changed
}

/// Sends the REPLY for `changes` of `attendee` (as `me`) in her copy `copy` (with the
/// changes applied). Failures are logged: her own write stands.
pub async fn reply(
    state: &AppState,
    context: ContextId,
    attendee: &User,
    me: &str,
    copy: &Component,
    changes: &Changes,
) {
    if changes.is_empty() {
        return;
    }
    if let Err(error) = send_reply(state, context, attendee, me, copy, changes).await {
        tracing::warn!(%error, "a scheduling reply failed");
    }
}

/// Where a REPLY went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// Into the organizer's copy and her inbox.
    Delivered,
    /// The organizer is a user of the context, but no copy of hers invites the attendee.
    NotInvited,
    /// By mail to an organizer outside the context: the SCHEDULE-STATUS
    /// `deliver::by_mail` gave.
    Mailed(&'static str),
    /// The ORGANIZER names nobody who takes replies (or the source has none).
    NoOrganizer,
}

/// Sends the REPLY of `attendee` (as `me`) for `changes`, built from `source`: her copy,
/// or the REPLY she posted. The organizer's copy and the other internal attendees'
/// copies take her participation, the organizer's inbox the message; an organizer
/// outside gets it by mail.
pub async fn send_reply(
    state: &AppState,
    context: ContextId,
    attendee: &User,
    me: &str,
    source: &Component,
    changes: &Changes,
) -> Result<ReplyOutcome, SchedulingError> {
    let Some(view) = itip::view(source) else {
        return Ok(ReplyOutcome::NoOrganizer);
    };
    let Some(organizer_address) = view.organizer().map(str::to_owned) else {
        return Ok(ReplyOutcome::NoOrganizer);
    };
    let rids: Vec<Option<String>> = changes.iter().map(|(rid, _)| rid.clone()).collect();
    let mut message_source = source.clone();
    apply(&mut message_source, me, changes);
    let Some(message) = itip::reply(&message_source, me, Some(&rids), &itip::dtstamp_now()) else {
        return Ok(ReplyOutcome::NoOrganizer);
    };
    match target::resolve_target(state, context, attendee, &organizer_address).await? {
        Target::User(organizer) => {
            let mut others: Vec<String> = Vec::new();
            let mut invited = false;
            if let Some(found) = deliver::find_copy(state, context, organizer.id, &view.uid).await?
            {
                deliver::rewrite(state, context, found.folder_id, &view.uid, |current| {
                    let Some(mut cal) = current.filter(|c| organized_by(c, &organizer_address))
                    else {
                        return Rewrite::Nothing;
                    };
                    // Only an attendee of the organizer's own copy answers it.
                    invited = apply(&mut cal, me, changes);
                    if !invited {
                        return Rewrite::Nothing;
                    }
                    others = itip::view(&cal)
                        .map(|v| v.attendee_addresses())
                        .unwrap_or_default();
                    Rewrite::Store {
                        cal,
                        renew_tag: false,
                    }
                })
                .await?;
            }
            if !invited {
                return Ok(ReplyOutcome::NotInvited);
            }
            deliver::to_inbox(state, context, organizer.id, &message).await?;
            let mut resolved = target::Cache::default();
            // Each answer updates at most so many other copies: all answers together
            // would otherwise rewrite copies quadratically in the attendees.
            let mut budget = state.limits.collections.max_copies_updated_per_reply;
            for address in others {
                if same_address(&address, me) || same_address(&address, &organizer_address) {
                    continue;
                }
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let Target::User(other) = resolved.get(state, context, attendee, &address).await?
                else {
                    continue;
                };
                if other.id == attendee.id {
                    continue;
                }
                let Some(found) = deliver::find_copy(state, context, other.id, &view.uid).await?
                else {
                    continue;
                };
                deliver::rewrite(state, context, found.folder_id, &view.uid, |current| {
                    let Some(mut cal) = current.filter(|c| organized_by(c, &organizer_address))
                    else {
                        return Rewrite::Nothing;
                    };
                    if !apply(&mut cal, me, changes) {
                        return Rewrite::Nothing;
                    }
                    Rewrite::Store {
                        cal,
                        renew_tag: false,
                    }
                })
                .await?;
            }
            Ok(ReplyOutcome::Delivered)
        }
        Target::Outside(mail) => Ok(ReplyOutcome::Mailed(
            deliver::by_mail(
                state,
                &attendee.mail,
                Some(&attendee.display_name),
                &mail,
                &message,
            )
            .await,
        )),
        Target::Resource(_) | Target::Group(_) | Target::Nobody => Ok(ReplyOutcome::NoOrganizer),
    }
}

/// Sets `changes` of `me` in `attendee`'s own copy of `uid` organized by
/// `organizer_address`, keeping its Schedule-Tag. False when she has no such copy or is
/// no attendee in it.
pub async fn update_own_copy(
    state: &AppState,
    context: ContextId,
    attendee: &User,
    uid: &str,
    organizer_address: &str,
    me: &str,
    changes: &Changes,
) -> Result<bool, SchedulingError> {
    let Some(found) = deliver::find_copy(state, context, attendee.id, uid).await? else {
        return Ok(false);
    };
    Ok(
        deliver::rewrite(state, context, found.folder_id, uid, |current| {
            let Some(mut cal) = current.filter(|c| organized_by(c, organizer_address)) else {
                return Rewrite::Nothing;
            };
            if !apply(&mut cal, me, changes) {
                return Rewrite::Nothing;
            }
            Rewrite::Store {
                cal,
                renew_tag: false,
            }
        })
        .await?,
    )
}
