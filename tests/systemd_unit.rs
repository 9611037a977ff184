//! `deploy/davgate.service` as systemd reads it: `systemd-analyze verify` accepts every
//! line, and `systemd-analyze security` rates the sandbox as well locked down.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_davgate");

/// The shipped unit with ExecStart pointing at the built binary (verify checks that the
/// command exists), in a directory of its own under the unit's file name.
fn unit_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/davgate.service");
    let text = std::fs::read_to_string(shipped).unwrap();
    assert!(
        text.contains("ExecStart=/usr/local/bin/davgate --config-dir /etc/davgate serve\n"),
        "the unit starts /usr/local/bin/davgate serve with /etc/davgate"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("davgate.service");
    std::fs::write(&path, text.replace("/usr/local/bin/davgate", BIN)).unwrap();
    (dir, path)
}

fn systemd_analyze(args: &[&str], unit: &Path) -> std::process::Output {
    Command::new("systemd-analyze")
        .args(args)
        .arg(unit)
        .output()
        .unwrap_or_else(|err| {
            panic!("systemd-analyze cannot run ({err}): install Debian's systemd package")
        })
}

#[test]
fn systemd_accepts_every_line_of_the_unit() {
    let (_dir, unit) = unit_copy();
    let out = systemd_analyze(&["verify"], &unit);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Unknown keys and bad values are only warnings to systemd: any output is a fault.
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify: {}\n{stderr}",
        out.status
    );
}

#[test]
fn the_sandbox_rates_as_locked_down() {
    let (_dir, unit) = unit_copy();
    let out = systemd_analyze(&["security", "--offline=yes", "--no-pager"], &unit);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let exposure: f64 = text
        .lines()
        .find_map(|line| line.split_once("Overall exposure level for davgate.service: "))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{text}"));
    // systemd's scale runs from 0 (locked down) to 10 (unprotected); "OK" ends at 3.9.
    assert!(exposure <= 2.0, "exposure {exposure}:\n{text}");
}
