//! Input stage: reads keys from a stream, sets invalid keys and repeats
//! aside, and cuts the rest into chunks of at most the chunk size.

use std::collections::HashSet;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::Fuse;
use futures::{Stream, StreamExt};

use super::MAX_KEY_BYTES;
use super::report::{FailedKey, KeyError};

/// How a bulk delete detects keys that occur more than once in its input.
///
/// A repeated key is skipped and counted in
/// [`BulkDeleteReport::duplicates`](super::BulkDeleteReport::duplicates),
/// never sent twice in one request: the answer's `unsuccessful_keys` names
/// keys, so within a request names must be unique for the answer to say
/// which occurrence failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Dedup {
    /// Repeats within one chunk are skipped; a key repeated in a later chunk
    /// is sent and counted again. Deleting a key twice is harmless in
    /// Workers KV, and memory stays bounded by the chunks in flight however
    /// long the input is, which is why this is the default.
    #[default]
    WithinChunk,
    /// Repeats anywhere in the run are skipped. The run keeps every distinct
    /// key it has read (about the key's length plus 50 bytes each, so some
    /// 90 MB for a million 40-byte keys): use it when the input is known to
    /// fit, or when counts must be per distinct key.
    WholeRun,
}

/// A chunk to send, with the input keys that were set aside while filling it.
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// Valid keys, unique within the chunk (or the run), in input order.
    pub(super) keys: Vec<String>,
    /// Keys that break a documented constraint: never sent.
    pub(super) invalid: Vec<FailedKey>,
    /// Repeats skipped while filling this chunk.
    pub(super) duplicates: u64,
    /// Input keys consumed: `keys + invalid + duplicates`.
    pub(super) read: u64,
}

/// Fills batches one input key at a time. The same chunker is driven by a
/// plain loop for iterators and by a poll loop for streams.
struct Chunker {
    chunk_size: usize,
    dedup: Dedup,
    /// Every distinct key read so far, under [`Dedup::WholeRun`] only.
    seen: KeySet<String>,
    position: u64,
    batch: Batch,
}

/// A hash set with foldhash's per-process random seed: several times faster
/// than SipHash on short keys, which matters at a million keys per run
/// (the benchmark's goal is to stay within 10% of a raw request loop), and
/// still seeded, so a hostile keys file cannot plan collisions.
pub(super) type KeySet<T> = HashSet<T, foldhash::fast::RandomState>;

/// The batches of a run's input, read only when the next batch is asked
/// for, with a way to hand over a batch still being filled when the run
/// stopped.
pub(super) trait Batches {
    /// The next batch, `None` once the input has ended; `Pending` while a
    /// slow input has no more keys yet.
    fn poll_batch(&mut self, cx: &mut Context<'_>) -> Poll<Option<Batch>>;

    /// The keys read into a batch that is not full yet. A pending poll may
    /// hold such keys (a slow input); after a stop they must still be
    /// accounted for.
    fn flush(&mut self) -> Option<Batch>;
}

/// The batches of an iterator; see [`batches_of_iter`].
pub(super) struct IterBatches<I> {
    keys: std::iter::Fuse<I>,
    chunker: Chunker,
}

/// The batches of a stream; see [`batches`].
pub(super) struct StreamBatches<S> {
    keys: Pin<Box<Fuse<S>>>,
    chunker: Chunker,
}

/// Cuts the keys of an iterator into batches of at most `chunk_size` valid
/// keys, reading the iterator only as batches are asked for. A batch is
/// filled in one plain loop, without per-key polling (the benchmark shows
/// the difference), so no batch is ever left half-filled.
pub(super) fn batches_of_iter<I>(keys: I, chunk_size: usize, dedup: Dedup) -> IterBatches<I>
where
    I: Iterator<Item = String>,
{
    IterBatches {
        keys: keys.fuse(),
        chunker: Chunker::new(chunk_size, dedup),
    }
}

/// Cuts the keys of a stream into batches, as [`batches_of_iter`] does. The
/// stream is pulled only when the consumer asks for the next batch, so a
/// slow consumer keeps the input unread rather than buffered. It is fused:
/// a batch ends when the input does, and many streams panic when polled
/// again after that.
pub(super) fn batches<S>(keys: S, chunk_size: usize, dedup: Dedup) -> StreamBatches<S>
where
    S: Stream<Item = String>,
{
    StreamBatches {
        keys: Box::pin(keys.fuse()),
        chunker: Chunker::new(chunk_size, dedup),
    }
}

impl<I: Iterator<Item = String>> Iterator for IterBatches<I> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        for key in self.keys.by_ref() {
            if self.chunker.offer(key) {
                break;
            }
        }
        self.chunker.finish()
    }
}

impl<I: Iterator<Item = String>> Batches for IterBatches<I> {
    fn poll_batch(&mut self, _: &mut Context<'_>) -> Poll<Option<Batch>> {
        Poll::Ready(self.next())
    }

    fn flush(&mut self) -> Option<Batch> {
        self.chunker.finish()
    }
}

impl<S: Stream<Item = String>> Stream for StreamBatches<S> {
    type Item = Batch;

