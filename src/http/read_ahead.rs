//! Store reads started ahead of the members they answer. A report that reads member
//! data in batches starts the read of a batch as a task of its own, so the store (a
//! PostgreSQL server, or SQLite on another worker thread) reads the next batch while the
//! members of the one before are written to the client. At most [`BATCHES_AHEAD`]
//! batches are read or held at a time, and a read whose report is dropped (the client
//! went away) is aborted.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::Either;
use http::StatusCode;
use tokio::task::JoinHandle;

use super::error::DavError;

/// Batches whose reads run at once: the one being answered and the next.
pub(super) const BATCHES_AHEAD: usize = 2;

/// `read`, started now as a task of its own; its result when awaited. Dropping the
/// returned future aborts the read.
pub(super) fn started<T: Send + 'static>(
    read: impl Future<Output = Result<T, DavError>> + Send + 'static,
) -> Started<T> {
    Started(tokio::spawn(read))
}

/// The read of a report's batch `index`: the first batch is read where it is awaited
/// (nothing can be written before it, and a report of one batch needs no task), every
/// later one is [`started`] at once, to run while the batches before it are written.
pub(super) fn batch<T, F>(index: usize, read: F) -> Either<F, Started<T>>
where
    T: Send + 'static,
    F: Future<Output = Result<T, DavError>> + Send + 'static,
{
    if index == 0 {
        Either::Left(read)
    } else {
        Either::Right(started(read))
    }
}

/// A read started by [`started`].
pub(super) struct Started<T>(JoinHandle<Result<T, DavError>>);

impl<T> Future for Started<T> {
    type Output = Result<T, DavError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|joined| match joined {
            Ok(result) => result,
            // The read panicked (or the runtime is shutting down): the report breaks off
            // as it does when the store fails.
            Err(err) => Err(DavError::Status(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("a read of member data failed: {err}"),
            )),
        })
    }
}

impl<T> Drop for Started<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn a_read_runs_before_it_is_awaited() {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let read = started(async move {
            let _ = sender.send(());
            Ok(7)
        });
        // The read ran as a task of its own, though nothing polled `read` yet.
        tokio::time::timeout(Duration::from_secs(5), receiver)
            .await
            .expect("the read started without being awaited")
            .unwrap();
        assert_eq!(read.await.unwrap(), 7);
    }

    #[tokio::test]
    async fn only_the_batches_after_the_first_are_read_ahead() {
        let ran = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let reads: Vec<_> = (0..2)
            .map(|index| {
                let ran = ran.clone();
                batch(index, async move {
                    ran[index].store(true, Ordering::SeqCst);
                    Ok(index)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            !ran[0].load(Ordering::SeqCst),
            "the first batch ran unawaited"
        );
        assert!(
            ran[1].load(Ordering::SeqCst),
            "the second batch was not read ahead"
        );
        let mut answers = Vec::new();
        for read in reads {
            answers.push(read.await.unwrap());
        }
        assert_eq!(answers, [0, 1]);
    }

    #[tokio::test]
    async fn a_dropped_read_is_aborted() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let read = started(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            flag.store(true, Ordering::SeqCst);
            Ok(())
        });
        drop(read);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(!finished.load(Ordering::SeqCst), "the dropped read went on");
    }

    #[tokio::test]
    async fn a_read_that_panics_answers_an_error() {
        let read = started::<()>(async { panic!("store exploded") });
        let err = read.await.unwrap_err();
        assert!(err.to_string().contains("a read of member data failed"));
    }
}
