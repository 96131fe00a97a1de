//! A Workers KV namespace: the list-keys and bulk-delete endpoints over keys
//! held in memory, answering as Cloudflare does, with faults on demand.
//!
//! [`KvNamespace`] is a handler for [`MockServer::with_handler`]: keys live
//! in a `BTreeMap`, so listing is in byte order of the UTF-8 names as in
//! Workers KV. It answers
//!
//! - `GET …/accounts/{account}/storage/kv/namespaces/{namespace}/keys` with
//!   `limit` (10 to 1,000, default 1,000), `cursor` and `prefix`, as
//!   `{success, errors, messages, result: [{name, expiration?, metadata?}],
//!   result_info: {count, cursor}}`, where the cursor is opaque (standard
//!   base64, so it holds `+`, `/` and `=`), and `""` on the last page;
//! - `POST …/bulk/delete` with a JSON array of names, removing them
//!   (deleting a missing key succeeds) and answering
//!   `{successful_key_count, unsuccessful_keys}`.
//!
//! Faults are opt-in: a chosen request to a route, or every n-th, fails with
//! a status; some keys stay and are reported in `unsuccessful_keys`; a
//! listing answers with the cursor it was given (the server bug that makes
//! naive clients loop); deleted keys keep appearing in the next listings, as
//! Workers KV's eventually consistent listing does for up to a minute.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use testkit::{KvNamespace, Route};
//!
//! let kv = KvNamespace::new("acc", "ns").with_keys(["user:1", "user:2", "other"]);
//! kv.fail_request(Route::BulkDelete, 0, 500); // the first delete fails once
//! let server = kv.serve().await;
//! // Point a client at `server.url()`, delete `user:`, then:
//! assert_eq!(kv.len(), 3);
//! # drop(server); }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::{MockServer, RecordedRequest, Reply};

/// The most keys one list page holds, and the default page size.
pub const MAX_LIST_LIMIT: usize = 1000;
/// The fewest keys a list request may ask for.
pub const MIN_LIST_LIMIT: usize = 10;
/// The most keys one bulk-delete request may carry.
pub const MAX_DELETE_KEYS: usize = 10_000;

/// An endpoint of the namespace, for fault injection and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    /// `GET …/keys`.
    ListKeys,
    /// `POST …/bulk/delete`.
    BulkDelete,
}

/// A stored key: its name and the optional fields a listing shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KvKey {
    /// The key name.
    pub name: String,
    /// When the key expires, in seconds since the epoch.
    pub expiration: Option<u64>,
    /// The key's metadata.
    pub metadata: Option<Value>,
}

impl KvKey {
    /// A key with only a name.
    pub fn named(name: impl Into<String>) -> Self {
        KvKey {
            name: name.into(),
            ..KvKey::default()
        }
    }
}

/// What the namespace has served so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KvStats {
    /// List requests received, failed ones included.
    pub list_requests: usize,
    /// Bulk-delete requests received, failed ones included.
    pub delete_requests: usize,
    /// Requests answered with an injected failure status.
    pub injected_failures: usize,
    /// Keys that existed and were removed.
    pub keys_removed: usize,
    /// Keys left in place and reported in `unsuccessful_keys`.
    pub keys_kept: usize,
}

/// A mock Workers KV namespace; see the [module docs](self). Clones share
/// the keys, the faults and the counters.
#[derive(Debug, Clone, Default)]
pub struct KvNamespace {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    account_id: String,
    namespace_id: String,
    keys: BTreeMap<String, KvKey>,
    /// Deleted keys still listed, with the last listing generation that
    /// shows them.
    lingering: BTreeMap<String, u64>,
    linger_listings: u64,
    /// Incremented by every listing that starts (a list request without a
    /// cursor); carried in cursors so each listing sees one generation.
    generation: u64,
    faults: Faults,
    stats: KvStats,
}

