//! The Apache httpd configurations of `apache/` in front of davgate, each style with a
//! real Apache (Debian's `apache2`) on loopback ports running the shipped files, only the
//! variables of `apache/davgate-site.conf` set for the test (host names, ports, a
//! throwaway certificate, the replicas' addresses), and `davgate serve --demo` behind it
//! with the style's `dav.properties`. `tests/clients/apache_discovery.py` (Python
//! standard library only) discovers alice's calendars and address books through Apache
//! as a client does and requests every href and Location it receives. On SQLite and,
//! when `DAVGATE_TEST_DATABASE_URL` is set, on PostgreSQL.

mod common;

use std::fs::{self, File, Permissions};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::client::{
    free_port, manifest_dir, run_client, start_demo_with, targets, Server, Target, PASSWORD,
};

const APACHE: &str = "/usr/sbin/apache2";
const APACHE_MODULES: &str = "/usr/lib/apache2/modules";
/// The modules apache/README.md has the administrator enable, and what Debian's
/// apache2.conf and default modules provide besides: the MPM, access control, mod_dir
/// for the web app's index page and the TLS session cache of Debian's ssl.conf.
const MODULES: &[(&str, &str)] = &[
    ("mpm_event_module", "mod_mpm_event.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("alias_module", "mod_alias.so"),
    ("dir_module", "mod_dir.so"),
    ("headers_module", "mod_headers.so"),
    ("unique_id_module", "mod_unique_id.so"),
    ("rewrite_module", "mod_rewrite.so"),
    ("socache_shmcb_module", "mod_socache_shmcb.so"),
    ("ssl_module", "mod_ssl.so"),
    ("proxy_module", "mod_proxy.so"),
    ("proxy_http_module", "mod_proxy_http.so"),
    ("slotmem_shm_module", "mod_slotmem_shm.so"),
    ("proxy_balancer_module", "mod_proxy_balancer.so"),
    ("lbmethod_byrequests_module", "mod_lbmethod_byrequests.so"),
];

const DAV_HOST: &str = "dav.example.test";
const MAIN_HOST: &str = "www.example.test";
const WEBAPP_MARKER: &str = "the web app of www.example.test";
const LOGIN: &str = "alice@example.com";
/// A whole discovery run makes a few dozen requests.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(300);
/// The target of davgate's access log lines, one per request.
const ACCESS_LINE: &str = "davgate::access";
/// Where the dedicated DAV host style forwards DAV requests (its prefixPath).
const DAV_PATH: &str = "/servlet/dav/";

/// One deployment style of apache/.
struct Style {
    /// The directory under apache/ with the site file and `dav.properties`.
    dir: &'static str,
    site: &'static str,
    host: &'static str,
    replicas: usize,
    /// The part of davgate's prefix that the proxy adds; no href or Location may show it.
    hidden_prefix: Option<&'static str>,
    /// Paths besides the two well-known ones that a client may be given to start from.
    more_starts: &'static [&'static str],
    /// Whether the same path is the web app's or davgate's depending on the User-Agent.
    shares_paths: bool,
}

const DAV_VHOST: Style = Style {
    dir: "dav-vhost",
    site: "davgate-dav-vhost.conf",
    host: DAV_HOST,
    replicas: 2,
    hidden_prefix: Some("/servlet/dav"),
    more_starts: &["/"],
    shares_paths: false,
};

const PREFIX_PATH: Style = Style {
    dir: "prefix-path",
    site: "davgate-prefix-path.conf",
    host: MAIN_HOST,
    replicas: 1,
    hidden_prefix: None,
    // The DAV root as an administrator writes it, without the trailing slash.
    more_starts: &["/dav"],
    shares_paths: false,
};

const USER_AGENT: Style = Style {
    dir: "user-agent",
    site: "davgate-user-agent.conf",
    host: MAIN_HOST,
    replicas: 1,
    hidden_prefix: Some("/servlet/dav"),
    more_starts: &["/"],
    shares_paths: true,
};

fn require_apache() {
    assert!(
        Path::new(APACHE).exists(),
        "{APACHE} is missing: these tests run the Apache configurations of apache/ in a real \
         Apache httpd; install Debian's apache2 package (apt-get install apache2)"
    );
}

