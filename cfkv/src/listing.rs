//! The keys of a namespace under a prefix, listed page by page: what
//! `bulk-delete --prefix`, `--all-keys` and `cfkv list` read.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cfgen_runtime::{Client, Error};
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
/// key for `""`), compared byte for byte.
///
/// The server filters by prefix already; the names are checked again here,
/// because a key outside the prefix must never reach a bulk delete.
pub fn keys<'a>(
    client: &'a Client,
    account_id: &'a str,
    namespace_id: &'a str,
    prefix: &'a str,
    counts: Arc<Counts>,
) -> Listing<'a> {
    let pages = pages(client, account_id, namespace_id, prefix);
    Box::pin(pages.try_filter_map(move |name| {
        let matches = name.as_bytes().starts_with(prefix.as_bytes());
        let counter = if matches {
            &counts.listed
        } else {
            &counts.foreign
        };
        counter.fetch_add(1, Ordering::Relaxed);
        futures::future::ready(Ok(matches.then_some(name)))
    }))
}

const LIST: &str = "workers-kv-namespace-list-a-namespace'-s-keys";

/// The listing request, page by page. (Until the generated client has the
/// list operation's request builder, the request is made here.)
fn pages<'a>(
    client: &'a Client,
    account_id: &'a str,
    namespace_id: &'a str,
    prefix: &'a str,
) -> cfgen_runtime::paginate::CursorStream<'a, String> {
    use cfgen_runtime::paginate::{CursorPage, CursorStream, cursor_at};
    use cfgen_runtime::{Method, Request, encode_path};
    CursorStream::new(LIST, move |cursor: Option<String>| {
        let path = format!(
            "/accounts/{}/storage/kv/namespaces/{}/keys",
            encode_path(account_id),
            encode_path(namespace_id)
        );
        let mut request = Request::new(LIST, Method::GET, path);
        if !prefix.is_empty() {
            request = request.query("prefix", prefix);
        }
        if let Some(cursor) = cursor {
            request = request.query("cursor", cursor);
        }
        async move {
            let page: serde_json::Value = client.send(request).await?;
            let names = page["result"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|key| key["name"].as_str().map(str::to_owned))
                .collect();
            let cursor = cursor_at(LIST, page.get("result_info"), "/cursor")?;
            Ok(CursorPage::new(names, cursor))
        }
    })
}
