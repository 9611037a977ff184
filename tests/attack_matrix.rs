//! The attack matrix: every method on every kind of resource, sent by every kind of
//! caller (the owner, a user without rights, a read-only sharee, a read-own sharee, a
//! user of another context, nobody), through the real router, on SQLite and on
//! PostgreSQL when DAVGATE_TEST_DATABASE_URL is set. Each answer must carry the status
//! the tables (`attack_matrix/expect_*.rs`, written from the RFCs and the README) give
//! it and no canary of data the caller may not learn; a refused write must leave the
//! store as it was; the Allow headers of a resource must agree with what it does.
//!
//! `MATRIX_SHOW=<caller>/<method>/<resource>` (as the failure lines name them, e.g.
//! `readown/GET/calendar-member`) prints that cell's request and answer.

mod common;

#[path = "attack_matrix/allow.rs"]
mod allow;
#[path = "attack_matrix/canaries.rs"]
mod canaries;
#[path = "attack_matrix/expect_caldav.rs"]
mod expect_caldav;
#[path = "attack_matrix/expect_carddav.rs"]
mod expect_carddav;
#[path = "attack_matrix/expect_entry.rs"]
mod expect_entry;
#[path = "attack_matrix/expect_public.rs"]
mod expect_public;
#[path = "attack_matrix/expect_scheduling.rs"]
mod expect_scheduling;
#[path = "attack_matrix/mailboxes.rs"]
mod mailboxes;
#[path = "attack_matrix/planting.rs"]
mod planting;
#[path = "attack_matrix/regressions.rs"]
mod regressions;
#[path = "attack_matrix/requests.rs"]
mod requests;
#[path = "attack_matrix/store_state.rs"]
mod store_state;
#[path = "attack_matrix/table.rs"]
mod table;
#[path = "attack_matrix/world.rs"]
mod world;

use allow::AllowHeaders;
use canaries::request_text;
use common::http::Answer;
use futures::StreamExt;
use store_state::StoreWatch;
use table::{Caller, Cell, Resource};
use world::World;

/// How many requests are in flight at once where their order does not matter.
const IN_FLIGHT: usize = 8;

/// One thing that did not hold: the cell (or resource and caller), and what came.
struct Failure {
    store: &'static str,
    caller: Option<Caller>,
    method: &'static str,
    resource: Option<Resource>,
    expected: String,
    got: String,
}

impl Failure {
    fn of(store: &'static str, cell: &Cell, got: String) -> Failure {
        Failure {
            store,
            caller: Some(cell.caller),
            method: cell.method.token(),
            resource: Some(cell.resource),
            expected: cell.expect.label(),
            got,
        }
    }

    /// A failure of the run as a whole rather than of one cell.
    fn general(store: &'static str, what: &'static str, got: String) -> Failure {
        Failure {
            store,
            caller: None,
            method: what,
            resource: None,
            expected: "-".into(),
            got,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:8} {:9} {:27} {:30} expected {:5} got {}",
            self.store,
            self.caller.map_or("-", Caller::name),
            self.method,
            self.resource.map_or("-", Resource::token),
            self.expected,
            self.got
        )
    }
}

/// One store's run: the world, what its answers said, and what did not hold.
struct Run<'w> {
    world: &'w mut World,
    watch: StoreWatch,
    allows: AllowHeaders,
    failures: Vec<Failure>,
    store: &'static str,
}

