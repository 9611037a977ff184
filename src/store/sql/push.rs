//! WebDAV-Push subscriptions and pending messages in SQL for both backends: the trait
//! `PushStore` of `store/push.rs`, one SQL text per statement (migrations 0015 and
//! 0017). Only the claim differs:
//! PostgreSQL skips rows another replica is claiming (`FOR UPDATE SKIP LOCKED`); SQLite
//! has one writer at a time, so its UPDATE is atomic as it is.

/// Implements `PushStore` for `$store` (a struct with `pool: sqlx::Pool<$db>`).
macro_rules! impl_push_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// One attempt at `register_push`. It holds the context's write lock, so
            /// registrations of one context, identical or counted against one user's
            /// limit, run one after the other; a registration that still meets another's
            /// row at its INSERT fails with `AlreadyExists`.
            async fn register_push_once(
                &self,
                s: &$crate::store::PushSubscription,
                max_per_user: u32,
            ) -> $crate::store::StoreResult<$crate::store::Registered> {
                use sqlx::Row as _;
                let mut tx = self.begin_locked(s.context_id).await?;
                // The same collection and push resource: a folder's, whoever registered
                // it; an aggregated address book's, of the same user.
                let existing = match s.collection {
                    $crate::store::PushCollection::Folder(folder) => sqlx::query(
                        "SELECT id FROM push_subscriptions \
                         WHERE context_id = $1 AND folder_id = $2 AND push_resource = $3",
                    )
                    .bind(s.context_id)
                    .bind(folder),
                    $crate::store::PushCollection::AggregatedContacts => sqlx::query(
                        "SELECT id FROM push_subscriptions \
                         WHERE context_id = $1 AND user_id = $2 AND push_resource = $3 \
                         AND kind = 'aggregated-contacts'",
                    )
                    .bind(s.context_id)
                    .bind(s.user_id),
                }
                .bind(&s.push_resource)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = existing {
                    let id: String = row.try_get("id")?;
                    sqlx::query(
                        "UPDATE push_subscriptions SET user_id = $2, public_key = $3, \
                         auth_secret = $4, expires_at = $5 WHERE id = $1",
                    )
                    .bind(&id)
                    .bind(s.user_id)
                    .bind(&s.public_key)
                    .bind(&s.auth_secret)
                    .bind(s.expires_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok($crate::store::Registered::Stored(id));
                }
                let held: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM push_subscriptions WHERE context_id = $1 AND user_id = $2",
                )
                .bind(s.context_id)
                .bind(s.user_id)
                .fetch_one(&mut *tx)
                .await?;
                if held >= i64::from(max_per_user) {
                    return Ok($crate::store::Registered::TooMany);
                }
                sqlx::query(
                    "INSERT INTO push_subscriptions (id, context_id, folder_id, user_id, \
                     push_resource, public_key, auth_secret, created_at, expires_at, kind, \
                     last_token) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&s.id)
                .bind(s.context_id)
                .bind(s.collection.folder())
                .bind(s.user_id)
                .bind(&s.push_resource)
                .bind(&s.public_key)
                .bind(&s.auth_secret)
                .bind(s.created_at)
                .bind(s.expires_at)
                .bind(s.collection.kind())
                .bind(&s.last_token)
                .execute(&mut *tx)
                .await
                .map_err(|e| match e.as_database_error() {
                    Some(db) if db.is_foreign_key_violation() => {
                        $crate::store::StoreError::NotFound
                    }
                    Some(db) if db.is_unique_violation() => {
                        $crate::store::StoreError::AlreadyExists("push subscription".into())
                    }
                    _ => $crate::store::StoreError::from(e),
                })?;
                tx.commit().await?;
                Ok($crate::store::Registered::Stored(s.id.clone()))
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::PushStore for $store {
            /// The same collection and push resource registered twice at once: the later
            /// renews the earlier's registration, and should its INSERT still meet the
            /// earlier one's row, a second attempt renews it.
            async fn register_push(
                &self,
                s: &$crate::store::PushSubscription,
                max_per_user: u32,
            ) -> $crate::store::StoreResult<$crate::store::Registered> {
                // A write lock not had within the busy timeout: tried again, as other
                // writes are.
                let attempt = || retrying(|| self.register_push_once(s, max_per_user));
                match attempt().await {
                    Err($crate::store::StoreError::AlreadyExists(_)) => attempt().await,
                    outcome => outcome,
                }
            }

            async fn unregister_push(
                &self,
                context: $crate::store::ContextId,
                user: $crate::store::UserId,
                id: &str,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "DELETE FROM push_subscriptions WHERE id = $1 AND context_id = $2 AND user_id = $3",
                )
                .bind(id)
                .bind(context)
                .bind(user)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn drop_expired_push(&self, now: i64) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM push_subscriptions WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn drop_push(&self, id: &str) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn claim_push(
                &self,
                now_ms: i64,
                delay_ms: i64,
                lease_ms: i64,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::ClaimedPush>> {
                use sqlx::Row as _;
                let skip_locked = match <$db as sqlx::Database>::NAME {
                    "PostgreSQL" => " FOR UPDATE SKIP LOCKED",
                    _ => "",
                };
                let claimed = sqlx::query(&format!(
                    "UPDATE push_pending SET claimed_until = $1 + $3 \
                     WHERE subscription_id IN (SELECT subscription_id FROM push_pending \
                       WHERE due_at + $2 <= $1 AND claimed_until <= $1 \
                       ORDER BY due_at LIMIT $4{skip_locked}) \
                     RETURNING subscription_id, generation, attempts"
                ))
                .bind(now_ms)
                .bind(delay_ms)
                .bind(lease_ms)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                if claimed.is_empty() {
                    return Ok(Vec::new());
                }
                // The claimed subscriptions in one query (at most `limit` ids).
                let sql = format!(
                    "SELECT id, context_id, folder_id, kind, user_id, push_resource, \
                     public_key, auth_secret, created_at, expires_at, last_token \
                     FROM push_subscriptions WHERE id IN ({})",
                    placeholders(1, claimed.len())
                );
                let mut query = sqlx::query(&sql);
                for row in &claimed {
                    query = query.bind(row.try_get::<String, _>("subscription_id")?);
                }
                let mut subscriptions = std::collections::HashMap::new();
                for s in query.fetch_all(&self.pool).await? {
                    subscriptions.insert(s.try_get::<String, _>("id")?, s);
                }
                let mut out = Vec::with_capacity(claimed.len());
                for row in claimed {
                    let id: String = row.try_get("subscription_id")?;
                    // Removed since it was marked: its pending row went with it.
                    let Some(s) = subscriptions.remove(&id) else { continue };
                    let kind: String = s.try_get("kind")?;
                    let Some(collection) =
                        $crate::store::PushCollection::from_stored(&kind, s.try_get("folder_id")?)
                    else {
                        continue;
                    };
                    out.push($crate::store::ClaimedPush {
                        subscription: $crate::store::PushSubscription {
                            id: s.try_get("id")?,
                            context_id: s.try_get("context_id")?,
                            collection,
                            user_id: s.try_get("user_id")?,
                            push_resource: s.try_get("push_resource")?,
                            public_key: s.try_get("public_key")?,
                            auth_secret: s.try_get("auth_secret")?,
                            created_at: s.try_get("created_at")?,
                            expires_at: s.try_get("expires_at")?,
                            last_token: s.try_get("last_token")?,
                        },
                        generation: row.try_get("generation")?,
                        attempts: row.try_get("attempts")?,
                    });
                }
                Ok(out)
            }

            async fn push_delivered(
                &self,
                id: &str,
                generation: i64,
                now_ms: i64,
                sent_token: Option<&str>,
            ) -> $crate::store::StoreResult<()> {
                if let Some(token) = sent_token {
                    sqlx::query("UPDATE push_subscriptions SET last_token = $2 WHERE id = $1")
                        .bind(id)
                        .bind(token)
                        .execute(&self.pool)
                        .await?;
                }
                let done =
                    sqlx::query("DELETE FROM push_pending WHERE subscription_id = $1 AND generation = $2")
                        .bind(id)
                        .bind(generation)
                        .execute(&self.pool)
                        .await?;
                if done.rows_affected() == 0 {
                    sqlx::query(
                        "UPDATE push_pending SET due_at = $2, attempts = 0, claimed_until = 0 \
                         WHERE subscription_id = $1",
                    )
                    .bind(id)
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?;
                }
                Ok(())
            }

            async fn push_failed(&self, id: &str, retry_at_ms: i64) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE push_pending SET due_at = $2, attempts = attempts + 1, claimed_until = 0 \
                     WHERE subscription_id = $1",
                )
                .bind(id)
                .bind(retry_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_push_store;
