//! The embedded store's row path for listings and reads by name: the statement runs on a
//! pooled connection that sqlx opened and configured, but its rows are read straight
//! from SQLite's statement into the mapped values. sqlx's own path copies every value
//! of every row (`sqlite3_value_dup`, an allocation per text or blob) and sends each
//! row from the connection's thread to the request; that was most of what a large
//! listing cost on the embedded store.
//!
//! The connection is locked for the statement (`lock_handle`), so sqlx's worker does not
//! use it meanwhile; the statement is prepared, run and finalized within the call. The
//! call blocks its thread while SQLite works, as sqlx's worker thread would: on a
//! multi-threaded runtime the thread's other tasks move elsewhere for that time
//! (`block_in_place`).
//!
//! While the statement runs, the connection reads the database file through a memory
//! map (`PRAGMA mmap_size`, [`MAP`]) instead of copying each page into its page
//! cache with a `pread`: a multiget of 1,000 members touches more pages than the cache
//! holds, so without the map every such request read them all again, a system call and
//! a copy each. The map is taken down when the statement is done, so the pages do not
//! stay in the process's resident memory, once per connection, between requests.

use std::ffi::{c_char, c_int, CStr, CString};
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::SqlitePool;

use super::sql::{unexpected, Arg, Columns};
use super::{StoreError, StoreResult};

/// The rows of `sql` run with `args` (bound to `$1`, `$2`, ... in order), each mapped.
pub(crate) async fn fetch<T>(
    pool: &SqlitePool,
    sql: &str,
    args: &[Arg],
    map: fn(&RawRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut connection = pool.acquire().await?;
    let mut locked = connection.lock_handle().await?;
    let db = locked.as_raw_handle();
    // SAFETY: `db` is the open connection `locked` holds exclusively until it is dropped
    // after this call; nothing else uses it meanwhile.
    blocking(|| unsafe {
        let _mapped = MappedFile::during_call(db);
        run(db, sql, args, map)
    })
}

/// Maps the first GiB of the database file while a listing's statement runs: address
/// space, not memory; only the pages the statement reads become resident. A larger file
/// is read through the page cache beyond this.
const MAP: &CStr = c"PRAGMA mmap_size=1073741824";
/// Takes the map down.
const UNMAP: &CStr = c"PRAGMA mmap_size=0";

/// The connection's memory map of the database file, for as long as this lives.
struct MappedFile(NonNull<ffi::sqlite3>);

impl MappedFile {
    /// # Safety
    /// `db` must be an open connection that no other thread uses while this lives.
    unsafe fn during_call(db: NonNull<ffi::sqlite3>) -> MappedFile {
        // A refusal leaves the connection reading as before: nothing to report.
        pragma(db, MAP);
        MappedFile(db)
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: as in `during_call`, which made `self`.
        unsafe { pragma(self.0, UNMAP) }
    }
}

/// Runs `pragma` on `db`.
///
/// # Safety
/// `db` must be an open connection that no other thread uses during the call.
unsafe fn pragma(db: NonNull<ffi::sqlite3>, pragma: &CStr) {
    ffi::sqlite3_exec(
        db.as_ptr(),
        pragma.as_ptr(),
        None,
        ptr::null_mut(),
        ptr::null_mut(),
    );
}

/// Runs `work`, which blocks, without holding up the runtime's other tasks where the
/// runtime can move them (a current-thread runtime, as in tests, runs it in place).
fn blocking<R>(work: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// A prepared statement, finalized when dropped.
struct Statement(NonNull<ffi::sqlite3_stmt>);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `run` and is finalized once, here.
        unsafe {
            ffi::sqlite3_finalize(self.0.as_ptr());
        }
    }
}

