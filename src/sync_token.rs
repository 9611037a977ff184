//! Sync tokens (RFC 6578): URIs that carry the change sequence a client has seen, valid on
//! every replica because the sequence lives in the store. A folder's collection carries
//! the folder's latest sequence; the aggregated address book also carries the folders it
//! spanned, so that a later sync can tell which folders came in or left since.
//!
//! A token comes back from the client, so it is parsed as untrusted input: only the exact
//! form this server writes, within a bounded size. What it names (the sequence, the
//! folders) is checked against the store and the user's rights by the sync report.

use crate::store::FolderId;

const SYNC_TOKEN_PREFIX: &str = "http://davgate.org/ns/sync/";

/// The most digits an `i64` written in decimal has.
const MAX_DIGITS: usize = 19;

/// The sync token of a collection whose latest change has sequence `seq`.
pub fn sync_token(seq: i64) -> String {
    format!("{SYNC_TOKEN_PREFIX}{seq}")
}

/// The sequence inside a folder collection's sync token.
pub fn parse_sync_token(token: &str) -> Option<i64> {
    parse_number(token.trim().strip_prefix(SYNC_TOKEN_PREFIX)?)
}

/// A non-negative number as this server writes it: decimal digits only, no sign, no
/// leading zero; None for anything else, or beyond `i64`.
fn parse_number(text: &str) -> Option<i64> {
    let canonical = !text.is_empty()
        && text.len() <= MAX_DIGITS
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// What an aggregated collection's token says: the sequence and the folders behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanToken {
    pub seq: i64,
    /// Sorted, without duplicates.
    pub folders: Vec<FolderId>,
}

impl SpanToken {
    pub fn new(seq: i64, folders: &[FolderId]) -> Self {
        let mut folders = folders.to_vec();
        folders.sort_unstable();
        folders.dedup();
        SpanToken { seq, folders }
    }

    /// `http://davgate.org/ns/sync/<seq>/f<id>.<id>...` (`f` alone for no folder).
    pub fn to_uri(&self) -> String {
        let ids: Vec<String> = self.folders.iter().map(i64::to_string).collect();
        format!("{SYNC_TOKEN_PREFIX}{}/f{}", self.seq, ids.join("."))
    }

    /// The token in the canonical form `to_uri` writes, naming at most `max_folders`
    /// folders; None for anything else. The work is bounded by `max_folders`, however
    /// long the token is.
    pub fn parse(token: &str, max_folders: usize) -> Option<SpanToken> {
        let rest = token.trim().strip_prefix(SYNC_TOKEN_PREFIX)?;
        let (seq, ids) = rest.split_once("/f")?;
        let seq = parse_number(seq)?;
        // Each folder takes its digits and a separator.
        if ids.len() > max_folders.saturating_mul(MAX_DIGITS + 1) {
            return None;
        }
        let mut folders: Vec<FolderId> = Vec::new();
        if !ids.is_empty() {
            for id in ids.split('.') {
                let id = parse_number(id).filter(|id| *id > 0)?;
                // Ascending without duplicates, as `new` sorts them; at most `max_folders`.
                if folders.last().is_some_and(|last| *last >= id) || folders.len() == max_folders {
                    return None;
                }
                folders.push(id);
            }
        }
        Some(SpanToken { seq, folders })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_tokens_round_trip_and_foreign_ones_are_rejected() {
        assert_eq!(parse_sync_token(&sync_token(17)), Some(17));
        assert_eq!(parse_sync_token(&sync_token(0)), Some(0));
        assert_eq!(parse_sync_token(&sync_token(i64::MAX)), Some(i64::MAX));
        assert_eq!(
            parse_sync_token(" http://davgate.org/ns/sync/17\n"),
            Some(17)
        );
        for bad in [
            "http://example.com/sync/17",
            "http://davgate.org/ns/sync/-1",
            "http://davgate.org/ns/sync/+1",
            "http://davgate.org/ns/sync/017",
            "http://davgate.org/ns/sync/00",
            "http://davgate.org/ns/sync/x",
            "http://davgate.org/ns/sync/",
            "http://davgate.org/ns/sync/1 7",
            "http://davgate.org/ns/sync/9223372036854775808",
            "http://davgate.org/ns/sync/99999999999999999999999",
        ] {
            assert_eq!(parse_sync_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn span_tokens_carry_their_folders() {
        let token = SpanToken::new(42, &[30, 6, 30, 12]);
        assert_eq!(token.to_uri(), "http://davgate.org/ns/sync/42/f6.12.30");
        assert_eq!(SpanToken::parse(&token.to_uri(), 3), Some(token));
        let empty = SpanToken::new(3, &[]);
        assert_eq!(SpanToken::parse(&empty.to_uri(), 0), Some(empty));
    }

    #[test]
    fn the_two_kinds_of_token_are_not_interchangeable() {
        assert_eq!(SpanToken::parse(&sync_token(42), 10), None);
        assert_eq!(parse_sync_token(&SpanToken::new(42, &[6]).to_uri()), None);
    }

    #[test]
    fn malformed_span_tokens_are_rejected() {
        for bad in [
            "http://davgate.org/ns/sync/42/f6.x",
            "http://davgate.org/ns/sync/42/f12.6",
            "http://davgate.org/ns/sync/42/f6.6",
            "http://davgate.org/ns/sync/42/f6..12",
            "http://davgate.org/ns/sync/42/f6.",
            "http://davgate.org/ns/sync/42/f.6",
            "http://davgate.org/ns/sync/42/f+6",
            "http://davgate.org/ns/sync/42/f06",
            "http://davgate.org/ns/sync/-2/f6",
            "http://davgate.org/ns/sync/042/f6",
            "http://davgate.org/ns/sync/42/f0",
            "http://davgate.org/ns/sync/42/f6/f7",
        ] {
            assert_eq!(SpanToken::parse(bad, 10), None, "{bad}");
        }
    }

    #[test]
    fn span_tokens_name_at_most_the_folders_allowed() {
        let three = SpanToken::new(1, &[6, 12, 30]).to_uri();
        assert!(SpanToken::parse(&three, 3).is_some());
        assert_eq!(SpanToken::parse(&three, 2), None);
        let long_id = format!("http://davgate.org/ns/sync/1/f{}", "7".repeat(1000));
        assert_eq!(SpanToken::parse(&long_id, 10), None);
        let many: Vec<FolderId> = (1..=100_000).collect();
        assert_eq!(
            SpanToken::parse(&SpanToken::new(1, &many).to_uri(), 1000),
            None
        );
    }
}
