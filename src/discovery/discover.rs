//! What a CalDAV/CardDAV client does with nothing but an address (RFC 6764 section 6),
//! step by step, naming what is wrong and the likely fix wherever a step fails.

use std::io::Write;
use std::time::Duration;

use reqwest::header::{HeaderValue, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode, Url};

use super::dns::{Dns, LookupFailure, Nameserver, SrvTarget};
use super::multistatus::{read_multistatus, FoundResponse};
use super::records::{service_owner, DomainName, Service, Transport};
use crate::dav::names::Namespace;

mod dav_steps;
mod failures;
mod locate;

use failures::*;

/// What to discover, as whom, and through which DNS server.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// `user@domain`: the domain is what DNS is asked about.
    pub address: String,
    /// The login sent with HTTP Basic.
    pub login: String,
    pub password: String,
    /// Where the password came from, for the fix after a 401 (e.g. "DAVGATE_DISCOVER_PASSWORD").
    pub password_source: String,
    pub nameserver: Nameserver,
    /// Accept any TLS certificate.
    pub insecure: bool,
    /// Start at this URL instead of asking DNS.
    pub start_url: Option<Url>,
}

/// What was found for one service.
#[derive(Debug, Clone)]
pub struct Found {
    pub principal: Url,
    pub home: Url,
    pub collections: Vec<Collection>,
}

/// A collection in a home set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub href: String,
    pub display_name: Option<String>,
    /// The local names of the resource types besides `collection`, e.g. `calendar`.
    pub kinds: Vec<String>,
    /// For calendars: the supported component types (VEVENT, VTODO).
    pub components: Vec<String>,
}

/// The result of a whole run: each service found, or not.
#[derive(Debug)]
pub struct Outcome {
    pub services: Vec<(Service, Option<Found>)>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.services.iter().all(|(_, found)| found.is_some())
    }
}

/// A step failed; its problem and fix are printed already.
struct Failed;

/// What a 404 means at a step: the problem and the fix, from the path that answered.
type NotFound = Box<dyn FnOnce(&str) -> (String, String) + Send>;

/// A request that got no HTTP answer, explained.
struct Unanswered {
    what: String,
    fix: String,
    /// Nothing answered at all (refused, unresolvable, timed out): another candidate may.
    unreachable: bool,
}

/// The HTTP answer at the end of any redirects.
struct Answer {
    url: Url,
    status: StatusCode,
    body: Vec<u8>,
    redirected: bool,
}

/// Where the path to start from came from, when not from the well-known URI.
#[derive(Debug, Clone)]
enum PathSource {
    Txt { owner: String },
    Url,
}

/// A server to try: from an SRV record, from the domain itself, or from `--url`.
#[derive(Debug, Clone)]
struct Endpoint {
    transport: Transport,
    host: String,
    port: u16,
    start_path: Option<(String, PathSource)>,
}

impl Endpoint {
    fn origin(&self) -> Result<Url, String> {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        Url::parse(&format!(
            "{}://{}:{}/",
            self.transport.scheme(),
            host,
            self.port
        ))
        .map_err(|err| {
            format!(
                "{}:{} is no usable server address: {err}",
                self.host, self.port
            )
        })
    }
}

const MAX_REDIRECTS: usize = 8;

const PROPFIND_PRINCIPAL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>"#;

const PROPFIND_CALENDAR_HOME: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:displayname/><C:calendar-home-set/></D:prop></D:propfind>"#;

const PROPFIND_ADDRESSBOOK_HOME: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><D:prop><D:displayname/><CARD:addressbook-home-set/></D:prop></D:propfind>"#;

const PROPFIND_CALENDARS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:displayname/><D:resourcetype/><C:supported-calendar-component-set/></D:prop></D:propfind>"#;

const PROPFIND_ADDRESSBOOKS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/><D:resourcetype/></D:prop></D:propfind>"#;

