//! davgate's address books synchronised by an independent CardDAV client: the
//! `vdirsyncer` command-line tool, driven by `tests/clients/vdirsyncer_client.py`, against
//! `davgate serve --demo` on a loopback port, on SQLite and, when
//! `DAVGATE_TEST_DATABASE_URL` is set, on PostgreSQL (the harness is `common::client`).
//!
//! alice's default contacts folder and the aggregated address book are each synced with a
//! local directory: the first sync, creations, edits and deletes on either side, a sync
//! with nothing to do, and a refused edit of a global address list entry.

mod common;

use std::time::Duration;

use common::client::{client_python, run_client, start_demo, targets, PASSWORD};
use davgate::store::FolderModule;

/// The whole run: some twenty vdirsyncer invocations.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(600);

#[tokio::test(flavor = "multi_thread")]
async fn vdirsyncer_syncs_folder_and_aggregated_address_books() {
    let python = client_python();
    for t in targets().await {
        let server = start_demo(&t);
        let folder = t.demo_default_folder("alice", FolderModule::Contacts).await;
        let workdir = tempfile::tempdir().unwrap();
        let (passed, output) = run_client(
            &python,
            "vdirsyncer_client.py",
            &[
                &server.root(),
                "alice@example.com",
                PASSWORD,
                &format!("/dav/carddav/{folder}/"),
                "--workdir",
                workdir.path().to_str().unwrap(),
            ],
            CLIENT_TIMEOUT,
        );
        drop(server);
        println!("{}:\n{output}", t.label);
        assert!(
            passed && output.contains("all vdirsyncer checks passed"),
            "{}: the vdirsyncer run failed:\n{output}",
            t.label
        );
        t.finish().await;
    }
}
