//! Quota usage (RFC 4331 and OX's per-module object quotas): what the triggers of
//! migration 0013 keep per folder owner and per context, and the limits a write is held
//! to in the transaction that makes it.

use async_trait::async_trait;

use super::*;

/// The quotas a write into a folder must stay within; None is unlimited. Which owner and
/// module they concern is the folder's: the store looks them up in the write's
/// transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuotaLimits {
    /// The bytes the folder's owner may store, all modules together (the scheduling
    /// inbox, bounded by its message count, left out).
    pub bytes: Option<i64>,
    /// The members the folder's context may hold in the folder's module (OX's
    /// `com.openexchange.quota.calendar`, `.task`, `.contact`: a context-wide count).
    pub objects: Option<i64>,
    /// Whether a refusal may say how many bytes the owner has left: only to the owner
    /// (a sharee writing into the folder learns nothing of the owner's other folders).
    pub disclose: bool,
}

impl QuotaLimits {
    pub const UNLIMITED: QuotaLimits = QuotaLimits {
        bytes: None,
        objects: None,
        disclose: false,
    };

    pub fn is_unlimited(&self) -> bool {
        self.bytes.is_none() && self.objects.is_none()
    }
}

/// What one user's folders hold, all modules together but the scheduling inbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuotaUsage {
    pub bytes: i64,
    pub objects: i64,
}

/// What a write into one folder is measured against: its owner's bytes and its
/// context's members of its module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeUsage {
    pub module: String,
    pub owner_bytes: i64,
    pub context_objects: i64,
}

impl ScopeUsage {
    /// Whether going from `self` to `after` breaks `limits`: a quota counts against a
    /// write only when the write makes its usage grow (a member replaced by a smaller
    /// one, a delete, a move within the owner's folders always pass, even over a quota
    /// lowered since). The refusal says how much is left.
    pub fn check(&self, after: &ScopeUsage, limits: &QuotaLimits) -> StoreResult<()> {
        if let Some(limit) = limits.objects {
            if after.context_objects > limit && after.context_objects > self.context_objects {
                let left = (limit - self.context_objects).max(0);
                return Err(StoreError::QuotaExceeded(format!(
                    "the {} quota of {limit} objects is reached: {left} left",
                    after.module
                )));
            }
        }
        if let Some(limit) = limits.bytes {
            if after.owner_bytes > limit && after.owner_bytes > self.owner_bytes {
                let needed = after.owner_bytes - self.owner_bytes;
                let left = (limit - self.owner_bytes).max(0);
                return Err(StoreError::QuotaExceeded(if limits.disclose {
                    format!(
                        "the storage quota of {limit} bytes would be exceeded: {left} bytes \
                         left, the write needs {needed} more"
                    )
                } else {
                    format!(
                        "the storage quota of the folder's owner would be exceeded (the write \
                         needs {needed} more bytes than the owner has left)"
                    )
                }));
            }
        }
        Ok(())
    }
}

/// Reading what the triggers keep.
#[async_trait]
pub trait QuotaStore: Send + Sync {
    /// What the folders `user` owns hold (0 for a user with none).
    async fn quota_usage(&self, context: ContextId, user: UserId) -> StoreResult<QuotaUsage>;
    /// What the context holds in `module` ("calendar", "tasks", "contacts"), all owners.
    async fn context_usage(&self, context: ContextId, module: &str) -> StoreResult<QuotaUsage>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(owner_bytes: i64, context_objects: i64) -> ScopeUsage {
        ScopeUsage {
            module: "calendar".into(),
            owner_bytes,
            context_objects,
        }
    }

    fn refusal(result: StoreResult<()>) -> String {
        match result {
            Err(StoreError::QuotaExceeded(reason)) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn only_growth_beyond_a_quota_is_refused() {
        let limits = QuotaLimits {
            bytes: Some(1000),
            objects: Some(5),
            disclose: true,
        };
        assert!(usage(900, 4).check(&usage(1000, 5), &limits).is_ok());
        let reason = refusal(usage(900, 5).check(&usage(950, 6), &limits));
        assert_eq!(reason, "the calendar quota of 5 objects is reached: 0 left");
        let reason = refusal(usage(900, 4).check(&usage(1200, 5), &limits));
        assert!(
            reason.contains("100 bytes left") && reason.contains("300 more"),
            "{reason}"
        );
        // Over a quota lowered since: shrinking and staying pass, growing does not.
        assert!(usage(3000, 9).check(&usage(2000, 9), &limits).is_ok());
        assert!(usage(3000, 9).check(&usage(3000, 8), &limits).is_ok());
        assert!(usage(3000, 9).check(&usage(3001, 9), &limits).is_err());
        assert!(usage(0, 0)
            .check(&usage(i64::MAX, i64::MAX), &QuotaLimits::UNLIMITED)
            .is_ok());
    }

    #[test]
    fn a_sharee_is_not_told_the_owners_bytes() {
        let limits = QuotaLimits {
            bytes: Some(1000),
            objects: None,
            disclose: false,
        };
        let reason = refusal(usage(900, 0).check(&usage(1200, 1), &limits));
        assert!(
            !reason.contains("1000") && !reason.contains("100 bytes"),
            "{reason}"
        );
        assert!(reason.contains("owner"), "{reason}");
    }
}
