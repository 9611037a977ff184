//! Listings read in pages: each page is one short query on a pooled connection that goes
//! back to the pool before the page's rows are handed on, so a consumer that stops (a
//! client that stops reading its response) holds no connection and no transaction.
//! Pages continue after the last key read (keyset pagination on a unique, stable order:
//! resource names within a folder, change sequences within a context), so every member
//! is listed at most once however the listing and concurrent writes interleave.

use futures::stream::{self, BoxStream, StreamExt};

use super::{StoreError, StoreResult};

/// Rows per page of a listing without payloads (summaries, sync members).
pub(crate) const ROWS_PER_PAGE: usize = 500;

/// Payload bytes per page of full objects (at least one object per page, whatever its
/// size), which bounds what one listing holds in memory.
pub(crate) const BYTES_PER_PAGE: i64 = 4 << 20;

/// The rows of the pages `fetch` reads, starting at `first`: `fetch(cursor)` returns a
/// page and the cursor after it, None after the last page. The first failure ends the
/// stream.
pub(crate) fn paged<T, C, F, Fut>(first: C, fetch: F) -> BoxStream<'static, StoreResult<T>>
where
    T: Send + 'static,
    C: Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = StoreResult<(Vec<T>, Option<C>)>> + Send + 'static,
{
    stream::unfold((Some(first), fetch), |(cursor, mut fetch)| async move {
        let cursor = cursor?;
        Some(match fetch(cursor).await {
            Ok((rows, next)) => (rows.into_iter().map(Ok).collect(), (next, fetch)),
            Err(err) => (vec![Err(err)], (None, fetch)),
        })
    })
    .flat_map(stream::iter)
    .boxed()
}

/// The items of `inputs`, each ordered by `key`, merged into one stream ordered by `key`.
/// Holds one item of each input at a time; the first failure ends the stream.
pub(crate) fn merge_by_key<T: Send + 'static>(
    inputs: Vec<BoxStream<'static, StoreResult<T>>>,
    key: fn(&T) -> i64,
) -> BoxStream<'static, StoreResult<T>> {
    let heads: Vec<(BoxStream<'static, StoreResult<T>>, Option<T>)> =
        inputs.into_iter().map(|input| (input, None)).collect();
    stream::unfold(Some(heads), move |heads| async move {
        let mut heads = heads?;
        let mut i = 0;
        while i < heads.len() {
            if heads[i].1.is_none() {
                match heads[i].0.next().await {
                    Some(Ok(item)) => heads[i].1 = Some(item),
                    Some(Err(err)) => return Some((Err(err), None)),
                    None => {
                        drop(heads.swap_remove(i));
                        continue;
                    }
                }
            }
            i += 1;
        }
        let next = heads
            .iter()
            .enumerate()
            .filter_map(|(at, (_, head))| head.as_ref().map(|item| (at, key(item))))
            .min_by_key(|(_, key)| *key)
            .map(|(at, _)| at)?;
        let item = heads[next].1.take()?;
        Some((Ok(item), Some(heads)))
    })
    .boxed()
}

/// An error for a stream that cannot start.
pub(crate) fn failed<T: Send + 'static>(err: StoreError) -> BoxStream<'static, StoreResult<T>> {
    stream::once(async move { Err(err) }).boxed()
}