#[derive(Debug, Default)]
struct Faults {
    /// `(route, index of the request on that route)` to fail, with a status.
    once: BTreeMap<(Route, usize), u16>,
    /// Every n-th request to a route fails, with a status.
    every: BTreeMap<Route, (usize, u16)>,
    /// List requests (by index) that answer with the cursor they were sent.
    repeat_cursor: BTreeSet<usize>,
    /// Every n-th key sent for deletion is kept, up to this many times each.
    keep: Option<(usize, u32)>,
    /// Keys never deleted: always listed in `unsuccessful_keys`.
    stuck: BTreeSet<String>,
    kept: HashMap<String, u32>,
    keys_seen: usize,
}

impl KvNamespace {
    /// An empty namespace `namespace_id` of account `account_id`; requests
    /// for any other account or namespace get a 404.
    pub fn new(account_id: &str, namespace_id: &str) -> Self {
        let namespace = KvNamespace::default();
        {
            let mut state = namespace.lock();
            state.account_id = account_id.to_owned();
            state.namespace_id = namespace_id.to_owned();
        }
        namespace
    }

    /// Adds keys with these names.
    pub fn with_keys<I>(self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.insert_all(names.into_iter().map(KvKey::named));
        self
    }

    /// Adds (or replaces) keys.
    pub fn insert_all(&self, keys: impl IntoIterator<Item = KvKey>) {
        let mut state = self.lock();
        for key in keys {
            state.lingering.remove(&key.name);
            state.keys.insert(key.name.clone(), key);
        }
    }

    /// Starts a mock server answering for this namespace.
    pub async fn serve(&self) -> MockServer {
        let namespace = self.clone();
        MockServer::with_handler(move |request| namespace.handle(request)).await
    }

    /// Answers one request; what [`serve`](Self::serve) installs.
    pub fn handle(&self, request: &RecordedRequest) -> Reply {
        let mut state = self.lock();
        let route = match state.route(request) {
            Ok(route) => route,
            Err(reply) => return reply,
        };
        let index = state.count(route);
        if let Some(status) = state.faults.failure(route, index) {
            state.stats.injected_failures += 1;
            return Reply::api_error(status, 10001, "testkit: injected failure");
        }
        match route {
            Route::ListKeys => state.list(request, index),
            Route::BulkDelete => state.delete(request),
        }
    }

    /// The names of the keys stored now, in listing order.
    pub fn names(&self) -> Vec<String> {
        self.lock().keys.keys().cloned().collect()
    }

    /// How many keys are stored now.
    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    /// Whether no key is stored.
    pub fn is_empty(&self) -> bool {
        self.lock().keys.is_empty()
    }

    /// Whether a key named `name` is stored.
    pub fn contains(&self, name: &str) -> bool {
        self.lock().keys.contains_key(name)
    }

    /// The counters so far.
    pub fn stats(&self) -> KvStats {
        self.lock().stats
    }

    /// The `index`-th request to `route` (from 0, retries counted) answers
    /// `status` with a Cloudflare error envelope.
    pub fn fail_request(&self, route: Route, index: usize, status: u16) {
        self.lock().faults.once.insert((route, index), status);
    }

    /// Every `every`-th request to `route` (the `every`-th, the
    /// `2 * every`-th, …) answers `status`; a retry is the next request, so
    /// it succeeds unless `every` is 1.
    pub fn fail_every(&self, route: Route, every: usize, status: u16) {
        self.lock()
            .faults
            .every
            .insert(route, (every.max(1), status));
    }

    /// The `index`-th list request (from 0) answers with the cursor it was
    /// sent, as a buggy server would.
    pub fn repeat_cursor(&self, index: usize) {
        self.lock().faults.repeat_cursor.insert(index);
    }

    /// Every `every`-th key sent for deletion (counting across requests)
    /// stays and is listed in `unsuccessful_keys`, at most `times` times per
    /// key; sent again after that, it is deleted.
    pub fn keep_unsuccessful(&self, every: usize, times: u32) {
        self.lock().faults.keep = Some((every.max(1), times));
    }

