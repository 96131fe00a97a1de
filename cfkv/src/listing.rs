//! The keys of a namespace under a prefix, listed page by page: what
//! `bulk-delete --prefix`, `--all-keys` and `cfkv list` read.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cfgen_runtime::Error;
use cloudflare_kv::Client;
use futures::{Stream, TryStreamExt};

/// Key names in listing order (byte order), or the error that ended the
/// listing.
pub type Listing<'a> = Pin<Box<dyn Stream<Item = Result<String, Error>> + Send + 'a>>;

/// Counts kept while a listing runs, for progress and for the summary.
#[derive(Debug, Default)]
pub struct Counts {
    listed: AtomicU64,
    foreign: AtomicU64,
}

impl Counts {
    /// Keys listed so far that match the prefix.
    pub fn listed(&self) -> u64 {
        self.listed.load(Ordering::Relaxed)
    }

    /// Keys the server listed that do not start with the prefix: skipped,
    /// never deleted. Always 0 from a server that filters as documented.
    pub fn foreign(&self) -> u64 {
        self.foreign.load(Ordering::Relaxed)
    }
}

/// The names of the keys of the namespace that start with `prefix` (every
/// key for `""`), compared byte for byte, and the counts the listing keeps.
///
/// The server filters by prefix already; the names are checked again here,
/// because a key outside the prefix must never reach a bulk delete.
pub fn keys<'a>(
    client: &'a Client,
    account_id: &'a str,
    namespace_id: &'a str,
    prefix: &'a str,
) -> (Listing<'a>, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    (
        listing(client, account_id, namespace_id, prefix, counts.clone()),
        counts,
    )
}

fn listing<'a>(
    client: &'a Client,
    account_id: &'a str,
    namespace_id: &'a str,
    prefix: &'a str,
    counts: Arc<Counts>,
) -> Listing<'a> {
    let list = client.namespace_list_a_namespace_s_keys(account_id, namespace_id);
    let list = if prefix.is_empty() {
        list
    } else {
        list.prefix(prefix)
    };
    Box::pin(list.stream().try_filter_map(move |key| {
        let matches = key.name.as_bytes().starts_with(prefix.as_bytes());
        let counter = if matches {
            &counts.listed
        } else {
            &counts.foreign
        };
        counter.fetch_add(1, Ordering::Relaxed);
        futures::future::ready(Ok(matches.then_some(key.name)))
    }))
}