/// Implements the paged listings of `ObjectStore` (`object_summary_stream`,
/// `object_stream`) and `ChangeLog` (`sync_stream`) as inherent methods of `$store`,
/// invoked by `impl_sql_store`; the row mappers they use come from the domain macros
/// expanded next to it.
macro_rules! impl_paged_listings {
    ($store:ty, $db:ty) => {
        use $crate::store::paging::{failed, merge_by_key, paged, BYTES_PER_PAGE, ROWS_PER_PAGE};

        const SUMMARY_COLUMNS: &str = "o.resource_name, o.etag, \
             o.data_size AS size, o.modified_at, o.user_id";
        const SYNC_MEMBER_COLUMNS: &str =
            "o.etag, o.data_size AS size, o.modified_at";

        /// The context's current sequence, once `since` is checked (0, an initial sync,
        /// always passes): no sync page lists a change made after it, so a member changed
        /// while the sync is being read is left to the next sync instead of being listed
        /// twice.
        async fn sync_bound(
            pool: &sqlx::Pool<$db>,
            context: ContextId,
            since: i64,
        ) -> StoreResult<i64> {
            if since != 0 {
                return check_token(pool, context, since).await;
            }
            sqlx::query_scalar("SELECT seq FROM context_counters WHERE context_id = $1")
                .bind(context)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        }

        impl $store {
            /// The `WHERE` of a folder's members matching `filter` after the name `after`,
            /// with its arguments.
            fn members_after(
                context: ContextId,
                folder: FolderId,
                filter: &MemberFilter,
                after: Option<String>,
            ) -> (String, Vec<Arg>) {
                let mut args = vec![Arg::Int(context), Arg::Int(folder)];
                let mut sql = String::from("o.context_id = $1 AND o.folder_id = $2");
                sql.push_str(&member_filter_sql(filter, &mut args));
                if let Some(after) = after {
                    args.push(Arg::Text(after));
                    sql.push_str(&format!(" AND o.resource_name > ${}", args.len()));
                }
                (sql, args)
            }

            pub(crate) fn summary_pages(
                &self,
                context: ContextId,
                folder: FolderId,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<ObjectSummary>> {
                let pool = self.pool.clone();
                paged(None, move |after: Option<String>| {
                    let (pool, filter) = (pool.clone(), filter.clone());
                    async move {
                        let (conditions, args) = Self::members_after(context, folder, &filter, after);
                        let sql = format!(
                            "SELECT {SUMMARY_COLUMNS} FROM objects o WHERE {conditions} \
                             ORDER BY o.resource_name LIMIT {ROWS_PER_PAGE}"
                        );
                        let rows = fetch_listing(&pool, &sql, args, summary_from).await?;
                        let next = (rows.len() == ROWS_PER_PAGE)
                            .then(|| rows.last().map(|r| Some(r.resource_name.clone())))
                            .flatten();
                        Ok((rows, next))
                    }
                })
            }

            /// Full objects, each page as many as `BYTES_PER_PAGE` holds (at least one):
            /// the sizes of the next names are summed up in the same query, before any
            /// payload is read. A page's last name continues the listing; an empty page
            /// ends it.
            pub(crate) fn object_pages(
                &self,
                context: ContextId,
                folder: FolderId,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<StoredObject>> {
                let pool = self.pool.clone();
                paged(None, move |after: Option<String>| {
                    let (pool, filter) = (pool.clone(), filter.clone());
                    async move {
                        let (conditions, args) = Self::members_after(context, folder, &filter, after);
                        // The page's names are picked once (a materialized CTE), then their
                        // rows are read by primary key: no plan, with planner statistics or
                        // without (right after a bulk import), evaluates the picking again
                        // per row of the folder. `CROSS JOIN` keeps the page as the outer
                        // loop on SQLite, whose planner (3.46) otherwise walks the folder's
                        // rows and scans the page for each: 10,000 × 500 name comparisons
                        // per page. PostgreSQL plans it as the inner join it is.
                        let sql = format!(
                            "WITH page AS MATERIALIZED (SELECT name FROM (\
                               SELECT name, size, SUM(size) OVER (ORDER BY name ROWS UNBOUNDED PRECEDING) AS upto \
                               FROM (SELECT o.resource_name AS name, o.data_size AS size \
                                     FROM objects o WHERE {conditions} \
                                     ORDER BY o.resource_name LIMIT {ROWS_PER_PAGE}) AS names\
                             ) AS sized WHERE upto - size < {BYTES_PER_PAGE}) \
                             SELECT {OBJECT_COLUMNS} FROM page CROSS JOIN objects \
                             WHERE objects.context_id = $1 AND objects.folder_id = $2 \
                             AND objects.resource_name = page.name \
                             ORDER BY objects.resource_name"
                        );
                        let objects = fetch_listing(&pool, &sql, args, object_from).await?;
                        let next = objects.last().map(|o| Some(o.resource_name.clone()));
                        Ok((objects, next))
                    }
                })
            }

            /// Sync members of `folders` (see `ChangeLog::sync_stream`): for an initial sync
            /// the live members whose change was never logged (folder by folder, by
            /// name), then the logged ones; for a later one the changes since `since`;
            /// each folder read by sequence and the folders merged by it.
            pub(crate) fn sync_pages(
                &self,
                context: ContextId,
                folders: &[FolderId],
                since: i64,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<SyncMember>> {
                use futures::StreamExt as _;
                let mut folders = folders.to_vec();
                folders.sort_unstable();
                folders.dedup();
                let pool = self.pool.clone();
                futures::stream::once(async move { sync_bound(&pool, context, since).await.map(|bound| (pool, bound)) })
                    .flat_map(move |started| {
                        let (pool, until) = match started {
                            Ok(started) => started,
                            Err(err) => return failed(err),
                        };
                        let logged = folders
                            .iter()
                            .map(|&folder| Self::changes_of(pool.clone(), context, folder, since, until, filter.clone()))
                            .collect();
                        let logged = merge_by_key(logged, |member: &SyncMember| member.seq);
                        if since != 0 {
                            return logged;
                        }
                        let unlogged = folders.clone().into_iter().map({
                            let (pool, filter) = (pool.clone(), filter.clone());
                            move |folder| Self::unlogged_of(pool.clone(), context, folder, filter.clone())
                        });
                        futures::stream::iter(unlogged).flatten().chain(logged).boxed()
                    })
                    .boxed()
            }

            /// The changes of one folder after `since` up to `until`, by sequence: since 0,
            /// the live members; later, tombstones too.
            fn changes_of(
                pool: sqlx::Pool<$db>,
                context: ContextId,
                folder: FolderId,
                since: i64,
                until: i64,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<SyncMember>> {
                paged(since, move |after: i64| {
                    let (pool, filter) = (pool.clone(), filter.clone());
                    async move {
                        let mut args = vec![Arg::Int(context), Arg::Int(folder), Arg::Int(after), Arg::Int(until)];
                        let conditions = member_filter_sql(&filter, &mut args);
                        let sql = if since == 0 {
                            // The members alone, by the sequence each row keeps (the
                            // (context, folder, change_seq) index): no join, so no plan
                            // that depends on the planner's statistics.
                            format!(
                                "SELECT o.folder_id, o.resource_name, o.change_seq AS seq, FALSE AS deleted, \
                                 {SYNC_MEMBER_COLUMNS}, o.user_id AS creator FROM objects o \
                                 WHERE o.context_id = $1 AND o.folder_id = $2 AND o.change_seq > $3 \
                                 AND o.change_seq <= $4{conditions} \
                                 ORDER BY o.change_seq LIMIT {ROWS_PER_PAGE}"
                            )
                        } else {
                            // A logged member without a row is a tombstone, whatever its flag says.
                            format!(
                                "SELECT c.folder_id, c.resource_name, c.seq, \
                                 CASE WHEN o.resource_name IS NULL THEN TRUE ELSE FALSE END AS deleted, \
                                 {SYNC_MEMBER_COLUMNS}, \
                                 CASE WHEN o.resource_name IS NULL THEN c.creator ELSE o.user_id END AS creator \
                                 FROM changes c LEFT JOIN objects o ON o.context_id = c.context_id \
                                 AND o.folder_id = c.folder_id AND o.resource_name = c.resource_name \
                                 WHERE c.context_id = $1 AND c.folder_id = $2 AND c.seq > $3 AND c.seq <= $4 \
                                 AND c.resource_name <> '' AND (o.resource_name IS NULL OR (1 = 1{conditions})) \
                                 ORDER BY c.seq LIMIT {ROWS_PER_PAGE}"
                            )
                        };
                        let rows = fetch_listing(&pool, &sql, args, sync_member_from).await?;
                        let next = (rows.len() == ROWS_PER_PAGE)
                            .then(|| rows.last().map(|m| m.seq))
                            .flatten();
                        Ok((rows, next))
                    }
                })
            }

            /// The live members of one folder whose change was never logged (written
            /// before the change log existed: `change_seq` 0), by name, as sequence 0.
            fn unlogged_of(
                pool: sqlx::Pool<$db>,
                context: ContextId,
                folder: FolderId,
                filter: MemberFilter,
            ) -> futures::stream::BoxStream<'static, StoreResult<SyncMember>> {
                paged(None, move |after: Option<String>| {
                    let (pool, filter) = (pool.clone(), filter.clone());
                    async move {
                        let (conditions, args) = Self::members_after(context, folder, &filter, after);
                        let sql = format!(
                            "SELECT o.folder_id, o.resource_name, CAST(0 AS BIGINT) AS seq, FALSE AS deleted, \
                             {SYNC_MEMBER_COLUMNS}, o.user_id AS creator FROM objects o WHERE {conditions} \
                             AND o.change_seq = 0 ORDER BY o.resource_name LIMIT {ROWS_PER_PAGE}"
                        );
                        let rows = fetch_listing(&pool, &sql, args, sync_member_from).await?;
                        let next = (rows.len() == ROWS_PER_PAGE)
                            .then(|| rows.last().map(|m| Some(m.resource_name.clone())))
                            .flatten();
                        Ok((rows, next))
                    }
                })
            }
        }
    };
}

pub(crate) use impl_paged_listings;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_are_read_until_the_cursor_ends() {
        let rows: Vec<i64> = paged(0, |at: i64| async move {
            let page: Vec<i64> = (at..(at + 3).min(8)).collect();
            let next = (at + 3 < 8).then_some(at + 3);
            Ok((page, next))
        })
        .map(Result::unwrap)
        .collect()
        .await;
        assert_eq!(rows, (0..8).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn merged_streams_come_out_in_key_order() {
        let input = |items: Vec<i64>| stream::iter(items.into_iter().map(Ok)).boxed();
        let merged: Vec<i64> = merge_by_key(
            vec![
                input(vec![2, 5, 9]),
                input(vec![]),
                input(vec![1, 3, 4, 10]),
            ],
            |n| *n,
        )
        .map(Result::unwrap)
        .collect()
        .await;
        assert_eq!(merged, vec![1, 2, 3, 4, 5, 9, 10]);
    }

    #[tokio::test]
    async fn a_failed_input_ends_the_merge() {
        let ok = stream::iter(vec![Ok(1), Ok(2)]).boxed();
        let bad = stream::iter(vec![Err(StoreError::NotFound)]).boxed();
        let merged: Vec<StoreResult<i64>> = merge_by_key(vec![ok, bad], |n| *n).collect().await;
        assert_eq!(merged.len(), 1);
        assert!(matches!(merged[0], Err(StoreError::NotFound)));
    }
}
