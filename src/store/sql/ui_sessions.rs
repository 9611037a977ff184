//! The browser page's sessions and member counts in SQL for both backends: the trait
//! `UiSessions` of `store/ui_sessions.rs`, one SQL text per statement.

/// Implements `UiSessions` for `$store` (a struct with `pool: sqlx::Pool<$db>`).
macro_rules! impl_ui_sessions {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::UiSessions for $store {
            async fn create_ui_session(
                &self,
                session: &$crate::store::UiSession,
                keep_per_user: u32,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM ui_sessions WHERE expires_at <= $1")
                    .bind(session.created_at)
                    .execute(&mut *tx)
                    .await?;
                let keep = i64::from(keep_per_user.max(1)) - 1;
                sqlx::query(
                    "DELETE FROM ui_sessions WHERE context_id = $1 AND user_id = $2 \
                     AND token_hash NOT IN (SELECT token_hash FROM ui_sessions \
                     WHERE context_id = $1 AND user_id = $2 \
                     ORDER BY created_at DESC, token_hash LIMIT $3)",
                )
                .bind(session.context_id)
                .bind(session.user_id)
                .bind(keep)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO ui_sessions (token_hash, context_id, user_id, csrf_token, \
                     login, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&session.token_hash)
                .bind(session.context_id)
                .bind(session.user_id)
                .bind(&session.csrf_token)
                .bind(&session.login)
                .bind(session.created_at)
                .bind(session.expires_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| match e.as_database_error() {
                    Some(db) if db.is_foreign_key_violation() => {
                        $crate::store::StoreError::NotFound
                    }
                    _ => $crate::store::StoreError::from(e),
                })?;
                tx.commit().await?;
                Ok(())
            }

            async fn ui_session(
                &self,
                token_hash: &str,
                now: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::UiSession>> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT token_hash, context_id, user_id, csrf_token, login, created_at, expires_at \
                     FROM ui_sessions WHERE token_hash = $1 AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok($crate::store::UiSession {
                        token_hash: row.try_get("token_hash")?,
                        context_id: row.try_get("context_id")?,
                        user_id: row.try_get("user_id")?,
                        csrf_token: row.try_get("csrf_token")?,
                        login: row.try_get("login")?,
                        created_at: row.try_get("created_at")?,
                        expires_at: row.try_get("expires_at")?,
                    })
                })
                .transpose()
            }

            async fn delete_ui_session(&self, token_hash: &str) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM ui_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn member_counts(
                &self,
                context: $crate::store::ContextId,
                folders: &[$crate::store::FolderId],
            ) -> $crate::store::StoreResult<
                std::collections::HashMap<$crate::store::FolderId, i64>,
            > {
                use sqlx::Row as _;
                if folders.is_empty() {
                    return Ok(Default::default());
                }
                let sql = format!(
                    "SELECT folder_id, COUNT(*) AS n FROM objects WHERE context_id = $1 \
                     AND folder_id IN ({}) GROUP BY folder_id",
                    $crate::store::sql::placeholders(2, folders.len())
                );
                let mut query = sqlx::query(&sql).bind(context);
                for folder in folders {
                    query = query.bind(*folder);
                }
                query
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|row| Ok((row.try_get("folder_id")?, row.try_get("n")?)))
                    .collect()
            }
        }
    };
}

pub(crate) use impl_ui_sessions;
