//! CardDAV benchmark: a context whose global address list holds N generated contacts,
//! served by the release `davgate` binary over a loopback socket, on the embedded SQLite
//! store and (when `DAVGATE_BENCH_DATABASE_URL` names a PostgreSQL server) on a fresh
//! PostgreSQL database.
//!
//! The benchmark user syncs two address books as a client does the first time and after a
//! few changes: the aggregated collection `/dav/carddav/Contacts/` (the global address
//! list plus the user's default folder) and the global address list's own book
//! `/dav/carddav/6/`. For each it times PROPFIND Depth 1, an initial sync-collection, an
//! addressbook-multiget of every member in batches of 500 hrefs, and an incremental
//! sync-collection after 10 contacts changed; it checks every answer and reads the
//! server's peak resident memory from /proc. See docs/performance.md.
//!
//! ```sh
//! cargo bench --bench carddav
//! DAVGATE_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres cargo bench --bench carddav
//! DAVGATE_BENCH_SIZES=2000,10000 cargo bench --bench carddav
//! ```
//!
//! `DAVGATE_BENCH_SKIP_ANALYZE` and `DAVGATE_BENCH_KEEP` work as in the CalDAV benchmark.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{
    filler, line, measure, median, ms, multiget_body, print_growth, provision, size, sync_body,
    thousands, Backend, Client, Fresh, Report, Rng, Server, PROPFIND_ETAG, RUNS,
};
use davgate::carddav::write::stored_row;
use davgate::content::vcard::ContactObject;
use davgate::provision::{create_user, UserSpec};
use davgate::store::{
    ContextId, DynStore, FolderId, FolderModule, UserId, WriteCondition, WriteObject,
    GLOBAL_ADDRESS_BOOK,
};
use futures::stream::{self, StreamExt, TryStreamExt};
use tokio::runtime::Runtime;

/// Contacts changed in the global address list before each incremental sync.
const CHANGED: usize = 10;
/// Hrefs per addressbook-multiget, as clients fetch after an initial sync.
const MULTIGET_BATCH: usize = 500;
/// Contacts in the benchmark user's default folder.
const OWN_CONTACTS: usize = 5;
/// Users provisioned in the context (the benchmark user and the directory's
/// administrator), each with an entry of its own in the global address list.
const USERS: usize = 2;
const CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
/// How a vCard starts, counted in answers.
const VCARD: &str = "BEGIN:VCARD";

fn main() {
    let sizes = common::sizes(&[10_000, 50_000], 200);
    let runtime = Runtime::new().expect("tokio runtime");
    common::print_title("davgate CardDAV benchmark", &sizes);
    for backend in &common::backends() {
        let mut reports = Vec::new();
        for &n in &sizes {
            let report = run(&runtime, backend, n);
            report.print();
            reports.push(report);
        }
        print_growth(&reports);
    }
}

/// An address book the benchmark user syncs.
struct Book {
    label: &'static str,
    path: String,
    /// Members it lists.
    members: usize,
    /// The href of a global-address-list member in it, without the member name.
    gal_prefix: String,
}

