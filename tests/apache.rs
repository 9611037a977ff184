//! The Apache httpd configurations of `apache/` in front of davgate, each style with a
//! real Apache (Debian's `apache2`) on loopback ports running the shipped files, only the
//! variables of `apache/davgate-site.conf` set for the test (host names, ports, a
//! throwaway certificate, the replicas' addresses), and `davgate serve --demo` behind it
//! with the style's `dav.properties`. `tests/clients/apache_discovery.py` (Python
//! standard library only) discovers alice's calendars and address books through Apache
//! as a client does and requests every href and Location it receives. On SQLite and,
//! when `DAVGATE_TEST_DATABASE_URL` is set, on PostgreSQL.

mod common;
use std::path::Path;
use std::time::Duration;

use common::apache::*;
use common::client::{run_client, targets, Target, PASSWORD};

/// A whole discovery run makes a few dozen requests.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(300);

impl Deployment {
    /// Runs `apache_discovery.py` with `args`; fails with its report, Apache's logs and
    /// davgate's unless every check passed.
    fn run_client(&self, t: &Target, style: &Style, args: &[String], passed_line: &str) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (passed, output) = run_client(
            Path::new("python3"),
            "apache_discovery.py",
            &args,
            CLIENT_TIMEOUT,
        );
        println!("{} {}:\n{output}", t.label, style.dir);
        if !(passed && output.contains(passed_line)) {
            let mut davgate = String::new();
            for (i, replica) in self.replicas.iter().enumerate() {
                davgate.push_str(&format!(
                    "--- davgate replica {i} ({}) log ---\n{}\n",
                    replica.url(),
                    replica.log()
                ));
            }
            panic!(
                "{} {}: the client's checks through Apache failed:\n{output}\n{}\n{davgate}",
                t.label,
                style.dir,
                self.apache.diagnostics()
            );
        }
    }

    /// The browser page through the proxy (`apache_ui.py`): log in, the collections,
    /// the Apple profile, log out, every link and cookie below the page's own path.
    fn browse_ui(&self, t: &Target, style: &Style, ui_path: &str) {
        let mut args = vec![];
        args.extend(self.apache.resolve_args(style.host));
        args.extend([
            "--cafile".into(),
            self.apache.cert().display().to_string(),
            "--user".into(),
            LOGIN.into(),
            "--password".into(),
            PASSWORD.into(),
        ]);
        if let Some(prefix) = style.hidden_prefix {
            args.extend(["--hidden-prefix".into(), prefix.into()]);
        }
        args.push(format!("https://{}{ui_path}", style.host));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (passed, output) =
            run_client(Path::new("python3"), "apache_ui.py", &args, CLIENT_TIMEOUT);
        println!("{} {} browser page:\n{output}", t.label, style.dir);
        assert!(
            passed && output.contains("all Apache browser page checks passed"),
            "{} {}: the browser page through Apache failed:\n{output}\n{}",
            t.label,
            style.dir,
            self.apache.diagnostics()
        );
    }

    /// Discovery from the well-known URLs (carddav's over plain HTTP, so that the
    /// redirect to HTTPS is followed too) and the style's other start paths, as each of
    /// `clients`; with `write`, the first one stores objects before listing.
    fn discover(&self, t: &Target, style: &Style, clients: &[&str], write: bool) {
        let mut args = vec!["discover".to_string()];
        args.extend(self.apache.resolve_args(style.host));
        args.extend([
            "--cafile".into(),
            self.apache.cert().display().to_string(),
            "--user".into(),
            LOGIN.into(),
            "--password".into(),
            PASSWORD.into(),
        ]);
        for client in clients {
            args.extend(["--user-agent".into(), user_agent_of(client)]);
        }
        if let Some(prefix) = style.hidden_prefix {
            args.extend(["--hidden-prefix".into(), prefix.into()]);
        }
        if write {
            args.push("--write".into());
        }
        args.push(format!("https://{}/.well-known/caldav", style.host));
        args.push(format!("http://{}/.well-known/carddav", style.host));
        for path in style.more_starts {
            args.push(format!("https://{}{path}", style.host));
        }
        self.run_client(t, style, &args, "all Apache discovery checks passed");
    }

    /// Which of `dav_agents` and `browser_agents` reach davgate at the host's root.
    fn check_user_agents(
        &self,
        t: &Target,
        style: &Style,
        dav_agents: &[(String, String)],
        browser_agents: &[(String, String)],
    ) {
        let mut args = vec!["user-agents".to_string()];
        args.extend(self.apache.resolve_args(style.host));
        args.extend([
            "--cafile".into(),
            self.apache.cert().display().to_string(),
            "--user".into(),
            LOGIN.into(),
            "--password".into(),
            PASSWORD.into(),
            "--webapp-marker".into(),
            WEBAPP_MARKER.into(),
        ]);
        for (_, header) in dav_agents {
            args.extend(["--dav-agent".into(), header.clone()]);
        }
        for (_, header) in browser_agents {
            args.extend(["--browser-agent".into(), header.clone()]);
        }
        if style.shares_paths {
            args.push("--vary-user-agent".into());
        }
        args.push(format!("https://{}/", style.host));
        self.run_client(t, style, &args, "all Apache user-agent checks passed");
    }
}

