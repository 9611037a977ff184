//! Canaries: strings planted in private data (summaries, UIDs, names, ETags, dead
//! property values), each with the callers who may learn it. An answer that carries a
//! canary to anybody else leaks, unless the caller put it in the request himself.

use crate::common::http::{Answer, Call};
use crate::table::Caller;

/// alice alone.
pub const OWNER: &[Caller] = &[Caller::Owner];
/// Who sees alice's shared folders: their names, and the sharee's own members in them.
pub const SHARED: &[Caller] = &[Caller::Owner, Caller::Viewer, Caller::ReadOwn];
/// Who may read alice's members of her shared folders.
pub const READERS: &[Caller] = &[Caller::Owner, Caller::Viewer];
/// Every user of alice's context.
pub const CONTEXT: &[Caller] = &[
    Caller::Owner,
    Caller::Stranger,
    Caller::Viewer,
    Caller::ReadOwn,
];
/// bob alone.
pub const STRANGER: &[Caller] = &[Caller::Stranger];
/// oscar, of the other context, alone.
pub const OUTSIDER: &[Caller] = &[Caller::Outsider];

#[derive(Debug, Clone)]
pub struct Canary {
    pub text: String,
    pub audience: &'static [Caller],
    pub what: &'static str,
}

impl Canary {
    pub fn new(text: &str, audience: &'static [Caller], what: &'static str) -> Canary {
        Canary {
            text: text.to_owned(),
            audience,
            what,
        }
    }
}

/// Every canary, and whether somebody allowed to has been shown it (a canary nobody
/// ever sees proves nothing about the others not seeing it).
#[derive(Debug, Default)]
pub struct Canaries {
    list: Vec<Canary>,
    seen: Vec<bool>,
}

/// What a request carries, as text: the caller may get back what he sent.
pub fn request_text(call: &Call<'_>) -> String {
    let mut text = call.uri.to_owned();
    for (name, value) in &call.headers {
        text.push_str(&format!("\n{name}: {value}"));
    }
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&call.body));
    text
}

/// Everything an answer carries, as text: header values and body.
fn answer_text(answer: &Answer) -> String {
    let mut text = String::new();
    for (name, value) in &answer.headers {
        text.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    text.push_str(&String::from_utf8_lossy(&answer.body));
    text
}

impl Canaries {
    pub fn add(&mut self, canary: Canary) {
        assert!(
            !self.list.iter().any(|c| c.text == canary.text),
            "canary {:?} planted twice",
            canary.text
        );
        self.list.push(canary);
        self.seen.push(false);
    }

    /// The canaries `answer` shows `caller` that he may not learn and did not send;
    /// marks the others it shows him as seen.
    pub fn leaks(&mut self, caller: Caller, request: &str, answer: &Answer) -> Vec<String> {
        let text = answer_text(answer);
        let mut leaks = Vec::new();
        for (canary, seen) in self.list.iter().zip(self.seen.iter_mut()) {
            if !text.contains(&canary.text) {
                continue;
            }
            if canary.audience.contains(&caller) {
                *seen = true;
            } else if !request.contains(&canary.text) {
                leaks.push(format!("{} {:?}", canary.what, canary.text));
            }
        }
        leaks
    }

    /// Canaries no allowed caller was ever shown.
    pub fn never_seen(&self) -> Vec<String> {
        self.list
            .iter()
            .zip(&self.seen)
            .filter(|(_, seen)| !**seen)
            .map(|(canary, _)| format!("{} {:?}", canary.what, canary.text))
            .collect()
    }
}
