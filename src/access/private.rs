//! Who sees private and confidential calendar objects whole. As in Open-Xchange, only
//! the owner of the private folder they are in and the user who created them do; every
//! other reader, folder administrators included, sees busy time only
//! (`content::ical::private`). A public folder, rooms' booking calendars among them,
//! has no owner: there only the creator sees them whole.

use crate::store::{Folder, FolderType, UserId};

/// Whether `me` owns `folder` as a private folder, and so sees every member whole.
pub fn owns_private_folder(folder: &Folder, me: UserId) -> bool {
    folder.folder_type == FolderType::Private && folder.owner_id == Some(me)
}

/// Whether `me` sees a member of `folder` created by `creator` whole, private or not.
pub fn sees_whole(folder: &Folder, creator: Option<UserId>, me: UserId) -> bool {
    creator == Some(me) || owns_private_folder(folder, me)
}
