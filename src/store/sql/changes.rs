//! The change log: sync tokens (the context's sequence and its floor), the sequence of
//! folders, the changes since a token, the sync stream and pruning, in SQL for both
//! backends.

/// Implements `ChangeLog` for `$store`, next to `impl_sql_store!`.
macro_rules! impl_change_log {
    ($store:ty, $db:ty) => {
        /// A sync member from a row of the sync listings (`paging.rs`), whose columns come
        /// in this order: read by position (`Columns`), since a listing maps every member.
        fn sync_member_from(row: &impl $crate::store::sql::Columns) -> StoreResult<SyncMember> {
            $crate::store::sql::debug_assert_columns(
                row,
                &["folder_id", "resource_name", "seq", "deleted", "etag", "size", "modified_at", "creator"],
            );
            Ok(SyncMember {
                folder_id: row.int(0)?,
                resource_name: row.text(1)?,
                seq: row.int(2)?,
                deleted: row.boolean(3)?,
                etag: row.opt_text(4)?,
                size: row.opt_int(5)?,
                modified_at: row.opt_int(6)?,
                creator: row.opt_int(7)?,
            })
        }

        /// Checks the sync token `since` against the change log's floor; returns the
        /// context's current sequence.
        async fn check_token(pool: &sqlx::Pool<$db>, context: ContextId, since: i64) -> StoreResult<i64> {
            let row = sqlx::query("SELECT seq, floor_seq FROM context_counters WHERE context_id = $1")
                .bind(context)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)?;
            let (current, floor): (i64, i64) = (row.try_get("seq")?, row.try_get("floor_seq")?);
            if since < floor || since > current || since < 0 {
                return Err(StoreError::InvalidSyncToken(since));
            }
            Ok(current)
        }

        #[async_trait::async_trait]
        impl ChangeLog for $store {
            async fn current_seq(&self, context: ContextId) -> StoreResult<i64> {
                sqlx::query_scalar("SELECT seq FROM context_counters WHERE context_id = $1")
                    .bind(context)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound)
            }

            async fn folder_seq(&self, context: ContextId, folder: FolderId) -> StoreResult<i64> {
                // The newest entry of the (context, folder, seq) index: one index probe,
                // whatever the planner knows about the table.
                let seq: Option<i64> = sqlx::query_scalar(
                    "SELECT seq FROM changes WHERE context_id = $1 AND folder_id = $2 \
                     ORDER BY seq DESC LIMIT 1",
                )
                .bind(context)
                .bind(folder)
                .fetch_optional(&self.pool)
                .await?;
                Ok(seq.unwrap_or(0))
            }

            async fn folder_seqs(
                &self,
                context: ContextId,
                folders: &[FolderId],
            ) -> StoreResult<std::collections::HashMap<FolderId, i64>> {
                if folders.is_empty() {
                    return Ok(Default::default());
                }
                // One probe of the (context, folder, seq) index per folder, as
                // `folder_seq` does; MAX under GROUP BY would read every change.
                let sql = format!(
                    "SELECT f.id AS folder_id, (SELECT c.seq FROM changes c \
                     WHERE c.context_id = f.context_id AND c.folder_id = f.id \
                     ORDER BY c.seq DESC LIMIT 1) AS seq \
                     FROM folders f WHERE f.context_id = $1 AND f.id IN ({})",
                    placeholders(2, folders.len())
                );
                let mut query = sqlx::query(&sql).bind(context);
                for folder in folders {
                    query = query.bind(*folder);
                }
                let mut seqs = std::collections::HashMap::new();
                for row in query.fetch_all(&self.pool).await? {
                    let seq: Option<i64> = row.try_get("seq")?;
                    if let Some(seq) = seq {
                        seqs.insert(row.try_get("folder_id")?, seq);
                    }
                }
                Ok(seqs)
            }

            async fn changes_since(
                &self,
                context: ContextId,
                folder: FolderId,
                since: i64,
            ) -> StoreResult<Vec<Change>> {
                check_token(&self.pool, context, since).await?;
                let rows = sqlx::query(
                    "SELECT resource_name, seq, deleted FROM changes \
                     WHERE context_id = $1 AND folder_id = $2 AND seq > $3 ORDER BY seq",
                )
                .bind(context)
                .bind(folder)
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Change {
                            resource_name: row.try_get("resource_name")?,
                            seq: row.try_get("seq")?,
                            deleted: row.try_get("deleted")?,
                        })
                    })
                    .collect()
            }

            async fn check_sync_token(&self, context: ContextId, since: i64) -> StoreResult<()> {
                check_token(&self.pool, context, since).await.map(|_| ())
            }

            fn sync_stream(
                &self,
                context: ContextId,
                folders: &[FolderId],
                since: i64,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<SyncMember>> {
                if folders.is_empty() {
                    use futures::StreamExt as _;
                    return futures::stream::empty().boxed();
                }
                self.sync_pages(context, folders, since, filter)
            }

            async fn prune_changes(&self, context: ContextId, before: i64) -> StoreResult<u64> {
                let mut tx = self.begin_write().await?;
                let floor = Self::lock_context(&mut tx, context).await?;
                let newest_pruned: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(seq) FROM changes WHERE context_id = $1 AND deleted AND changed_at < $2",
                )
                .bind(context)
                .bind(before)
                .fetch_one(&mut *tx)
                .await?;
                let Some(newest_pruned) = newest_pruned else {
                    return Ok(0);
                };
                let done = sqlx::query(
                    "DELETE FROM changes WHERE context_id = $1 AND deleted AND seq <= $2",
                )
                .bind(context)
                .bind(newest_pruned)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE context_counters SET floor_seq = $2 WHERE context_id = $1")
                    .bind(context)
                    .bind(newest_pruned.max(floor))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }
        }
    };
}

pub(crate) use impl_change_log;
