//! Calendar and contact content: parsing and validation of iCalendar (and later vCard),
//! the index fields extracted on write, and evaluation of the query filters.
//! The parser and recurrence engine come from `calcard`, kept behind this module.

pub mod ical;
pub mod query;
pub mod text_match;
