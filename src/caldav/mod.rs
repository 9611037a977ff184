//! CalDAV: calendar and task folders projected into calendar collections, their members
//! (iCalendar objects) and the CalDAV reports.

pub mod collection;
pub mod home;
pub mod member;
pub mod window;
pub mod write;

pub use collection::{CalendarCollection, CalendarKind, Sharing};
pub use window::SyncWindow;
