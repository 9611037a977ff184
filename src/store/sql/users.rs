//! Users, groups and resources of a context, with their aliases, module permissions and
//! group members, in SQL for both backends.

/// The tables that link an entity to a list of values.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Link {
    Aliases,
    Modules,
    Members,
}

impl Link {
    /// Table, owner column and value column; fixed names, never input.
    pub(crate) fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Link::Aliases => ("user_aliases", "user_id", "alias"),
            Link::Modules => ("user_permissions", "user_id", "module"),
            Link::Members => ("group_members", "group_id", "user_id"),
        }
    }
}

/// Which users a load covers; `$2` carries the id or login.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserScope<'a> {
    All,
    Id(i64),
    Login(&'a str),
}

impl UserScope<'_> {
    /// The filter on `users` and on the tables keyed by `user_id`.
    pub(crate) fn clauses(self) -> (&'static str, &'static str) {
        match self {
            UserScope::All => ("", ""),
            UserScope::Id(_) => (" AND id = $2", " AND user_id = $2"),
            UserScope::Login(_) => (
                " AND login = $2",
                " AND user_id IN (SELECT id FROM users WHERE context_id = $1 AND login = $2)",
            ),
        }
    }
}

/// Implements `UserStore` for `$store`, next to `impl_sql_store!`.
macro_rules! impl_user_store {
    ($store:ty, $db:ty) => {
        use $crate::store::sql::{Link, UserScope};

        const USER_COLUMNS: &str =
            "context_id, id, login, mail, display_name, password_hash, enabled";

        impl<'q> BindScope<'q> for UserScope<'q> {
            fn bind(self, query: Query<'q>) -> Query<'q> {
                match self {
                    UserScope::All => query,
                    UserScope::Id(id) => query.bind(id),
                    UserScope::Login(login) => query.bind(login),
                }
            }
        }

        fn user_from(row: &Row) -> StoreResult<User> {
            Ok(User {
                context_id: row.try_get("context_id")?,
                id: row.try_get("id")?,
                login: row.try_get("login")?,
                mail: row.try_get("mail")?,
                aliases: Vec::new(),
                display_name: row.try_get("display_name")?,
                password_hash: row.try_get("password_hash")?,
                enabled: row.try_get("enabled")?,
                permissions: Vec::new(),
            })
        }

        impl $store {
            /// Users of a context with their aliases and modules: three queries whatever
            /// the count, each limited to the users in `scope`.
            async fn load_users(&self, context: ContextId, scope: UserScope<'_>) -> StoreResult<Vec<User>> {
                let (users_clause, links_clause) = scope.clauses();
                let users_sql =
                    format!("SELECT {USER_COLUMNS} FROM users WHERE context_id = $1{users_clause} ORDER BY id");
                let rows = scope.bind(sqlx::query(&users_sql).bind(context)).fetch_all(&self.pool).await?;
                let mut users = rows.iter().map(user_from).collect::<StoreResult<Vec<_>>>()?;
                if users.is_empty() {
                    return Ok(users);
                }
                let aliases_sql = format!(
                    "SELECT user_id, alias AS value FROM user_aliases WHERE context_id = $1{links_clause} ORDER BY alias"
                );
                let modules_sql = format!(
                    "SELECT user_id, module AS value FROM user_permissions WHERE context_id = $1{links_clause} ORDER BY module"
                );
                let mut aliases = self.values_by_user(context, &aliases_sql, scope).await?;
                let mut modules = self.values_by_user(context, &modules_sql, scope).await?;
                for user in &mut users {
                    user.aliases = aliases.remove(&user.id).unwrap_or_default();
                    user.permissions = modules.remove(&user.id).unwrap_or_default();
                }
                Ok(users)
            }

            async fn values_by_user(
                &self,
                context: ContextId,
                sql: &str,
                scope: UserScope<'_>,
            ) -> StoreResult<std::collections::HashMap<UserId, Vec<String>>> {
                let rows = scope.bind(sqlx::query(sql).bind(context)).fetch_all(&self.pool).await?;
                let mut by_user: std::collections::HashMap<UserId, Vec<String>> = Default::default();
                for row in &rows {
                    by_user.entry(row.try_get("user_id")?).or_default().push(row.try_get("value")?);
                }
                Ok(by_user)
            }

            /// Replaces the values linked to `owner` in one of the link tables (aliases,
            /// module permissions, group members) inside the caller's transaction.
            async fn replace_links<T>(
                tx: &mut sqlx::Transaction<'static, $db>,
                link: Link,
                context: ContextId,
                owner: i64,
                values: &[T],
            ) -> StoreResult<()>
            where
                T: for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + std::fmt::Display + Sync,
            {
                let (table, owner_column, value_column) = link.columns();
                sqlx::query(&format!("DELETE FROM {table} WHERE context_id = $1 AND {owner_column} = $2"))
                    .bind(context)
                    .bind(owner)
                    .execute(&mut **tx)
                    .await?;
                let insert = format!(
                    "INSERT INTO {table} (context_id, {owner_column}, {value_column}) VALUES ($1, $2, $3)"
                );
                for value in values {
                    sqlx::query(&insert)
                        .bind(context)
                        .bind(owner)
                        .bind(value)
                        .execute(&mut **tx)
                        .await
                        .map_err(|e| unique_or(e, format!("{value_column} {value}")))?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl UserStore for $store {
            async fn create_user(&self, context: ContextId, new: NewUser) -> StoreResult<User> {
                let mut tx = self.begin_write().await?;
                let id = Self::next_id(&mut *tx, context, "next_entity_id").await?;
                sqlx::query(
                    "INSERT INTO users (context_id, id, login, mail, display_name, password_hash, enabled) \
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE)",
                )
                .bind(context)
                .bind(id)
                .bind(&new.login)
                .bind(&new.mail)
                .bind(&new.display_name)
                .bind(&new.password_hash)
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, format!("user {} or mail {}", new.login, new.mail)))?;
                Self::replace_links(&mut tx, Link::Aliases, context, id, &new.aliases).await?;
                let modules: Vec<String> = new.permissions.iter().map(|m| m.to_ascii_lowercase()).collect();
                Self::replace_links(&mut tx, Link::Modules, context, id, &modules).await?;
                for default in &new.default_folders {
                    let folder_id = Self::next_id(&mut *tx, context, "next_folder_id").await?;
                    let folder = NewFolder {
                        parent_id: PRIVATE_ROOT,
                        module: default.module,
                        folder_type: FolderType::Private,
                        owner_id: Some(id),
                        name: default.name.clone(),
                        color: None,
                        description: None,
                        sort_order: None,
                        dav_name: None,
                        permissions: vec![Permission::for_role(id, false, Role::Administrator)],
                    };
                    Self::insert_folder(&mut tx, context, folder_id, &folder, true).await?;
                }
                if let Some(entry) = &new.address_book_entry {
                    let entry = WriteObject { user_id: Some(id), ..entry.clone() };
                    let etag = etag_of(&entry.data);
                    Self::insert_object(&mut *tx, context, GLOBAL_ADDRESS_BOOK, &entry, &etag, None)
                        .await
                        .map_err(|e| unique_or(e, format!("address book entry {}", entry.uid)))?;
                }
                tx.commit().await?;
                self.user(context, id).await
            }

            async fn user(&self, context: ContextId, id: UserId) -> StoreResult<User> {
                self.load_users(context, UserScope::Id(id)).await?.pop().ok_or(StoreError::NotFound)
            }

            async fn user_by_login(&self, context: ContextId, login: &str) -> StoreResult<Option<User>> {
                Ok(self.load_users(context, UserScope::Login(login)).await?.pop())
            }

            async fn users_by_mail(&self, address: &str) -> StoreResult<Vec<User>> {
                let rows = sqlx::query(
                    "SELECT context_id, id FROM users WHERE LOWER(mail) = LOWER($1) \
                     UNION SELECT context_id, user_id AS id FROM user_aliases WHERE LOWER(alias) = LOWER($1) \
                     ORDER BY context_id, id",
                )
                .bind(address)
                .fetch_all(&self.pool)
                .await?;
                // Usually one match: a mail address or alias names one user per context.
                let mut users = Vec::with_capacity(rows.len());
                for row in rows {
                    users.push(self.user(row.try_get("context_id")?, row.try_get("id")?).await?);
                }
                Ok(users)
            }

            async fn users(&self, context: ContextId) -> StoreResult<Vec<User>> {
                self.load_users(context, UserScope::All).await
            }

            async fn display_names(
                &self,
                context: ContextId,
                ids: &[UserId],
            ) -> StoreResult<std::collections::HashMap<UserId, String>> {
                if ids.is_empty() {
                    return Ok(Default::default());
                }
                let sql = format!(
                    "SELECT id, display_name FROM users WHERE context_id = $1 AND id IN ({})",
                    placeholders(2, ids.len())
                );
                let mut query = sqlx::query(&sql).bind(context);
                for id in ids {
                    query = query.bind(*id);
                }
                query
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|row| Ok((row.try_get("id")?, row.try_get("display_name")?)))
                    .collect()
            }

            async fn user_cards(&self, context: ContextId, ids: &[UserId]) -> StoreResult<Vec<UserCard>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT id, mail, display_name, enabled FROM users \
                     WHERE context_id = $1 AND id IN ({}) ORDER BY id",
                    placeholders(2, ids.len())
                );
                let mut query = sqlx::query(&sql).bind(context);
                for id in ids {
                    query = query.bind(*id);
                }
                query
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|row| {
                        Ok(UserCard {
                            id: row.try_get("id")?,
                            mail: row.try_get("mail")?,
                            display_name: row.try_get("display_name")?,
                            enabled: row.try_get("enabled")?,
                        })
                    })
                    .collect()
            }

            async fn update_user(
                &self,
                context: ContextId,
                id: UserId,
                update: UserUpdate,
            ) -> StoreResult<User> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE users SET display_name = COALESCE($3, display_name), mail = COALESCE($4, mail), \
                     password_hash = COALESCE($5, password_hash), enabled = COALESCE($6, enabled) \
                     WHERE context_id = $1 AND id = $2",
                )
                .bind(context)
                .bind(id)
                .bind(&update.display_name)
                .bind(&update.mail)
                .bind(&update.password_hash)
                .bind(update.enabled)
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, format!("mail {:?}", update.mail)))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if let Some(aliases) = &update.aliases {
                    Self::replace_links(&mut tx, Link::Aliases, context, id, aliases).await?;
                }
                if let Some(modules) = &update.permissions {
                    let modules: Vec<String> = modules.iter().map(|m| m.to_ascii_lowercase()).collect();
                    Self::replace_links(&mut tx, Link::Modules, context, id, &modules).await?;
                }
                tx.commit().await?;
                self.user(context, id).await
            }

            async fn delete_user(&self, context: ContextId, id: UserId) -> StoreResult<()> {
                let mut tx = self.begin_locked(context).await?;
                sqlx::query("DELETE FROM objects WHERE context_id = $1 AND folder_id = $2 AND user_id = $3")
                    .bind(context)
                    .bind(GLOBAL_ADDRESS_BOOK)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM folders WHERE context_id = $1 AND owner_id = $2 AND folder_type = 'private'")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM folder_permissions WHERE context_id = $1 AND entity = $2 AND is_group = FALSE")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM attributes WHERE context_id = $1 AND user_id = $2")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM users WHERE context_id = $1 AND id = $2")
                    .bind(context)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_group(
                &self,
                context: ContextId,
                name: &str,
                display_name: &str,
                members: &[UserId],
            ) -> StoreResult<Group> {
                let mut tx = self.begin_write().await?;
                let id = Self::next_id(&mut *tx, context, "next_entity_id").await?;
                sqlx::query("INSERT INTO user_groups (context_id, id, name, display_name) VALUES ($1, $2, $3, $4)")
                    .bind(context)
                    .bind(id)
                    .bind(name)
                    .bind(display_name)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_or(e, format!("group {name}")))?;
                Self::replace_links(&mut tx, Link::Members, context, id, members).await?;
                tx.commit().await?;
                Ok(Group {
                    context_id: context,
                    id,
                    name: name.to_string(),
                    display_name: display_name.to_string(),
                    members: members.to_vec(),
                })
            }

            async fn set_group_members(
                &self,
                context: ContextId,
                group: i64,
                members: &[UserId],
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::replace_links(&mut tx, Link::Members, context, group, members).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn groups(&self, context: ContextId) -> StoreResult<Vec<Group>> {
                let rows = sqlx::query(
                    "SELECT id, name, display_name FROM user_groups WHERE context_id = $1 ORDER BY id",
                )
                .bind(context)
                .fetch_all(&self.pool)
                .await?;
                let members = sqlx::query(
                    "SELECT group_id, user_id FROM group_members WHERE context_id = $1 ORDER BY user_id",
                )
                .bind(context)
                .fetch_all(&self.pool)
                .await?;
                let mut groups = Vec::with_capacity(rows.len());
                for row in &rows {
                    let id: i64 = row.try_get("id")?;
                    let mut group = Group {
                        context_id: context,
                        id,
                        name: row.try_get("name")?,
                        display_name: row.try_get("display_name")?,
                        members: Vec::new(),
                    };
                    for m in &members {
                        if m.try_get::<i64, _>("group_id")? == id {
                            group.members.push(m.try_get("user_id")?);
                        }
                    }
                    groups.push(group);
                }
                Ok(groups)
            }

            async fn group_by_name(&self, context: ContextId, name: &str) -> StoreResult<Option<Group>> {
                Ok(self.groups(context).await?.into_iter().find(|g| g.name == name))
            }

            async fn groups_of(&self, context: ContextId, user: UserId) -> StoreResult<Vec<i64>> {
                Ok(sqlx::query_scalar(
                    "SELECT group_id FROM group_members WHERE context_id = $1 AND user_id = $2 ORDER BY group_id",
                )
                .bind(context)
                .bind(user)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn create_resource(
                &self,
                context: ContextId,
                name: &str,
                display_name: &str,
                mail: &str,
                kind: ResourceKind,
            ) -> StoreResult<Resource> {
                let mut tx = self.begin_write().await?;
                let id = Self::next_id(&mut *tx, context, "next_entity_id").await?;
                sqlx::query(
                    "INSERT INTO resources (context_id, id, name, display_name, mail, kind) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(context)
                .bind(id)
                .bind(name)
                .bind(display_name)
                .bind(mail)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, format!("resource {name}")))?;
                tx.commit().await?;
                Ok(Resource {
                    context_id: context,
                    id,
                    name: name.to_string(),
                    display_name: display_name.to_string(),
                    mail: mail.to_string(),
                    kind,
                    auto_accept: true,
                    calendar_folder: None,
                })
            }

            async fn resources(&self, context: ContextId) -> StoreResult<Vec<Resource>> {
                let rows = sqlx::query(
                    "SELECT id, name, display_name, mail, kind, auto_accept, calendar_folder FROM resources \
                     WHERE context_id = $1 ORDER BY id",
                )
                .bind(context)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Resource {
                            context_id: context,
                            id: row.try_get("id")?,
                            name: row.try_get("name")?,
                            display_name: row.try_get("display_name")?,
                            mail: row.try_get("mail")?,
                            kind: parse_text(row.try_get("kind")?)?,
                            auto_accept: row.try_get("auto_accept")?,
                            calendar_folder: row.try_get("calendar_folder")?,
                        })
                    })
                    .collect()
            }

            async fn set_resource_calendar(
                &self,
                context: ContextId,
                resource: i64,
                folder: FolderId,
            ) -> StoreResult<FolderId> {
                sqlx::query(
                    "UPDATE resources SET calendar_folder = $3 \
                     WHERE context_id = $1 AND id = $2 AND calendar_folder IS NULL",
                )
                .bind(context)
                .bind(resource)
                .bind(folder)
                .execute(&self.pool)
                .await?;
                let recorded: Option<Option<FolderId>> = sqlx::query_scalar(
                    "SELECT calendar_folder FROM resources WHERE context_id = $1 AND id = $2",
                )
                .bind(context)
                .bind(resource)
                .fetch_optional(&self.pool)
                .await?;
                recorded.flatten().ok_or(StoreError::NotFound)
            }

            async fn set_resource_auto_accept(
                &self,
                context: ContextId,
                resource: i64,
                auto_accept: bool,
            ) -> StoreResult<()> {
                let done = sqlx::query(
                    "UPDATE resources SET auto_accept = $3 WHERE context_id = $1 AND id = $2",
                )
                .bind(context)
                .bind(resource)
                .bind(auto_accept)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }
        }
    };
}

pub(crate) use impl_user_store;