    /// Keys read before a `Pending` stay in the chunker, so dropping the
    /// poll loses nothing: the next poll goes on filling the same batch.
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Batch>> {
        let this = &mut *self;
        loop {
            match this.keys.as_mut().poll_next(cx) {
                Poll::Ready(Some(key)) => {
                    if this.chunker.offer(key) {
                        break;
                    }
                }
                Poll::Ready(None) => break,
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(this.chunker.finish())
    }
}

impl<S: Stream<Item = String>> Batches for StreamBatches<S> {
    fn poll_batch(&mut self, cx: &mut Context<'_>) -> Poll<Option<Batch>> {
        Pin::new(self).poll_next(cx)
    }

    fn flush(&mut self) -> Option<Batch> {
        self.chunker.finish()
    }
}

impl Chunker {
    fn new(chunk_size: usize, dedup: Dedup) -> Self {
        Chunker {
            chunk_size,
            dedup,
            seen: KeySet::default(),
            position: 0,
            batch: Batch::default(),
        }
    }

    /// Takes one input key; returns whether the batch is full. Invalid keys
    /// count towards fullness too, so an input of nothing but invalid keys
    /// still moves through in bounded steps.
    fn offer(&mut self, key: String) -> bool {
        let batch = &mut self.batch;
        if batch.keys.capacity() == 0 {
            batch.keys.reserve_exact(self.chunk_size);
        }
        let position = self.position;
        self.position += 1;
        batch.read += 1;
        if let Err(reason) = check_key(&key) {
            batch
                .invalid
                .push(FailedKey::new(key, KeyError::Invalid { position, reason }));
        } else if self.dedup == Dedup::WholeRun && !self.seen.insert(key.clone()) {
            batch.duplicates += 1;
        } else {
            batch.keys.push(key);
        }
        batch.keys.len() >= self.chunk_size || batch.invalid.len() >= self.chunk_size
    }

    /// The batch filled so far, or `None` when it holds no input key.
    fn finish(&mut self) -> Option<Batch> {
        let mut batch = std::mem::take(&mut self.batch);
        if self.dedup == Dedup::WithinChunk {
            batch.duplicates += drop_repeats(&mut batch.keys);
        }
        (batch.read > 0).then_some(batch)
    }
}

/// Removes later occurrences of keys repeated within `keys`, keeping the
/// order; returns how many were removed. The set borrows the keys, so no key
/// is copied. A chunk with repeats goes out smaller than the chunk size.
fn drop_repeats(keys: &mut Vec<String>) -> u64 {
    let mut seen = KeySet::with_capacity_and_hasher(keys.len(), Default::default());
    let first: Vec<bool> = keys.iter().map(|key| seen.insert(key.as_str())).collect();
    drop(seen);
    let before = keys.len();
    let mut first = first.into_iter();
    keys.retain(|_| first.next().unwrap_or(true));
    (before - keys.len()) as u64
}

/// Checks the constraints Workers KV puts on a key name: not empty and at
/// most [`MAX_KEY_BYTES`] bytes. Returns the reason when it fails.
pub(super) fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "must be at most {MAX_KEY_BYTES} bytes long, got {}",
            key.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cuts through both drivers and checks that they agree.
    async fn cut(keys: &[&str], chunk_size: usize, dedup: Dedup) -> Vec<Batch> {
        let owned = || keys.iter().map(|k| (*k).to_owned());
        let from_stream: Vec<Batch> = batches(futures::stream::iter(owned()), chunk_size, dedup)
            .collect()
            .await;
        let from_iter: Vec<Batch> = batches_of_iter(owned(), chunk_size, dedup).collect();
        assert_eq!(format!("{from_stream:?}"), format!("{from_iter:?}"));
        from_stream
    }

    #[tokio::test]
    async fn chunks_hold_at_most_the_chunk_size_of_valid_keys() {
        let batches = cut(&["a", "b", "", "c", "d", "e"], 2, Dedup::WithinChunk).await;
        let keys: Vec<_> = batches.iter().map(|b| b.keys.join(",")).collect();
        assert_eq!(keys, ["a,b", "c,d", "e"]);
        assert_eq!(batches[1].invalid.len(), 1);
        assert_eq!(batches.iter().map(|b| b.read).sum::<u64>(), 6);
    }

    #[tokio::test]
    async fn repeats_are_skipped_per_chunk_or_per_run() {
        let input = ["a", "a", "b", "a", "c", "b"];
        let per_chunk = cut(&input, 3, Dedup::WithinChunk).await;
        let keys: Vec<_> = per_chunk.iter().map(|b| b.keys.join(",")).collect();
        assert_eq!(keys, ["a,b", "a,c,b"]);
        assert_eq!(per_chunk.iter().map(|b| b.duplicates).sum::<u64>(), 1);
        let per_run = cut(&input, 2, Dedup::WholeRun).await;
        let keys: Vec<_> = per_run.iter().map(|b| b.keys.join(",")).collect();
        assert_eq!(keys, ["a,b", "c"]);
        assert_eq!(per_run.iter().map(|b| b.duplicates).sum::<u64>(), 3);
    }

    #[test]
    fn key_checks_count_bytes_not_characters() {
        assert_eq!(check_key(""), Err("must not be empty".to_owned()));
        assert!(check_key(&"k".repeat(512)).is_ok());
        // 200 three-byte characters: 200 characters but 600 bytes.
        assert_eq!(
            check_key(&"€".repeat(200)),
            Err("must be at most 512 bytes long, got 600".to_owned())
        );
    }

    #[test]
    fn a_batch_half_filled_when_the_input_stalls_is_kept_for_flush() {
        let keys = futures::stream::iter(["a", "", "b"].map(String::from))
            .chain(futures::stream::pending());
        let mut batches = batches(keys, 10, Dedup::WithinChunk);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(batches.poll_batch(&mut cx).is_pending());
        let batch = batches.flush().expect("the keys read so far");
        assert_eq!(
            (batch.keys.join(","), batch.invalid.len(), batch.read),
            ("a,b".to_owned(), 1, 3)
        );
        assert!(batches.flush().is_none());
    }

    #[tokio::test]
    async fn an_empty_input_has_no_batches() {
        assert!(cut(&[], 10, Dedup::WithinChunk).await.is_empty());
    }
}
