//! Members of calendars as their reader may see them: a private or confidential object
//! created by somebody else, in a folder the reader does not own, is served in its
//! busy-only form (`content::ical::private`) by GET and HEAD and in every report's
//! calendar data, and calendar-query filters are evaluated on that form.

use std::borrow::Cow;

use crate::access::private::sees_whole;
use crate::content::ical::private::{busy_only, is_private};
use crate::store::{Folder, MemberData, StoredObject, UserId};

/// The busy-only form of `data`, created by `author` in `folder`, when `me` may not see
/// it whole (the form depends only on the stored bytes and the reader).
fn hidden_form(
    folder: &Folder,
    data: &[u8],
    author: Option<UserId>,
    me: UserId,
) -> Option<Vec<u8>> {
    if sees_whole(folder, author, me) {
        return None;
    }
    busy_only(data)
}

/// `object` as `me` may see it in `folder`: as stored, or in its busy-only form (with
/// the same ETag and dates).
pub(super) fn as_seen<'a>(
    folder: &Folder,
    object: &'a StoredObject,
    me: UserId,
) -> Cow<'a, StoredObject> {
    match hidden_form(folder, &object.data, object.user_id, me) {
        Some(data) => Cow::Owned(StoredObject {
            data,
            display_name: None,
            ..object.clone()
        }),
        None => Cow::Borrowed(object),
    }
}

/// A report's member as `me` may see it in `folder`, as `as_seen`.
pub(super) fn member_as_seen<'a>(
    folder: &Folder,
    member: &'a MemberData,
    me: UserId,
) -> Cow<'a, MemberData> {
    match hidden_form(folder, &member.data, member.user_id, me) {
        Some(data) => Cow::Owned(MemberData {
            data,
            ..member.clone()
        }),
        None => Cow::Borrowed(member),
    }
}

/// Whether `me` sees `object` of `folder` only as busy time.
pub(super) fn is_hidden_from(folder: &Folder, object: &StoredObject, me: UserId) -> bool {
    !sees_whole(folder, object.user_id, me) && is_private(&object.data)
}
