//! Scheduling between calendar users (RFC 6638, iTIP RFC 5546, iMIP RFC 6047): who a
//! calendar user address names (`addresses`, `target`), the scheduling inbox every user
//! receives messages in (`inbox`), the booking calendars of rooms and equipment
//! (`resources`, `booking` for their answers), busy time for free/busy lookups
//! (`freebusy`), mail to attendees outside the context (`imip`), and implicit scheduling
//! on PUT and DELETE: the content lines it edits (`lines`), the scheduling view and iTIP
//! messages (`itip`), the edits to stored objects (`edit`), the organizer's and the
//! attendee's side (`organizer`, `attendee`) and the writes into copies and inboxes
//! (`deliver`); an iTIP REPLY posted to the outbox (`posted_reply`); SENT-BY for writes
//! a delegate makes on the calendar owner's behalf (`sent_by`).

pub mod addresses;
pub mod attendee;
pub mod booking;
pub mod deliver;
pub mod edit;
pub mod freebusy;
pub mod imip;
pub mod inbox;
pub mod itip;
pub mod lines;
pub mod organizer;
pub mod posted_reply;
pub mod resources;
pub mod sent_by;
pub mod target;

use crate::dav::Refusal;
use crate::store::StoreError;

/// Why scheduling refused a write, or could not do its part.
#[derive(Debug, thiserror::Error)]
pub enum SchedulingError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}
