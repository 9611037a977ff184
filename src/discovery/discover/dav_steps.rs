//! The HTTP steps of discovery: the well-known URI, the current user's principal, the
//! home sets and the collections in them, each PROPFIND with the user's credentials.

use super::*;

impl<W: Write> Discovery<'_, W> {
    /// RFC 6764 section 5: the well-known URI on each candidate until one answers.
    /// Returns the endpoint that answered and the DAV root the well-known URI led to.
    pub(super) async fn well_known(
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

    pub(super) async fn current_user_principal(
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

    pub(super) async fn home_set(
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

    pub(super) async fn collections(
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
    pub(super) async fn propfind_as_user(
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

    pub(super) fn multistatus(&mut self, answer: &Answer) -> Result<Vec<FoundResponse>, Failed> {
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

    pub(super) fn unauthorized(&mut self) -> Failed {
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

    pub(super) fn unexpected(&mut self, status: StatusCode, url: &Url) -> Failed {
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
    pub(super) async fn request(
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
