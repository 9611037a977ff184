//! Dead properties of collections and members, read and written within bounds, in SQL
//! for both backends.

/// The dead properties matching `condition` (on `dead_properties`, with its values from
/// `$5` on) within bounds: values of at most `$2` bytes, and of those per resource the
/// first `$3` by name whose bytes add up to at most `$4`; `$1` is the context. Larger
/// values are filtered by their length alone, so they are never read.
pub(crate) fn bounded_dead_properties_sql(condition: &str) -> String {
    format!(
        "SELECT folder_id, namespace, name, value FROM ( \
           SELECT folder_id, resource_name, namespace, name, value, \
             ROW_NUMBER() OVER (PARTITION BY folder_id, resource_name ORDER BY namespace, name) AS n, \
             SUM(octet_length(value)) OVER (PARTITION BY folder_id, resource_name ORDER BY namespace, name \
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running \
           FROM dead_properties \
           WHERE context_id = $1 AND octet_length(value) <= $2 AND {condition} \
         ) bounded WHERE n <= $3 AND running <= $4 \
         ORDER BY folder_id, namespace, name"
    )
}

/// Implements `PropertyStore` for `$store`, next to `impl_sql_store!`.
macro_rules! impl_property_store {
    ($store:ty, $db:ty) => {
        use $crate::store::sql::bounded_dead_properties_sql;

        fn dead_property_from(row: &Row) -> StoreResult<DeadProperty> {
            Ok(DeadProperty {
                namespace: row.try_get("namespace")?,
                name: row.try_get("name")?,
                value: row.try_get("value")?,
            })
        }

        impl $store {
            /// How many dead properties `resource_name` holds and their bytes, counting
            /// only values within `bounds.max_value_bytes` (larger ones are never served).
            async fn dead_property_usage(
                tx: &mut sqlx::Transaction<'static, $db>,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                bounds: DeadPropertyBounds,
            ) -> StoreResult<(i64, i64)> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n, COALESCE(SUM(octet_length(value)), 0) AS bytes \
                     FROM dead_properties WHERE context_id = $1 AND folder_id = $2 \
                     AND resource_name = $3 AND octet_length(value) <= $4",
                )
                .bind(context)
                .bind(folder)
                .bind(resource_name)
                .bind(bounds.max_value_bytes)
                .fetch_one(&mut **tx)
                .await?;
                Ok((row.try_get("n")?, row.try_get("bytes")?))
            }
        }

        #[async_trait::async_trait]
        impl PropertyStore for $store {
            async fn collections_dead_properties_within(
                &self,
                context: ContextId,
                folders: &[FolderId],
                bounds: DeadPropertyBounds,
            ) -> StoreResult<std::collections::HashMap<FolderId, Vec<DeadProperty>>> {
                let mut by_folder: std::collections::HashMap<FolderId, Vec<DeadProperty>> =
                    Default::default();
                if folders.is_empty() {
                    return Ok(by_folder);
                }
                let sql = bounded_dead_properties_sql(&format!(
                    "resource_name = '' AND folder_id IN ({})",
                    placeholders(5, folders.len())
                ));
                let mut query = sqlx::query(&sql)
                    .bind(context)
                    .bind(bounds.max_value_bytes)
                    .bind(bounds.max_count)
                    .bind(bounds.max_total_bytes);
                for folder in folders {
                    query = query.bind(*folder);
                }
                for row in query.fetch_all(&self.pool).await? {
                    by_folder.entry(row.try_get("folder_id")?).or_default().push(dead_property_from(&row)?);
                }
                Ok(by_folder)
            }

            async fn dead_properties_within(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                bounds: DeadPropertyBounds,
            ) -> StoreResult<Vec<DeadProperty>> {
                let sql = bounded_dead_properties_sql("folder_id = $5 AND resource_name = $6");
                let rows = sqlx::query(&sql)
                    .bind(context)
                    .bind(bounds.max_value_bytes)
                    .bind(bounds.max_count)
                    .bind(bounds.max_total_bytes)
                    .bind(folder)
                    .bind(resource_name)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(dead_property_from).collect()
            }

            async fn update_dead_properties_within(
                &self,
                context: ContextId,
                folder: FolderId,
                resource_name: &str,
                set: &[DeadProperty],
                remove: &[(String, String)],
                bounds: DeadPropertyBounds,
            ) -> StoreResult<()> {
                if let Some(large) = set
                    .iter()
                    .find(|p| p.value.len() as i64 > bounds.max_value_bytes)
                {
                    return Err(StoreError::OverLimit(format!(
                        "the value of {{{}}}{} is larger than {} bytes",
                        large.namespace, large.name, bounds.max_value_bytes
                    )));
                }
                let mut tx = self.begin_locked(context).await?;
                let exists = if resource_name.is_empty() {
                    let found: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM folders WHERE context_id = $1 AND id = $2")
                            .bind(context)
                            .bind(folder)
                            .fetch_one(&mut *tx)
                            .await?;
                    found > 0
                } else {
                    Self::object_exists(&mut *tx, context, folder, resource_name).await?
                };
                if !exists {
                    return Err(StoreError::NotFound);
                }
                let before =
                    Self::dead_property_usage(&mut tx, context, folder, resource_name, bounds).await?;
                for (namespace, name) in remove {
                    sqlx::query(
                        "DELETE FROM dead_properties WHERE context_id = $1 AND folder_id = $2 \
                         AND resource_name = $3 AND namespace = $4 AND name = $5",
                    )
                    .bind(context)
                    .bind(folder)
                    .bind(resource_name)
                    .bind(namespace)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                }
                for property in set {
                    sqlx::query(
                        "INSERT INTO dead_properties (context_id, folder_id, resource_name, namespace, name, value) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (context_id, folder_id, resource_name, namespace, name) \
                         DO UPDATE SET value = excluded.value",
                    )
                    .bind(context)
                    .bind(folder)
                    .bind(resource_name)
                    .bind(&property.namespace)
                    .bind(&property.name)
                    .bind(&property.value)
                    .execute(&mut *tx)
                    .await?;
                }
                let after =
                    Self::dead_property_usage(&mut tx, context, folder, resource_name, bounds).await?;
                // Only growth beyond a bound is refused: a resource stored beyond one (before
                // the bound existed, or by another writer) may still shrink.
                if after.0 > bounds.max_count && after.0 > before.0 {
                    return Err(StoreError::OverLimit(format!(
                        "a resource holds at most {} dead properties",
                        bounds.max_count
                    )));
                }
                if after.1 > bounds.max_total_bytes && after.1 > before.1 {
                    return Err(StoreError::OverLimit(format!(
                        "the dead properties of a resource hold at most {} bytes",
                        bounds.max_total_bytes
                    )));
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_property_store;
