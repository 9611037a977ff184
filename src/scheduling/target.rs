//! Where a message to a calendar user address goes: a user or resource of the context, a
//! group (whose members are invited in its stead), someone outside (by mail), or nobody
//! (an address of the context's own mail domains that names no one).

use super::addresses::{mail_of, resolve, CalendarUser};
use super::itip::same_address;
use super::SchedulingError;
use crate::http::AppState;
use crate::store::{ContextId, Resource, User};

#[derive(Debug, Clone)]
pub enum Target {
    User(User),
    Resource(Resource),
    /// A group's enabled members.
    Group(Vec<User>),
    /// A mail address outside the context.
    Outside(String),
    Nobody,
}

/// The domain of a mail address, lower case.
fn domain(mail: &str) -> Option<String> {
    mail.rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
}

/// Where `address` goes for `sender`, a user of `context`. Addresses in the mail
/// domains of the sender (her address and aliases) that name nobody are not sent out.
pub async fn resolve_target(
    state: &AppState,
    context: ContextId,
    sender: &User,
    address: &str,
) -> Result<Target, SchedulingError> {
    Ok(
        match resolve(&state.store, &state.paths, context, address).await? {
            Some(CalendarUser::User(user)) => Target::User(user),
            Some(CalendarUser::Resource(resource)) => Target::Resource(resource),
            Some(CalendarUser::Group(group)) => {
                let mut members = Vec::new();
                for id in group.members {
                    match state.store.user(context, id).await {
                        Ok(user) if user.enabled => members.push(user),
                        Ok(_) | Err(crate::store::StoreError::NotFound) => {}
                        Err(other) => return Err(other.into()),
                    }
                }
                Target::Group(members)
            }
            None => match mail_of(address) {
                Some(mail) => {
                    let own: Vec<String> = std::iter::once(&sender.mail)
                        .chain(&sender.aliases)
                        .filter_map(|m| domain(m))
                        .collect();
                    match domain(mail) {
                        Some(d) if !own.contains(&d) => Target::Outside(mail.to_owned()),
                        _ => Target::Nobody,
                    }
                }
                None => Target::Nobody,
            },
        },
    )
}

/// Targets resolved once per request.
#[derive(Default)]
pub struct Cache {
    known: Vec<(String, Target)>,
}

impl Cache {
    pub async fn get(
        &mut self,
        state: &AppState,
        context: ContextId,
        sender: &User,
        address: &str,
    ) -> Result<Target, SchedulingError> {
        if let Some((_, target)) = self.known.iter().find(|(a, _)| same_address(a, address)) {
            return Ok(target.clone());
        }
        let target = resolve_target(state, context, sender, address).await?;
        self.known.push((address.to_owned(), target.clone()));
        Ok(target)
    }
}

/// Whether `address` is one of `user`'s calendar user addresses: her mail address or an
/// alias, or her principal.
pub async fn is_address_of(
    state: &AppState,
    user: &User,
    address: &str,
) -> Result<bool, SchedulingError> {
    if let Some(mail) = mail_of(address) {
        return Ok(std::iter::once(&user.mail)
            .chain(&user.aliases)
            .any(|m| m.eq_ignore_ascii_case(mail)));
    }
    Ok(matches!(
        resolve(&state.store, &state.paths, user.context_id, address).await?,
        Some(CalendarUser::User(found)) if found.id == user.id
    ))
}
