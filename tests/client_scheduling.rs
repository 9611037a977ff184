//! Scheduling between three users of the demo context driven by an independent client:
//! the Python `caldav` library (`tests/clients/scheduling_client.py`) against
//! `davgate serve --demo` on a loopback port, on SQLite and, when
//! `DAVGATE_TEST_DATABASE_URL` is set, on PostgreSQL: alice invites bob and carol, they
//! answer from their inboxes, alice reschedules, asks for free/busy and cancels.

mod common;

use std::time::Duration;

use common::client::{client_python, run_client, start_demo, targets, PASSWORD};

/// The whole client run; it makes a few hundred requests.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread")]
async fn the_python_caldav_library_schedules_between_users() {
    let python = client_python();
    for t in targets().await {
        let server = start_demo(&t);
        let (passed, output) = run_client(
            &python,
            "scheduling_client.py",
            &[&server.root(), PASSWORD],
            CLIENT_TIMEOUT,
        );
        drop(server);
        println!("{}:\n{output}", t.label);
        assert!(
            passed && output.contains("all scheduling client checks passed"),
            "{}: the scheduling client failed:\n{output}",
            t.label
        );
        t.finish().await;
    }
}
