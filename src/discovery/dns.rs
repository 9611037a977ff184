//! DNS lookups of service discovery (SRV, TXT, A/AAAA) through the system's resolver
//! configuration or one named server, which also resolves host names for HTTP requests.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;

/// Where the lookups go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nameserver {
    /// `/etc/resolv.conf` (the registry on Windows), as every other program on the host.
    System,
    /// One server, over UDP with TCP for long answers.
    At(SocketAddr),
}

impl std::fmt::Display for Nameserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Nameserver::System => f.write_str("the system's resolver (/etc/resolv.conf)"),
            Nameserver::At(addr) => write!(f, "the DNS server {addr}"),
        }
    }
}

/// One SRV record's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvTarget {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// The target without the trailing dot; `None` for `.`, "service not offered".
    pub host: Option<String>,
}

/// Why a lookup gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupFailure {
    /// The name does not exist or has no record of that type: an answer, not an error.
    NoRecord,
    /// No usable answer came back (time-out, refusal, server failure).
    Failed(String),
}

impl LookupFailure {
    fn from_error(err: NetError) -> Self {
        if err.is_no_records_found() {
            LookupFailure::NoRecord
        } else {
            LookupFailure::Failed(err.to_string())
        }
    }
}

/// A resolver for discovery and for the HTTP client's host names. Clones share the cache.
#[derive(Clone)]
pub struct Dns {
    resolver: Arc<TokioResolver>,
    pub nameserver: Nameserver,
}

impl Dns {
    pub fn new(nameserver: Nameserver) -> Result<Self, String> {
        let mut builder = match nameserver {
            Nameserver::System => TokioResolver::builder_tokio()
                .map_err(|err| format!("cannot read the system's DNS configuration: {err}"))?,
            Nameserver::At(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let server = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                let config = ResolverConfig::from_parts(None, vec![], vec![server]);
                let mut builder =
                    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
                // Only the named server answers, not /etc/hosts.
                builder.options_mut().use_hosts_file = ResolveHosts::Never;
                builder
            }
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.timeout = Duration::from_secs(3);
        options.attempts = 2;
        let resolver = builder
            .build()
            .map_err(|err| format!("cannot set up DNS lookups: {err}"))?;
        Ok(Self {
            resolver: Arc::new(resolver),
            nameserver,
        })
    }

    /// The SRV records of `owner` (an absolute name), lowest priority first and, within
    /// a priority, highest weight first.
    pub async fn srv(&self, owner: &str) -> Result<Vec<SrvTarget>, LookupFailure> {
        let lookup = self
            .resolver
            .srv_lookup(owner)
            .await
            .map_err(LookupFailure::from_error)?;
        let mut targets: Vec<SrvTarget> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::SRV(srv) => Some(SrvTarget {
                    priority: srv.priority,
                    weight: srv.weight,
                    port: srv.port,
                    host: (!srv.target.is_root()).then(|| {
                        let name = srv.target.to_ascii();
                        name.strip_suffix('.').unwrap_or(&name).to_owned()
                    }),
                }),
                _ => None,
            })
            .collect();
        if targets.is_empty() {
            return Err(LookupFailure::NoRecord);
        }
        targets.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.weight.cmp(&a.weight)));
        Ok(targets)
    }

    /// The TXT records of `owner`, each as its character-strings (lossy UTF-8).
    pub async fn txt(&self, owner: &str) -> Result<Vec<Vec<String>>, LookupFailure> {
        let lookup = self
            .resolver
            .txt_lookup(owner)
            .await
            .map_err(LookupFailure::from_error)?;
        let records: Vec<Vec<String>> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|part| String::from_utf8_lossy(part).into_owned())
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        if records.is_empty() {
            return Err(LookupFailure::NoRecord);
        }
        Ok(records)
    }

    /// The addresses of a host (A, then AAAA).
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, LookupFailure> {
        let absolute = if host.ends_with('.') {
            host.to_owned()
        } else {
            format!("{host}.")
        };
        let lookup = self
            .resolver
            .lookup_ip(absolute)
            .await
            .map_err(LookupFailure::from_error)?;
        let addresses: Vec<IpAddr> = lookup.iter().collect();
        if addresses.is_empty() {
            return Err(LookupFailure::NoRecord);
        }
        Ok(addresses)
    }
}

/// The HTTP client asks the same resolver, so that `--dns-server` covers every name.
impl reqwest::dns::Resolve for Dns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let dns = self.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            match dns.addresses(&host).await {
                Ok(addresses) => {
                    let addrs: reqwest::dns::Addrs =
                        Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
                    Ok(addrs)
                }
                Err(LookupFailure::NoRecord) => Err(format!("{host} has no A/AAAA record").into()),
                Err(LookupFailure::Failed(reason)) => {
                    Err(format!("looking up {host} failed: {reason}").into())
                }
            }
        })
    }
}
