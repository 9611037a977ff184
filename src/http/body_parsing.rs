//! Request bodies parsed within `davgate.limits.*` and off the async workers. A body of
//! at most `INLINE_BYTES` is parsed where the handler runs: within the bounds its parse
//! takes well under a millisecond, less than a thread hop would. A larger one is parsed
//! on a blocking thread, at most `davgate.limits.bodyParseThreads` at once, so that
//! however many large bodies arrive, the workers stay free for everyone else (health
//! probes included). When the request ends before its parse does (the request timeout
//! answered it, or its client disconnected, both of which drop the handler's future),
//! the parse's `Cancel` is set and the parse stops at its next XML event.

use std::sync::Arc;

use axum::body::Bytes;
use http::StatusCode;
use tokio::sync::Semaphore;

use super::error::DavError;
use crate::dav::{BodyLimits, Budget, Cancel};
use crate::limits::Limits;

/// Bodies up to this size are parsed inline.
const INLINE_BYTES: usize = 32 * 1024;

/// The bounds of request bodies and the blocking threads that parse large ones.
#[derive(Debug, Clone)]
pub struct BodyParsers {
    limits: BodyLimits,
    threads: Arc<Semaphore>,
}

impl BodyParsers {
    pub fn new(limits: &Limits) -> Self {
        BodyParsers {
            limits: limits.bodies,
            threads: Arc::new(Semaphore::new(limits.body_parse_threads.max(1))),
        }
    }

    /// `parse` applied to `body` within the bounds: inline for a small body, on a blocking
    /// thread for a large one. A panic in `parse` goes on in the caller.
    pub async fn parse<T, F>(&self, body: &Bytes, parse: F) -> T
    where
        F: FnOnce(&[u8], &Budget) -> T + Send + 'static,
        T: Send + 'static,
    {
        let budget = Budget::new(self.limits);
        if body.len() <= INLINE_BYTES {
            return parse(body, &budget);
        }
        let _cancel_on_drop = CancelOnDrop(budget.cancel.clone());
        // Waiting here is cancelled with the request as well: the future is dropped.
        let permit = self
            .threads
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let body = body.clone();
        let span = tracing::Span::current();
        let parsed = tokio::task::spawn_blocking(move || {
            // The thread is counted until the parse ends, not until the request does.
            let _permit = permit;
            let _entered = span.enter();
            tracing::debug!(bytes = body.len(), "parsing a request body off the workers");
            let parsed = parse(&body, &budget);
            if budget.cancel.stopped_work() {
                tracing::info!(
                    bytes = body.len(),
                    "request body parse stopped: the request ended first"
                );
            }
            parsed
        })
        .await;
        match parsed {
            Ok(parsed) => parsed,
            Err(err) => std::panic::resume_unwind(err.into_panic()),
        }
    }
}

/// Cancels the parse when the request's future is dropped before the parse is done.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// The answer to a refused body: 413 when it went beyond one of its bounds (the reason
/// names the bound and its setting), 400 when it is malformed.
pub(super) fn refused(
    what: &str,
    err: impl std::fmt::Display,
    exceeded: Option<crate::dav::Exceeded>,
) -> DavError {
    match exceeded {
        Some(_) => DavError::Status(StatusCode::PAYLOAD_TOO_LARGE, format!("{what}: {err}")),
        None => DavError::BadRequest(format!("{what}: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::*;

    fn parsers(threads: usize) -> BodyParsers {
        BodyParsers::new(&Limits {
            body_parse_threads: threads,
            ..Limits::default()
        })
    }

    fn large_body() -> Bytes {
        Bytes::from(vec![b' '; INLINE_BYTES + 1])
    }

    #[tokio::test]
    async fn a_request_that_ends_cancels_its_parse() {
        let parsers = parsers(1);
        let (stopped, stop_seen) = mpsc::channel();
        let body = large_body();
        let parse = parsers.parse(&body, move |_body: &[u8], budget: &Budget| {
            // Stands for a parse that looks at its budget as it goes and would otherwise
            // run on (for half a minute, a guard against a test that never ends).
            let deadline = Instant::now() + Duration::from_secs(30);
            while !budget.cancel.is_cancelled() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = stopped.send(budget.cancel.is_cancelled());
        });
        // What the request timeout and a client's disconnect do: drop the future.
        assert!(tokio::time::timeout(Duration::from_millis(20), parse)
            .await
            .is_err());
        let seen =
            tokio::task::spawn_blocking(move || stop_seen.recv_timeout(Duration::from_secs(60)))
                .await
                .unwrap();
        assert_eq!(seen, Ok(true), "the parse should see its request end");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_so_many_large_bodies_are_parsed_at_once() {
        let parsers = parsers(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let body = large_body();
        let parses = (0..8).map(|_| {
            let (running, most, done) = (running.clone(), most.clone(), done.clone());
            parsers.parse(&body, move |_body: &[u8], _budget: &Budget| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                done.fetch_add(1, Ordering::SeqCst);
            })
        });
        futures::future::join_all(parses).await;
        assert_eq!(done.load(Ordering::SeqCst), 8);
        assert!(most.load(Ordering::SeqCst) <= 2, "{most:?} at once");
    }

    #[tokio::test]
    async fn small_bodies_are_parsed_in_place() {
        let here = std::thread::current().id();
        let body = Bytes::from_static(b"<a/>");
        let there = parsers(1)
            .parse(&body, |_body: &[u8], _budget: &Budget| {
                std::thread::current().id()
            })
            .await;
        assert_eq!(there, here);
    }

    #[test]
    fn refused_bodies_get_413_or_400() {
        use crate::dav::Exceeded;
        let too_complex = refused("PROPFIND body", "x", Some(Exceeded::Hrefs(3)));
        assert!(
            matches!(too_complex, DavError::Status(status, reason) if status == StatusCode::PAYLOAD_TOO_LARGE && reason == "PROPFIND body: x")
        );
        let malformed = refused("PROPFIND body", "y", None);
        assert!(matches!(malformed, DavError::BadRequest(reason) if reason == "PROPFIND body: y"));
    }
}
