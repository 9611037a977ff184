//! Scheduling between calendar users (RFC 6638, iTIP RFC 5546, iMIP RFC 6047): who a
//! calendar user address names (`addresses`), the scheduling inbox every user receives
//! messages in (`inbox`), the booking calendars of rooms and equipment (`resources`),
//! busy time for free/busy lookups (`freebusy`), and mail to attendees outside the
//! context (`imip`).

pub mod addresses;
pub mod freebusy;
pub mod imip;
pub mod inbox;
pub mod resources;
