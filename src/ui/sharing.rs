//! Sharing a collection with users of the owner's context, and ending it: the owner (or
//! an administrator of the folder) names a user by login or mail address and a role,
//! viewer or author. What a share does to the folder is `apply`, the one place that
//! writes folder permissions for the page.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use http::HeaderMap;
use serde::Deserialize;

use super::collections::{administered, change, changing};
use super::page::{see_other, to_login};
use super::UiError;
use crate::access::DavUser;
use crate::config::props;
use crate::http::AppState;
use crate::store::{ContextId, Folder, FolderId, Permission, Role, User};

/// What the page does to a folder's permissions.
pub enum ShareChange {
    /// Gives the user the role (replacing what they had).
    Grant(i64, Role),
    /// Takes the user's permission away.
    Revoke(i64),
}

/// Applies `change` to `folder`'s permissions.
pub async fn apply(
    state: &AppState,
    context: ContextId,
    folder: FolderId,
    change: ShareChange,
) -> Result<(), UiError> {
    match change {
        ShareChange::Grant(user, role) => {
            state
                .store
                .set_permission(context, folder, Permission::for_role(user, false, role))
                .await?
        }
        ShareChange::Revoke(user) => {
            state
                .store
                .remove_permission(context, folder, user, false)
                .await?
        }
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
pub struct UnshareForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    entity: i64,
}

/// The folder `id` if the user may share it: sharing on for them, and the folder
/// theirs to administer.
async fn shareable(state: &AppState, me: &DavUser, id: &str) -> Result<Folder, UiError> {
    if !me.config.get::<props::UiSharing>() {
        return Err(UiError::Forbidden(
            "sharing is not offered on this server".into(),
        ));
    }
    administered(state, me, id).await
}

/// The enabled user of `me`'s context that `name` (a login or mail address) names.
async fn sharee(state: &AppState, me: &DavUser, name: &str) -> Result<User, UiError> {
    let name = name.trim();
    let context = me.user.context_id;
    let unknown = || UiError::BadRequest(format!("there is no user {name} in your organisation"));
    if name.is_empty() || name.len() > 320 {
        return Err(unknown());
    }
    let user = match state.store.user_by_login(context, name).await? {
        Some(user) => Some(user),
        None => state
            .store
            .users_by_mail(name)
            .await?
            .into_iter()
            .find(|u| u.context_id == context),
    };
    user.filter(|u| u.enabled).ok_or_else(unknown)
}

pub async fn share(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ShareForm>,
) -> Response {
    change!(state, headers, &form.csrf, |login| async {
        let me = &login.me;
        let folder = shareable(&state, me, &id).await?;
        let role = match form.role.as_str() {
            "viewer" => Role::Viewer,
            "author" => Role::Author,
            _ => return Err(UiError::BadRequest("the role is viewer or author".into())),
        };
        let user = sharee(&state, me, &form.user).await?;
        if Some(user.id) == folder.owner_id {
            return Err(UiError::BadRequest(
                "the owner has the collection already".into(),
            ));
        }
        let max = state.limits.collections.max_sharees_per_collection;
        let others = folder
            .permissions
            .iter()
            .filter(|p| Some(p.entity) != folder.owner_id || p.is_group)
            .filter(|p| p.is_group || p.entity != user.id)
            .count();
        if others >= max {
            return Err(UiError::Conflict(format!(
                "a collection may be shared with at most {max} users; remove one first"
            )));
        }
        apply(
            &state,
            me.user.context_id,
            folder.id,
            ShareChange::Grant(user.id, role),
        )
        .await?;
        Ok("shared")
    })
}

pub async fn unshare(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<UnshareForm>,
) -> Response {
    change!(state, headers, &form.csrf, |login| async {
        let folder = shareable(&state, &login.me, &id).await?;
        if Some(form.entity) == folder.owner_id {
            return Err(UiError::BadRequest(
                "the owner's own permission stays".into(),
            ));
        }
        if !folder
            .permissions
            .iter()
            .any(|p| !p.is_group && p.entity == form.entity)
        {
            return Err(UiError::NotFound);
        }
        apply(
            &state,
            login.me.user.context_id,
            folder.id,
            ShareChange::Revoke(form.entity),
        )
        .await?;
        Ok("unshared")
    })
}
