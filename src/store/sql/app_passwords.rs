//! App passwords in SQL for both backends: the trait `AppPasswords` of
//! `store/app_passwords.rs`, one SQL text per statement.

/// Implements `AppPasswords` for `$store` (a struct with `pool: sqlx::Pool<$db>`).
macro_rules! impl_app_passwords {
    ($store:ty, $db:ty) => {
        const APP_PASSWORD_COLUMNS: &str = "id, context_id, user_id, prefix, password_hash, \
             label, scope, read_only, created_at, last_used_at";

        fn app_password_from(
            row: &<$db as sqlx::Database>::Row,
        ) -> $crate::store::StoreResult<$crate::store::AppPassword> {
            use sqlx::Row as _;
            Ok($crate::store::AppPassword {
                id: row.try_get("id")?,
                context_id: row.try_get("context_id")?,
                user_id: row.try_get("user_id")?,
                prefix: row.try_get("prefix")?,
                password_hash: row.try_get("password_hash")?,
                label: row.try_get("label")?,
                scope: row.try_get("scope")?,
                read_only: row.try_get("read_only")?,
                created_at: row.try_get("created_at")?,
                last_used_at: row.try_get("last_used_at")?,
            })
        }

        #[async_trait::async_trait]
        impl $crate::store::AppPasswords for $store {
            async fn create_app_password(
                &self,
                context: $crate::store::ContextId,
                user: $crate::store::UserId,
                new: &$crate::store::NewAppPassword,
                max: u32,
            ) -> $crate::store::StoreResult<$crate::store::AppPassword> {
                use sqlx::Row as _;
                // The context's write lock: creations racing each other are counted one
                // after the other, so none passes the limit.
                let mut tx = self.begin_locked(context).await?;
                let count: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM app_passwords WHERE context_id = $1 AND user_id = $2",
                )
                .bind(context)
                .bind(user)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
                if count >= i64::from(max) {
                    return Err($crate::store::StoreError::OverLimit(format!(
                        "the user has {count} app passwords, at most {max} are allowed"
                    )));
                }
                let sql = format!(
                    "INSERT INTO app_passwords (context_id, user_id, prefix, password_hash, label, \
                     scope, read_only, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     RETURNING {APP_PASSWORD_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(context)
                    .bind(user)
                    .bind(&new.prefix)
                    .bind(&new.password_hash)
                    .bind(&new.label)
                    .bind(&new.scope)
                    .bind(new.read_only)
                    .bind($crate::store::now_epoch())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| match e.as_database_error() {
                        Some(db) if db.is_unique_violation() => {
                            $crate::store::StoreError::AlreadyExists("app password prefix".into())
                        }
                        Some(db) if db.is_foreign_key_violation() => {
                            $crate::store::StoreError::NotFound
                        }
                        _ => $crate::store::StoreError::from(e),
                    })?;
                let created = app_password_from(&row)?;
                tx.commit().await?;
                Ok(created)
            }

            async fn app_passwords(
                &self,
                context: $crate::store::ContextId,
                user: $crate::store::UserId,
            ) -> $crate::store::StoreResult<Vec<$crate::store::AppPassword>> {
                let sql = format!(
                    "SELECT {APP_PASSWORD_COLUMNS} FROM app_passwords \
                     WHERE context_id = $1 AND user_id = $2 ORDER BY id"
                );
                let rows = sqlx::query(&sql)
                    .bind(context)
                    .bind(user)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(app_password_from).collect()
            }

            async fn app_password_by_prefix(
                &self,
                context: $crate::store::ContextId,
                user: $crate::store::UserId,
                prefix: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::AppPassword>> {
                let sql = format!(
                    "SELECT {APP_PASSWORD_COLUMNS} FROM app_passwords \
                     WHERE context_id = $1 AND user_id = $2 AND prefix = $3"
                );
                let row = sqlx::query(&sql)
                    .bind(context)
                    .bind(user)
                    .bind(prefix)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(app_password_from).transpose()
            }

            async fn revoke_app_password(
                &self,
                context: $crate::store::ContextId,
                user: $crate::store::UserId,
                id: i64,
            ) -> $crate::store::StoreResult<()> {
                let done = sqlx::query(
                    "DELETE FROM app_passwords WHERE context_id = $1 AND user_id = $2 AND id = $3",
                )
                .bind(context)
                .bind(user)
                .bind(id)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::store::StoreError::NotFound);
                }
                Ok(())
            }

            async fn touch_app_password(
                &self,
                context: $crate::store::ContextId,
                user: $crate::store::UserId,
                id: i64,
                at: i64,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE app_passwords SET last_used_at = $4 \
                     WHERE context_id = $1 AND user_id = $2 AND id = $3 \
                     AND (last_used_at IS NULL OR last_used_at < $4)",
                )
                .bind(context)
                .bind(user)
                .bind(id)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_app_passwords;
