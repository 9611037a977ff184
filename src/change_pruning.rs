//! Keeps the change log from growing without bound: `davgate serve` drops tombstones
//! (the change rows of deleted members) older than `davgate.syncTokenRetentionDays`
//! every `davgate.syncTokenPruneIntervalMinutes`. Pruning raises each context's
//! sync-token floor, so a client holding a token from before it gets 403
//! `DAV:valid-sync-token` and syncs again from an empty token. With replicas on one
//! PostgreSQL database, one process at a time prunes (the store's maintenance lock); the
//! others skip that round.

use std::time::Duration;

use crate::store::{now_epoch, DynStore, StoreError, StoreResult};

/// What one round of pruning did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneRun {
    /// Another process held the maintenance lock: nothing was done.
    Skipped,
    /// Every context was pruned: this many tombstones were dropped.
    Pruned { tombstones: u64 },
}

/// How and how often the change log is pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneSchedule {
    /// Tombstones older than this are dropped.
    pub retention: Duration,
    /// Time between two rounds; None: never pruned.
    pub interval: Option<Duration>,
}

impl PruneSchedule {
    /// The tombstones to drop now: those changed before this epoch second.
    pub fn cutoff(&self) -> i64 {
        now_epoch().saturating_sub(i64::try_from(self.retention.as_secs()).unwrap_or(i64::MAX))
    }
}

/// How old an unfinished attachment upload is when a pruning round discards it: far
/// longer than any request may take.
const STALE_UPLOAD_SECONDS: i64 = 24 * 3600;

/// One round: under the maintenance lock, drops every context's tombstones changed
/// before `before` (epoch seconds).
pub async fn prune_once(store: &DynStore, before: i64) -> StoreResult<PruneRun> {
    let Some(lock) = store.try_maintenance_lock().await? else {
        return Ok(PruneRun::Skipped);
    };
    let result = prune_contexts(store, before).await;
    lock.release().await;
    result.map(|tombstones| PruneRun::Pruned { tombstones })
}

async fn prune_contexts(store: &DynStore, before: i64) -> StoreResult<u64> {
    let mut tombstones = 0;
    // One context that fails (deleted meanwhile, say) does not keep the others from
    // being pruned; the first error is reported once all were tried.
    let mut failed = None;
    let stale_uploads = now_epoch().saturating_sub(STALE_UPLOAD_SECONDS);
    for context in store.contexts().await? {
        // Attachment uploads a stopped process left unfinished give their bytes back.
        if let Err(err) = store.discard_stale_uploads(context.id, stale_uploads).await {
            tracing::warn!(context = context.id, error = %err, "discarding unfinished uploads failed");
        }
        match store.prune_changes(context.id, before).await {
            Ok(pruned) => tombstones += pruned,
            Err(StoreError::NotFound) => {}
            Err(err) => {
                tracing::warn!(context = context.id, error = %err, "pruning the change log failed");
                failed.get_or_insert(err);
            }
        }
    }
    match failed {
        Some(err) => Err(err),
        None => Ok(tombstones),
    }
}

/// Runs `prune_once` every `schedule.interval` for as long as the process serves (the
/// first round one interval after start). A failed round is logged and the next one
/// tried as planned.
pub fn spawn(store: DynStore, schedule: PruneSchedule) -> Option<tokio::task::JoinHandle<()>> {
    let interval = schedule.interval?;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match prune_once(&store, schedule.cutoff()).await {
                Ok(PruneRun::Pruned { tombstones }) => {
                    tracing::info!(tombstones, "change log pruned")
                }
                Ok(PruneRun::Skipped) => {
                    tracing::debug!("change log pruning skipped: another process runs it")
                }
                Err(err) => tracing::warn!(error = %err, "change log pruning failed"),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_lies_the_retention_before_now() {
        let schedule = PruneSchedule {
            retention: Duration::from_secs(30 * 86_400),
            interval: Some(Duration::from_secs(3600)),
        };
        let expected = now_epoch() - 30 * 86_400;
        assert!((schedule.cutoff() - expected).abs() <= 1);
    }
}
