//! davgate: a CalDAV/CardDAV gateway that projects groupware folders from a
//! PostgreSQL (or embedded SQLite) store into DAV collections.

pub mod access;
pub mod auth;
pub mod caldav;
pub mod carddav;
pub mod change_pruning;
pub mod cli;
pub mod clients;
pub mod config;
pub mod content;
pub mod dav;
pub mod demo;
pub mod discovery;
pub mod http;
pub mod limits;
pub mod principals;
pub mod provision;
pub mod push;
pub mod quota;
pub mod scheduling;
pub mod shared_state;
pub mod store;
pub mod sync_token;
pub mod telemetry;
pub mod tls;
pub mod tzdist;
pub mod ui;