/// Runs discovery for CalDAV, then CardDAV, printing each step to `out`. An `Err` means
/// discovery could not start (bad address, no DNS configuration, no HTTP client).
pub async fn discover<W: Write>(options: &DiscoverOptions, out: &mut W) -> Result<Outcome, String> {
    let domain = match &options.start_url {
        Some(_) => None,
        None => Some(domain_of(&options.address)?),
    };
    let dns = Dns::new(options.nameserver)?;
    crate::tls::install_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .dns_resolver(dns.clone())
        .danger_accept_invalid_certs(options.insecure)
        .user_agent(concat!("davgate-discover/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| format!("cannot set up the HTTP client: {err}"))?;
    let mut run = Discovery {
        options,
        domain,
        dns,
        http,
        out,
        step: 0,
    };
    if options.insecure {
        run.line("TLS certificates are not checked (--insecure).");
    }
    let mut services = Vec::new();
    for service in Service::ALL {
        run.line("");
        run.line(service.label());
        let found = run.service(service).await.ok();
        services.push((service, found));
    }
    run.line("");
    for (service, found) in &services {
        match found {
            Some(found) => run.line(&format!(
                "{}: found for {}: home {} with {} collection(s)",
                service.label(),
                options.login,
                found.home,
                // Calendars and address books; the scheduling mailboxes are listed
                // above but hold no data of their own.
                found
                    .collections
                    .iter()
                    .filter(|c| c
                        .kinds
                        .iter()
                        .any(|k| k == "calendar" || k == "addressbook"))
                    .count()
            )),
            None => run.line(&format!("{}: not found (see above)", service.label())),
        }
    }
    Ok(Outcome { services })
}

/// The domain of `user@domain`.
fn domain_of(address: &str) -> Result<DomainName, String> {
    let Some((_, domain)) = address.rsplit_once('@') else {
        return Err(format!(
            "{address:?} is not an address user@domain: the part after @ is the domain DNS is asked about (or give --url to skip DNS)"
        ));
    };
    DomainName::parse(domain).map_err(|err| format!("the address {address:?}: {err}"))
}

struct Discovery<'a, W: Write> {
    options: &'a DiscoverOptions,
    domain: Option<DomainName>,
    dns: Dns,
    http: reqwest::Client,
    out: &'a mut W,
    step: usize,
}

impl<W: Write> Discovery<'_, W> {
    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    fn step(&mut self, text: &str) {
        self.step += 1;
        let line = format!("{:>2}. {text}", self.step);
        self.line(&line);
    }

    fn detail(&mut self, text: &str) {
        self.line(&format!("      {text}"));
    }

    fn warning(&mut self, what: &str, fix: &str) {
        self.line(&format!("    warning: {what}"));
        self.line(&format!("    fix: {fix}"));
    }

    fn problem(&mut self, what: &str, fix: &str) -> Failed {
        self.line(&format!("    problem: {what}"));
        self.line(&format!("    fix: {fix}"));
        Failed
    }

    async fn service(&mut self, service: Service) -> Result<Found, Failed> {
        let candidates = match &self.options.start_url {
            Some(url) => {
                let endpoint = self.endpoint_from_url(url)?;
                self.step(&format!("Start at {url} (--url: DNS is not asked)"));
                vec![endpoint]
            }
            None => self.locate(service).await?,
        };
        let (endpoint, well_known) = self.well_known(service, candidates).await?;
        let origin = endpoint
            .origin()
            .map_err(|err| self.problem(&err, "check the SRV record's target and port"))?;

        // The DAV root to start from: the TXT path (or --url path) if there is one, as
        // clients prefer it, otherwise where the well-known URI led.
        let mut mismatch: Option<String> = None;
        let start = match (&endpoint.start_path, &well_known) {
            (Some((path, source)), _) => {
                let url = origin.join(path).map_err(|err| {
                    self.problem(
                        &format!("the path {path:?} is not a URL path: {err}"),
                        &self.path_fix(source, None),
                    )
                })?;
                let from = match source {
                    PathSource::Txt { .. } => "from the TXT record",
                    PathSource::Url => "from --url",
                };
                self.step(&format!("DAV root {url} ({from})"));
                if let Some(known) = &well_known {
                    if known.path().trim_end_matches('/') != url.path().trim_end_matches('/') {
                        let known_path = known.path().to_owned();
                        let what = format!(
                            "{} path {} differs from where /.well-known/{} leads ({known_path})",
                            match source {
                                PathSource::Txt { .. } => "the TXT record's",
                                PathSource::Url => "the --url",
                            },
                            url.path(),
                            service.key()
                        );
                        let fix = self.path_fix(source, Some(&known_path));
                        self.warning(&what, &fix);
                        mismatch = Some(known_path);
                    }
                }
                url
            }
            (None, Some(known)) => {
                self.step(&format!(
                    "DAV root {known} (from /.well-known/{})",
                    service.key()
                ));
                known.clone()
            }
            (None, None) => {
                unreachable!("well_known fails when it found no root and no path is given")
            }
        };
        let root_path = well_known
            .as_ref()
            .map(|url| url.path().to_owned())
            .unwrap_or_else(|| start.path().to_owned());

        let principal = self
            .current_user_principal(&endpoint, &start, mismatch.as_deref())
            .await?;
        if !principal.path().starts_with(&root_path) {
            self.warning(
                &format!(
                    "the principal's href {} is not under the DAV root {root_path}",
                    principal.path()
                ),
                &proxy_prefix_fix(),
            );
        }
        let principal_under_root = principal.path().starts_with(&root_path);
        let home = self
            .home_set(service, &principal, principal_under_root)
            .await?;
        let collections = self.collections(service, &home).await?;
        Ok(Found {
            principal,
            home,
            collections,
        })
    }

    fn path_fix(&self, source: &PathSource, right: Option<&str>) -> String {
        match (source, right) {
            (PathSource::Txt { owner }, Some(right)) => format!(
                "clients use the TXT path: publish {owner} TXT \"path={right}\" (`davgate dns-records` prints the records from the server's configuration)"
            ),
            (PathSource::Txt { owner }, None) => format!(
                "publish {owner} TXT \"path=<DAV root>\" as `davgate dns-records` prints it"
            ),
            (PathSource::Url, Some(right)) => format!("start from the DAV root {right}"),
            (PathSource::Url, None) => "give --url with the server's DAV root".to_owned(),
        }
    }

    fn endpoint_from_url(&mut self, url: &Url) -> Result<Endpoint, Failed> {
        let transport = match url.scheme() {
            "https" => Transport::Tls,
            "http" => Transport::Plain,
            other => {
                return Err(self.problem(
                    &format!("--url {url}: the scheme {other:?} is neither https nor http"),
                    "give --url as https://host[:port]/[path]",
                ))
            }
        };
        let Some(host) = url.host_str() else {
            return Err(self.problem(
                &format!("--url {url} names no host"),
                "give --url as https://host[:port]/[path]",
            ));
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let path = url.path();
        Ok(Endpoint {
            transport,
            host,
            port: url
                .port_or_known_default()
                .unwrap_or(transport.default_port()),
            start_path: (path != "/").then(|| (path.to_owned(), PathSource::Url)),
        })
    }
}

fn propfind() -> Method {
    Method::from_bytes(b"PROPFIND").expect("PROPFIND is a valid method name")
}

fn transport_words(transport: Transport) -> &'static str {
    match transport {
        Transport::Tls => "over TLS",
        Transport::Plain => "without TLS",
    }
}

