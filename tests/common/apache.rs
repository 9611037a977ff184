//! The Apache httpd configurations of `apache/` run by a real Apache (Debian's `apache2`)
//! on loopback ports: the shipped files, only the variables of `apache/davgate-site.conf`
//! set for the test (host names, ports, a throwaway certificate, the replicas'
//! addresses), and `davgate serve --demo` replicas behind it with the style's
//! `dav.properties`.

use std::fs::{self, File, Permissions};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::client::{free_port, manifest_dir, start_demo_with, Server, Target};

pub const APACHE: &str = "/usr/sbin/apache2";
pub const APACHE_MODULES: &str = "/usr/lib/apache2/modules";
/// The modules apache/README.md has the administrator enable, and what Debian's
/// apache2.conf and default modules provide besides: the MPM, access control, mod_dir
/// for the web app's index page and the TLS session cache of Debian's ssl.conf.
pub const MODULES: &[(&str, &str)] = &[
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

pub const DAV_HOST: &str = "dav.example.test";
pub const MAIN_HOST: &str = "www.example.test";
pub const WEBAPP_MARKER: &str = "the web app of www.example.test";
pub const LOGIN: &str = "alice@example.com";
/// The target of davgate's access log lines, one per request.
pub const ACCESS_LINE: &str = "davgate::access";
/// Where the dedicated DAV host style forwards DAV requests (its prefixPath).
pub const DAV_PATH: &str = "/servlet/dav/";

/// One deployment style of apache/.
pub struct Style {
    /// The directory under apache/ with the site file and `dav.properties`.
    pub dir: &'static str,
    pub site: &'static str,
    pub host: &'static str,
    pub replicas: usize,
    /// The part of davgate's prefix that the proxy adds; no href or Location may show it.
    pub hidden_prefix: Option<&'static str>,
    /// Paths besides the two well-known ones that a client may be given to start from.
    pub more_starts: &'static [&'static str],
    /// Whether the same path is the web app's or davgate's depending on the User-Agent.
    pub shares_paths: bool,
}

pub const DAV_VHOST: Style = Style {
    dir: "dav-vhost",
    site: "davgate-dav-vhost.conf",
    host: DAV_HOST,
    replicas: 2,
    hidden_prefix: Some("/servlet/dav"),
    more_starts: &["/"],
    shares_paths: false,
};

pub const PREFIX_PATH: Style = Style {
    dir: "prefix-path",
    site: "davgate-prefix-path.conf",
    host: MAIN_HOST,
    replicas: 1,
    hidden_prefix: None,
    // The DAV root as an administrator writes it, without the trailing slash.
    more_starts: &["/dav"],
    shares_paths: false,
};

pub const USER_AGENT: Style = Style {
    dir: "user-agent",
    site: "davgate-user-agent.conf",
    host: MAIN_HOST,
    replicas: 1,
    hidden_prefix: Some("/servlet/dav"),
    more_starts: &["/"],
    shares_paths: true,
};

pub fn require_apache() {
    assert!(
        Path::new(APACHE).exists(),
        "{APACHE} is missing: these tests run the Apache configurations of apache/ in a real \
         Apache httpd; install Debian's apache2 package (apt-get install apache2)"
    );
}

pub fn read_or_note(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| format!("({}: {e})", path.display()))
}