    /// These keys are never deleted: every request that carries them lists
    /// them in `unsuccessful_keys`.
    pub fn stick<I>(&self, names: I)
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.lock()
            .faults
            .stuck
            .extend(names.into_iter().map(Into::into));
    }

    /// A deleted key keeps appearing in the next `listings` listings that
    /// start after its deletion (0, the default, turns this off).
    pub fn linger_deleted(&self, listings: u64) {
        self.lock().linger_listings = listings;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Faults {
    fn failure(&self, route: Route, index: usize) -> Option<u16> {
        let every = self
            .every
            .get(&route)
            .filter(|(every, _)| (index + 1) % every == 0)
            .map(|&(_, status)| status);
        self.once.get(&(route, index)).copied().or(every)
    }

    /// Whether the key sent now stays, per [`KvNamespace::keep_unsuccessful`].
    fn keeps(&mut self, name: &str) -> bool {
        if self.stuck.contains(name) {
            return true;
        }
        let Some((every, times)) = self.keep else {
            return false;
        };
        self.keys_seen += 1;
        if self.keys_seen % every != 0 {
            return false;
        }
        let kept = self.kept.entry(name.to_owned()).or_default();
        *kept += 1;
        *kept <= times
    }
}

impl State {
    /// Which endpoint the request is for, or the error reply.
    fn route(&self, request: &RecordedRequest) -> Result<Route, Reply> {
        let path = request.path_only();
        let not_found = || Reply::api_error(404, 7003, "testkit: no such route");
        let tail = path
            .find("/accounts/")
            .map(|at| &path[at + 1..])
            .ok_or_else(not_found)?;
        let segments: Vec<&str> = tail.split('/').collect();
        let route = match (request.method.as_str(), &segments[..]) {
            ("GET", ["accounts", _, "storage", "kv", "namespaces", _, "keys"]) => Route::ListKeys,
            (
                "POST",
                [
                    "accounts",
                    _,
                    "storage",
                    "kv",
                    "namespaces",
                    _,
                    "bulk",
                    "delete",
                ],
            ) => Route::BulkDelete,
            _ => return Err(not_found()),
        };
        if segments[1] != self.account_id || segments[5] != self.namespace_id {
            return Err(Reply::api_error(404, 10013, "namespace not found"));
        }
        Ok(route)
    }

    /// Counts a request to `route` and returns its index on the route.
    fn count(&mut self, route: Route) -> usize {
        let counter = match route {
            Route::ListKeys => &mut self.stats.list_requests,
            Route::BulkDelete => &mut self.stats.delete_requests,
        };
        *counter += 1;
        *counter - 1
    }

    fn list(&mut self, request: &RecordedRequest, index: usize) -> Reply {
        let query = Query::parse(request.query().unwrap_or(""));
        let limit = match query.limit() {
            Ok(limit) => limit,
            Err(reply) => return reply,
        };
        let (generation, after) = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => {
                self.generation += 1;
                (self.generation, None)
            }
            Some(cursor) => match decode_cursor(cursor) {
                Some((generation, after)) => (generation, Some(after)),
                None => return Reply::api_error(400, 10059, "invalid cursor"),
            },
        };
        let prefix = query.prefix.unwrap_or_default();
        let mut page = self.page(&prefix, after.as_deref(), generation, limit + 1);
        let more = page.len() > limit;
        page.truncate(limit);
        let cursor = match (more, page.last()) {
            _ if self.faults.repeat_cursor.contains(&index) => query.cursor.unwrap_or_default(),
            (true, Some(last)) => encode_cursor(generation, &last.name),
            _ => String::new(),
        };
        let result: Vec<Value> = page.iter().map(key_json).collect();
        Reply::json(
            200,
            json!({
                "success": true, "errors": [], "messages": [],
                "result": result,
                "result_info": {"count": result.len(), "cursor": cursor},
            }),
        )
    }

    /// Up to `limit` keys under `prefix` after `after`, stored or still
    /// lingering for listing `generation`, in order.
    fn page(&self, prefix: &str, after: Option<&str>, generation: u64, limit: usize) -> Vec<KvKey> {
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(after.to_owned()),
            _ => Bound::Included(prefix.to_owned()),
        };
        let range = (start, Bound::Unbounded);
        let stored = self
            .keys
            .range::<String, _>(range.clone())
            .map(|(_, key)| key.clone());
        let lingering = self
            .lingering
            .range::<String, _>(range)
            .filter(|&(_, &until)| generation <= until)
            .map(|(name, _)| KvKey::named(name.clone()));
        let mut keys: Vec<KvKey> = stored
            .take_while(|key| key.name.starts_with(prefix))
            .take(limit)
            .chain(
                lingering
                    .take_while(|key| key.name.starts_with(prefix))
                    .take(limit),
            )
            .collect();
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        keys.truncate(limit);
        keys
    }

    fn delete(&mut self, request: &RecordedRequest) -> Reply {
        let names: Vec<String> = match serde_json::from_slice(&request.body) {
            Ok(names) => names,
            Err(_) => return Reply::api_error(400, 10026, "body must be an array of key names"),
        };
        if names.len() > MAX_DELETE_KEYS {
            return Reply::api_error(400, 10026, "too many keys in one request");
        }
        let mut unsuccessful = Vec::new();
        for name in names.iter() {
            if self.faults.keeps(name) {
                self.stats.keys_kept += 1;
                unsuccessful.push(name.clone());
            } else if self.keys.remove(name).is_some() {
                self.stats.keys_removed += 1;
                if self.linger_listings > 0 {
                    let until = self.generation + self.linger_listings;
                    self.lingering.insert(name.clone(), until);
                }
            }
        }
        Reply::success(json!({
            "successful_key_count": names.len() - unsuccessful.len(),
            "unsuccessful_keys": unsuccessful,
        }))
    }
}

