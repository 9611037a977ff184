//! Throwaway TLS certificates made with `openssl`, as an administrator makes a test one.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes a self-signed P-256 server certificate (not a CA, so clients report an
/// unknown issuer) for `hosts` to `dir/cert.pem` and its key to `dir/key.pem`, valid for
/// two days; returns both paths.
pub fn self_signed(dir: &Path, hosts: &[&str]) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let names: Vec<String> = hosts.iter().map(|h| format!("DNS:{h}")).collect();
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "2"])
        .args(["-subj", &format!("/CN={}", hosts[0])])
        .args(["-addext", &format!("subjectAltName={}", names.join(","))])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run openssl ({e}); install Debian's openssl package (apt-get install openssl)")
        });
    assert!(
        out.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}
