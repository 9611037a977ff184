//! RFC 6764 service discovery: the DNS records an operator publishes for davgate, and a
//! client's walk from an address to the user's collections, to check a deployment.

pub mod discover;
pub mod dns;
pub mod multistatus;
pub mod records;

pub use discover::{discover, Collection, DiscoverOptions, Found, Outcome};
pub use dns::Nameserver;
pub use records::{dav_root_path, DiscoveryRecords, DomainName, Service, Transport};
