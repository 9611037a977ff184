//! What MKCALENDAR and both kinds of extended MKCOL share: a private folder owned by the
//! user under the name the client chose, and the request's properties set on it all or
//! nothing.

use http::StatusCode;

use super::error::DavError;
use super::proppatch::{apply_to_folder, Target};
use super::AppState;
use crate::access::DavUser;
use crate::dav::{DeadValue, PropName};
use crate::store::{
    Folder, FolderModule, FolderType, NewFolder, Permission, Role, StoreError, PRIVATE_ROOT,
};

/// A private `module` folder of the user's, called `name`, at path segment `segment`
/// (`folders.dav_name`); 409 when another of the user's collections has that segment
/// (names are unique per owner, across calendars and address books).
pub(super) async fn create_owned(
    state: &AppState,
    me: &DavUser,
    module: FolderModule,
    name: String,
    segment: &str,
) -> Result<Folder, DavError> {
    state
        .store
        .create_folder(
            me.user.context_id,
            NewFolder {
                parent_id: PRIVATE_ROOT,
                module,
                folder_type: FolderType::Private,
                owner_id: Some(me.user.id),
                name,
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
                format!("another of your collections is named {segment:?}"),
            ),
            other => other.into(),
        })
}

/// Sets `props` on the new `folder`; when one cannot be set, removes the folder again so
/// no half-made collection stays behind, and answers why.
pub(super) async fn set_or_undo(
    state: &AppState,
    me: &DavUser,
    folder: &Folder,
    target: Target,
    props: &[(PropName, DeadValue)],
) -> Result<(), DavError> {
    if let Err(err) = apply_to_folder(state, me, folder.id, target, props).await {
        state
            .store
            .delete_folder(me.user.context_id, folder.id)
            .await?;
        return Err(err);
    }
    Ok(())
}
