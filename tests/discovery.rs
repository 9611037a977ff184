//! `davgate dns-records` and `davgate discover` as an operator uses them: the printed
//! records are loaded as zone files into an authoritative DNS server on loopback
//! (hickory-server), and `discover` walks from an address through that server to a
//! running `davgate serve --demo`, or names what is wrong.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::TokioResolver;
use hickory_server::proto::rr::{LowerName, Name, RData, RecordSet, RecordType, RrKey};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use hickory_server::Server;

use common::client::{manifest_dir, start_demo, Target, BIN, PASSWORD};

/// An authoritative DNS server on a loopback port (UDP and TCP), stopped when dropped.
struct DnsServer {
    addr: SocketAddr,
    _server: Server<Catalog>,
}

type Zone = BTreeMap<RrKey, RecordSet>;

/// Parses zone-file text for `origin` the way the DNS server loads zone files.
fn parse_zone(origin: &str, text: &str) -> Zone {
    let origin_name = Name::from_ascii(format!("{origin}.")).unwrap();
    match Parser::new(text, None, Some(origin_name)).parse() {
        Ok((_, records)) => records,
        Err(err) => panic!("the zone of {origin} does not parse: {err}\n{text}"),
    }
}

async fn serve_zones(zones: &[(&str, String)]) -> DnsServer {
    let mut catalog = Catalog::new();
    for (origin, text) in zones {
        let name = Name::from_ascii(format!("{origin}.")).unwrap();
        let handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
            name.clone(),
            parse_zone(origin, text),
            ZoneType::Primary,
            AxfrPolicy::Deny,
        )
        .unwrap_or_else(|err| panic!("the DNS server refuses the zone of {origin}: {err}"));
        catalog.upsert(LowerName::new(&name), vec![Arc::new(handler)]);
    }
    let mut server = Server::new(catalog);
    // UDP and TCP on the same port, as resolvers expect; retry if TCP's is taken.
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = udp.local_addr().unwrap();
        let Ok(tcp) = tokio::net::TcpListener::bind(addr).await else {
            continue;
        };
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 4096);
        return DnsServer {
            addr,
            _server: server,
        };
    }
    panic!("no loopback port free for both UDP and TCP");
}

/// SOA, NS and the name server's own address: what every test zone starts with.
fn zone_head(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}.\n$TTL 60\n\
         @ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 60\n\
         @ IN NS ns.{origin}.\n\
         ns IN A 127.0.0.1\n"
    )
}

/// `davgate dns-records` with the given configuration directory; must succeed.
fn dns_records(config_dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(BIN)
        .arg("--config-dir")
        .arg(config_dir)
        .arg("dns-records")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "davgate dns-records {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn shipped_config() -> std::path::PathBuf {
    manifest_dir().join("config")
}

struct Discovered {
    success: bool,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Discovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.stdout, self.stderr)
    }
}

/// `davgate discover` with the password in DAVGATE_DISCOVER_PASSWORD.
impl Discovered {
    /// Every line of `expected` is somewhere in what `discover` printed.
    fn assert_says<S: AsRef<str>>(&self, expected: impl IntoIterator<Item = S>) {
        for expected in expected {
            let expected = expected.as_ref();
            assert!(
                self.stdout.contains(expected),
                "missing {expected:?} in:\n{self}"
            );
        }
    }
}