fn read_or_note(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| format!("({}: {e})", path.display()))
}

/// `(client, User-Agent header)` of one kind (`dav` or `browser`) from
/// tests/fixtures/clients/user-agents.tsv.
fn user_agents(kind: &str) -> Vec<(String, String)> {
    let path = manifest_dir().join("tests/fixtures/clients/user-agents.tsv");
    let text = fs::read_to_string(&path).unwrap();
    let agents: Vec<_> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "{}: bad line {line:?}", path.display());
            (fields[0], fields[1].to_string(), fields[2].to_string())
        })
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, client, header)| (client, header))
        .collect();
    assert!(
        !agents.is_empty(),
        "no {kind} user agents in {}",
        path.display()
    );
    agents
}

fn user_agent_of(client: &str) -> String {
    user_agents("dav")
        .into_iter()
        .find(|(name, _)| name == client)
        .unwrap_or_else(|| panic!("no user agent of {client} in user-agents.tsv"))
        .1
}

/// davgate's configuration directory as an administrator sets it up for a style: the
/// shipped config/ with the style's dav.properties in place of config/dav.properties.
fn style_config_dir(style: &Style) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = manifest_dir().join("config");
    copy_dir(&shipped, dir.path());
    fs::copy(
        manifest_dir()
            .join("apache")
            .join(style.dir)
            .join("dav.properties"),
        dir.path().join("dav.properties"),
    )
    .unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A davgate replica with its access log on (one line per request it answered).
struct Replica {
    server: Server,
}

impl Replica {
    fn start(t: &Target, config_dir: &Path) -> Replica {
        let server = start_demo_with(t, config_dir, &[("RUST_LOG", "warn,davgate::access=info")]);
        Replica { server }
    }

    /// The request ids of the DAV requests in the replica's access log.
    fn request_ids(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|line| line.contains(ACCESS_LINE) && line.contains(DAV_PATH))
            .filter_map(|line| line.split("request_id=").nth(1))
            .map(|id| id.split_whitespace().next().unwrap_or("").to_owned())
            .collect()
    }

    /// What the replica has logged so far.
    fn log(&self) -> String {
        self.server.output()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port)
    }

    /// How many DAV requests this replica has answered so far.
    fn dav_requests(&self) -> usize {
        self.log()
            .lines()
            .filter(|line| line.contains(ACCESS_LINE) && line.contains(DAV_PATH))
            .count()
    }
}

/// Apache httpd in the foreground, in a ServerRoot of its own, running a style's site
/// file from apache/ (linked into the ServerRoot as `davgate/`, where Debian has
/// /etc/apache2/davgate) with the test's values for the site variables.
struct Apache {
    child: Child,
    root: tempfile::TempDir,
    http_port: u16,
    https_port: u16,
}

