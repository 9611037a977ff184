//! The dispatcher every `davgate serve` runs: it claims the subscriptions whose folder
//! changed at least `davgate.push.coalesceMillis` ago (a claim no other replica gets),
//! sends each one message with the folder's sync token as it is then, and records the
//! outcome: delivered (done, or pending again if changes came meanwhile), gone (404/410:
//! dropped), failed (retried with back-off, dropped after `davgate.push.maxAttempts`).
//! Expired subscriptions are dropped on the way. When nothing changed, a round is one
//! query on the (small) table of pending messages.
//!
//! An aggregated address book's subscription is sent only when the book's token, as its
//! user sees it now, moved since the last message; see `aggregated` for why and what it
//! costs.

use std::time::Duration;

use futures::StreamExt;

use super::aggregated::Subscribers;
use super::message::{self, Outcome};
use super::PushSettings;
use crate::store::{now_epoch, ClaimedPush, PushCollection, StoreResult};
use crate::sync_token::sync_token;

/// Messages claimed per round, and sent at once.
const CLAIM_BATCH: u32 = 32;
const IN_FLIGHT: usize = 8;
/// First retry after a failure; doubled per attempt up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How often expired subscriptions are dropped.
const EXPIRY_SWEEP: Duration = Duration::from_secs(60);

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// How long to wait before attempt `attempts + 1`.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.clamp(0, 20)).unwrap_or(0);
    FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF)
}

/// What the dispatcher works with: the push settings, and what it needs to see an
/// aggregated address book as its user does (which includes the store).
#[derive(Clone)]
pub struct Dispatcher {
    pub settings: PushSettings,
    pub subscribers: Subscribers,
}

/// Starts the dispatcher on the runtime; it runs until the process ends.
pub fn spawn(dispatcher: Dispatcher) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (store, settings) = (&dispatcher.subscribers.store, &dispatcher.settings);
        let http = message::client(settings);
        // Rounds often enough that a message waits little beyond the window.
        let tick = (settings.coalesce / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
        let mut last_sweep: Option<std::time::Instant> = None;
        loop {
            if last_sweep.is_none_or(|at| at.elapsed() >= EXPIRY_SWEEP) {
                last_sweep = Some(std::time::Instant::now());
                match store.drop_expired_push(now_epoch()).await {
                    Ok(0) => {}
                    Ok(dropped) => tracing::info!(dropped, "expired push subscriptions dropped"),
                    Err(e) => {
                        tracing::warn!(error = %e, "dropping expired push subscriptions failed")
                    }
                }
            }
            match round(&dispatcher, &http).await {
                // A full batch: more may be due at once.
                Ok(n) if n == CLAIM_BATCH as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "push dispatch round failed"),
            }
            tokio::time::sleep(tick).await;
        }
    })
}

/// One round: claims what is due and sends it; how many were claimed.
pub async fn round(dispatcher: &Dispatcher, http: &reqwest::Client) -> StoreResult<usize> {
    let (store, settings) = (&dispatcher.subscribers.store, &dispatcher.settings);
    // A claim outlives a send that takes the whole timeout, so no other replica sends
    // the same message while this one still may.
    let lease = settings.timeout * 2 + Duration::from_secs(5);
    let claimed = store
        .claim_push(
            now_ms(),
            millis(settings.coalesce),
            millis(lease),
            CLAIM_BATCH,
        )
        .await?;
    let count = claimed.len();
    futures::stream::iter(claimed)
        .for_each_concurrent(IN_FLIGHT, |claim| async move {
            if let Err(e) = deliver(dispatcher, http, claim).await {
                tracing::warn!(error = %e, "recording a push message failed");
            }
        })
        .await;
    Ok(count)
}

/// What a claimed subscription is owed: a message with this topic and token, or none.
enum Owed {
    Message {
        topic: String,
        token: String,
    },
    /// The aggregated address book's token is the one last sent.
    Nothing,
    /// The subscriber or their aggregated address book is gone.
    Drop,
}

async fn owed(dispatcher: &Dispatcher, claim: &ClaimedPush) -> StoreResult<Owed> {
    let s = &claim.subscription;
    let key = &dispatcher.settings.key;
    match s.collection {
        PushCollection::Folder(folder) => {
            let seq = dispatcher
                .subscribers
                .store
                .folder_seq(s.context_id, folder)
                .await?;
            Ok(Owed::Message {
                topic: key.topic(s.context_id, folder),
                token: sync_token(seq),
            })
        }
        PushCollection::AggregatedContacts => {
            let subscribers = &dispatcher.subscribers;
            let Some(me) = subscribers.user(s.context_id, s.user_id).await? else {
                return Ok(Owed::Drop);
            };
            Ok(match subscribers.current_token(&me).await? {
                None => Owed::Drop,
                Some(token) if s.last_token.as_deref() == Some(token.as_str()) => Owed::Nothing,
                Some(token) => Owed::Message {
                    topic: key.aggregated_contacts_topic(s.context_id, s.user_id),
                    token,
                },
            })
        }
    }
}

async fn deliver(
    dispatcher: &Dispatcher,
    http: &reqwest::Client,
    claim: ClaimedPush,
) -> StoreResult<()> {
    let (store, settings) = (&dispatcher.subscribers.store, &dispatcher.settings);
    let s = &claim.subscription;
    let now = now_epoch();
    if s.expires_at <= now {
        return store.drop_push(&s.id).await;
    }
    let (topic, token) = match owed(dispatcher, &claim).await? {
        Owed::Message { topic, token } => (topic, token),
        Owed::Nothing => {
            tracing::debug!(subscription = %s.id, "aggregated address book unchanged for its user; nothing sent");
            return store
                .push_delivered(&s.id, claim.generation, now_ms(), None)
                .await;
        }
        Owed::Drop => {
            tracing::info!(subscription = %s.id, "push subscriber or their aggregated address book gone; dropped");
            return store.drop_push(&s.id).await;
        }
    };
    let body = message::body(&topic, &token);
    match message::send(http, settings, s, &topic, &body, now).await {
        Outcome::Delivered => {
            tracing::debug!(subscription = %s.id, %token, "push message delivered");
            // An aggregated address book's message is sent only for a token other than
            // the last one, which it therefore keeps.
            let remember = s.collection == PushCollection::AggregatedContacts;
            let sent = remember.then_some(token.as_str());
            store
                .push_delivered(&s.id, claim.generation, now_ms(), sent)
                .await
        }
        Outcome::Gone => {
            tracing::info!(subscription = %s.id, "push subscription gone at its push service; dropped");
            store.drop_push(&s.id).await
        }
        Outcome::Failed(reason) => {
            let attempts = claim.attempts.saturating_add(1);
            if u32::try_from(attempts).unwrap_or(u32::MAX) >= settings.max_attempts {
                tracing::warn!(subscription = %s.id, %reason, attempts, "push subscription failed too often; dropped");
                store.drop_push(&s.id).await
            } else {
                tracing::info!(subscription = %s.id, %reason, attempts, "push message failed; retried later");
                let retry_at = now_ms().saturating_add(millis(backoff(claim.attempts)));
                store.push_failed(&s.id, retry_at).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(5));
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(3), Duration::from_secs(40));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