impl Run<'_> {
    /// The requests of `cells`, several in flight at once, with their answers in order.
    async fn send_all<'c>(&self, cells: &[&'c Cell]) -> Vec<(&'c Cell, String, Answer)> {
        let world = &*self.world;
        futures::stream::iter(cells.iter().copied())
            .map(|cell| async move {
                let path = world.path(cell.resource);
                let call = requests::call(world, cell.method, cell.resource, cell.caller, &path);
                let sent = request_text(&call);
                (cell, sent, world.send_as(cell.caller, call).await)
            })
            .buffered(IN_FLIGHT)
            .collect()
            .await
    }

    /// Its status, the canaries it leaks, the methods it names.
    fn judge(&mut self, cell: &Cell, sent: &str, answer: &Answer) {
        let name = format!(
            "{}/{}/{}",
            cell.caller.name(),
            cell.method.token(),
            cell.resource.token()
        );
        if std::env::var("MATRIX_SHOW").is_ok_and(|shown| shown == name) {
            let body = String::from_utf8_lossy(&answer.body);
            eprintln!("{name} sent:\n{sent}\ngot {:?}\n{body}", answer.headers);
        }
        if let Err(got) = cell.expect.check(cell.method, answer) {
            self.failures.push(Failure::of(self.store, cell, got));
        }
        for leak in self.world.canaries.leaks(cell.caller, sent, answer) {
            let got = format!("{} leaking {leak}", answer.status.as_u16());
            self.failures.push(Failure::of(self.store, cell, got));
        }
        self.allows.record(cell, answer);
    }

    /// One write on its own: its answer, and whether it changed the store when it should
    /// not have (the store is restored either way).
    async fn one_by_one(&mut self, cell: &Cell) {
        let (_, sent, answer) = self.send_all(&[cell]).await.pop().unwrap();
        self.judge(cell, &sent, &answer);
        let changes = self
            .watch
            .check(self.world, cell.caller == Caller::Viewer)
            .await;
        if !changes.is_empty() && !cell.expect.is_success() {
            let got = format!(
                "{} and changed the store: {changes:?}",
                answer.status.as_u16()
            );
            self.failures.push(Failure::of(self.store, cell, got));
        }
    }

    /// Reads go first, several at a time, and must leave the store as it was. Writes
    /// that must be refused go a resource at a time, several at once; when the store
    /// changed after such a batch, it is restored and the batch runs again one by one,
    /// to find the culprit. Writes that must succeed go one by one, each followed by a
    /// restore.
    async fn all(&mut self, cells: &[Cell]) {
        let reads: Vec<&Cell> = cells.iter().filter(|c| !c.method.writes()).collect();
        for (cell, sent, answer) in self.send_all(&reads).await {
            self.judge(cell, &sent, &answer);
        }
        for change in self.watch.check(self.world, true).await {
            let got = format!("reads changed the store: {change}");
            self.failures
                .push(Failure::general(self.store, "(reads)", got));
        }
        for resource in Resource::ALL {
            let refused: Vec<&Cell> = cells
                .iter()
                .filter(|c| c.resource == resource && c.method.writes() && !c.expect.is_success())
                .collect();
            let answers = self.send_all(&refused).await;
            if self.watch.check(self.world, true).await.is_empty() {
                for (cell, sent, answer) in answers {
                    self.judge(cell, &sent, &answer);
                }
            } else {
                for cell in refused {
                    self.one_by_one(cell).await;
                }
            }
        }
        let succeeding = cells
            .iter()
            .filter(|c| c.method.writes() && c.expect.is_success());
        for cell in succeeding {
            self.one_by_one(cell).await;
        }
        for (resource, caller, got) in self.allows.disagreements() {
            self.failures.push(Failure {
                store: self.store,
                caller: Some(caller),
                method: "(Allow)",
                resource: Some(resource),
                expected: "-".into(),
                got,
            });
        }
        for canary in self.world.canaries.never_seen() {
            let got = format!("nobody allowed to was ever shown {canary}");
            self.failures
                .push(Failure::general(self.store, "(canary)", got));
        }
    }
}

/// Plants a world in a fresh store of `kind` and runs every cell in it.
async fn run_on(kind: &'static str, cells: &[Cell]) -> Vec<Failure> {
    let db = match (kind, common::postgres_url()) {
        ("postgres", Some(url)) => common::postgres(&url).await,
        _ => common::sqlite().await,
    };
    let mut world = World::plant(&db).await;
    let mut run = Run {
        watch: StoreWatch::new(&world).await,
        world: &mut world,
        allows: AllowHeaders::default(),
        failures: Vec::new(),
        store: db.label,
    };
    run.all(cells).await;
    run.failures
}

#[test]
fn every_caller_gets_the_expected_answer_and_nothing_more() {
    let cells = table::cells(&[
        expect_entry::TABLE,
        expect_caldav::TABLE,
        expect_carddav::TABLE,
        expect_public::TABLE,
        expect_scheduling::TABLE,
    ]);
    let mut kinds = vec!["sqlite"];
    if common::postgres_url().is_some() {
        kinds.push("postgres");
    }
    // Each store's world runs on a thread and runtime of its own, beside the other's.
    let failures: Vec<Failure> = std::thread::scope(|scope| {
        let runs: Vec<_> = kinds
            .into_iter()
            .map(|kind| {
                let cells = &cells;
                scope.spawn(move || {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap()
                        .block_on(run_on(kind, cells))
                })
            })
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().expect("a store's run panicked"))
            .collect()
    });
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "{} failures in {} cells per store:\n{}",
        failures.len(),
        cells.len(),
        report.join("\n")
    );
}