/// # Safety
/// `db` must be an open connection that no other thread uses during the call.
unsafe fn run<T>(
    db: NonNull<ffi::sqlite3>,
    sql: &str,
    args: &[Arg],
    map: fn(&RawRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let db = db.as_ptr();
    let length = c_int::try_from(sql.len())
        .map_err(|_| unexpected("a statement too long for SQLite".into()))?;
    let mut raw = ptr::null_mut();
    let code = ffi::sqlite3_prepare_v2(
        db,
        sql.as_ptr().cast::<c_char>(),
        length,
        &mut raw,
        ptr::null_mut(),
    );
    if code != ffi::SQLITE_OK {
        return Err(error(db, code));
    }
    let statement =
        Statement(NonNull::new(raw).ok_or_else(|| unexpected("an empty statement".into()))?);
    let stmt = statement.0.as_ptr();
    bind(db, stmt, args)?;
    let row = RawRow { stmt };
    let mut rows = Vec::new();
    loop {
        match ffi::sqlite3_step(stmt) {
            ffi::SQLITE_ROW => rows.push(map(&row)?),
            ffi::SQLITE_DONE => return Ok(rows),
            code => return Err(error(db, code)),
        }
    }
}

/// Binds `args` to the parameters named `$1`, `$2`, ...; the statement must use every
/// one of them and no other.
unsafe fn bind(
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    args: &[Arg],
) -> StoreResult<()> {
    if usize::try_from(ffi::sqlite3_bind_parameter_count(stmt)) != Ok(args.len()) {
        return Err(unexpected(
            "a statement's parameters and its arguments disagree".into(),
        ));
    }
    for (at, arg) in args.iter().enumerate() {
        let name = CString::new(format!("${}", at + 1)).expect("no NUL in a parameter name");
        let index = ffi::sqlite3_bind_parameter_index(stmt, name.as_ptr());
        if index == 0 {
            return Err(unexpected(format!("a statement without ${}", at + 1)));
        }
        let code = match arg {
            Arg::Int(value) => ffi::sqlite3_bind_int64(stmt, index, *value),
            Arg::Text(value) => {
                let length = c_int::try_from(value.len())
                    .map_err(|_| unexpected(format!("argument ${} too long for SQLite", at + 1)))?;
                // The argument outlives the statement: SQLite need not copy it.
                ffi::sqlite3_bind_text(
                    stmt,
                    index,
                    value.as_ptr().cast::<c_char>(),
                    length,
                    ffi::SQLITE_STATIC(),
                )
            }
            Arg::Texts(_) => {
                return Err(unexpected(format!(
                    "argument ${}: SQLite binds lists as JSON text",
                    at + 1
                )))
            }
        };
        if code != ffi::SQLITE_OK {
            return Err(error(db, code));
        }
    }
    Ok(())
}

/// The error SQLite reported with `code`, as the store reports it: a busy or locked
/// database as contention, a file that cannot be read as unavailable.
unsafe fn error(db: *mut ffi::sqlite3, code: c_int) -> StoreError {
    let message = CStr::from_ptr(ffi::sqlite3_errmsg(db))
        .to_string_lossy()
        .into_owned();
    let message = format!("{message} (SQLite code {code})");
    match code & 0xff {
        ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => StoreError::Contention(message),
        ffi::SQLITE_CANTOPEN | ffi::SQLITE_IOERR => {
            StoreError::Unavailable(sqlx::Error::Io(std::io::Error::other(message)))
        }
        _ => StoreError::Database(sqlx::Error::Protocol(message)),
    }
}

/// The statement's current row, valid while `map` reads it.
pub(crate) struct RawRow {
    stmt: *mut ffi::sqlite3_stmt,
}

impl RawRow {
    /// Where `column` is read, or None when its value is NULL.
    fn value(&self, column: usize) -> StoreResult<Option<c_int>> {
        // SAFETY: the statement is alive and on a row while a mapper has `self`; a
        // value's type is read before any conversion.
        unsafe {
            let at = c_int::try_from(column)
                .ok()
                .filter(|at| *at < ffi::sqlite3_column_count(self.stmt))
                .ok_or_else(|| unexpected(format!("no column {column}")))?;
            Ok((ffi::sqlite3_column_type(self.stmt, at) != ffi::SQLITE_NULL).then_some(at))
        }
    }

    /// The column's bytes (a text's UTF-8 or a blob), borrowed until the next step.
    fn raw_bytes(&self, column: c_int) -> &[u8] {
        // SAFETY: as in `value`. The pointer is read before the length (SQLite's
        // order); an empty value may come as a null pointer.
        unsafe {
            let data = ffi::sqlite3_column_blob(self.stmt, column).cast::<u8>();
            let length = usize::try_from(ffi::sqlite3_column_bytes(self.stmt, column)).unwrap_or(0);
            if data.is_null() || length == 0 {
                &[]
            } else {
                std::slice::from_raw_parts(data, length)
            }
        }
    }
}

impl Columns for RawRow {
    fn int(&self, column: usize) -> StoreResult<i64> {
        self.opt_int(column)?
            .ok_or_else(|| unexpected(format!("column {column}: NULL where a number is stored")))
    }

    fn opt_int(&self, column: usize) -> StoreResult<Option<i64>> {
        // SAFETY: as in `value`.
        Ok(self
            .value(column)?
            .map(|at| unsafe { ffi::sqlite3_column_int64(self.stmt, at) }))
    }

    fn boolean(&self, column: usize) -> StoreResult<bool> {
        Ok(self.int(column)? != 0)
    }

    fn text(&self, column: usize) -> StoreResult<String> {
        self.opt_text(column)?
            .ok_or_else(|| unexpected(format!("column {column}: NULL where a text is stored")))
    }

    fn opt_text(&self, column: usize) -> StoreResult<Option<String>> {
        let Some(at) = self.value(column)? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(self.raw_bytes(at))
            .map_err(|_| unexpected(format!("column {column}: a text that is not UTF-8")))?;
        Ok(Some(text.to_owned()))
    }

    fn bytes(&self, column: usize) -> StoreResult<Vec<u8>> {
        let at = self
            .value(column)?
            .ok_or_else(|| unexpected(format!("column {column}: NULL where data is stored")))?;
        Ok(self.raw_bytes(at).to_vec())
    }

    fn names(&self) -> Vec<String> {
        // SAFETY: as in `value`; names are NUL-terminated and live with the statement.
        unsafe {
            (0..ffi::sqlite3_column_count(self.stmt))
                .map(|at| {
                    let name = ffi::sqlite3_column_name(self.stmt, at);
                    if name.is_null() {
                        String::new()
                    } else {
                        CStr::from_ptr(name).to_string_lossy().into_owned()
                    }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    /// The name the database file of `map_is_taken_down_after_the_statement` carries,
    /// for its mapper to look for among the process's mappings.
    const FILE_NAME: &str = "davgate-sqlite-rows-map-test.db";

    fn file_is_mapped() -> bool {
        std::fs::read_to_string("/proc/self/maps")
            .expect("the process's mappings")
            .contains(FILE_NAME)
    }

    fn row_while_mapped(row: &RawRow) -> StoreResult<(i64, bool)> {
        Ok((row.int(0)?, file_is_mapped()))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_file_is_mapped_while_a_statement_reads_and_not_after() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join(FILE_NAME))
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        for x in 1..=3 {
            sqlx::query("INSERT INTO t VALUES ($1)")
                .bind(x)
                .execute(&pool)
                .await
                .unwrap();
        }
        let rows = fetch(
            &pool,
            "SELECT x FROM t WHERE x > $1 ORDER BY x",
            &[Arg::Int(1)],
            row_while_mapped,
        )
        .await
        .unwrap();
        assert_eq!(rows, vec![(2, true), (3, true)]);
        assert!(!file_is_mapped(), "the map outlived the statement");
        let size: i64 = sqlx::query_scalar("PRAGMA mmap_size")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(size, 0, "the connection still maps the file");
    }
}
