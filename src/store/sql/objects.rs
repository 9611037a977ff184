//! Calendar objects and contacts: conditional writes, reads by name, UID or batch of
//! names, deletes, moves and the paged member listings, in SQL for both backends.

/// The largest number of names one `IN (...)` list carries.
pub(crate) const NAMES_PER_BATCH: usize = 500;

/// Implements `ObjectStore` for `$store`, next to `impl_sql_store!`.
macro_rules! impl_object_store {
    ($store:ty, $db:ty) => {
        use $crate::store::sql::NAMES_PER_BATCH;

        const OBJECT_COLUMNS: &str = "folder_id, resource_name, uid, component, etag, data, \
             start_at, end_at, display_name, user_id, modified_at, schedule_tag";

        /// An object from a row of `OBJECT_COLUMNS`, read by position (`Columns`): a
        /// multiget or a query maps every member it answers.
        fn object_from(row: &impl $crate::store::sql::Columns) -> StoreResult<StoredObject> {
            $crate::store::sql::debug_assert_columns(
                row,
                &[
                    "folder_id", "resource_name", "uid", "component", "etag", "data",
                    "start_at", "end_at", "display_name", "user_id", "modified_at",
                    "schedule_tag",
                ],
            );
            Ok(StoredObject {
                folder_id: row.int(0)?,
                resource_name: row.text(1)?,
                uid: row.text(2)?,
                component: row.text(3)?,
                etag: row.text(4)?,
                data: row.bytes(5)?,
                start_at: row.opt_int(6)?,
                end_at: row.opt_int(7)?,
                display_name: row.opt_text(8)?,
                user_id: row.opt_int(9)?,
                modified_at: row.int(10)?,
                schedule_tag: row.opt_text(11)?,
            })
        }

        /// The columns of `member_data_from`, of the objects table as `o`.
        const MEMBER_DATA_COLUMNS: &str =
            "o.folder_id, o.resource_name, o.etag, o.data, o.user_id, o.modified_at";

        /// A member's data from a row of `MEMBER_DATA_COLUMNS`, read by position
        /// (`Columns`): a multiget maps every member it answers.
        fn member_data_from(row: &impl $crate::store::sql::Columns) -> StoreResult<MemberData> {
            $crate::store::sql::debug_assert_columns(
                row,
                &["folder_id", "resource_name", "etag", "data", "user_id", "modified_at"],
            );
            Ok(MemberData {
                folder_id: row.int(0)?,
                resource_name: row.text(1)?,
                etag: row.text(2)?,
                data: row.bytes(3)?,
                user_id: row.opt_int(4)?,
                modified_at: row.int(5)?,
            })
        }

        /// A summary from a row of `SUMMARY_COLUMNS` (`paging.rs`), read by position
        /// (`Columns`), since a listing maps every member.
        fn summary_from(row: &impl $crate::store::sql::Columns) -> StoreResult<ObjectSummary> {
            $crate::store::sql::debug_assert_columns(
                row,
                &["resource_name", "etag", "size", "modified_at", "user_id"],
            );
            Ok(ObjectSummary {
                resource_name: row.text(0)?,
                etag: row.text(1)?,
                size: row.int(2)?,
                modified_at: row.int(3)?,
                user_id: row.opt_int(4)?,
            })
        }

        impl $store {
            /// One attempt at `put_object`, in one transaction under the context's lock.
            #[allow(clippy::too_many_arguments)]
            async fn put_once(
                &self,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                etag: &str,
                condition: &WriteCondition,
                schedule_tag: Option<&str>,
                quota: &QuotaLimits,
            ) -> StoreResult<WriteOutcome> {
                let mut tx = self.begin_locked(context).await?;
                let before = match quota.is_unlimited() {
                    true => None,
                    false => Some(Self::scope_usage(&mut *tx, context, folder).await?),
                };
                let mut written = Self::update_object(&mut *tx, context, folder, object, etag, condition, schedule_tag)
                    .await
                    .map(|etag| etag.map(|etag| WriteOutcome { etag, created: false }));
                if matches!(written, Ok(None))
                    && matches!(condition, WriteCondition::MustNotExist | WriteCondition::Unconditional)
                {
                    written = Self::insert_object(&mut *tx, context, folder, object, etag, schedule_tag)
                        .await
                        .map(|etag| etag.map(|etag| WriteOutcome { etag, created: true }));
                }
                match written {
                    Ok(Some(outcome)) => {
                        Self::sync_attachment_refs(&mut tx, context, folder, object, outcome.created)
                            .await?;
                        // The triggers have counted the write: it stays only within the
                        // quotas (dropping the transaction rolls it back).
                        if let Some(before) = before {
                            let after = Self::scope_usage(&mut *tx, context, folder).await?;
                            before.check(&after, quota)?;
                        }
                        tx.commit().await?;
                        Ok(outcome)
                    }
                    // The member is not as the condition wants it (no writer of this
                    // context can have come between: the lock orders them all).
                    Ok(None) => Err(StoreError::PreconditionFailed),
                    Err(e) => {
                        drop(tx);
                        Err(self.write_error(e, context, folder, &object.uid).await)
                    }
                }
            }

            /// Replaces the named member if `condition` holds (`MustNotExist` never does).
            ///
            /// This and `insert_object` read their `RETURNING` row with `fetch_all`, which
            /// steps the statement to its end: SQLite runs its WAL auto-checkpoint only when
            /// a statement completes, not when it is reset after its first row as
            /// `fetch_optional` does. Cut short, writes would leave the WAL growing with
            /// every write, and every page read searching all of it.
            async fn update_object<'e, E>(
                executor: E,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                etag: &str,
                condition: &WriteCondition,
                schedule_tag: Option<&str>,
            ) -> Result<Option<String>, sqlx::Error>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                // $13: the etag that must match; $14: whether the author must be $15.
                let (expected_etag, expected_author) = match condition {
                    WriteCondition::IfMatch(etag) => (Some(etag.as_str()), None),
                    WriteCondition::AuthoredBy(author) => (None, Some(*author)),
                    WriteCondition::Unconditional => (None, None),
                    WriteCondition::MustNotExist => return Ok(None),
                };
                sqlx::query_scalar(
                    "UPDATE objects SET uid = $4, component = $5, data = $6, etag = $7, \
                     start_at = $8, end_at = $9, display_name = $10, user_id = $11, modified_at = $12, \
                     schedule_tag = $16 WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3 \
                     AND ($13 IS NULL OR etag = $13) \
                     AND (NOT $14 OR user_id = $15 OR (user_id IS NULL AND $15 IS NULL)) RETURNING etag",
                )
                .bind(context)
                .bind(folder)
                .bind(&object.resource_name)
                .bind(&object.uid)
                .bind(&object.component)
                .bind(&object.data)
                .bind(etag)
                .bind(object.start_at)
                .bind(object.end_at)
                .bind(&object.display_name)
                .bind(object.user_id)
                .bind(now_epoch())
                .bind(expected_etag)
                .bind(expected_author.is_some())
                .bind(expected_author.flatten())
                .bind(schedule_tag)
                .fetch_all(executor)
                .await
                .map(|etags| etags.into_iter().next())
            }

            /// Creates the named member unless it exists.
            async fn insert_object<'e, E>(
                executor: E,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                etag: &str,
                schedule_tag: Option<&str>,
            ) -> Result<Option<String>, sqlx::Error>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let now = now_epoch();
                sqlx::query_scalar(
                    "INSERT INTO objects (context_id, folder_id, resource_name, uid, component, data, \
                     etag, start_at, end_at, display_name, user_id, created_at, modified_at, schedule_tag) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) \
                     ON CONFLICT (context_id, folder_id, resource_name) DO NOTHING RETURNING etag",
                )
                .bind(context)
                .bind(folder)
                .bind(&object.resource_name)
                .bind(&object.uid)
                .bind(&object.component)
                .bind(&object.data)
                .bind(etag)
                .bind(object.start_at)
                .bind(object.end_at)
                .bind(&object.display_name)
                .bind(object.user_id)
                .bind(now)
                .bind(schedule_tag)
                .fetch_all(executor)
                .await
                .map(|etags| etags.into_iter().next())
            }

            async fn write_error(
                &self,
                err: sqlx::Error,
                context: ContextId,
                folder: FolderId,
                uid: &str,
            ) -> StoreError {
                match err.as_database_error() {
                    Some(db) if db.is_unique_violation() => {
                        self.uid_conflict(context, folder, uid).await
                    }
                    Some(db) if db.is_foreign_key_violation() => StoreError::NotFound,
                    _ => StoreError::from(err),
                }
            }

            async fn uid_conflict(
                &self,
                context: ContextId,
                folder: FolderId,
                uid: &str,
            ) -> StoreError {
                match self.object_by_uid(context, folder, uid).await {
                    Ok(Some(other)) => StoreError::UidConflict {
                        resource_name: other.resource_name,
                    },
                    Ok(None) => StoreError::PreconditionFailed,
                    Err(e) => e,
                }
            }

            async fn object_exists<'e, E>(
                executor: E,
                context: ContextId,
                folder: FolderId,
                name: &str,
            ) -> StoreResult<bool>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let found: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM objects WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3",
                )
                .bind(context)
                .bind(folder)
                .bind(name)
                .fetch_one(executor)
                .await?;
                Ok(found > 0)
            }

            /// The member of `folder` whose `column` (resource_name or uid, both unique) is `key`.
            async fn object_where(
                &self,
                context: ContextId,
                folder: FolderId,
                column: &'static str,
                key: &str,
            ) -> StoreResult<Option<StoredObject>> {
                let sql = format!(
                    "SELECT {OBJECT_COLUMNS} FROM objects WHERE context_id = $1 AND folder_id = $2 AND {column} = $3"
                );
                let row = sqlx::query(&sql)
                    .bind(context)
                    .bind(folder)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(object_from).transpose()
            }

            /// Objects of `folder` with the given names (at most `NAMES_PER_BATCH`).
            async fn objects_batch(
                &self,
                context: ContextId,
                folder: FolderId,
                names: &[&String],
            ) -> StoreResult<Vec<MemberData>> {
                // The names are bound as one value (`MEMBERS_NAMED_3` and `name_list`
                // are the backend's), so that the statement's text is the same whatever
                // their number.
                let sql = format!("SELECT {MEMBER_DATA_COLUMNS} FROM {MEMBERS_NAMED_3}");
                let args = vec![Arg::Int(context), Arg::Int(folder), name_list(names)];
                fetch_listing(&self.pool, &sql, args, member_data_from).await
            }

            /// One attempt at `delete_object`, in one transaction under the context's lock.
            async fn delete_once(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                condition: &WriteCondition,
            ) -> StoreResult<()> {
                let mut tx = self.begin_locked(context).await?;
                let (expected_etag, expected_author) = match condition {
                    WriteCondition::IfMatch(etag) => (Some(etag.as_str()), None),
                    WriteCondition::AuthoredBy(author) => (None, Some(*author)),
                    WriteCondition::Unconditional => (None, None),
                    WriteCondition::MustNotExist => {
                        return if Self::object_exists(&mut *tx, context, folder, resource_name).await? {
                            Err(StoreError::PreconditionFailed)
                        } else {
                            Err(StoreError::NotFound)
                        };
                    }
                };
                let done = sqlx::query(
                    "DELETE FROM objects WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3 \
                     AND ($4 IS NULL OR etag = $4) \
                     AND (NOT $5 OR user_id = $6 OR (user_id IS NULL AND $6 IS NULL))",
                )
                .bind(context)
                .bind(folder)
                .bind(resource_name)
                .bind(expected_etag)
                .bind(expected_author.is_some())
                .bind(expected_author.flatten())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    tx.commit().await?;
                    Ok(())
                } else if *condition != WriteCondition::Unconditional
                    && Self::object_exists(&mut *tx, context, folder, resource_name).await?
                {
                    Err(StoreError::PreconditionFailed)
                } else {
                    Err(StoreError::NotFound)
                }
            }

            /// One attempt at `move_object`, in one transaction.
            #[allow(clippy::too_many_arguments)]
            async fn move_once(
                &self,
                context: ContextId,
                from: FolderId,
                name: &str,
                to: FolderId,
                to_name: &str,
                condition: &WriteCondition,
                overwrite: bool,
                quota: &QuotaLimits,
            ) -> StoreResult<WriteOutcome> {
                let mut tx = self.begin_locked(context).await?;
                let before = match quota.is_unlimited() {
                    true => None,
                    false => Some(Self::scope_usage(&mut *tx, context, to).await?),
                };
                let source = sqlx::query(
                    "SELECT uid, etag, user_id FROM objects WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3",
                )
                .bind(context)
                .bind(from)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                let (uid, etag): (String, String) = (source.try_get("uid")?, source.try_get("etag")?);
                let author: Option<UserId> = source.try_get("user_id")?;
                match condition {
                    WriteCondition::MustNotExist => return Err(StoreError::PreconditionFailed),
                    WriteCondition::IfMatch(expected) if *expected != etag => {
                        return Err(StoreError::PreconditionFailed)
                    }
                    WriteCondition::AuthoredBy(expected) if *expected != author => {
                        return Err(StoreError::PreconditionFailed)
                    }
                    _ => {}
                }
                let replaced = sqlx::query(
                    "DELETE FROM objects WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3",
                )
                .bind(context)
                .bind(to)
                .bind(to_name)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    > 0;
                if replaced && !overwrite {
                    return Err(StoreError::PreconditionFailed);
                }
                let moved: Result<String, sqlx::Error> = sqlx::query_scalar(
                    "UPDATE objects SET folder_id = $4, resource_name = $5, modified_at = $6 \
                     WHERE context_id = $1 AND folder_id = $2 AND resource_name = $3 RETURNING etag",
                )
                .bind(context)
                .bind(from)
                .bind(name)
                .bind(to)
                .bind(to_name)
                .bind(now_epoch())
                .fetch_one(&mut *tx)
                .await;
                match moved {
                    Ok(etag) => {
                        if let Some(before) = before {
                            let after = Self::scope_usage(&mut *tx, context, to).await?;
                            before.check(&after, quota)?;
                        }
                        tx.commit().await?;
                        Ok(WriteOutcome { etag, created: !replaced })
                    }
                    Err(e) => {
                        tx.rollback().await?;
                        Err(self.write_error(e, context, to, &uid).await)
                    }
                }
            }
        }

        #[async_trait::async_trait]
        impl ObjectStore for $store {
            async fn put_object(
                &self,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                condition: WriteCondition,
            ) -> StoreResult<WriteOutcome> {
                self.put_object_within(context, folder, object, condition, None, &QuotaLimits::UNLIMITED)
                    .await
            }

            async fn put_object_within(
                &self,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                condition: WriteCondition,
                schedule_tag: Option<&str>,
                quota: &QuotaLimits,
            ) -> StoreResult<WriteOutcome> {
                let etag = etag_of(&object.data);
                retrying(|| self.put_once(context, folder, object, &etag, &condition, schedule_tag, quota))
                    .await
            }

            async fn put_scheduling_object(
                &self,
                context: ContextId,
                folder: FolderId,
                object: &WriteObject,
                condition: WriteCondition,
                schedule_tag: &str,
            ) -> StoreResult<WriteOutcome> {
                self.put_object_within(
                    context,
                    folder,
                    object,
                    condition,
                    Some(schedule_tag),
                    &QuotaLimits::UNLIMITED,
                )
                .await
            }

            async fn object(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
            ) -> StoreResult<Option<StoredObject>> {
                self.object_where(context, folder, "resource_name", resource_name).await
            }

            async fn object_by_uid(
                &self,
                context: ContextId,
                folder: FolderId,
                uid: &str,
            ) -> StoreResult<Option<StoredObject>> {
                self.object_where(context, folder, "uid", uid).await
            }

            async fn delete_object(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                condition: WriteCondition,
            ) -> StoreResult<()> {
                retrying(|| self.delete_once(context, folder, resource_name, &condition)).await
            }

            async fn keep_newest(
                &self,
                context: ContextId,
                folder: FolderId,
                keep: u64,
            ) -> StoreResult<u64> {
                let keep = i64::try_from(keep).unwrap_or(i64::MAX);
                retrying(|| async {
                    let mut tx = self.begin_locked(context).await?;
                    let done = sqlx::query(
                        "DELETE FROM objects WHERE context_id = $1 AND folder_id = $2 \
                         AND resource_name NOT IN (SELECT resource_name FROM objects \
                         WHERE context_id = $1 AND folder_id = $2 \
                         ORDER BY change_seq DESC, resource_name DESC LIMIT $3)",
                    )
                    .bind(context)
                    .bind(folder)
                    .bind(keep)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected())
                })
                .await
            }

            fn object_summary_stream(
                &self,
                context: ContextId,
                folder: FolderId,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<ObjectSummary>> {
                self.summary_pages(context, folder, filter)
            }

            fn object_stream(
                &self,
                context: ContextId,
                folder: FolderId,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<StoredObject>> {
                self.object_pages(context, folder, filter)
            }

            async fn objects_by_names(
                &self,
                context: ContextId,
                folder: FolderId,
                names: &[String],
            ) -> StoreResult<Vec<MemberData>> {
                let mut wanted: Vec<&String> = names.iter().collect();
                wanted.sort();
                wanted.dedup();
                let mut found = Vec::new();
                for batch in wanted.chunks(NAMES_PER_BATCH) {
                    found.extend(self.objects_batch(context, folder, batch).await?);
                }
                found.sort_by(|a, b| a.resource_name.cmp(&b.resource_name));
                Ok(found)
            }

            async fn move_object(
                &self,
                context: ContextId,
                from: FolderId,
                name: &str,
                to: FolderId,
                to_name: &str,
                condition: WriteCondition,
                overwrite: bool,
            ) -> StoreResult<WriteOutcome> {
                self.move_object_within(context, from, name, to, to_name, condition, overwrite, &QuotaLimits::UNLIMITED)
                    .await
            }

            async fn move_object_within(
                &self,
                context: ContextId,
                from: FolderId,
                name: &str,
                to: FolderId,
                to_name: &str,
                condition: WriteCondition,
                overwrite: bool,
                quota: &QuotaLimits,
            ) -> StoreResult<WriteOutcome> {
                if from == to && name == to_name {
                    return Err(StoreError::Invalid(format!("{name} cannot be moved onto itself")));
                }
                retrying(|| self.move_once(context, from, name, to, to_name, &condition, overwrite, quota))
                    .await
            }
        }
    };
}

pub(crate) use impl_object_store;
