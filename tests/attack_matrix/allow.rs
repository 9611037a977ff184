//! The Allow headers of 405 answers, checked against each other and against what the
//! resource did: one resource names the same methods whichever it refuses, and names
//! every method it answered with success and none it refused (RFC 7231 7.4.1).

use std::collections::{BTreeSet, HashMap};

use crate::common::http::Answer;
use crate::table::{Caller, Cell, Resource};

#[derive(Default)]
struct Seen {
    allows: BTreeSet<String>,
    refused: BTreeSet<&'static str>,
    succeeded: BTreeSet<&'static str>,
}

/// What the answers of each resource, as each caller saw it, said about its methods.
#[derive(Default)]
pub struct AllowHeaders {
    seen: HashMap<(Resource, Caller), Seen>,
}

fn listed(allow: &str) -> BTreeSet<String> {
    allow
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect()
}

impl AllowHeaders {
    pub fn record(&mut self, cell: &Cell, answer: &Answer) {
        let seen = self.seen.entry((cell.resource, cell.caller)).or_default();
        let verb = cell.method.verb();
        match answer.status.as_u16() {
            405 => {
                seen.refused.insert(verb);
                if let Some(allow) = answer.header("allow") {
                    seen.allows.insert(allow.to_owned());
                }
            }
            200..=299 => {
                seen.succeeded.insert(verb);
            }
            _ => {}
        }
    }

    /// Each disagreement, with the resource and caller it was seen by.
    pub fn disagreements(&self) -> Vec<(Resource, Caller, String)> {
        let mut out = Vec::new();
        for ((resource, caller), seen) in &self.seen {
            let mut problem = |text: String| out.push((*resource, *caller, text));
            if seen.allows.len() > 1 {
                problem(format!(
                    "405 answers name different methods: {:?}",
                    seen.allows
                ));
            }
            for allow in &seen.allows {
                let methods = listed(allow);
                for verb in &seen.succeeded {
                    if !methods.contains(*verb) {
                        problem(format!("Allow {allow:?} lacks {verb}, which succeeded"));
                    }
                }
                for verb in &seen.refused {
                    if methods.contains(*verb) {
                        problem(format!("Allow {allow:?} names {verb}, which was refused"));
                    }
                }
            }
        }
        out
    }
}