/// The query parameters of a list request, decoded as a form (`+` is a
/// space), as Cloudflare's edge does.
#[derive(Debug, Default)]
struct Query {
    limit: Option<String>,
    cursor: Option<String>,
    prefix: Option<String>,
}

impl Query {
    fn parse(query: &str) -> Self {
        let mut parsed = Query::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "limit" => &mut parsed.limit,
                "cursor" => &mut parsed.cursor,
                "prefix" => &mut parsed.prefix,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        parsed
    }

    fn limit(&self) -> Result<usize, Reply> {
        let Some(limit) = &self.limit else {
            return Ok(MAX_LIST_LIMIT);
        };
        limit
            .parse()
            .ok()
            .filter(|limit| (MIN_LIST_LIMIT..=MAX_LIST_LIMIT).contains(limit))
            .ok_or_else(|| {
                Reply::api_error(
                    400,
                    10047,
                    &format!("limit must be {MIN_LIST_LIMIT} to {MAX_LIST_LIMIT}, got {limit:?}"),
                )
            })
    }
}

fn key_json(key: &KvKey) -> Value {
    let mut item = json!({"name": key.name});
    if let Some(expiration) = key.expiration {
        item["expiration"] = json!(expiration);
    }
    if let Some(metadata) = &key.metadata {
        item["metadata"] = metadata.clone();
    }
    item
}

/// An opaque cursor: the listing generation and the last name returned,
/// in standard base64 (whose `+`, `/` and `=` test the client's encoding).
fn encode_cursor(generation: u64, last: &str) -> String {
    STANDARD.encode(format!("{generation}\n{last}"))
}

