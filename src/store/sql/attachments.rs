//! Managed attachments in SQL for both backends: chunks written one transaction each,
//! held to the owner's byte quota, and read back one chunk per query.

/// Implements `AttachmentStore` for `$store`, next to `impl_sql_store!`.
macro_rules! impl_attachment_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Makes the member's references to managed attachments those its ATTACH
            /// properties name (RFC 8607): references it no longer names go (and with
            /// the last one, the attachment); MANAGED-IDs of attachments that exist in
            /// the context are added, others are left to the writer to refuse.
            async fn sync_attachment_refs(
                tx: &mut sqlx::Transaction<'_, $db>,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                created: bool,
            ) -> StoreResult<()> {
                if object.component.eq_ignore_ascii_case("VCARD") {
                    return Ok(());
                }
                let named = crate::content::ical::attach::managed_ids(&object.data);
                if named.is_empty() {
                    if !created {
                        sqlx::query(
                            "DELETE FROM attachment_refs WHERE context_id = $1 AND folder_id = $2 \
                             AND resource_name = $3",
                        )
                        .bind(context)
                        .bind(folder)
                        .bind(&object.resource_name)
                        .execute(&mut **tx)
                        .await?;
                    }
                    return Ok(());
                }
                let held: Vec<String> = sqlx::query_scalar(
                    "SELECT managed_id FROM attachment_refs WHERE context_id = $1 AND folder_id = $2 \
                     AND resource_name = $3",
                )
                .bind(context)
                .bind(folder)
                .bind(&object.resource_name)
                .fetch_all(&mut **tx)
                .await?;
                for gone in held.iter().filter(|id| !named.contains(id)) {
                    sqlx::query(
                        "DELETE FROM attachment_refs WHERE context_id = $1 AND folder_id = $2 \
                         AND resource_name = $3 AND managed_id = $4",
                    )
                    .bind(context)
                    .bind(folder)
                    .bind(&object.resource_name)
                    .bind(gone)
                    .execute(&mut **tx)
                    .await?;
                }
                for new in named.iter().filter(|id| !held.contains(id)) {
                    sqlx::query(
                        "INSERT INTO attachment_refs (context_id, managed_id, folder_id, resource_name) \
                         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM attachments \
                         WHERE context_id = $1 AND managed_id = $2)",
                    )
                    .bind(context)
                    .bind(new)
                    .bind(folder)
                    .bind(&object.resource_name)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl AttachmentStore for $store {
            async fn create_attachment(
                &self,
                context: ContextId,
                owner: UserId,
                managed_id: &str,
                filename: &str,
                fmttype: &str,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO attachments (context_id, managed_id, owner_id, filename, fmttype, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(context)
                .bind(managed_id)
                .bind(owner)
                .bind(filename)
                .bind(fmttype)
                .bind(now_epoch())
                .execute(&self.pool)
                .await
                .map_err(|e| unique_or(e, managed_id))?;
                Ok(())
            }

            async fn append_attachment_chunk(
                &self,
                context: ContextId,
                managed_id: &str,
                seq: i64,
                data: &[u8],
                byte_limit: Option<i64>,
            ) -> StoreResult<()> {
                retrying(|| async {
                    let mut tx = self.begin_write().await?;
                    let owner: Option<i64> = sqlx::query_scalar(
                        "SELECT owner_id FROM attachments WHERE context_id = $1 AND managed_id = $2 \
                         AND NOT complete",
                    )
                    .bind(context)
                    .bind(managed_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let owner = owner.ok_or(StoreError::NotFound)?;
                    sqlx::query(
                        "INSERT INTO attachment_chunks (context_id, managed_id, seq, data) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(context)
                    .bind(managed_id)
                    .bind(seq)
                    .bind(data)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_or(e, format!("chunk {seq} of {managed_id}")))?;
                    if let Some(limit) = byte_limit {
                        // The trigger's update has locked the owner's rows: concurrent
                        // writers of the owner's usage wait for this transaction.
                        let used: i64 = sqlx::query_scalar(
                            "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM quota_usage \
                             WHERE context_id = $1 AND user_id = $2 AND module <> 'schedule-inbox'",
                        )
                        .bind(context)
                        .bind(owner)
                        .fetch_one(&mut *tx)
                        .await?;
                        if used > limit {
                            let left = (limit - (used - data.len() as i64)).max(0);
                            return Err(StoreError::QuotaExceeded(format!(
                                "the storage quota of {limit} bytes is exceeded by the attachment: \
                                 {left} bytes were left"
                            )));
                        }
                    }
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn finish_attachment(&self, context: ContextId, managed_id: &str) -> StoreResult<i64> {
                let size: Option<i64> = sqlx::query_scalar(
                    "UPDATE attachments SET complete = TRUE, size = (SELECT CAST(COALESCE(SUM(length(data)), 0) AS BIGINT) \
                     FROM attachment_chunks c WHERE c.context_id = $1 AND c.managed_id = $2) \
                     WHERE context_id = $1 AND managed_id = $2 RETURNING size",
                )
                .bind(context)
                .bind(managed_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .next();
                size.ok_or(StoreError::NotFound)
            }

            async fn discard_attachment(&self, context: ContextId, managed_id: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM attachments WHERE context_id = $1 AND managed_id = $2")
                    .bind(context)
                    .bind(managed_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn discard_stale_uploads(
                &self,
                context: ContextId,
                created_before: i64,
            ) -> StoreResult<u64> {
                Ok(sqlx::query(
                    "DELETE FROM attachments WHERE context_id = $1 AND NOT complete AND created_at < $2",
                )
                .bind(context)
                .bind(created_before)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn link_attachment(
                &self,
                context: ContextId,
                managed_id: &str,
                folder: FolderId,
                name: &str,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO attachment_refs (context_id, managed_id, folder_id, resource_name) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(context)
                .bind(managed_id)
                .bind(folder)
                .bind(name)
                .execute(&self.pool)
                .await
                .map_err(|e| unique_or(e, managed_id))?;
                Ok(())
            }

            async fn unlink_attachment(
                &self,
                context: ContextId,
                managed_id: &str,
                folder: FolderId,
                name: &str,
            ) -> StoreResult<()> {
                sqlx::query(
                    "DELETE FROM attachment_refs WHERE context_id = $1 AND managed_id = $2 \
                     AND folder_id = $3 AND resource_name = $4",
                )
                .bind(context)
                .bind(managed_id)
                .bind(folder)
                .bind(name)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn attachment(
                &self,
                context: ContextId,
                managed_id: &str,
            ) -> StoreResult<Option<Attachment>> {
                let row = sqlx::query(
                    "SELECT managed_id, owner_id, filename, fmttype, size, complete FROM attachments \
                     WHERE context_id = $1 AND managed_id = $2",
                )
                .bind(context)
                .bind(managed_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok(Attachment {
                        managed_id: row.try_get("managed_id")?,
                        owner_id: row.try_get("owner_id")?,
                        filename: row.try_get("filename")?,
                        fmttype: row.try_get("fmttype")?,
                        size: row.try_get("size")?,
                        complete: row.try_get("complete")?,
                    })
                })
                .transpose()
            }

            async fn attachment_refs(
                &self,
                context: ContextId,
                managed_id: &str,
            ) -> StoreResult<Vec<(FolderId, String)>> {
                let rows = sqlx::query(
                    "SELECT folder_id, resource_name FROM attachment_refs \
                     WHERE context_id = $1 AND managed_id = $2 ORDER BY folder_id, resource_name",
                )
                .bind(context)
                .bind(managed_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| Ok((row.try_get("folder_id")?, row.try_get("resource_name")?)))
                    .collect()
            }

            fn attachment_chunks(
                &self,
                context: ContextId,
                managed_id: &str,
            ) -> futures::stream::BoxStream<'static, StoreResult<Vec<u8>>> {
                let pool = self.pool.clone();
                let managed_id = managed_id.to_owned();
                $crate::store::paging::paged(-1_i64, move |after: i64| {
                    let (pool, managed_id) = (pool.clone(), managed_id.clone());
                    async move {
                        let row = sqlx::query(
                            "SELECT seq, data FROM attachment_chunks WHERE context_id = $1 \
                             AND managed_id = $2 AND seq > $3 ORDER BY seq LIMIT 1",
                        )
                        .bind(context)
                        .bind(&managed_id)
                        .bind(after)
                        .fetch_optional(&pool)
                        .await?;
                        match row {
                            Some(row) => {
                                let seq: i64 = row.try_get("seq")?;
                                let data: Vec<u8> = row.try_get("data")?;
                                Ok((vec![data], Some(seq)))
                            }
                            None => Ok((Vec::new(), None)),
                        }
                    }
                })
            }
        }
    };
}

pub(crate) use impl_attachment_store;
