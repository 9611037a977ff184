//! davgate driven by an independent CalDAV client: the Python `caldav` library
//! (`tests/clients/caldav_client.py`) against `davgate serve --demo` on a loopback port,
//! on SQLite and, when `DAVGATE_TEST_DATABASE_URL` is set, on PostgreSQL (the harness is
//! `common::client`).

mod common;

use std::time::Duration;

use common::client::{client_python, run_client, start_demo, targets, PASSWORD};

/// The whole client run; it makes a few dozen requests.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread")]
async fn the_python_caldav_library_works_with_davgate() {
    let python = client_python();
    for t in targets().await {
        let server = start_demo(&t);
        let (passed, output) = run_client(
            &python,
            "caldav_client.py",
            &[&server.root(), "alice@example.com", PASSWORD],
            CLIENT_TIMEOUT,
        );
        drop(server);
        println!("{}:\n{output}", t.label);
        assert!(
            passed && output.contains("all CalDAV client checks passed"),
            "{}: the caldav client failed:\n{output}",
            t.label
        );
        t.finish().await;
    }
}
