//! Sync tokens (RFC 6578): URIs that carry the change sequence a client has seen, valid on
//! every replica because the sequence lives in the store. A folder's collection carries
//! the folder's latest sequence; the aggregated address book also carries the folders it
//! spanned, so that a later sync can tell which folders came in or left since.

use crate::store::FolderId;

const SYNC_TOKEN_PREFIX: &str = "http://davgate.org/ns/sync/";

/// The sync token of a collection whose latest change has sequence `seq`.
pub fn sync_token(seq: i64) -> String {
    format!("{SYNC_TOKEN_PREFIX}{seq}")
}

/// The sequence inside a folder collection's sync token.
pub fn parse_sync_token(token: &str) -> Option<i64> {
    token
        .trim()
        .strip_prefix(SYNC_TOKEN_PREFIX)?
        .parse::<i64>()
        .ok()
        .filter(|seq| *seq >= 0)
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

    pub fn parse(token: &str) -> Option<SpanToken> {
        let rest = token.trim().strip_prefix(SYNC_TOKEN_PREFIX)?;
        let (seq, folders) = rest.split_once("/f")?;
        let seq = seq.parse::<i64>().ok().filter(|seq| *seq >= 0)?;
        let folders = if folders.is_empty() {
            Vec::new()
        } else {
            folders
                .split('.')
                .map(|id| id.parse::<FolderId>().ok().filter(|id| *id > 0))
                .collect::<Option<Vec<_>>>()?
        };
        let token = SpanToken::new(seq, &folders);
        // Only the canonical form this server writes.
        (token.folders == folders).then_some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_tokens_round_trip_and_foreign_ones_are_rejected() {
        assert_eq!(parse_sync_token(&sync_token(17)), Some(17));
        assert_eq!(parse_sync_token("http://example.com/sync/17"), None);
        assert_eq!(parse_sync_token("http://davgate.org/ns/sync/-1"), None);
        assert_eq!(parse_sync_token("http://davgate.org/ns/sync/x"), None);
    }

    #[test]
    fn span_tokens_carry_their_folders() {
        let token = SpanToken::new(42, &[30, 6, 30, 12]);
        assert_eq!(token.to_uri(), "http://davgate.org/ns/sync/42/f6.12.30");
        assert_eq!(SpanToken::parse(&token.to_uri()), Some(token));
        let empty = SpanToken::new(3, &[]);
        assert_eq!(SpanToken::parse(&empty.to_uri()), Some(empty));
    }

    #[test]
    fn the_two_kinds_of_token_are_not_interchangeable() {
        assert_eq!(SpanToken::parse(&sync_token(42)), None);
        assert_eq!(parse_sync_token(&SpanToken::new(42, &[6]).to_uri()), None);
    }

    #[test]
    fn malformed_span_tokens_are_rejected() {
        for bad in [
            "http://davgate.org/ns/sync/42/f6.x",
            "http://davgate.org/ns/sync/42/f12.6",
            "http://davgate.org/ns/sync/42/f6..12",
            "http://davgate.org/ns/sync/-2/f6",
            "http://davgate.org/ns/sync/42/f0",
        ] {
            assert_eq!(SpanToken::parse(bad), None, "{bad}");
        }
    }
}