impl Apache {
    fn start(style: &Style, replicas: &[Replica]) -> Apache {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        // Apache's children run as nobody when started as root; the web app must be
        // readable for them.
        fs::set_permissions(dir, Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink(manifest_dir().join("apache"), dir.join("davgate")).unwrap();
        fs::create_dir(dir.join("run")).unwrap();
        let webapp = dir.join("webapp");
        fs::create_dir(&webapp).unwrap();
        fs::set_permissions(&webapp, Permissions::from_mode(0o755)).unwrap();
        fs::write(
            webapp.join("index.html"),
            format!("<!DOCTYPE html><html><body><p>{WEBAPP_MARKER}</p></body></html>\n"),
        )
        .unwrap();
        fs::set_permissions(webapp.join("index.html"), Permissions::from_mode(0o644)).unwrap();
        common::tls::self_signed(dir, &[DAV_HOST, MAIN_HOST]);

        let (http_port, https_port) = (free_port(), free_port());
        let mut conf = format!(
            "# What Debian's apache2.conf, ports.conf and enabled modules provide, then the\n\
             # site variables for this test and the style's site file as shipped.\n\
             ServerRoot \"{root}\"\n\
             DefaultRuntimeDir \"{root}/run\"\n\
             PidFile \"{root}/run/apache2.pid\"\n\
             ErrorLog \"{root}/error.log\"\n\
             LogLevel warn\n\
             ServerName localhost\n\
             User nobody\n\
             Group nogroup\n",
            root = dir.display()
        );
        for (name, file) in MODULES {
            conf.push_str(&format!("LoadModule {name} {APACHE_MODULES}/{file}\n"));
        }
        conf.push_str(&format!(
            "SSLSessionCache \"shmcb:{root}/run/ssl_scache(512000)\"\n\
             LogFormat \"%v %h \\\"%r\\\" %>s \\\"%{{User-Agent}}i\\\" -> %{{BALANCER_WORKER_NAME}}e id=%{{UNIQUE_ID}}e\" davgate_test\n\
             CustomLog \"{root}/access.log\" davgate_test\n\
             Listen 127.0.0.1:{http_port}\n\
             Listen 127.0.0.1:{https_port}\n\
             Define DAVGATE_DAV_HOST {DAV_HOST}\n\
             Define DAVGATE_MAIN_HOST {MAIN_HOST}\n\
             Define DAVGATE_WEBAPP_ROOT \"{root}/webapp\"\n\
             Define DAVGATE_HTTP_PORT {http_port}\n\
             Define DAVGATE_HTTPS_PORT {https_port}\n\
             Define DAVGATE_TLS_CERT \"{root}/cert.pem\"\n\
             Define DAVGATE_TLS_KEY \"{root}/key.pem\"\n",
            root = dir.display()
        ));
        for (i, replica) in replicas.iter().enumerate() {
            conf.push_str(&format!(
                "Define DAVGATE_REPLICA_{} {}\n",
                i + 1,
                replica.url()
            ));
        }
        conf.push_str(&format!("Include davgate/{}/{}\n", style.dir, style.site));
        let conf_path = dir.join("apache2.conf");
        fs::write(&conf_path, conf).unwrap();

        let output = File::create(dir.join("apache2.out")).unwrap();
        let child = Command::new(APACHE)
            .arg("-f")
            .arg(&conf_path)
            .arg("-DFOREGROUND")
            .stdin(Stdio::null())
            .stdout(Stdio::from(output.try_clone().unwrap()))
            .stderr(Stdio::from(output))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {APACHE}: {e}"));
        let mut apache = Apache {
            child,
            root,
            http_port,
            https_port,
        };
        apache.wait_until_listening(style);
        apache
    }

    fn wait_until_listening(&mut self, style: &Style) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "{}: Apache exited ({status}) at start:\n{}",
                    style.dir,
                    self.diagnostics()
                );
            }
            let up = |port| TcpStream::connect(("127.0.0.1", port)).is_ok();
            if up(self.http_port) && up(self.https_port) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: Apache does not listen after 30 s:\n{}",
                style.dir,
                self.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn cert(&self) -> PathBuf {
        self.root.path().join("cert.pem")
    }

    /// The script's --resolve arguments: both schemes of `host` to Apache's ports.
    fn resolve_args(&self, host: &str) -> Vec<String> {
        vec![
            "--resolve".into(),
            format!("https://{host}=127.0.0.1:{}", self.https_port),
            "--resolve".into(),
            format!("http://{host}=127.0.0.1:{}", self.http_port),
        ]
    }

    /// Apache's output, error log and access log, for failure messages.
    fn diagnostics(&self) -> String {
        let dir = self.root.path();
        format!(
            "--- apache2 output ---\n{}\n--- Apache error log ---\n{}\n--- Apache access log ---\n{}",
            read_or_note(&dir.join("apache2.out")),
            read_or_note(&dir.join("error.log")),
            read_or_note(&dir.join("access.log")),
        )
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        // SIGTERM: the parent stops its children before it exits.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A style's davgate replicas and Apache in front of them.
struct Deployment {
    replicas: Vec<Replica>,
    apache: Apache,
    _config: tempfile::TempDir,
}

impl Deployment {
    fn start(t: &Target, style: &Style) -> Deployment {
        let config = style_config_dir(style);
        // One after the other: the first creates the demo data, the others find it.
        let replicas: Vec<Replica> = (0..style.replicas)
            .map(|_| Replica::start(t, config.path()))
            .collect();
        let apache = Apache::start(style, &replicas);
        Deployment {
            replicas,
            apache,
            _config: config,
        }
    }

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
