//! CardDAV: contact folders projected into address books, one per folder or one
//! aggregated collection, their members (vCards) and the CardDAV reports.

pub mod collection;
pub mod home;
pub mod member_names;
pub mod write;

pub use collection::{AddressBook, Aggregated, ContactFolder, Located};
