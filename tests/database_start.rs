//! `davgate serve` started before its database: it keeps trying, with the real cause in
//! its log (nothing listens, the database does not exist), and serves once the database
//! is there, without being restarted. A URL that waiting cannot fix ends it at once.

mod common;

use std::time::{Duration, Instant};

use common::client::free_port;
use common::pg_server::PgServer;
use common::process::Davgate;

#[test]
fn serve_waits_for_the_database_and_names_why_it_cannot_connect() {
    let port = free_port();
    let Some(pg) = PgServer::init(port) else {
        eprintln!("no initdb found: starting before the database is not checked");
        return;
    };
    let mut davgate = Davgate::start(&pg.url("davgate_late"), &[], &[]);
    // Nothing listens yet: refused, tried again, the cause in the log each time.
    davgate.wait_for("connection refused", 2, Duration::from_secs(20));
    assert!(
        !davgate.output().contains("pool timed out"),
        "{}",
        davgate.output()
    );
    assert_eq!(
        davgate.ready(),
        0,
        "not listening before the database is there"
    );

    // The server is up, but without the database: the log names the missing database.
    pg.start();
    davgate.wait_for(
        "database \"davgate_late\" does not exist",
        1,
        Duration::from_secs(40),
    );
    assert!(davgate.output().contains("3D000"), "{}", davgate.output());

    // Once it exists, davgate migrates it and serves, by itself.
    pg.create_database("davgate_late");
    davgate.wait_for("davgate listening", 1, Duration::from_secs(60));
    assert_eq!(davgate.ready(), 200, "{}", davgate.output());
}

#[test]
fn a_malformed_database_url_ends_serve_at_once() {
    let mut davgate = Davgate::start("postgres://postgres@127.0.0.1:notaport/davgate", &[], &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = davgate.try_wait() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "davgate kept waiting on a URL that cannot work: {}",
            davgate.output()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    // the reader threads may still be draining the pipes
    std::thread::sleep(Duration::from_millis(200));
    let output = davgate.output();
    assert!(output.contains("davgate.databaseUrl"), "{output}");
    assert!(!output.contains("trying again"), "{output}");
}
