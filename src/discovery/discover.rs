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

    /// RFC 6764 section 6 steps 1-3: SRV over TLS, then in the clear; the target's
    /// addresses; the TXT path. Without any SRV record: the domain itself.
    async fn locate(&mut self, service: Service) -> Result<Vec<Endpoint>, Failed> {
        let domain = self.domain.clone().expect("a domain when DNS is asked");
        let mut not_offered = Vec::new();
        for transport in [Transport::Tls, Transport::Plain] {
            let owner = service_owner(service, transport, &domain);
            let targets = match self.dns.srv(&owner).await {
                Ok(targets) => targets,
                Err(LookupFailure::NoRecord) => {
                    self.step(&format!("SRV {owner} → no record"));
                    continue;
                }
                Err(LookupFailure::Failed(reason)) => {
                    return Err(self.no_answer("SRV", &owner, &reason));
                }
            };
            let usable: Vec<&SrvTarget> = targets.iter().filter(|t| t.host.is_some()).collect();
            let Some(chosen) = usable.first() else {
                self.step(&format!(
                    "SRV {owner} → \".\": {} {} is not offered",
                    service.label(),
                    transport_words(transport)
                ));
                not_offered.push(transport);
                continue;
            };
            let host = chosen.host.clone().expect("usable targets have a host");
            self.step(&format!(
                "SRV {owner} → {host}:{} (priority {}, weight {})",
                chosen.port, chosen.priority, chosen.weight
            ));
            for other in usable.iter().skip(1) {
                let line = format!(
                    "also {}:{} (priority {}, weight {})",
                    other.host.as_deref().unwrap_or("."),
                    other.port,
                    other.priority,
                    other.weight
                );
                self.detail(&line);
            }
            if transport == Transport::Plain {
                self.detail("plain http: the password travels unencrypted");
            }
            self.resolve_target(&host, &owner).await?;
            let start_path = self.txt_path(service, &owner).await;
            return Ok(vec![Endpoint {
                transport,
                host,
                port: chosen.port,
                start_path,
            }]);
        }
        let tls_owner = service_owner(service, Transport::Tls, &domain);
        let plain_owner = service_owner(service, Transport::Plain, &domain);
        if !not_offered.is_empty() {
            return Err(self.problem(
                &format!(
                    "the zone of {domain} publishes {} as not offered and names no server for it",
                    service.label()
                ),
                &format!(
                    "publish an SRV record with the DAV host as target for {tls_owner} (`davgate dns-records --domain {domain} --host <DAV host>` prints them)"
                ),
            ));
        }
        self.warning(
            &format!("no SRV record for {tls_owner} or {plain_owner}"),
            &format!(
                "publish the records `davgate dns-records --domain {domain} --host <DAV host>` prints; meanwhile clients fall back to the domain itself"
            ),
        );
        self.line(&format!(
            "    falling back to https://{domain}/ then http://{domain}/"
        ));
        match self.dns.addresses(domain.as_str()).await {
            Ok(addresses) => {
                self.step(&format!("A/AAAA {domain} → {}", join(&addresses)));
            }
            Err(LookupFailure::NoRecord) => {
                self.step(&format!("A/AAAA {domain} → no record"));
                return Err(self.problem(
                    &format!(
                        "there is no server to ask: {domain} has no SRV record for {} and no A/AAAA record of its own",
                        service.label()
                    ),
                    &format!(
                        "publish the SRV and TXT records that `davgate dns-records --domain {domain} --host <DAV host>` prints"
                    ),
                ));
            }
            Err(LookupFailure::Failed(reason)) => {
                return Err(self.no_answer("A/AAAA", domain.as_str(), &reason));
            }
        }
        Ok([Transport::Tls, Transport::Plain]
            .into_iter()
            .map(|transport| Endpoint {
                transport,
                host: domain.as_str().to_owned(),
                port: transport.default_port(),
                start_path: None,
            })
            .collect())
    }

    /// The step and the problem when the name server gave no answer for `name`.
    fn no_answer(&mut self, what: &str, name: &str, reason: &str) -> Failed {
        self.step(&format!("{what} {name} → no answer"));
        let fix = match self.dns.nameserver {
            Nameserver::System => {
                "check the name servers in /etc/resolv.conf, or ask another with --dns-server"
                    .to_owned()
            }
            Nameserver::At(addr) => {
                format!("check that a DNS server answers at {addr} (--dns-server)")
            }
        };
        let nameserver = self.dns.nameserver.to_string();
        self.problem(
            &format!("{nameserver} did not answer for {name}: {reason}"),
            &fix,
        )
    }

    async fn resolve_target(&mut self, host: &str, owner: &str) -> Result<(), Failed> {
        match self.dns.addresses(host).await {
            Ok(addresses) => {
                self.step(&format!("A/AAAA {host} → {}", join(&addresses)));
                Ok(())
            }
            Err(LookupFailure::NoRecord) => {
                self.step(&format!("A/AAAA {host} → no record"));
                Err(self.problem(
                    &format!("the SRV target {host} of {owner} does not resolve: it has no A/AAAA record"),
                    &format!(
                        "add A/AAAA records for {host} (an SRV target must not be a CNAME, RFC 2782), or point the SRV record at a host name that has them"
                    ),
                ))
            }
            Err(LookupFailure::Failed(reason)) => Err(self.no_answer("A/AAAA", host, &reason)),
        }
    }

    /// The `path=` of the TXT record beside an SRV record (RFC 6764 section 4).
    async fn txt_path(&mut self, service: Service, owner: &str) -> Option<(String, PathSource)> {
        let well_known = service.key();
        match self.dns.txt(owner).await {
            Err(LookupFailure::NoRecord) => {
                self.step(&format!(
                    "TXT {owner} → no record: clients start at /.well-known/{well_known}"
                ));
                None
            }
            Err(LookupFailure::Failed(reason)) => {
                self.step(&format!("TXT {owner} → no answer ({reason})"));
                None
            }
            Ok(records) => {
                let path = records
                    .iter()
                    .flatten()
                    .find_map(|part| part.strip_prefix("path="))
                    .map(str::to_owned);
                match path {
                    Some(path) if path.starts_with('/') => {
                        self.step(&format!("TXT {owner} → path={path}"));
                        Some((
                            path,
                            PathSource::Txt {
                                owner: owner.to_owned(),
                            },
                        ))
                    }
                    Some(path) => {
                        self.step(&format!("TXT {owner} → path={path}"));
                        self.warning(
                            &format!("path={path} is not an absolute path; clients ignore it"),
                            &format!("publish {owner} TXT \"path=/<DAV root>/\" as `davgate dns-records` prints it"),
                        );
                        None
                    }
                    None => {
                        let shown: Vec<String> = records.iter().map(|r| r.join("")).collect();
                        self.step(&format!(
                            "TXT {owner} → no path= key ({}): clients start at /.well-known/{well_known}",
                            shown.join(", ")
                        ));
                        None
                    }
                }
            }
        }
    }

    /// RFC 6764 section 5: the well-known URI on each candidate until one answers.
    /// Returns the endpoint that answered and the DAV root the well-known URI led to.
    async fn well_known(
        &mut self,
        service: Service,
        candidates: Vec<Endpoint>,
    ) -> Result<(Endpoint, Option<Url>), Failed> {
        let count = candidates.len();
        for (index, endpoint) in candidates.into_iter().enumerate() {
            let origin = endpoint
                .origin()
                .map_err(|err| self.problem(&err, "check the SRV record's target and port"))?;
            let url = origin
                .join(&format!("/.well-known/{}", service.key()))
                .expect("a fixed path joins any origin");
            let answer = match self
                .request(propfind(), url, "0", PROPFIND_PRINCIPAL, false)
                .await
            {
                Ok(answer) => answer,
                Err(unanswered) if unanswered.unreachable && index + 1 < count => {
                    self.warning(&unanswered.what, &unanswered.fix);
                    self.line("    trying the next candidate");
                    continue;
                }
                Err(unanswered) => return Err(self.problem(&unanswered.what, &unanswered.fix)),
            };
            let is_dav = answer.status == StatusCode::MULTI_STATUS
                || answer.status == StatusCode::UNAUTHORIZED;
            if is_dav {
                if !answer.redirected {
                    self.detail(&format!(
                        "/.well-known/{} answers as the DAV root itself instead of redirecting to it",
                        service.key()
                    ));
                }
                return Ok((endpoint, Some(answer.url)));
            }
            let what = format!(
                "/.well-known/{} on {}:{} does not lead to a DAV root ({} at {})",
                service.key(),
                endpoint.host,
                endpoint.port,
                answer.status,
                answer.url.path()
            );
            let fix = format!(
                "let /.well-known/caldav and /.well-known/carddav at the root of {} reach davgate, which answers them with 301 to its DAV root (behind a proxy: pass /.well-known through)",
                endpoint.host
            );
            if endpoint.start_path.is_some() {
                self.warning(&what, &fix);
                return Ok((endpoint, None));
            }
            return Err(self.problem(&what, &fix));
        }
        unreachable!("the last candidate returns")
    }

    async fn current_user_principal(
        &mut self,
        endpoint: &Endpoint,
        start: &Url,
        right_root: Option<&str>,
    ) -> Result<Url, Failed> {
        let not_found_fix = match (&endpoint.start_path, right_root) {
            (Some((_, source)), Some(right)) => self.path_fix(source, Some(right)),
            _ => "the DAV root is not where the server says it is: check com.openexchange.dav.prefixPath and proxyPrefixPath against the proxy's mapping".to_owned(),
        };
        let (answer, responses) = self
            .propfind_as_user(
                start,
                "0",
                PROPFIND_PRINCIPAL,
                Some(Box::new(move |path| {
                    (
                        format!("there is nothing at {path} (404 Not Found)"),
                        not_found_fix,
                    )
                })),
            )
            .await?;
        let href = responses
            .iter()
            .find_map(|response| response.href_in(&Namespace::Dav, "current-user-principal"));
        let Some(href) = href else {
            return Err(self.problem(
                &format!(
                    "{} answers without a DAV:current-user-principal for {}",
                    answer.url.path(),
                    self.options.login
                ),
                "davgate answers it at its DAV root: check that this path reaches davgate's DAV root and not another server behind the proxy",
            ));
        };
        let principal = answer.url.join(&href).map_err(|err| {
            self.problem(
                &format!("the principal href {href:?} is not a URL: {err}"),
                "check the server's href configuration",
            )
        })?;
        self.detail(&format!("current-user-principal → {href}"));
        Ok(principal)
    }

    async fn home_set(
        &mut self,
        service: Service,
        principal: &Url,
        under_root: bool,
    ) -> Result<Url, Failed> {
        let (body, ns, property) = match service {
            Service::CalDav => (
                PROPFIND_CALENDAR_HOME,
                Namespace::CalDav,
                "calendar-home-set",
            ),
            Service::CardDav => (
                PROPFIND_ADDRESSBOOK_HOME,
                Namespace::CardDav,
                "addressbook-home-set",
            ),
        };
        let not_found_fix = if under_root {
            "the server names a principal it does not serve: check the user in davgate (`davgate user list`)".to_owned()
        } else {
            proxy_prefix_fix()
        };
        let (answer, responses) = self
            .propfind_as_user(
                principal,
                "0",
                body,
                Some(Box::new(move |path| {
                    (
                        format!("the principal {path} is not there (404 Not Found)"),
                        not_found_fix,
                    )
                })),
            )
            .await?;
        let name = responses
            .iter()
            .find_map(|response| response.text(&Namespace::Dav, "displayname"));
        let href = responses
            .iter()
            .find_map(|response| response.href_in(&ns, property));
        let Some(href) = href else {
            let what = match service {
                Service::CalDav => "the principal has no CALDAV:calendar-home-set: the server offers this user no calendars",
                Service::CardDav => "the principal has no CARDDAV:addressbook-home-set: the server offers this user no address books",
            };
            return Err(self.problem(
                what,
                &format!(
                    "check that {} is enabled for the user (com.openexchange.{}.enabled and the user's modules: `davgate config explain`)",
                    service.label(),
                    service.key()
                ),
            ));
        };
        if let Some(name) = name {
            self.detail(&format!("principal {name:?}"));
        }
        self.detail(&format!("{property} → {href}"));
        answer.url.join(&href).map_err(|err| {
            self.problem(
                &format!("the home set href {href:?} is not a URL: {err}"),
                "check the server's href configuration",
            )
        })
    }

    async fn collections(
        &mut self,
        service: Service,
        home: &Url,
    ) -> Result<Vec<Collection>, Failed> {
        let body = match service {
            Service::CalDav => PROPFIND_CALENDARS,
            Service::CardDav => PROPFIND_ADDRESSBOOKS,
        };
        let (answer, responses) = self.propfind_as_user(home, "1", body, None).await?;
        let mut collections = Vec::new();
        for response in &responses {
            let Ok(url) = answer.url.join(&response.href) else {
                continue;
            };
            if url.path() == answer.url.path() {
                continue;
            }
            let kinds: Vec<String> = response
                .prop(&Namespace::Dav, "resourcetype")
                .map(|types| {
                    types
                        .children
                        .iter()
                        .filter(|kind| !kind.name.is(&Namespace::Dav, "collection"))
                        .map(|kind| kind.name.local.clone())
                        .collect()
                })
                .unwrap_or_default();
            let components = response
                .prop(&Namespace::CalDav, "supported-calendar-component-set")
                .map(|set| {
                    set.children_named(&Namespace::CalDav, "comp")
                        .filter_map(|comp| comp.attribute("name").map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            collections.push(Collection {
                href: response.href.clone(),
                display_name: response.text(&Namespace::Dav, "displayname"),
                kinds,
                components,
            });
        }
        for collection in &collections {
            let mut line = format!(
                "{}  {:?}",
                collection.href,
                collection.display_name.as_deref().unwrap_or("")
            );
            if !collection.kinds.is_empty() {
                line.push_str(&format!("  {}", collection.kinds.join(", ")));
            }
            if !collection.components.is_empty() {
                line.push_str(&format!(" ({})", collection.components.join(", ")));
            }
            self.detail(&line);
        }
        if collections.is_empty() {
            self.warning(
                &format!("the home {} holds no collections", home.path()),
                "the user sees no folders of this kind: check the folders and their permissions (`davgate folder list`)",
            );
        }
        Ok(collections)
    }

    /// An authenticated PROPFIND that must answer 207 with a multistatus; any other answer
    /// is the problem of this step. `not_found` says what a 404 means here (from the path
    /// answered), when it means more than an unexpected status.
    async fn propfind_as_user(
        &mut self,
        url: &Url,
        depth: &str,
        body: &'static str,
        not_found: Option<NotFound>,
    ) -> Result<(Answer, Vec<FoundResponse>), Failed> {
        let answer = self
            .request(propfind(), url.clone(), depth, body, true)
            .await
            .map_err(|unanswered| self.problem(&unanswered.what, &unanswered.fix))?;
        match (answer.status, not_found) {
            (StatusCode::MULTI_STATUS, _) => {}
            (StatusCode::UNAUTHORIZED, _) => return Err(self.unauthorized()),
            (StatusCode::NOT_FOUND, Some(not_found)) => {
                let (what, fix) = not_found(answer.url.path());
                return Err(self.problem(&what, &fix));
            }
            (other, _) => return Err(self.unexpected(other, &answer.url)),
        }
        let responses = self.multistatus(&answer)?;
        Ok((answer, responses))
    }

    fn multistatus(&mut self, answer: &Answer) -> Result<Vec<FoundResponse>, Failed> {
        read_multistatus(&answer.body).map_err(|err| {
            self.problem(
                &format!(
                    "the 207 answer from {} is not a DAV multistatus: {err}",
                    answer.url.path()
                ),
                "check that the path reaches davgate and not another web server behind the proxy",
            )
        })
    }

    fn unauthorized(&mut self) -> Failed {
        let what = format!(
            "the server refused the login {} (401 Unauthorized): the password is wrong or the login unknown",
            self.options.login
        );
        let fix = format!(
            "check the password ({}) and the login (--login; davgate accepts user@<context login mapping>, a mail address, or user alone in the default context)",
            self.options.password_source
        );
        self.problem(&what, &fix)
    }

    fn unexpected(&mut self, status: StatusCode, url: &Url) -> Failed {
        let fix = match status {
            StatusCode::FORBIDDEN => "the user may not use this service: check the user's modules and permissions".to_owned(),
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED => {
                "this server does not speak WebDAV at this path: check that the proxy passes PROPFIND through to davgate".to_owned()
            }
            status if status.is_server_error() => {
                "the server failed: see davgate's log (and the proxy's) for this request".to_owned()
            }
            _ => "check the server's and the proxy's configuration for this path".to_owned(),
        };
        self.problem(&format!("{} answered {status}", url.path()), &fix)
    }

    /// One request, then any redirects, each reported as a step. Credentials go along
    /// only when `authenticated`.
    async fn request(
        &mut self,
        method: Method,
        mut url: Url,
        depth: &str,
        body: &'static str,
        authenticated: bool,
    ) -> Result<Answer, Unanswered> {
        let mut redirected = false;
        for _ in 0..MAX_REDIRECTS {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header("Depth", depth)
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/xml; charset=utf-8"),
                )
                .body(body);
            if authenticated {
                request = request.basic_auth(&self.options.login, Some(&self.options.password));
            }
            let who = if authenticated {
                format!(" as {}", self.options.login)
            } else {
                String::new()
            };
            let label = format!("{method} {url} (Depth {depth}{who})");
            let response = match request.send().await {
                Ok(response) => response,
                Err(err) => {
                    self.step(&format!("{label} → no answer"));
                    return Err(unanswered(&url, &err));
                }
            };
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                let Some(location) = location else {
                    self.step(&format!("{label} → {status} without Location"));
                    return Err(Unanswered {
                        what: format!("{url} redirects ({status}) but names no Location"),
                        fix: "check the proxy's redirect rules".to_owned(),
                        unreachable: false,
                    });
                };
                self.step(&format!("{label} → {status}, Location: {location}"));
                let next = url.join(&location).map_err(|err| Unanswered {
                    what: format!("the Location {location:?} is not a URL: {err}"),
                    fix: "check the proxy's redirect rules".to_owned(),
                    unreachable: false,
                })?;
                if authenticated && next.origin() != url.origin() {
                    return Err(Unanswered {
                        what: format!(
                            "{url} redirects to another server, {next}; the password is not sent there"
                        ),
                        fix: format!(
                            "publish the SRV record (or give --url) for the server clients end up on, {}",
                            next.origin().ascii_serialization()
                        ),
                        unreachable: false,
                    });
                }
                if url.scheme() == "https" && next.scheme() == "http" {
                    return Err(Unanswered {
                        what: format!("{url} redirects from https to {next}, where the password would travel in the clear"),
                        fix: "keep the redirect on https: the proxy (or its Location rewriting) turns it into http".to_owned(),
                        unreachable: false,
                    });
                }
                url = next;
                redirected = true;
                continue;
            }
            self.step(&format!("{label} → {status}"));
            let body = response
                .bytes()
                .await
                .map_err(|err| unanswered(&url, &err))?;
            return Ok(Answer {
                url,
                status,
                body: body.to_vec(),
                redirected,
            });
        }
        Err(Unanswered {
            what: format!("more than {MAX_REDIRECTS} redirects; the last led to {url}"),
            fix: "the redirects go round in circles: check the proxy's redirect rules and davgate's prefixPath".to_owned(),
            unreachable: false,
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

/// Explains why a request got no HTTP answer: TLS, refused connection, name, time-out.
fn unanswered(url: &Url, err: &reqwest::Error) -> Unanswered {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or_default();
    if let Some(tls) = rustls_error(err) {
        return tls_unanswered(host, port, tls);
    }
    if let Some(io) = io_error(err) {
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                return Unanswered {
                    what: format!("nothing accepts connections at {host}:{port} (connection refused)"),
                    fix: format!(
                        "check the port in the SRV record and that davgate (or the proxy in front of it) listens on {port}"
                    ),
                    unreachable: true,
                }
            }
            std::io::ErrorKind::TimedOut => {
                return Unanswered {
                    what: format!("{host}:{port} did not answer in time"),
                    fix: "check firewalls between here and the server, and that the server runs".to_owned(),
                    unreachable: true,
                }
            }
            _ => {}
        }
    }
    if err.is_timeout() {
        return Unanswered {
            what: format!("{host}:{port} did not answer in time"),
            fix: "check firewalls between here and the server, and that the server runs".to_owned(),
            unreachable: true,
        };
    }
    Unanswered {
        what: format!("the request to {url} failed: {}", error_chain(err)),
        fix: "check that the host resolves and the server runs".to_owned(),
        unreachable: err.is_connect(),
    }
}

fn tls_unanswered(host: &str, port: u16, tls: &rustls::Error) -> Unanswered {
    use rustls::CertificateError as Cert;
    let insecure = "to check the remaining steps meanwhile, run again with --insecure";
    let (what, fix) = match tls {
        rustls::Error::InvalidCertificate(cert) => match cert {
            Cert::UnknownIssuer | Cert::BadSignature => (
                format!("the TLS certificate of {host} is not trusted (self-signed, or issued by a CA this system does not know)"),
                format!("install a certificate from a CA that clients trust; {insecure}"),
            ),
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => (
                format!("the TLS certificate of {host}:{port} is not valid for the name {host}"),
                format!("the certificate must name the host clients connect to (the SRV target); {insecure}"),
            ),
            Cert::Expired | Cert::ExpiredContext { .. } => (
                format!("the TLS certificate of {host} has expired"),
                format!("renew the certificate; {insecure}"),
            ),
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => (
                format!("the TLS certificate of {host} is not valid yet"),
                format!("check the clocks and the certificate's dates; {insecure}"),
            ),
            Cert::Other(other) if ca_as_end_entity(other) => (
                format!("the TLS certificate of {host} is self-signed: it is a CA certificate serving as the server's own"),
                format!("install a certificate from a CA that clients trust; {insecure}"),
            ),
            other => (
                format!("the TLS certificate of {host} is refused: {other:?}"),
                format!("install a valid certificate; {insecure}"),
            ),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => (
            format!("{host}:{port} does not speak TLS"),
            "the port serves plain http: the SRV record of the TLS service (_caldavs, _carddavs), or an https:// --url, must name the https port; a plain http port belongs under _caldav/_carddav".to_owned(),
        ),
        other => (
            format!("the TLS handshake with {host}:{port} failed: {other}"),
            format!("check the server's TLS setup; {insecure}"),
        ),
    };
    Unanswered {
        what,
        fix,
        unreachable: false,
    }
}

/// A self-signed certificate made as a CA (`openssl req -x509` does so by default).
fn ca_as_end_entity(error: &rustls::OtherError) -> bool {
    matches!(
        error.0.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}

/// The rustls error in an error's chain; TLS streams wrap it into an `io::Error`, whose
/// `source` skips it, so each `io::Error` is opened by hand.
fn rustls_error<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(tls) = rustls_error(inner) {
                    return Some(tls);
                }
            }
        }
        current = error.source();
    }
    None
}

fn io_error<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e std::io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        current = error.source();
    }
    None
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(error) = current {
        let text = error.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        current = error.source();
    }
    parts.join(": ")
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
