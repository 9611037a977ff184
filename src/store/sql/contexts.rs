//! Contexts (tenants), the login mappings that select them, and the attributes of a
//! context or user, in SQL for both backends.

/// Implements `ContextStore` for `$store`, next to `impl_sql_store!`.
macro_rules! impl_context_store {
    ($store:ty, $db:ty) => {
        const CONTEXT_COLUMNS: &str = "id, name, enabled";

        fn context_from(row: &Row) -> StoreResult<Context> {
            Ok(Context {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                enabled: row.try_get("enabled")?,
                login_mappings: Vec::new(),
            })
        }

        #[async_trait::async_trait]
        impl ContextStore for $store {
            async fn create_context(&self, new: NewContext) -> StoreResult<Context> {
                let mut tx = self.begin_write().await?;
                let id = match new.id {
                    Some(id) => id,
                    None => sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) + 1 FROM contexts")
                        .fetch_one(&mut *tx)
                        .await?,
                };
                if id <= 0 {
                    return Err(StoreError::Invalid(format!("context id {id} must be positive")));
                }
                sqlx::query("INSERT INTO contexts (id, name, enabled, created_at) VALUES ($1, $2, TRUE, $3)")
                    .bind(id)
                    .bind(&new.name)
                    .bind(now_epoch())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_or(e, format!("context {} or id {id}", new.name)))?;
                for mapping in &new.login_mappings {
                    sqlx::query("INSERT INTO login_mappings (mapping, context_id) VALUES ($1, $2)")
                        .bind(mapping)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| unique_or(e, format!("login mapping {mapping}")))?;
                }
                let all_users_read = Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer);
                let system = [
                    (PRIVATE_ROOT, 0, FolderModule::System, FolderType::Private, "Private folders"),
                    (PUBLIC_ROOT, 0, FolderModule::System, FolderType::Public, "Public folders"),
                    (GLOBAL_ADDRESS_BOOK, PUBLIC_ROOT, FolderModule::Contacts, FolderType::Public, "Global Address Book"),
                ];
                for (folder_id, parent_id, module, folder_type, name) in system {
                    let folder = NewFolder {
                        parent_id,
                        module,
                        folder_type,
                        owner_id: None,
                        name: name.to_string(),
                        color: None,
                        description: None,
                        sort_order: None,
                        dav_name: None,
                        permissions: vec![all_users_read],
                    };
                    Self::insert_folder(&mut tx, id, folder_id, &folder, false).await?;
                }
                tx.commit().await?;
                self.context(id).await
            }

            async fn context(&self, id: ContextId) -> StoreResult<Context> {
                let sql = format!("SELECT {CONTEXT_COLUMNS} FROM contexts WHERE id = $1");
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let mut context = context_from(&row)?;
                context.login_mappings = sqlx::query_scalar(
                    "SELECT mapping FROM login_mappings WHERE context_id = $1 ORDER BY mapping",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(context)
            }

            async fn context_by_name(&self, name: &str) -> StoreResult<Context> {
                let id: i64 = sqlx::query_scalar("SELECT id FROM contexts WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                self.context(id).await
            }

            async fn contexts(&self) -> StoreResult<Vec<Context>> {
                let sql = format!("SELECT {CONTEXT_COLUMNS} FROM contexts ORDER BY id");
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                let mut contexts = rows.iter().map(context_from).collect::<StoreResult<Vec<_>>>()?;
                let mappings = sqlx::query("SELECT context_id, mapping FROM login_mappings ORDER BY mapping")
                    .fetch_all(&self.pool)
                    .await?;
                for row in &mappings {
                    let id: ContextId = row.try_get("context_id")?;
                    if let Some(context) = contexts.iter_mut().find(|c| c.id == id) {
                        context.login_mappings.push(row.try_get("mapping")?);
                    }
                }
                Ok(contexts)
            }

            async fn delete_context(&self, id: ContextId) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                // Counters go first so the change triggers of the cascade record nothing.
                sqlx::query("DELETE FROM context_counters WHERE context_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let deleted = sqlx::query("DELETE FROM contexts WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if deleted.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM changes WHERE context_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_login_mapping(&self, context: ContextId, mapping: &str) -> StoreResult<()> {
                sqlx::query("INSERT INTO login_mappings (mapping, context_id) VALUES ($1, $2)")
                    .bind(mapping)
                    .bind(context)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| unique_or(e, format!("login mapping {mapping}")))?;
                Ok(())
            }

            async fn remove_login_mapping(&self, context: ContextId, mapping: &str) -> StoreResult<()> {
                let done = sqlx::query("DELETE FROM login_mappings WHERE mapping = $1 AND context_id = $2")
                    .bind(mapping)
                    .bind(context)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn context_for_mapping(&self, mapping: &str) -> StoreResult<Option<ContextId>> {
                Ok(sqlx::query_scalar("SELECT context_id FROM login_mappings WHERE mapping = $1")
                    .bind(mapping)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_attribute(
                &self,
                context: ContextId,
                user: Option<UserId>,
                attribute: &Attribute,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO attributes (context_id, user_id, name, value, is_final) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (context_id, user_id, name) \
                     DO UPDATE SET value = excluded.value, is_final = excluded.is_final",
                )
                .bind(context)
                .bind(user.unwrap_or(0))
                .bind(&attribute.name)
                .bind(&attribute.value)
                .bind(attribute.is_final)
                .execute(&self.pool)
                .await
                .map_err(|e| unique_or(e, attribute.name.clone()))?;
                Ok(())
            }

            async fn remove_attribute(
                &self,
                context: ContextId,
                user: Option<UserId>,
                name: &str,
            ) -> StoreResult<()> {
                let done = sqlx::query(
                    "DELETE FROM attributes WHERE context_id = $1 AND user_id = $2 AND name = $3",
                )
                .bind(context)
                .bind(user.unwrap_or(0))
                .bind(name)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn attributes(
                &self,
                context: ContextId,
                user: Option<UserId>,
            ) -> StoreResult<Vec<Attribute>> {
                let rows = sqlx::query(
                    "SELECT name, value, is_final FROM attributes \
                     WHERE context_id = $1 AND user_id = $2 ORDER BY name",
                )
                .bind(context)
                .bind(user.unwrap_or(0))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Attribute {
                            name: row.try_get("name")?,
                            value: row.try_get("value")?,
                            is_final: row.try_get("is_final")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use impl_context_store;
