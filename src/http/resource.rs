//! What a request path below the prefix names: an entry-point resource, a calendar
//! collection, a member of one (existing or not), a free name in the calendar home, an
//! address book or a member of one.

use crate::access::DavUser;
use crate::caldav::collection::folder_id_of;
use crate::caldav::{home, CalendarCollection, ScheduleInbox};
use crate::carddav::{self, AddressBook};
use crate::config::props;
use crate::principals::EntryResource;
use crate::scheduling::inbox::{existing_inbox_folder, INBOX_SEGMENT, OUTBOX_SEGMENT};
use crate::store::DynStore;

use super::error::DavError;

#[derive(Debug, Clone)]
pub enum DavResource {
    Entry(EntryResource),
    Calendar(CalendarCollection),
    /// `/caldav/<folder>/<name>`: the member may or may not exist yet.
    CalendarMember {
        collection: CalendarCollection,
        name: String,
    },
    /// `/caldav/<folder>/<name>.attachments/<managed id>`: a managed attachment of a member.
    CalendarAttachment {
        /// None when the viewer does not see the calendar (an attendee following the
        /// organizer's URL).
        collection: Option<CalendarCollection>,
        name: String,
        managed_id: String,
    },
    /// `/caldav/<segment>/` naming no collection: where MKCALENDAR may create one.
    UnmappedCalendar(String),
    /// `/caldav/schedule-inbox/`: the viewer's scheduling inbox.
    ScheduleInbox(ScheduleInbox),
    /// `/caldav/schedule-inbox/<name>`: a message in it, which may or may not exist.
    ScheduleInboxMessage {
        inbox: ScheduleInbox,
        name: String,
    },
    /// `/caldav/schedule-outbox/`: the viewer's scheduling outbox.
    ScheduleOutbox,
    AddressBook(AddressBook),
    /// `/carddav/<segment>/<name>`: the member may or may not exist yet; `name` is the
    /// collection's name for it (in the aggregated collection, see `member_names`).
    AddressBookMember {
        book: AddressBook,
        name: String,
    },
}

