//! Finding the server from the domain (RFC 6764 section 6 steps 1-3): SRV records over
//! TLS and in the clear, the targets' addresses and the TXT path.

use super::*;

impl<W: Write> Discovery<'_, W> {
    /// RFC 6764 section 6 steps 1-3: SRV over TLS, then in the clear; the target's
    /// addresses; the TXT path. Without any SRV record: the domain itself.
    pub(super) async fn locate(&mut self, service: Service) -> Result<Vec<Endpoint>, Failed> {
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
    pub(super) fn no_answer(&mut self, what: &str, name: &str, reason: &str) -> Failed {
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

    pub(super) async fn resolve_target(&mut self, host: &str, owner: &str) -> Result<(), Failed> {
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
    pub(super) async fn txt_path(
        &mut self,
        service: Service,
        owner: &str,
    ) -> Option<(String, PathSource)> {
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
}