/// `(client, User-Agent header)` of one kind (`dav` or `browser`) from
/// tests/fixtures/clients/user-agents.tsv.
pub fn user_agents(kind: &str) -> Vec<(String, String)> {
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

pub fn user_agent_of(client: &str) -> String {
    user_agents("dav")
        .into_iter()
        .find(|(name, _)| name == client)
        .unwrap_or_else(|| panic!("no user agent of {client} in user-agents.tsv"))
        .1
}

/// davgate's configuration directory as an administrator sets it up for a style: the
/// shipped config/ with the style's dav.properties in place of config/dav.properties.
pub fn style_config_dir(style: &Style) -> tempfile::TempDir {
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

pub fn copy_dir(from: &Path, to: &Path) {
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
pub struct Replica {
    pub server: Server,
}

impl Replica {
    pub fn start(t: &Target, config_dir: &Path, envs: &[(&str, &str)]) -> Replica {
        let mut envs = envs.to_vec();
        envs.push(("RUST_LOG", "warn,davgate::access=info"));
        let server = start_demo_with(t, config_dir, &envs);
        Replica { server }
    }

    /// The request ids of the DAV requests in the replica's access log.
    pub fn request_ids(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|line| line.contains(ACCESS_LINE) && line.contains(DAV_PATH))
            .filter_map(|line| line.split("request_id=").nth(1))
            .map(|id| id.split_whitespace().next().unwrap_or("").to_owned())
            .collect()
    }

    /// What the replica has logged so far.
    pub fn log(&self) -> String {
        self.server.output()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port)
    }

    /// How many DAV requests this replica has answered so far.
    pub fn dav_requests(&self) -> usize {
        self.log()
            .lines()
            .filter(|line| line.contains(ACCESS_LINE) && line.contains(DAV_PATH))
            .count()
    }
}

/// Apache httpd in the foreground, in a ServerRoot of its own, running a style's site
/// file from apache/ (linked into the ServerRoot as `davgate/`, where Debian has
/// /etc/apache2/davgate) with the test's values for the site variables.
pub struct Apache {
    pub child: Child,
    pub root: tempfile::TempDir,
    pub http_port: u16,
    pub https_port: u16,
}

impl Apache {
    pub fn start(style: &Style, replicas: &[Replica]) -> Apache {
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
        super::tls::self_signed(dir, &[DAV_HOST, MAIN_HOST]);

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

    pub fn wait_until_listening(&mut self, style: &Style) {
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

    pub fn cert(&self) -> PathBuf {
        self.root.path().join("cert.pem")
    }

    /// The script's --resolve arguments: both schemes of `host` to Apache's ports.
    pub fn resolve_args(&self, host: &str) -> Vec<String> {
        vec![
            "--resolve".into(),
            format!("https://{host}=127.0.0.1:{}", self.https_port),
            "--resolve".into(),
            format!("http://{host}=127.0.0.1:{}", self.http_port),
        ]
    }

    /// Apache's output, error log and access log, for failure messages.
    pub fn diagnostics(&self) -> String {
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
pub struct Deployment {
    pub replicas: Vec<Replica>,
    pub apache: Apache,
    pub _config: tempfile::TempDir,
}

impl Deployment {
    pub fn start(t: &Target, style: &Style) -> Deployment {
        Deployment::start_with(t, style, &[])
    }

    /// The configuration directory the replicas run with.
    pub fn config_dir(&self) -> &Path {
        self._config.path()
    }

    /// With `envs` set for every replica.
    pub fn start_with(t: &Target, style: &Style, envs: &[(&str, &str)]) -> Deployment {
        Deployment::start_configured(t, style, envs, &[])
    }

    /// With `envs` set for every replica and `properties` added to the style's
    /// dav.properties.
    pub fn start_configured(
        t: &Target,
        style: &Style,
        envs: &[(&str, &str)],
        properties: &[(&str, &str)],
    ) -> Deployment {
        let config = style_config_dir(style);
        let path = config.path().join("dav.properties");
        let mut text = fs::read_to_string(&path).unwrap();
        for (name, value) in properties {
            text.push_str(&format!("\n{name}={value}\n"));
        }
        fs::write(&path, text).unwrap();
        // One after the other: the first creates the demo data, the others find it.
        let replicas: Vec<Replica> = (0..style.replicas)
            .map(|_| Replica::start(t, config.path(), envs))
            .collect();
        let apache = Apache::start(style, &replicas);
        Deployment {
            replicas,
            apache,
            _config: config,
        }
    }
}