impl DavResource {
    /// A short, bounded name of what the resource is, for spans, logs and metrics
    /// (never a path or an id).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Entry(EntryResource::Root) => "root",
            Self::Entry(
                EntryResource::Principals
                | EntryResource::UserPrincipals
                | EntryResource::ResourcePrincipals
                | EntryResource::GroupPrincipals,
            ) => "principal-collection",
            Self::Entry(EntryResource::UserPrincipal(_)) => "principal",
            Self::Entry(EntryResource::ResourcePrincipal(_)) => "resource-principal",
            Self::Entry(EntryResource::GroupPrincipal(_)) => "group-principal",
            Self::Entry(EntryResource::CalendarProxy(_)) => "proxy-principal",
            Self::Entry(EntryResource::CalendarHome) => "calendar-home",
            Self::Entry(EntryResource::AddressbookHome) => "addressbook-home",
            Self::Calendar(_) => "calendar",
            Self::CalendarMember { .. } => "calendar-object",
            Self::CalendarAttachment { .. } => "calendar-attachment",
            Self::UnmappedCalendar(_) => "calendar-unmapped",
            Self::ScheduleInbox(_) => "schedule-inbox",
            Self::ScheduleInboxMessage { .. } => "schedule-inbox-message",
            Self::ScheduleOutbox => "schedule-outbox",
            Self::AddressBook(AddressBook::Folder(_)) => "addressbook",
            Self::AddressBook(AddressBook::Aggregated(_)) => "addressbook-aggregated",
            Self::AddressBookMember { .. } => "contact",
        }
    }

    /// The inbox of `me` when the user has scheduling mailboxes, for the calendar home's
    /// listing.
    pub async fn mailboxes(
        store: &DynStore,
        me: &DavUser,
    ) -> Result<Option<ScheduleInbox>, DavError> {
        if !schedules(me) {
            return Ok(None);
        }
        my_inbox(store, me).await.map(Some)
    }

    /// Resolves the decoded `segments` of a path below the prefix for `me`. CalDAV paths
    /// answer 403 to a user for whom `com.openexchange.caldav.enabled` is off.
    pub async fn resolve(
        store: &DynStore,
        me: &DavUser,
        segments: &[String],
    ) -> Result<Self, DavError> {
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        if segments.first() == Some(&"caldav") && !me.config.get::<props::CaldavEnabled>() {
            return Err(DavError::Forbidden(
                "CalDAV is not enabled for this account".into(),
            ));
        }
        if segments.first() == Some(&"carddav") && !me.config.get::<props::CarddavEnabled>() {
            return Err(DavError::Forbidden(
                "CardDAV is not enabled for this account".into(),
            ));
        }
        match segments.as_slice() {
            // The mailboxes' paths name the viewer's own, never a calendar.
            ["caldav", INBOX_SEGMENT] => Ok(Self::ScheduleInbox(my_inbox(store, me).await?)),
            ["caldav", INBOX_SEGMENT, name] => Ok(Self::ScheduleInboxMessage {
                inbox: my_inbox(store, me).await?,
                name: (*name).to_owned(),
            }),
            ["caldav", OUTBOX_SEGMENT] if schedules(me) => Ok(Self::ScheduleOutbox),
            ["caldav", OUTBOX_SEGMENT, ..] => Err(DavError::NotFound),
            ["caldav", folder] => Ok(match calendar_by_segment(store, me, folder).await? {
                Some(collection) => Self::Calendar(collection),
                None => Self::UnmappedCalendar((*folder).to_owned()),
            }),
            ["caldav", folder, name] => {
                let collection = calendar_by_segment(store, me, folder)
                    .await?
                    .ok_or(DavError::NotFound)?;
                Ok(Self::CalendarMember {
                    collection,
                    name: (*name).to_owned(),
                })
            }
            ["caldav", folder, attachments, managed_id] => {
                let name = super::attachment_get::member_of_attachments_segment(attachments)
                    .ok_or(DavError::NotFound)?;
                // A calendar the viewer does not see may still hold the URL she got in
                // her own copy of an event: the download decides.
                let collection = calendar_by_segment(store, me, folder).await?;
                Ok(Self::CalendarAttachment {
                    collection,
                    name: name.to_owned(),
                    managed_id: (*managed_id).to_owned(),
                })
            }
            ["carddav", segment] => carddav::home::address_book(store, me, segment)
                .await?
                .map(Self::AddressBook)
                .ok_or(DavError::NotFound),
            ["carddav", segment, name] => {
                let book = carddav::home::address_book(store, me, segment)
                    .await?
                    .ok_or(DavError::NotFound)?;
                Ok(Self::AddressBookMember {
                    book,
                    name: (*name).to_owned(),
                })
            }
            // The entry tree has no names with a slash of their own.
            _ if segments.iter().any(|s| s.contains('/')) => Err(DavError::NotFound),
            _ => EntryResource::resolve(store, &me.user, &segments.join("/"))
                .await?
                .map(Self::Entry)
                .ok_or(DavError::NotFound),
        }
    }
}

/// Whether `me` has calendar users' mailboxes: a user of the calendar module.
fn schedules(me: &DavUser) -> bool {
    me.user.has_module("calendar")
}

/// The inbox of `me`, with its folder when a delivery has made it; 404 for a user
/// without calendars. Looking writes nothing.
async fn my_inbox(store: &DynStore, me: &DavUser) -> Result<ScheduleInbox, DavError> {
    if !schedules(me) {
        return Err(DavError::NotFound);
    }
    let (context, user) = (me.user.context_id, me.user.id);
    let folder = existing_inbox_folder(store, context, user).await?;
    Ok(ScheduleInbox::new(context, user, &me.groups, folder))
}

/// The collection a path segment names for `me`: first one of the user's own names
/// (what MKCALENDAR stored), then a folder id, each only if the home lists that
/// collection under this very segment, so the path and the home listing always agree.
/// Both candidates come in one query, with their permissions.
/// Other users' names are never looked at, so the answer (and the work behind it) is the
/// same whether or not somebody else uses the name.
async fn calendar_by_segment(
    store: &DynStore,
    me: &DavUser,
    segment: &str,
) -> Result<Option<CalendarCollection>, DavError> {
    let candidates = store
        .visible_folders_named(
            me.user.context_id,
            me.user.id,
            segment,
            folder_id_of(segment),
        )
        .await?;
    for folder in candidates {
        if let Some(collection) = home::listed_collection(store, me, folder).await? {
            if collection.path_segment() == segment {
                return Ok(Some(collection));
            }
        }
    }
    Ok(None)
}
