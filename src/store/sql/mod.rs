//! The SQL both backends run: one text per statement, expanded once per sqlx driver, so
//! PostgreSQL and SQLite share every statement and differ only in migrations and
//! connection setup. Each domain of the store has its own file here with one macro that
//! implements that domain's trait for a backend (`impl_context_store!`,
//! `impl_folder_store!`, ...); `store.rs` implements `Store` itself and what every domain
//! shares (row aliases, binding, the context lock, paged listings). A backend module
//! invokes every macro once, so all of them expand into that module and see each
//! other's helpers.

mod app_passwords;
mod attachments;
mod changes;
mod columns;
mod contexts;
mod folders;
mod objects;
mod properties;
mod push;
mod quota;
mod store;
mod ui_sessions;
mod users;

pub(crate) use app_passwords::impl_app_passwords;
pub(crate) use attachments::impl_attachment_store;
pub(crate) use changes::impl_change_log;
pub(crate) use columns::{debug_assert_columns, unexpected, Columns};
pub(crate) use contexts::impl_context_store;
pub(crate) use folders::{impl_folder_store, FolderScope};
pub(crate) use objects::{impl_object_store, NAMES_PER_BATCH};
pub(crate) use properties::{bounded_dead_properties_sql, impl_property_store};
pub(crate) use push::impl_push_store;
pub(crate) use quota::impl_quota_store;
pub(crate) use store::impl_sql_store;
pub(crate) use ui_sessions::impl_ui_sessions;
pub(crate) use users::{impl_user_store, Link, UserScope};

/// A value bound to a statement built for one page of a listing, which must own its data
/// (the listing outlives the call that opened it).
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
    /// A list of texts as one value: a PostgreSQL `text[]` (SQLite binds lists as JSON
    /// text, `Text`).
    Texts(Vec<String>),
}

/// The conditions `filter` puts on the objects row `o`, each starting with ` AND `; their
/// values are appended to `args`, whose length numbers the placeholders.
pub(crate) fn member_filter_sql(filter: &super::MemberFilter, args: &mut Vec<Arg>) -> String {
    let mut sql = String::new();
    if let Some((start, end)) = filter.window {
        args.push(Arg::Int(start));
        let start_param = args.len();
        args.push(Arg::Int(end));
        let end_param = args.len();
        // Open sides count as overlapping; a single instant counts when it lies inside.
        sql.push_str(&format!(
            " AND (o.start_at IS NULL OR o.start_at < ${end_param}) \
             AND (o.end_at IS NULL OR o.end_at > ${start_param} \
                  OR (o.end_at = o.start_at AND o.start_at >= ${start_param}))"
        ));
    }
    if let Some(component) = &filter.component {
        args.push(Arg::Text(component.clone()));
        sql.push_str(&format!(" AND o.component = ${}", args.len()));
    }
    sql
}

/// How many times a write runs when the database gives up on it because of concurrent
/// writers (a deadlock victim, SQLite's write lock still held after the busy timeout).
const WRITE_ATTEMPTS: u32 = 4;

/// Runs `attempt`, again after a short pause while it fails with `Contention`, at most
/// `WRITE_ATTEMPTS` times. Each attempt is a transaction of its own that wrote nothing.
pub(crate) async fn retrying<T, F, Fut>(mut attempt: F) -> super::StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = super::StoreResult<T>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(super::StoreError::Contention(_)) if tries < WRITE_ATTEMPTS => {
                tokio::time::sleep(std::time::Duration::from_millis(10 << tries)).await;
            }
            outcome => return outcome,
        }
    }
}

/// `$first, $first+1, ...` for `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
