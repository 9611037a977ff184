//! The fuzz targets' properties (`fuzz/checks`, shared with the cargo-fuzz crate in
//! `fuzz/`) over their seed corpus in `fuzz/corpus/<target>/` and a fixed number of
//! deterministic mutations of each seed: byte flips, insertions of bytes the formats
//! give meaning to, deletions, splices of two seeds and repeated slices (which grow
//! nesting). The same seeds always give the same inputs, so a failure here reproduces;
//! the failing input is printed and saved where the message says, ready to be added to
//! the corpus and run with `cargo +nightly fuzz run <target> <file>`.

#[path = "../fuzz/checks/mod.rs"]
mod checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Mutated inputs run per seed of a target.
const MUTATIONS_PER_SEED: usize = 40;

/// Inputs are cut to this size, as the fuzz runs' `-max_len` cuts theirs.
const MAX_LEN: usize = 64 * 1024;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a corpus entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a readable seed"))
        })
        .collect();
    seeds.sort();
    seeds
}

/// splitmix64: small, seedable, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that mean something to XML, iCalendar, vCard, paths or headers.
const MEANINGFUL: &[&[u8]] = &[
    b"<",
    b">",
    b"/",
    b"\"",
    b"=",
    b":",
    b";",
    b",",
    b".",
    b"..",
    b"%",
    b"%00",
    b"%2e",
    b"\0",
    b"\r\n",
    b"\n ",
    b"\xff",
    b"\xc3",
    b"&amp;",
    b"<![CDATA[",
    b"xmlns:a=\"x\" ",
    b"BEGIN:VEVENT\r\n",
    b"END:VEVENT\r\n",
    b"RRULE:FREQ=SECONDLY\r\n",
    b"COUNT=",
    b"9999999",
    b"-",
    b"T",
    b"Z",
    b"W/",
    b"*",
    b"Basic ",
    b"19700101T000000Z",
    b"99991231T235959Z",
];

fn mutate(rng: &mut Rng, seed: &[u8], seeds: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 if !data.is_empty() => {
                let at = at.min(data.len() - 1);
                data[at] ^= 1 << rng.below(8);
            }
            1 => {
                let piece = MEANINGFUL[rng.below(MEANINGFUL.len())];
                data.splice(at..at, piece.iter().copied());
            }
            2 => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            3 => {
                let (_, other) = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            4 if !data.is_empty() => {
                // A slice repeated: nested elements, components or long lists.
                let start = at.min(data.len() - 1);
                let end = (start + 1 + rng.below(64)).min(data.len());
                let slice = data[start..end].to_vec();
                let times = 1 + rng.below(200);
                let repeated: Vec<u8> = slice
                    .iter()
                    .copied()
                    .cycle()
                    .take(slice.len() * times)
                    .collect();
                data.splice(end..end, repeated);
            }
            _ => {
                let byte = rng.next() as u8;
                data.insert(at, byte);
            }
        }
    }
    data.truncate(MAX_LEN);
    data
}

/// Where a failing input is kept, and the input being run (a crash that ends the whole
/// process, such as a stack overflow, leaves it behind).
fn findings_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings");
    std::fs::create_dir_all(&dir).expect("a findings directory");
    dir
}

fn run(name: &str) {
    let (_, target) = checks::TARGETS
        .iter()
        .find(|(target, _)| *target == name)
        .unwrap_or_else(|| panic!("no target {name}"));
    let seeds = seeds(name);
    assert!(!seeds.is_empty(), "{name} has no seed corpus");
    let mut rng = Rng(name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    }));
    let current = findings_dir().join(format!("{name}.current"));
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for (seed_name, seed) in &seeds {
        inputs.push((seed_name.clone(), seed.clone()));
        for round in 0..MUTATIONS_PER_SEED {
            inputs.push((
                format!("{seed_name} mutation {round}"),
                mutate(&mut rng, seed, &seeds),
            ));
        }
    }
    for (label, input) in &inputs {
        std::fs::write(&current, input).expect("the current input written");
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| target(input))) {
            let saved = findings_dir().join(format!("{name}-{}", label.replace(' ', "-")));
            std::fs::write(&saved, input).expect("the finding saved");
            eprintln!(
                "target {name} failed on {label} ({} bytes), saved as {}\n\
                 reproduce: cargo +nightly fuzz run {name} {}\ninput: {:?}",
                input.len(),
                saved.display(),
                saved.display(),
                String::from_utf8_lossy(&input[..input.len().min(4096)])
            );
            std::panic::resume_unwind(panic);
        }
    }
    let _ = std::fs::remove_file(current);
}

#[test]
fn every_target_has_a_cargo_fuzz_file_and_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, _) in checks::TARGETS {
        let file = root.join("fuzz_targets").join(format!("{name}.rs"));
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            text.contains(&format!("::{name}(")),
            "{} runs another target",
            file.display()
        );
        assert!(!seeds(name).is_empty(), "{name} has no seeds");
    }
    let declared = std::fs::read_to_string(root.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for (name, _) in checks::TARGETS {
        assert!(
            declared.contains(&format!("name = \"{name}\"")),
            "{name} is not a [[bin]]"
        );
    }
}

macro_rules! targets {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*
    };
}

targets!(
    xml_propfind,
    xml_proppatch,
    xml_report,
    xml_mkcol,
    ical_ingest,
    ical_filter,
    ical_render,
    ical_expand,
    ical_freebusy,
    vcard_ingest,
    vcard_convert,
    sync_token,
    request_path,
    headers,
);