fn join(addresses: &[std::net::IpAddr]) -> String {
    addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn proxy_prefix_fix() -> String {
    "hrefs are built from com.openexchange.dav.prefixPath and proxyPrefixPath: proxyPrefixPath must be exactly the part of prefixPath that the proxy adds in front of the paths clients use".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_comes_from_the_address() {
        assert_eq!(
            domain_of("alice@Example.com").unwrap().as_str(),
            "example.com"
        );
        assert!(domain_of("alice").unwrap_err().contains("user@domain"));
        assert!(domain_of("alice@exa mple.com")
            .unwrap_err()
            .contains("not allowed"));
    }

    #[test]
    fn tls_errors_say_what_to_do() {
        let untrusted = tls_unanswered(
            "dav.example.com",
            443,
            &rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(untrusted.what.contains("not trusted"));
        assert!(untrusted.fix.contains("--insecure"));
        let self_signed_ca = tls_unanswered(
            "dav.example.com",
            443,
            &rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
                rustls::OtherError(std::sync::Arc::new(webpki::Error::CaUsedAsEndEntity)),
            )),
        );
        assert!(self_signed_ca.what.contains("is self-signed"));
        let plain = tls_unanswered(
            "dav.example.com",
            8080,
            &rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        );
        assert!(plain.what.contains("does not speak TLS"));
    }
}