fn decode_cursor(cursor: &str) -> Option<(u64, String)> {
    let bytes = STANDARD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (generation, last) = text.split_once('\n')?;
    Some((generation.parse().ok()?, last.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Action;

    const BASE: &str = "/client/v4/accounts/acc/storage/kv/namespaces/ns";

    fn request(method: &str, path: String, body: &str) -> RecordedRequest {
        RecordedRequest {
            index: 0,
            method: method.to_owned(),
            path,
            headers: Default::default(),
            body: body.to_owned().into(),
        }
    }

    fn answer(kv: &KvNamespace, request: RecordedRequest) -> (u16, Value) {
        match kv.handle(&request).action {
            Action::Respond { status, body, .. } => {
                (status, serde_json::from_slice(&body).unwrap())
            }
            Action::DropConnection => panic!("no answer"),
        }
    }

    /// Lists every key under `prefix` page by page, as a client would.
    fn list_all(kv: &KvNamespace, prefix: &str, limit: usize) -> (Vec<String>, usize) {
        let (mut names, mut cursor, mut pages) = (Vec::new(), String::new(), 0);
        loop {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("limit", &limit.to_string())
                .append_pair("prefix", prefix)
                .append_pair("cursor", &cursor)
                .finish();
            let (status, body) = answer(kv, request("GET", format!("{BASE}/keys?{query}"), ""));
            assert_eq!(status, 200, "{body}");
            let result = body["result"].as_array().unwrap();
            assert_eq!(body["result_info"]["count"], result.len());
            names.extend(
                result
                    .iter()
                    .map(|k| k["name"].as_str().unwrap().to_owned()),
            );
            pages += 1;
            cursor = body["result_info"]["cursor"].as_str().unwrap().to_owned();
            if cursor.is_empty() {
                return (names, pages);
            }
        }
    }

    #[test]
    fn lists_by_exact_byte_prefix_in_pages_ending_with_an_empty_cursor() {
        let others = ["user", "User:1", "usér:1", "xuser:1", "user :1", "a"];
        let users: Vec<String> = (0..25).map(|i| format!("user:{i:02}")).collect();
        let kv = KvNamespace::new("acc", "ns")
            .with_keys(others)
            .with_keys(users.clone());
        let (names, pages) = list_all(&kv, "user:", 10);
        assert_eq!(names, users);
        assert_eq!(pages, 3);
        let (all, _) = list_all(&kv, "", 1000);
        assert_eq!(all.len(), 31);
        assert!(all.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes()));
    }

    #[test]
    fn deletes_report_kept_keys_and_deleted_keys_linger_in_the_next_listing() {
        let kv = KvNamespace::new("acc", "ns").with_keys(["a", "b", "c", "d"]);
        kv.keep_unsuccessful(2, 1);
        kv.linger_deleted(1);
        let delete = |body: &str| answer(&kv, request("POST", format!("{BASE}/bulk/delete"), body));
        let (status, body) = delete(r#"["a","b","c","d","missing"]"#);
        assert_eq!(status, 200);
        assert_eq!(body["result"]["unsuccessful_keys"], json!(["b", "d"]));
        assert_eq!(body["result"]["successful_key_count"], 3);
        assert_eq!(kv.names(), ["b", "d"]);
        // The next listing still shows the deleted keys; the one after not.
        assert_eq!(list_all(&kv, "", 10).0, ["a", "b", "c", "d"]);
        assert_eq!(list_all(&kv, "", 10).0, ["b", "d"]);
        assert_eq!(kv.stats().keys_removed, 2);
        assert_eq!(kv.stats().keys_kept, 2);
    }

    #[test]
    fn faults_and_bad_requests_get_cloudflare_error_envelopes() {
        let kv = KvNamespace::new("acc", "ns").with_keys(["a"]);
        kv.fail_request(Route::ListKeys, 1, 503);
        let list = |query: &str| answer(&kv, request("GET", format!("{BASE}/keys?{query}"), ""));
        assert_eq!(list("").0, 200);
        let (status, body) = list("");
        assert_eq!((status, body["success"].clone()), (503, json!(false)));
        assert_eq!(list("limit=9").0, 400);
        assert_eq!(list("cursor=%3F%3F").0, 400);
        let other = request("GET", BASE.replace("/ns", "/other") + "/keys", "");
        assert_eq!(answer(&kv, other).0, 404);
        assert_eq!(kv.stats().injected_failures, 1);
    }

    #[test]
    fn cursors_round_trip_and_hold_url_special_characters() {
        let names = ["user:1", "a b", "?#/%+", "usér", "line\nbreak", ""];
        for name in names {
            let cursor = encode_cursor(7, name);
            assert_eq!(decode_cursor(&cursor), Some((7, name.to_owned())));
        }
        let all: String = (0..200).map(|i| encode_cursor(i, "k\u{ff}>?")).collect();
        assert!(all.contains('+') && all.contains('/') && all.contains('='));
        assert_eq!(decode_cursor("not base64!"), None);
    }
}
