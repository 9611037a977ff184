//! Quota usage in SQL for both backends: reading the rows the triggers of migration
//! 0013 keep, and the usage a write into a folder is measured against.

/// Implements `QuotaStore` for `$store`, next to `impl_sql_store!`.
macro_rules! impl_quota_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// The folder's owner's bytes (the scheduling inbox left out, as in
            /// `usage_where`) and its context's members of its module, read in
            /// the write's transaction (after `begin_locked`, so no writer of the context
            /// comes between); NotFound without the folder.
            async fn scope_usage<'e, E>(
                executor: E,
                context: ContextId,
                folder: FolderId,
            ) -> StoreResult<ScopeUsage>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let row = sqlx::query(
                    "SELECT f.module AS module, \
                     (SELECT CAST(COALESCE(SUM(u.bytes), 0) AS BIGINT) FROM quota_usage u \
                       WHERE u.context_id = f.context_id AND u.user_id = COALESCE(f.owner_id, 0) \
                       AND u.module <> 'schedule-inbox') \
                       AS owner_bytes, \
                     (SELECT CAST(COALESCE(SUM(c.objects), 0) AS BIGINT) FROM quota_usage c \
                       WHERE c.context_id = f.context_id AND c.user_id = -1 AND c.module = f.module) \
                       AS context_objects \
                     FROM folders f WHERE f.context_id = $1 AND f.id = $2",
                )
                .bind(context)
                .bind(folder)
                .fetch_optional(executor)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(ScopeUsage {
                    module: row.try_get("module")?,
                    owner_bytes: row.try_get("owner_bytes")?,
                    context_objects: row.try_get("context_objects")?,
                })
            }

            /// The usage of `(context, user)` rows: `user` -1 with `module` for the
            /// context's; without `module`, every module but the scheduling inbox (which
            /// `maxInboxMessages` bounds, and which other users' invitations fill).
            async fn usage_where(
                &self,
                context: ContextId,
                user: i64,
                module: Option<&str>,
            ) -> StoreResult<QuotaUsage> {
                let row = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS bytes, \
                     CAST(COALESCE(SUM(objects), 0) AS BIGINT) AS objects \
                     FROM quota_usage WHERE context_id = $1 AND user_id = $2 \
                     AND (module = $3 OR ($3 IS NULL AND module <> 'schedule-inbox'))",
                )
                .bind(context)
                .bind(user)
                .bind(module)
                .fetch_one(&self.pool)
                .await?;
                Ok(QuotaUsage {
                    bytes: row.try_get("bytes")?,
                    objects: row.try_get("objects")?,
                })
            }
        }

        #[async_trait::async_trait]
        impl QuotaStore for $store {
            async fn quota_usage(&self, context: ContextId, user: UserId) -> StoreResult<QuotaUsage> {
                self.usage_where(context, user, None).await
            }

            async fn context_usage(&self, context: ContextId, module: &str) -> StoreResult<QuotaUsage> {
                self.usage_where(context, -1, Some(module)).await
            }
        }
    };
}

pub(crate) use impl_quota_store;