/// Style 1: dav.<domain> maps "/" to /servlet/dav/ on two replicas behind the balancer.
/// Both replicas answer, and with one of them gone the other serves everything.
#[tokio::test(flavor = "multi_thread")]
async fn dedicated_dav_host_with_a_balancer_over_two_replicas() {
    require_apache();
    for t in targets().await {
        let mut deployment = Deployment::start(&t, &DAV_VHOST);
        deployment.discover(&t, &DAV_VHOST, &["DAVx5", "macOS Contacts"], true);
        deployment.browse_ui(&t, &DAV_VHOST, "/ui/");
        for (i, replica) in deployment.replicas.iter().enumerate() {
            assert!(
                replica.dav_requests() > 0,
                "{}: the balancer sent no request to replica {i} ({}), whose log is:\n{}\n{}",
                t.label,
                replica.url(),
                replica.log(),
                deployment.apache.diagnostics()
            );
        }

        // Each request davgate logged carries the id Apache gave it (mod_unique_id).
        let apache_log = read_or_note(&deployment.apache.root.path().join("access.log"));
        for replica in &deployment.replicas {
            let ids = replica.request_ids();
            assert!(
                !ids.is_empty(),
                "{}: no request ids in {}",
                t.label,
                replica.log()
            );
            for id in ids {
                assert!(
                    apache_log.contains(&format!("id={id}")),
                    "{}: davgate logged request id {id}, which Apache did not give:\n{apache_log}",
                    t.label
                );
            }
        }

        // No stickiness: with the first replica stopped, the second one serves the
        // whole discovery, including what was written through the first.
        let stopped = deployment.replicas.remove(0);
        drop(stopped);
        let before = deployment.replicas[0].dav_requests();
        deployment.discover(&t, &DAV_VHOST, &["macOS Calendar"], true);
        assert!(
            deployment.replicas[0].dav_requests() > before,
            "{}: the remaining replica answered nothing",
            t.label
        );
        drop(deployment);
        t.finish().await;
    }
}

/// Style 2: /dav and the well-known paths on the main host; the web app keeps the rest.
#[tokio::test(flavor = "multi_thread")]
async fn dav_under_a_prefix_path_on_the_main_host() {
    require_apache();
    for t in targets().await {
        let deployment = Deployment::start(&t, &PREFIX_PATH);
        deployment.discover(&t, &PREFIX_PATH, &["DAVx5", "macOS Contacts"], true);
        deployment.browse_ui(&t, &PREFIX_PATH, "/dav/ui/");
        deployment.check_user_agents(&t, &PREFIX_PATH, &[], &user_agents("browser"));
        drop(deployment);
        t.finish().await;
    }
}

/// Style 3: DAV clients told apart by their User-Agent on the main host. Every DAV
/// client of user-agents.tsv reaches davgate at the root, no browser does.
#[tokio::test(flavor = "multi_thread")]
async fn dav_clients_by_user_agent_on_the_main_host() {
    require_apache();
    for t in targets().await {
        let deployment = Deployment::start(&t, &USER_AGENT);
        deployment.check_user_agents(
            &t,
            &USER_AGENT,
            &user_agents("dav"),
            &user_agents("browser"),
        );
        deployment.discover(&t, &USER_AGENT, &["DAVx5", "macOS Contacts"], true);
        drop(deployment);
        t.finish().await;
    }
}

#[test]
fn every_style_believes_the_client_address_apache_forwards() {
    // Apache appends the client's address to X-Forwarded-For; davgate counts failed
    // logins per client address, so the style's davgate must trust Apache's (loopback,
    // on davgate's host) over what config/ ships, or every client would count as one.
    for style in [&DAV_VHOST, &PREFIX_PATH, &USER_AGENT] {
        let dir = style_config_dir(style);
        let config = davgate::config::ServerConfig::load(dir.path()).unwrap();
        let trusted = config.get::<davgate::config::props::TrustedProxies>();
        for apache in ["127.0.0.1", "::1"] {
            let apache: std::net::IpAddr = apache.parse().unwrap();
            assert!(
                trusted.iter().any(|net| net.contains(&apache)),
                "{}: {apache} is not trusted ({trusted:?})",
                style.dir
            );
        }
    }
}