/// One store and size: load, serve, measure.
fn run(rt: &Runtime, backend: &Backend, n: usize) -> Report {
    assert!(
        n > USERS,
        "the global address list holds more than {USERS} contacts"
    );
    let fresh = rt.block_on(Fresh::create(backend, n));
    let store = rt.block_on(fresh.open());
    let (context, user) = rt.block_on(provision(&store));
    let admin = rt
        .block_on(create_user(
            &store,
            context.id,
            UserSpec {
                login: "directory".into(),
                mail: "directory@bench.test".into(),
                aliases: Vec::new(),
                display_name: "Directory Admin".into(),
                password: "directory-Secret-1".into(),
                modules: Vec::new(),
            },
        ))
        .expect("create the directory's administrator");
    let own_folder = rt
        .block_on(store.default_folder(context.id, user.id, FolderModule::Contacts))
        .expect("default folder")
        .expect("a default contact folder");

    // The global address list: the users' own entries and N - 2 generated contacts, written
    // as the administrator's PUTs would store them.
    let generated = n - USERS;
    let loading = Instant::now();
    let mut bytes = Stats::default();
    let mut gal_names = Vec::with_capacity(generated);
    let mut rows = Vec::with_capacity(generated);
    for i in 0..generated {
        let (name, text) = contact(i, 0);
        bytes.add(text.len());
        rows.push(row(&name, &text, admin.id));
        gal_names.push(name);
    }
    let gal_time = rt.block_on(load(
        &store,
        context.id,
        GLOBAL_ADDRESS_BOOK,
        rows,
        fresh.is_postgres(),
    ));
    let own_rows = (0..OWN_CONTACTS)
        .map(|k| {
            let (name, text) = contact(OWN_SEED + k, 0);
            row(&name, &text, user.id)
        })
        .collect();
    rt.block_on(load(&store, context.id, own_folder.id, own_rows, false));
    let load_time = loading.elapsed();
    let analyzed = rt.block_on(fresh.analyze());

    let server = Server::start(&fresh);
    let mut report = Report {
        backend: backend.label(),
        n,
        noun: "contacts",
        summary: format!(
            "global address list: {} contacts ({} generated, {USERS} users' entries); \
             {OWN_CONTACTS} in the user's default folder; {} of vCard 3.0 \
             (mean {} B, {}–{} B); loaded through the store API in {:.1} s",
            thousands(n),
            thousands(generated),
            size(bytes.total),
            bytes.total / bytes.count.max(1),
            bytes.min,
            bytes.max,
            load_time.as_secs_f64(),
        ),
        start_hwm: server.hwm_kib(),
        end_hwm: None,
        rows: Vec::new(),
        notes: Vec::new(),
    };
    let client = Client::new(server.port);

    let books = [
        Book {
            label: "Contacts (aggregated)",
            path: "/dav/carddav/Contacts/".into(),
            members: n + OWN_CONTACTS,
            gal_prefix: format!("/dav/carddav/Contacts/{GLOBAL_ADDRESS_BOOK}~"),
        },
        Book {
            label: "6 (global address list)",
            path: format!("/dav/carddav/{GLOBAL_ADDRESS_BOOK}/"),
            members: n,
            gal_prefix: format!("/dav/carddav/{GLOBAL_ADDRESS_BOOK}/"),
        },
    ];

    // Logs in once, so every timed request finds the verified credentials.
    let reply = client.send("PROPFIND", &books[0].path, &[("Depth", "0")], PROPFIND_ETAG);
    assert_eq!(reply.status, 207, "{}", reply.text());

    let mut round = 0usize;
    let mut changed_so_far = BTreeSet::new();
    let mut change_times = Vec::new();
    for book in &books {
        let row = measure(
            &server,
            format!("{}: PROPFIND Depth 1 (getetag)", book.label),
            RUNS,
            || {
                let reply = client.send("PROPFIND", &book.path, &[("Depth", "1")], PROPFIND_ETAG);
                reply.expect_multistatus(book.members + 1, VCARD, 0)
            },
        );
        report.rows.push(row);

        let mut token = String::new();
        let mut hrefs = Vec::new();
        let row = measure(
            &server,
            format!("{}: sync-collection, empty token (getetag)", book.label),
            RUNS,
            || {
                let reply = client.send("REPORT", &book.path, &[("Depth", "0")], &sync_body(""));
                let checked = reply.expect_multistatus(book.members, VCARD, 0);
                token = reply.sync_token();
                hrefs = reply.hrefs();
                checked
            },
        );
        report.rows.push(row);
        check_listing(book, &hrefs, &gal_names);

        // What a client fetches after its initial sync: every member, 500 hrefs a request.
        let bodies: Vec<(usize, String)> = hrefs
            .chunks(MULTIGET_BATCH)
            .map(|chunk| {
                (
                    chunk.len(),
                    multiget_body("addressbook-multiget", CARDDAV, "address-data", chunk),
                )
            })
            .collect();
        let row = measure(
            &server,
            format!(
                "{}: addressbook-multiget of all, {} × ≤{MULTIGET_BATCH} hrefs (getetag, address-data)",
                book.label,
                bodies.len()
            ),
            RUNS,
            || {
                let mut total = common::Sample::default();
                for (wanted, body) in &bodies {
                    let reply = client.send("REPORT", &book.path, &[("Depth", "1")], body);
                    total.add(reply.expect_multistatus(*wanted, VCARD, *wanted));
                }
                total
            },
        );
        report.rows.push(row);

        // Each run changes the next ten contacts of the global address list through the
        // store (the user may only read it), then syncs from the previous run's token.
        let row = measure(
            &server,
            format!("{}: sync-collection after 10 changes (getetag)", book.label),
            RUNS,
            || {
                round += 1;
                let picked = changed(round, generated);
                let started = Instant::now();
                rt.block_on(change(&store, context.id, admin.id, &picked, round));
                change_times.push(started.elapsed());
                for &i in &picked {
                    assert!(changed_so_far.insert(i), "contact {i} changed twice");
                }
                let reply =
                    client.send("REPORT", &book.path, &[("Depth", "0")], &sync_body(&token));
                let checked = reply.expect_multistatus(CHANGED, VCARD, 0);
                token = reply.sync_token();
                let got: BTreeSet<String> = reply.hrefs().into_iter().collect();
                let expected: BTreeSet<String> = picked
                    .iter()
                    .map(|&i| format!("{}{}", book.gal_prefix, gal_names[i]))
                    .collect();
                assert_eq!(got, expected, "the incremental sync of {}", book.path);
                checked
            },
        );
        report.rows.push(row);
    }

    report.notes.push(format!(
        "loading: the {} generated contacts of the global address list in {:.1} s ({})",
        thousands(generated),
        gal_time.as_secs_f64(),
        if fresh.is_postgres() {
            format!("{LOAD_CONCURRENCY} concurrent Store::put_object")
        } else {
            "one Store::put_object after the other".into()
        }
    ));
    report.notes.push(format!(
        "the 10 contacts changed before each incremental sync were written through the \
         store in {} (median)",
        ms(median(&change_times))
    ));
    if fresh.is_postgres() {
        report.notes.push(Fresh::analyze_note(analyzed));
    }
    report.end_hwm = server.hwm_kib();
    drop(server);
    drop(store);
    rt.block_on(fresh.finish());
    report
}