async fn discover(password: &str, args: &[&str]) -> Discovered {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.arg("discover")
        .args(args)
        .env("DAVGATE_DISCOVER_PASSWORD", password)
        .stdin(std::process::Stdio::null());
    for proxy in [
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        cmd.env_remove(proxy);
    }
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("davgate discover finished within two minutes")
        .unwrap();
    Discovered {
        success: out.status.success(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn sqlite_target() -> Target {
    Target {
        label: "sqlite",
        data_dir: tempfile::tempdir().unwrap(),
        db: None,
    }
}

/// The zone of example.test as an operator would publish it for the demo on loopback:
/// plain http on the demo's port (the demo has no TLS), TLS published as not offered.
fn example_test_zone(port: u16) -> String {
    let records = dns_records(
        &shipped_config(),
        &[
            "--domain",
            "example.test",
            "--host",
            "dav.example.test",
            "--plain-port",
            &port.to_string(),
            "--no-tls",
            "--ttl",
            "60",
        ],
    );
    format!("{}dav IN A 127.0.0.1\n{records}", zone_head("example.test"))
}

#[tokio::test(flavor = "multi_thread")]
async fn discovers_alices_collections_through_the_printed_records() {
    let target = sqlite_target();
    let server = start_demo(&target);
    let dns = serve_zones(&[("example.test", example_test_zone(server.port))]).await;

    let run = discover(
        PASSWORD,
        &[
            "alice@example.test",
            "--login",
            "alice@example.com",
            "--dns-server",
            &dns.addr.to_string(),
        ],
    )
    .await;
    assert!(run.success, "discovery failed:\n{run}");
    let port = server.port;
    run.assert_says([
        "SRV _caldavs._tcp.example.test. → \".\": CalDAV over TLS is not offered".to_string(),
        format!("SRV _caldav._tcp.example.test. → dav.example.test:{port}"),
        "A/AAAA dav.example.test → 127.0.0.1".to_string(),
        "TXT _caldav._tcp.example.test. → path=/dav/".to_string(),
        format!("PROPFIND http://dav.example.test:{port}/.well-known/caldav (Depth 0) → 301 Moved Permanently, Location: /dav/"),
        format!("DAV root http://dav.example.test:{port}/dav/ (from the TXT record)"),
        "current-user-principal → /dav/principals/users/".to_string(),
        "principal \"Alice Adams\"".to_string(),
        "calendar-home-set → /dav/caldav/".to_string(),
        "\"Calendar\"  calendar (VEVENT)".to_string(),
        "\"Tasks\"  calendar (VTODO)".to_string(),
        "\"Company Events\"  calendar (VEVENT)".to_string(),
        format!("SRV _carddav._tcp.example.test. → dav.example.test:{port}"),
        "addressbook-home-set → /dav/carddav/".to_string(),
        "\"Contacts\"  addressbook".to_string(),
        "\"Global Address Book\"  addressbook".to_string(),
        format!("CalDAV: found for alice@example.com: home http://dav.example.test:{port}/dav/caldav/ with 3 collection(s)"),
    ]);
    assert!(
        !run.stdout.contains("problem:") && !run.stdout.contains("warning:"),
        "{run}"
    );
    target.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_named_as_such() {
    let target = sqlite_target();
    let server = start_demo(&target);
    let dns = serve_zones(&[("example.test", example_test_zone(server.port))]).await;

    let run = discover(
        "not-the-password",
        &[
            "alice@example.test",
            "--login",
            "alice@example.com",
            "--dns-server",
            &dns.addr.to_string(),
        ],
    )
    .await;
    assert!(
        !run.success,
        "discovery succeeded with a wrong password:\n{run}"
    );
    assert!(
        run.stdout
            .contains("(Depth 0 as alice@example.com) → 401 Unauthorized"),
        "{run}"
    );
    assert!(
        run.stdout.contains(
            "problem: the server refused the login alice@example.com (401 Unauthorized): the password is wrong"
        ),
        "{run}"
    );
    assert!(
        run.stdout.contains("DAVGATE_DISCOVER_PASSWORD"),
        "the fix names where the password came from:\n{run}"
    );
    assert!(
        run.stderr
            .contains("discovery failed for alice@example.test"),
        "{run}"
    );
    target.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_zone_without_srv_records_falls_back_to_the_domain_then_fails_clearly() {
    // The domain has neither SRV records nor an address of its own.
    let dns = serve_zones(&[("nosrv.test", zone_head("nosrv.test"))]).await;

    let run = discover(
        PASSWORD,
        &["alice@nosrv.test", "--dns-server", &dns.addr.to_string()],
    )
    .await;
    assert!(!run.success, "{run}");
    run.assert_says([
        "SRV _caldavs._tcp.nosrv.test. → no record",
        "SRV _caldav._tcp.nosrv.test. → no record",
        "warning: no SRV record for _caldavs._tcp.nosrv.test. or _caldav._tcp.nosrv.test.",
        "davgate dns-records --domain nosrv.test --host <DAV host>",
        "falling back to https://nosrv.test/ then http://nosrv.test/",
        "A/AAAA nosrv.test → no record",
        "problem: there is no server to ask: nosrv.test has no SRV record for CalDAV and no A/AAAA record of its own",
        "problem: there is no server to ask: nosrv.test has no SRV record for CardDAV",
    ]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_txt_path_that_misses_the_servers_prefix_is_diagnosed() {
    let target = sqlite_target();
    let server = start_demo(&target);
    // Records printed from a configuration for the dedicated-host layout (DAV root /),
    // while the server runs the shipped one (DAV root /dav/).
    let other_config = tempfile::tempdir().unwrap();
    std::fs::write(
        other_config.path().join("dav.properties"),
        "com.openexchange.dav.prefixPath=/servlet/dav\ncom.openexchange.dav.proxyPrefixPath=/servlet/dav\n",
    )
    .unwrap();
    let records = dns_records(
        other_config.path(),
        &[
            "--domain",
            "badpath.test",
            "--host",
            "dav.badpath.test",
            "--plain-port",
            &server.port.to_string(),
            "--no-tls",
        ],
    );
    assert!(records.contains("IN TXT \"path=/\""), "{records}");
    let zone = format!("{}dav IN A 127.0.0.1\n{records}", zone_head("badpath.test"));
    let dns = serve_zones(&[("badpath.test", zone)]).await;

    let run = discover(
        PASSWORD,
        &[
            "alice@badpath.test",
            "--login",
            "alice@example.com",
            "--dns-server",
            &dns.addr.to_string(),
        ],
    )
    .await;
    // The wrong path is diagnosed, and clients that follow it still arrive: davgate sends
    // PROPFIND on the host root to the DAV root.
    assert!(run.success, "{run}");
    run.assert_says([
        "TXT _caldav._tcp.badpath.test. → path=/",
        "warning: the TXT record's path / differs from where /.well-known/caldav leads (/dav/)",
        "(Depth 0 as alice@example.com) → 301 Moved Permanently, Location: /dav/",
        "fix: clients use the TXT path: publish _caldav._tcp.badpath.test. TXT \"path=/dav/\"",
        "fix: clients use the TXT path: publish _carddav._tcp.badpath.test. TXT \"path=/dav/\"",
    ]);
    target.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_srv_target_without_address_is_diagnosed() {
    // The records name a host that has no A/AAAA record in the zone.
    let records = dns_records(
        &shipped_config(),
        &["--domain", "ghost.test", "--host", "dav.ghost.test"],
    );
    let dns = serve_zones(&[(
        "ghost.test",
        format!("{}{records}", zone_head("ghost.test")),
    )])
    .await;

    let run = discover(
        PASSWORD,
        &["alice@ghost.test", "--dns-server", &dns.addr.to_string()],
    )
    .await;
    assert!(!run.success, "{run}");
    run.assert_says([
        "SRV _caldavs._tcp.ghost.test. → dav.ghost.test:443",
        "A/AAAA dav.ghost.test → no record",
        "problem: the SRV target dav.ghost.test of _caldavs._tcp.ghost.test. does not resolve",
        "fix: add A/AAAA records for dav.ghost.test",
    ]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tls_record_pointing_at_the_plain_port_is_diagnosed() {
    let target = sqlite_target();
    let server = start_demo(&target);
    // The TLS service advertised on the demo's port, which speaks plain http.
    let records = dns_records(
        &shipped_config(),
        &[
            "--domain",
            "mixup.test",
            "--host",
            "dav.mixup.test",
            "--port",
            &server.port.to_string(),
        ],
    );
    let zone = format!("{}dav IN A 127.0.0.1\n{records}", zone_head("mixup.test"));
    let dns = serve_zones(&[("mixup.test", zone)]).await;

    let run = discover(
        PASSWORD,
        &["alice@mixup.test", "--dns-server", &dns.addr.to_string()],
    )
    .await;
    assert!(!run.success, "{run}");
    let port = server.port;
    run.assert_says([
        format!("PROPFIND https://dav.mixup.test:{port}/.well-known/caldav (Depth 0) → no answer"),
        format!("problem: dav.mixup.test:{port} does not speak TLS"),
    ]);
    target.finish().await;
}

/// A TLS front for the demo server, as a proxy that terminates TLS would be, with a
/// self-signed certificate for `host` made by openssl. Stops accepting when dropped.
struct TlsFront {
    port: u16,
    accepting: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn tls_front(host: &str, backend_port: u16) -> TlsFront {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::tls::self_signed(dir.path(), &[host]);
    let chain = CertificateDer::pem_file_iter(&cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&key).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepting = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut backend) =
                    tokio::net::TcpStream::connect(("127.0.0.1", backend_port)).await
                else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut backend).await;
            });
        }
    });
    TlsFront {
        port,
        accepting,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_signed_certificate_is_named_and_insecure_checks_the_rest() {
    let target = sqlite_target();
    let server = start_demo(&target);
    let front = tls_front("dav.tls.test", server.port).await;
    let records = dns_records(
        &shipped_config(),
        &[
            "--domain",
            "tls.test",
            "--host",
            "dav.tls.test",
            "--port",
            &front.port.to_string(),
        ],
    );
    let zone = format!("{}dav IN A 127.0.0.1\n{records}", zone_head("tls.test"));
    let dns = serve_zones(&[("tls.test", zone)]).await;
    let dns_server = dns.addr.to_string();
    let args = [
        "alice@tls.test",
        "--login",
        "alice@example.com",
        "--dns-server",
        &dns_server,
    ];

    let run = discover(PASSWORD, &args).await;
    assert!(!run.success, "{run}");
    let port = front.port;
    run.assert_says([
        format!("SRV _caldavs._tcp.tls.test. → dav.tls.test:{port}"),
        format!("PROPFIND https://dav.tls.test:{port}/.well-known/caldav (Depth 0) → no answer"),
        "problem: the TLS certificate of dav.tls.test is not trusted (self-signed, or issued by a CA this system does not know)".to_string(),
        "run again with --insecure".to_string(),
    ]);

    let mut insecure = args.to_vec();
    insecure.push("--insecure");
    let run = discover(PASSWORD, &insecure).await;
    assert!(run.success, "{run}");
    run.assert_says([
        "TLS certificates are not checked (--insecure).".to_string(),
        format!("PROPFIND https://dav.tls.test:{port}/.well-known/caldav (Depth 0) → 301 Moved Permanently, Location: /dav/"),
        "\"Calendar\"  calendar (VEVENT)".to_string(),
        format!("CardDAV: found for alice@example.com: home https://dav.tls.test:{port}/dav/carddav/ with 2 collection(s)"),
    ]);
    target.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_start_url_skips_dns() {
    let target = sqlite_target();
    let server = start_demo(&target);
    let run = discover(PASSWORD, &["alice@example.com", "--url", &server.root()]).await;
    assert!(run.success, "{run}");
    assert!(run.stdout.contains("(--url: DNS is not asked)"), "{run}");
    assert!(!run.stdout.contains("SRV "), "{run}");
    assert!(
        run.stdout.contains("addressbook-home-set → /dav/carddav/"),
        "{run}"
    );
    target.finish().await;
}

/// `deploy/example.com.zone` loads into a DNS server, answers with the records clients
/// ask for, and carries the records `davgate dns-records` prints for the shipped config.
#[tokio::test(flavor = "multi_thread")]
async fn the_example_zone_loads_and_matches_the_printed_records() {
    let text = std::fs::read_to_string(manifest_dir().join("deploy/example.com.zone")).unwrap();
    let deployed = parse_zone("example.com", &text);
    let dns = serve_zones(&[("example.com", text)]).await;

    let printed = dns_records(
        &shipped_config(),
        &["--domain", "example.com", "--host", "dav.example.com"],
    );
    let printed = parse_zone(
        "example.com",
        &format!("{}{printed}", zone_head("example.com")),
    );
    let mut compared = 0;
    for (key, set) in &printed {
        if !matches!(key.record_type, RecordType::SRV | RecordType::TXT) {
            continue;
        }
        let expected: Vec<&RData> = set.records_without_rrsigs().map(|r| &r.data).collect();
        let found: Vec<&RData> = deployed
            .get(key)
            .map(|set| set.records_without_rrsigs().map(|r| &r.data).collect())
            .unwrap_or_default();
        assert_eq!(found, expected, "{} {:?}", key.name, key.record_type);
        compared += 1;
    }
    assert_eq!(compared, 6, "four SRV and two TXT records");

    // And the server answers them as a resolver asks.
    let mut udp = ConnectionConfig::udp();
    udp.port = dns.addr.port();
    let config = ResolverConfig::from_parts(
        None,
        vec![],
        vec![NameServerConfig::new(dns.addr.ip(), true, vec![udp])],
    );
    let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .build()
        .unwrap();
    let srv = resolver
        .srv_lookup("_caldavs._tcp.example.com.")
        .await
        .unwrap();
    let targets: Vec<String> = srv
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::SRV(srv) => Some(format!("{} {}", srv.port, srv.target)),
            _ => None,
        })
        .collect();
    assert_eq!(targets, ["443 dav.example.com."]);
    let mut addresses: Vec<String> = resolver
        .lookup_ip("dav.example.com.")
        .await
        .unwrap()
        .iter()
        .map(|ip| ip.to_string())
        .collect();
    addresses.sort();
    assert_eq!(addresses, ["192.0.2.10", "2001:db8::10"]);
}

#[test]
fn dns_records_refuses_a_bad_domain_with_a_reason() {
    let out = std::process::Command::new(BIN)
        .arg("--config-dir")
        .arg(shipped_config())
        .args([
            "dns-records",
            "--domain",
            "example..com",
            "--host",
            "dav.example.com",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no records printed for a bad domain");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("--domain: \"example..com\" is not a domain name: it has an empty label"),
        "{stderr}"
    );
}
