//! Calendar and contact content: parsing and validation of iCalendar and vCard, the index
//! fields extracted on write, evaluation of the query filters, and the data a report
//! returns. The parsers, the recurrence engine and the vCard writer come from `calcard`,
//! kept behind this module.

pub mod card_query;
pub mod ical;
pub mod limits;
pub mod query;
pub(crate) mod structure;
pub mod text_match;
pub mod vcard;
