//! Room for connections under the process's open-file limit. Every connection is a file:
//! a process that runs out of them accepts no one, not even to close an idle connection
//! for a new client, so the connection limit must stay below what the process may open.

/// Files kept for other things than client connections: the listener, the database
/// (on SQLite a file, its journal and shared memory per pooled connection), log output,
/// name resolution and TLS roots.
pub(super) const RESERVED_FILES: u64 = 128;

/// Raises the soft open-file limit to the hard one, and returns the connections that fit
/// under it beside `RESERVED_FILES`: `wanted`, or fewer (with a warning) when the limit
/// leaves less room.
pub(super) fn connections_that_fit(wanted: usize) -> usize {
    let Some(files) = raise_open_file_limit() else {
        return wanted;
    };
    let room = usize::try_from(files.saturating_sub(RESERVED_FILES))
        .unwrap_or(usize::MAX)
        .max(1);
    if room < wanted {
        tracing::warn!(
            open_files = files,
            connections = room,
            max_connections = wanted,
            "the open-file limit leaves room for fewer connections than davgate.limits.maxConnections; \
             raise it (LimitNOFILE, ulimit -n) to serve more at once"
        );
        return room;
    }
    wanted
}

/// The soft RLIMIT_NOFILE after raising it to the hard limit; None where it cannot be read.
#[cfg(unix)]
fn raise_open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls given a pointer to a local rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = limit.rlim_max;
        }
    }
    // rlim_t is u64 on Linux, not on every unix.
    #[allow(clippy::useless_conversion)]
    Some(u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX))
}

#[cfg(not(unix))]
fn raise_open_file_limit() -> Option<u64> {
    None
}
