//! CalDAV: calendar and task folders projected into calendar collections, their members
//! (iCalendar objects) and the CalDAV reports.

pub mod attachment_limits;
pub mod collection;
pub mod home;
pub mod mailboxes;

/// The media type calendar objects are served as.
pub const CALENDAR_CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

pub mod window;
pub mod write;

pub use crate::access::Sharing;
pub use collection::{CalendarCollection, CalendarKind};
pub use mailboxes::ScheduleInbox;
pub use window::SyncWindow;
