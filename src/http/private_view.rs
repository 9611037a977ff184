//! Members of calendars as their reader may see them: a private or confidential object
//! created by somebody else, in a folder the reader does not own, is served in its
//! busy-only form (`content::ical::private`) by GET and HEAD and in every report's
//! calendar data, and calendar-query filters are evaluated on that form.

use std::borrow::Cow;

use crate::access::private::sees_whole;
use crate::content::ical::private::{busy_only, is_private};
use crate::store::{Folder, StoredObject, UserId};

/// `object` as `me` may see it in `folder`: as stored, or in its busy-only form (with
/// the same ETag and dates: the form depends only on the stored bytes and the reader).
pub(super) fn as_seen<'a>(
    folder: &Folder,
    object: &'a StoredObject,
    me: UserId,
) -> Cow<'a, StoredObject> {
    if sees_whole(folder, object.user_id, me) {
        return Cow::Borrowed(object);
    }
    match busy_only(&object.data) {
        Some(data) => Cow::Owned(StoredObject {
            data,
            display_name: None,
            ..object.clone()
        }),
        None => Cow::Borrowed(object),
    }
}

/// Whether `me` sees `object` of `folder` only as busy time.
pub(super) fn is_hidden_from(folder: &Folder, object: &StoredObject, me: UserId) -> bool {
    !sees_whole(folder, object.user_id, me) && is_private(&object.data)
}
