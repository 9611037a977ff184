//! Quotas (RFC 4331): which limits a write into a folder is held to, read through the
//! cascade of the folder's owner, and the quota properties of homes and collections.
//!
//! OX App Suite's per-module quotas (`com.openexchange.quota.calendar`, `.task`,
//! `.contact`) count the objects of a whole context (OX documents them as a rough upper
//! bound against clients running mad, not a per-user setting); davgate adds
//! `davgate.quota.bytes`, the bytes of the folders one user owns. The store keeps the
//! usage (migration 0013) and checks it in the write's transaction (`QuotaLimits`).

mod properties;

pub use properties::QuotaProps;

use crate::access::DavUser;
use crate::config::{props, ConfigView};
use crate::http::AppState;
use crate::store::{Folder, FolderModule, QuotaLimits, StoreResult, UserId};

/// The limits of a write by `me` into `folder`: the owner's byte quota and the context's
/// object quota of the folder's module, both read through the owner's cascade (the
/// writer's own view when the writer owns the folder, the cache of users' profiles
/// otherwise). A public folder without owner counts against no user: only the context's
/// object quota applies, read through the writer's cascade.
pub async fn limits_for(
    state: &AppState,
    me: &DavUser,
    folder: &Folder,
) -> StoreResult<QuotaLimits> {
    let disclose = folder.owner_id == Some(me.user.id);
    let limits = match folder.owner_id {
        None => QuotaLimits {
            bytes: None,
            ..limits_in(&me.config, folder.module)
        },
        Some(_) if disclose => limits_in(&me.config, folder.module),
        Some(owner) => limits_of(state, folder.context_id, owner, folder.module).await?,
    };
    Ok(QuotaLimits { disclose, ..limits })
}

/// The limits of a write into a folder of `owner` made on nobody's request: a scheduling
/// delivery into an attendee's calendar, held to the attendee's quotas.
pub async fn limits_of(
    state: &AppState,
    context: i64,
    owner: UserId,
    module: FolderModule,
) -> StoreResult<QuotaLimits> {
    let user = match state.store.user(context, owner).await {
        Ok(user) => user,
        // A resource's booking calendar or an owner gone: no user quota to hold it to.
        Err(crate::store::StoreError::NotFound) => return Ok(QuotaLimits::UNLIMITED),
        Err(other) => return Err(other),
    };
    let (_, subject) = state.shared.cache().profile(&state.store, &user).await?;
    Ok(limits_in(&state.config.view(&subject), module))
}

/// `limits_of` the owner of `folder` (none for a folder without owner).
pub async fn limits_of_folder(
    state: &AppState,
    context: i64,
    folder: i64,
) -> StoreResult<QuotaLimits> {
    let folder = state.store.folder(context, folder).await?;
    match folder.owner_id {
        Some(owner) => limits_of(state, context, owner, folder.module).await,
        None => Ok(QuotaLimits::UNLIMITED),
    }
}

/// The limits `view` sets for a folder of `module`; -1 (or any negative value) is none.
pub fn limits_in(view: &ConfigView, module: FolderModule) -> QuotaLimits {
    let objects = match module {
        FolderModule::Calendar => Some(view.get::<props::QuotaCalendar>()),
        FolderModule::Tasks => Some(view.get::<props::QuotaTask>()),
        FolderModule::Contacts => Some(view.get::<props::QuotaContact>()),
        FolderModule::System | FolderModule::ScheduleInbox => None,
    };
    QuotaLimits {
        bytes: limited(view.get::<props::QuotaBytes>()),
        objects: objects.and_then(limited),
        disclose: false,
    }
}

fn limited(value: i64) -> Option<i64> {
    (value >= 0).then_some(value)
}