/// The initial sync lists every member once: the global address list's under
/// `gal_prefix`, and in the aggregated collection the user's own contacts besides.
fn check_listing(book: &Book, hrefs: &[String], gal_names: &[String]) {
    let unique: BTreeSet<&String> = hrefs.iter().collect();
    assert_eq!(
        unique.len(),
        book.members,
        "distinct hrefs of {}",
        book.path
    );
    let gal = hrefs
        .iter()
        .filter(|h| h.starts_with(&book.gal_prefix))
        .count();
    assert_eq!(
        gal,
        gal_names.len() + USERS,
        "global address list members of {}",
        book.path
    );
    for name in gal_names.iter().step_by(97) {
        let href = format!("{}{name}", book.gal_prefix);
        assert!(unique.contains(&href), "{href} missing from the sync");
    }
}

/// The generated contacts changed in round `round` (from 1): ten a round, spread over the
/// address list, never one changed before.
fn changed(round: usize, generated: usize) -> Vec<usize> {
    (0..CHANGED)
        .map(|k| ((round - 1) * CHANGED + k) * 7919 % generated)
        .collect()
}

/// Rewrites the `picked` generated contacts as revision `round`.
async fn change(
    store: &DynStore,
    context: ContextId,
    author: UserId,
    picked: &[usize],
    round: usize,
) {
    for &i in picked {
        let (name, text) = contact(i, round);
        let outcome = store
            .put_object(
                context,
                GLOBAL_ADDRESS_BOOK,
                &row(&name, &text, author),
                WriteCondition::Unconditional,
            )
            .await
            .expect("change a contact");
        assert!(!outcome.created, "{name} existed");
    }
}

/// The row a PUT of `text` as `name` stores.
fn row(name: &str, text: &str, author: UserId) -> WriteObject {
    let parsed = ContactObject::parse(text.as_bytes())
        .unwrap_or_else(|e| panic!("generated contact {name} refused: {e:?}\n{text}"));
    stored_row(name, text.as_bytes(), &parsed, author)
}

/// Concurrent writers while loading PostgreSQL; SQLite takes one writer at a time.
const LOAD_CONCURRENCY: usize = 8;

/// Writes `rows` into `folder` as new members; the time it took.
async fn load(
    store: &DynStore,
    context: ContextId,
    folder: FolderId,
    rows: Vec<WriteObject>,
    concurrent: bool,
) -> Duration {
    let started = Instant::now();
    let writers = if concurrent { LOAD_CONCURRENCY } else { 1 };
    stream::iter(rows)
        .map(|row| async move {
            store
                .put_object(context, folder, &row, WriteCondition::MustNotExist)
                .await
        })
        .buffer_unordered(writers)
        .try_for_each(|_| async { Ok(()) })
        .await
        .expect("put_object");
    started.elapsed()
}

#[derive(Default)]
struct Stats {
    count: usize,
    total: usize,
    min: usize,
    max: usize,
}

impl Stats {
    fn add(&mut self, bytes: usize) {
        self.min = if self.count == 0 {
            bytes
        } else {
            self.min.min(bytes)
        };
        self.max = self.max.max(bytes);
        self.count += 1;
        self.total += bytes;
    }
}

// ---------------------------------------------------------------------------------------
// The generated address list

/// Seeds of the user's own contacts, apart from the address list's.
const OWN_SEED: usize = 1 << 40;

const GIVEN: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ines", "Jonas", "Katrin",
    "Lukas", "Maria", "Nils", "Olga", "Paul", "Renée", "Sven", "Tanja", "Ümit", "Vera", "Wei",
    "Yusuf", "Zoe", "José", "Aoife", "Bjørn", "Chloé",
];

const FAMILY: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schulz",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "García",
    "Rossi",
    "Dubois",
    "Nowak",
    "Yilmaz",
    "Chen",
    "O'Brien",
    "Johansson",
];

