//! Input stage: reads keys from a stream, sets invalid keys and repeats
//! aside, and cuts the rest into chunks of at most the chunk size.

use std::collections::HashSet;
use std::pin::Pin;

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

struct Chunker<S> {
    /// Fused: a batch ends when the input does, and the next call must not
    /// poll an ended stream again (many streams panic if polled then).
    keys: Pin<Box<Fuse<S>>>,
    chunk_size: usize,
    dedup: Dedup,
    seen: HashSet<String>,
    position: u64,
}

/// Cuts `keys` into batches of at most `chunk_size` valid keys. The stream
/// is pulled only when the consumer asks for the next batch, so a slow
/// consumer keeps the input unread rather than buffered.
pub(super) fn batches<S>(keys: S, chunk_size: usize, dedup: Dedup) -> impl Stream<Item = Batch>
where
    S: Stream<Item = String>,
{
    let chunker = Chunker {
        keys: Box::pin(keys.fuse()),
        chunk_size,
        dedup,
        seen: HashSet::new(),
        position: 0,
    };
    futures::stream::unfold(chunker, |mut chunker| async move {
        let batch = chunker.next_batch().await?;
        Some((batch, chunker))
    })
}

impl<S: Stream<Item = String>> Chunker<S> {
    async fn next_batch(&mut self) -> Option<Batch> {
        let mut batch = Batch::default();
        if self.dedup == Dedup::WithinChunk {
            self.seen.clear();
        }
        // Invalid keys are capped too, so an input of nothing but invalid
        // keys still moves through in bounded steps.
        while batch.keys.len() < self.chunk_size && batch.invalid.len() < self.chunk_size {
            let Some(key) = self.keys.next().await else { break };
            let position = self.position;
            self.position += 1;
            batch.read += 1;
            if let Err(reason) = check_key(&key) {
                batch.invalid.push(FailedKey::new(key, KeyError::Invalid { position, reason }));
            } else if !self.seen.insert(key.clone()) {
                batch.duplicates += 1;
            } else {
                batch.keys.push(key);
            }
        }
        (batch.read > 0).then_some(batch)
    }
}

/// Checks the constraints Workers KV puts on a key name: not empty and at
/// most [`MAX_KEY_BYTES`] bytes. Returns the reason when it fails.
pub(super) fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(format!("must be at most {MAX_KEY_BYTES} bytes long, got {}", key.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn cut(keys: &[&str], chunk_size: usize, dedup: Dedup) -> Vec<Batch> {
        let keys = futures::stream::iter(keys.iter().map(|k| (*k).to_owned()));
        batches(keys, chunk_size, dedup).collect().await
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
        let per_chunk = cut(&input, 2, Dedup::WithinChunk).await;
        let keys: Vec<_> = per_chunk.iter().map(|b| b.keys.join(",")).collect();
        assert_eq!(keys, ["a,b", "a,c", "b"]);
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

    #[tokio::test]
    async fn an_empty_input_has_no_batches() {
        assert!(cut(&[], 10, Dedup::WithinChunk).await.is_empty());
    }
}
