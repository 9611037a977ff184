//! `davgate dns-records` (the RFC 6764 records for the configured DAV root) and
//! `davgate discover` (a client's discovery walk, step by step).

use std::net::{IpAddr, SocketAddr};

use anyhow::{anyhow, bail};
use clap::Args;

use crate::config::ServerConfig;
use crate::discovery::{self, DiscoverOptions, DiscoveryRecords, Nameserver};
use crate::http::paths::DavPaths;

#[derive(Debug, Args)]
pub struct DnsRecordsArgs {
    /// The mail domain of the users' addresses (user@DOMAIN): the records go into its zone.
    #[arg(long)]
    pub domain: String,
    /// The DAV server's host name as clients reach it: the SRV target, which needs A/AAAA
    /// records of its own.
    #[arg(long)]
    pub host: String,
    /// The HTTPS port clients connect to.
    #[arg(long, default_value_t = 443, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    /// Also advertise plain http on this port (_caldav._tcp, _carddav._tcp). Without it,
    /// plain http is published as not offered (target ".").
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub plain_port: Option<u16>,
    /// Publish TLS as not offered, leaving plain http alone (needs --plain-port). For test
    /// zones only: passwords then travel in the clear.
    #[arg(long, requires = "plain_port")]
    pub no_tls: bool,
    /// Time to live of every record, in seconds.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u32).range(0..=2_147_483_647))]
    pub ttl: u32,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The user's address, user@domain: DNS is asked about the domain.
    pub address: String,
    /// The login to authenticate with [default: the address].
    #[arg(long)]
    pub login: Option<String>,
    /// The environment variable that holds the password.
    #[arg(long, default_value = "DAVGATE_DISCOVER_PASSWORD", value_name = "VAR")]
    pub password_env: String,
    /// Ask this DNS server (IP or IP:port; port 53 if left out) instead of the system's
    /// resolver configuration.
    #[arg(long, value_name = "ADDRESS", value_parser = parse_dns_server)]
    pub dns_server: Option<SocketAddr>,
    /// Accept any TLS certificate (self-signed, wrong name), to check the other steps.
    #[arg(long)]
    pub insecure: bool,
    /// Start at this URL (https://host[:port]/[path]) instead of asking DNS.
    #[arg(long)]
    pub url: Option<String>,
}

fn parse_dns_server(raw: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = raw.parse::<SocketAddr>() {
        return Ok(addr);
    }
    raw.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| {
            format!("{raw:?} is not an IP address with an optional port (127.0.0.1:5353, [::1]:53)")
        })
}

pub fn dns_records(config: &ServerConfig, args: DnsRecordsArgs) -> anyhow::Result<()> {
    let records = DiscoveryRecords::new(
        &args.domain,
        &args.host,
        (!args.no_tls).then_some(args.port),
        args.plain_port,
        args.ttl,
        DavPaths::configured(config),
    )?;
    print!("{}", records.zone_text());
    Ok(())
}

pub async fn discover(args: DiscoverArgs) -> anyhow::Result<()> {
    let password = match std::env::var(&args.password_env) {
        Ok(password) if !password.is_empty() => password,
        _ => bail!(
            "no password: set the environment variable {} (or name another with --password-env)",
            args.password_env
        ),
    };
    let start_url = match &args.url {
        Some(raw) => Some(
            reqwest::Url::parse(raw).map_err(|err| anyhow!("--url {raw:?} is not a URL: {err}"))?,
        ),
        None => None,
    };
    let options = DiscoverOptions {
        login: args.login.clone().unwrap_or_else(|| args.address.clone()),
        address: args.address,
        password,
        password_source: format!("the environment variable {}", args.password_env),
        nameserver: match args.dns_server {
            Some(addr) => Nameserver::At(addr),
            None => Nameserver::System,
        },
        insecure: args.insecure,
        start_url,
    };
    let mut out = std::io::stdout();
    let outcome = discovery::discover(&options, &mut out)
        .await
        .map_err(|err| anyhow!(err))?;
    if outcome.succeeded() {
        Ok(())
    } else {
        bail!("discovery failed for {}", options.address)
    }
}