/// Organizations with their mail domain.
const COMPANIES: &[(&str, &str)] = &[
    ("Example Logistics GmbH", "logistics.example"),
    ("Acme Software AG", "acme.example"),
    ("Nordlicht Energie", "nordlicht.example"),
    ("Bäckerei Sonnenschein", "sonnenschein.example"),
    ("Globex Consulting", "globex.example"),
    ("Initech Services", "initech.example"),
];

const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Engineering",
    "Finance",
    "Support",
    "Marketing",
    "Legal",
    "Operations",
    "HR",
];

const TITLES: &[&str] = &[
    "Account Manager",
    "Software Engineer",
    "Team Lead",
    "Controller",
    "Head of Support",
    "Project Manager",
    "Assistant",
];

const CITIES: &[(&str, &str, &str)] = &[
    ("Berlin", "10117", "Germany"),
    ("Hamburg", "20095", "Germany"),
    ("München", "80331", "Germany"),
    ("Wien", "1010", "Austria"),
    ("Zürich", "8001", "Switzerland"),
    ("Lyon", "69002", "France"),
];

const STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Lindenallee",
    "Am Markt",
    "Gartenweg",
    "Rue de la République",
];

const CATEGORIES: &[&str] = &["Customer", "Partner", "Supplier", "Press", "Colleague"];

/// Lower-case ASCII for a mail local part.
fn mail_part(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'ä' => Some('a'),
            'ö' | 'ø' => Some('o'),
            'ü' | 'Ü' => Some('u'),
            'é' | 'è' => Some('e'),
            'í' => Some('i'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Contact `i` (revision 0 as loaded, higher ones as changed): its resource name and a
/// vCard 3.0 with FN, N, ORG, EMAIL and TEL, most with TITLE, some with a second address
/// and phone, 40% with ADR, 20% with CATEGORIES, and a NOTE padding it to 400–800 bytes.
fn contact(i: usize, revision: usize) -> (String, String) {
    let mut rng = Rng::new(i as u64 ^ 0x5EED_CA2D);
    let given = rng.pick(GIVEN);
    let family = rng.pick(FAMILY);
    let (company, domain) = COMPANIES[rng.range(0, COMPANIES.len() as i64 - 1) as usize];
    let target = rng.range(400, 800) as usize;
    let id = rng.next();
    let uid = format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        id >> 32,
        (id >> 16) & 0xffff,
        id & 0xfff,
        (i as u64) & 0xfff,
        i
    );
    let name = format!("{uid}.vcf");
    let local = format!("{}.{}", mail_part(given), mail_part(family));

    let mut card = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//davgate//bench//EN\r\nUID:{uid}\r\n\
         FN:{given} {family}\r\nN:{family};{given};;;\r\nORG:{company};{}\r\n",
        rng.pick(DEPARTMENTS)
    );
    if rng.chance(70) {
        card.push_str(&format!("TITLE:{}\r\n", rng.pick(TITLES)));
    }
    card.push_str(&format!(
        "EMAIL;TYPE=INTERNET,WORK,PREF:{local}{}@{domain}\r\n",
        i % 1000
    ));
    if rng.chance(30) {
        card.push_str(&format!(
            "EMAIL;TYPE=INTERNET,HOME:{local}@mail.example\r\n"
        ));
    }
    card.push_str(&format!(
        "TEL;TYPE=WORK,VOICE:+49 30 {:07}\r\n",
        rng.range(1_000_000, 9_999_999) + revision as i64
    ));
    if rng.chance(60) {
        card.push_str(&format!(
            "TEL;TYPE=CELL:+49 17{} {:07}\r\n",
            rng.range(0, 9),
            rng.range(1_000_000, 9_999_999)
        ));
    }
    if rng.chance(40) {
        let (city, zip, country) = CITIES[rng.range(0, CITIES.len() as i64 - 1) as usize];
        card.push_str(&format!(
            "ADR;TYPE=WORK:;;{} {};{city};;{zip};{country}\r\n",
            rng.pick(STREETS),
            rng.range(1, 180)
        ));
    }
    if rng.chance(20) {
        card.push_str(&format!("CATEGORIES:{}\r\n", rng.pick(CATEGORIES)));
    }
    card.push_str(&format!(
        "REV:2025-01-01T{:02}:{:02}:{:02}Z\r\n",
        revision / 3600 % 24,
        revision / 60 % 60,
        revision % 60
    ));
    let tail = "END:VCARD\r\n";
    let without = card.len() + tail.len();
    if without + 20 < target {
        // Folding adds three octets per 74 of text.
        let wanted = (target - without) * 74 / 77;
        line(&mut card, &filler("NOTE:", wanted, rng.next()));
    }
    card.push_str(tail);
    (name, card)
}
