//! The browser page as a person uses it: headless Chromium driven by Selenium
//! (`tests/clients/browser_ui.py`) against `davgate serve --demo` on a loopback port, on
//! SQLite and, when `DAVGATE_TEST_DATABASE_URL` is set, on PostgreSQL: login, a new
//! calendar shared with bob, 1,000 events imported with the progress bar reaching the
//! end, the Apple profile's payloads, deletion, logout, and the CSRF and
//! session-fixation checks. Screenshots of each page land in `target/ui-screenshots/`.
//! Chromium and chromedriver are Debian's packages, which `scripts/test.sh` installs.

mod common;

use std::time::Duration;

use common::client::{client_python, manifest_dir, run_client, start_demo, targets, PASSWORD};

/// Starting Chromium and importing 1,000 events in a debug build.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(600);

#[tokio::test(flavor = "multi_thread")]
async fn a_person_uses_the_page_in_chromium() {
    for tool in ["chromium", "chromedriver"] {
        assert!(
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success()),
            "{tool} is missing: scripts/test.sh installs the Debian packages chromium and chromium-driver"
        );
    }
    let python = client_python();
    for t in targets().await {
        let server = start_demo(&t);
        let screenshots = manifest_dir().join("target/ui-screenshots").join(t.label);
        let (passed, output) = run_client(
            &python,
            "browser_ui.py",
            &[
                &server.root(),
                "alice",
                PASSWORD,
                "bob",
                screenshots.to_str().unwrap(),
            ],
            CLIENT_TIMEOUT,
        );
        drop(server);
        println!("{}:\n{output}", t.label);
        assert!(
            passed && output.contains("all browser UI checks passed"),
            "{}: the browser run failed:\n{output}",
            t.label
        );
        t.finish().await;
    }
}
