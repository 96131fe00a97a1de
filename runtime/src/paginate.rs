//! Pagination: turns an operation that answers one page at a time into a
//! [`Stream`] of items across every page.
//!
//! Cloudflare pages lists two ways, and generated code picks the matching
//! stream:
//!
//! - **cursors** ([`CursorStream`]): each answer's `result_info` carries an
//!   opaque cursor (`cursor` for Workers KV, `cursors.after` elsewhere) to
//!   send back for the next page; the last page has none, or an empty one;
//! - **page numbers** ([`PageStream`]): the request says `page` (from 1) and
//!   the answer's `result_info` says `per_page`, `total_pages` and
//!   `total_count`.
//!
//! Both take a closure that fetches one page. Each page is one request
//! through the [`Client`](crate::Client), so its retries, `Retry-After` and
//! rate-limit pacing apply to every page. A server that would make the
//! stream loop forever (a cursor it sent before, a page number it did not
//! ask for, pages without end) ends the stream with an
//! [`Error::Pagination`] instead.
//!
//! ```
//! use cfgen_runtime::paginate::{CursorPage, CursorStream, Position};
//! use futures::TryStreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), cfgen_runtime::Error> {
//! // A fake server with two pages; real code sends a request per page.
//! let fetch = |cursor: Option<String>| async move {
//!     Ok(match cursor.as_deref() {
//!         None => CursorPage::new(vec!["a", "b"], Some("c2".to_owned())),
//!         Some(_) => CursorPage::new(vec!["c"], Some(String::new())),
//!     })
//! };
//! let mut keys = CursorStream::new("list-keys", fetch);
//! assert_eq!(keys.try_next().await?, Some("a"));
//! // Half-way through the first page: resuming must fetch it again.
//! assert_eq!(keys.position(), Position::Start);
//! let rest: Vec<_> = keys.try_collect().await?;
//! assert_eq!(rest, ["b", "c"]);
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::Stream;
use serde_json::Value;

use crate::Error;

/// The future of one page, as a fetch closure returns it (boxed, so that
/// stream types can be named in generated signatures).
pub type PageFuture<'a, P> = Pin<Box<dyn Future<Output = Result<P, Error>> + Send + 'a>>;

/// A stream's fetch closure, called with the page's position (`A`), and the
/// page it is waiting for.
struct Fetcher<'a, A, P> {
    fetch: Box<dyn FnMut(A) -> PageFuture<'a, P> + Send + 'a>,
    pending: Option<PageFuture<'a, P>>,
}

impl<'a, A, P> Fetcher<'a, A, P> {
    fn new<F, Fut>(mut fetch: F) -> Self
    where
        F: FnMut(A) -> Fut + Send + 'a,
        Fut: Future<Output = Result<P, Error>> + Send + 'a,
    {
        Fetcher {
            fetch: Box::new(move |at| Box::pin(fetch(at))),
            pending: None,
        }
    }

    /// Polls the page at `at`, asking for it on the first poll; until it
    /// arrives, later polls must name the same position.
    fn poll(&mut self, at: A, cx: &mut Context<'_>) -> Poll<Result<P, Error>> {
        let fetch = &mut self.fetch;
        let pending = self.pending.get_or_insert_with(|| fetch(at));
        let page = ready!(pending.as_mut().poll(cx));
        self.pending = None;
        Poll::Ready(page)
    }
}

/// How many pages a [`PageStream`] reads at most unless told otherwise: a
/// million pages of even 20 items is more than any Cloudflare list holds, so
/// reaching it means the server does not stop.
pub const DEFAULT_MAX_PAGES: u64 = 1_000_000;

/// How much of a cursor an error message quotes.
const QUOTED_CURSOR_CHARS: usize = 64;

/// One page of a cursor-paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage<T> {
    /// The items of the page, in the server's order.
    pub items: Vec<T>,
    /// The cursor for the next page; `None` or `Some("")` on the last page.
    pub cursor: Option<String>,
}

impl<T> CursorPage<T> {
    /// A page of `items` followed by `cursor`.
    pub fn new(items: Vec<T>, cursor: Option<String>) -> Self {
        CursorPage { items, cursor }
    }
}

/// Where a [`CursorStream`] stands, for a caller that saves its place to
/// resume later with [`CursorStream::resume_from`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position<'s> {
    /// Resuming must start from the first page.
    Start,
    /// Resuming must start from this cursor.
    Cursor(&'s str),
    /// Every item has been yielded.
    Finished,
}

/// What a [`CursorStream`] does once its buffered items are yielded.
enum Next {
    /// Fetch the page at this cursor (`None`: the first page).
    Fetch(Option<String>),
    /// The server sent this cursor before: end with an error.
    Repeated(String),
    /// An error was yielded while reading the page at this cursor.
    Failed(Option<String>),
    /// The last page was read.
    End,
}

/// The items of a cursor-paginated list, across every page; see the
/// [module docs](self).
///
/// The cursor is sent exactly as the server sent it (the request encodes it
/// as a query value); a missing or empty cursor ends the list. An error
/// ends the stream after it is yielded, and [`position`](Self::position)
/// then names the page to retry from.
pub struct CursorStream<'a, T> {
    operation: Cow<'static, str>,
    fetcher: Fetcher<'a, Option<String>, CursorPage<T>>,
    /// The cursor that fetched the buffered items (`None`: the first page).
    current: Option<String>,
    buffer: VecDeque<T>,
    next: Next,
    repeats: RepeatCheck,
    pages: u64,
}

impl<'a, T> CursorStream<'a, T> {
    /// A stream that calls `fetch` with `None` for the first page, then with
    /// each cursor the server returns. `operation` names the operation in
    /// errors.
    pub fn new<F, Fut>(operation: impl Into<Cow<'static, str>>, fetch: F) -> Self
    where
        F: FnMut(Option<String>) -> Fut + Send + 'a,
        Fut: Future<Output = Result<CursorPage<T>, Error>> + Send + 'a,
    {
        CursorStream {
            operation: operation.into(),
            fetcher: Fetcher::new(fetch),
            current: None,
            buffer: VecDeque::new(),
            next: Next::Fetch(None),
            repeats: RepeatCheck::default(),
            pages: 0,
        }
    }

    /// Starts from `cursor` instead of the first page, as saved from
    /// [`position`](Self::position); an empty cursor means the first page.
    /// Call it before the first item is read.
    pub fn resume_from(mut self, cursor: impl Into<String>) -> Self {
        let cursor = Some(cursor.into()).filter(|c| !c.is_empty());
        self.repeats = RepeatCheck::default();
        if let Some(cursor) = &cursor {
            self.repeats.seen(cursor);
        }
        self.next = Next::Fetch(cursor);
        self
    }

    /// Where to resume so that no item not yet yielded is missed.
    ///
    /// While a page is part-way yielded this is the cursor that fetched it,
    /// so a resumed stream yields that page's first items again. After an
    /// error it is the cursor of the page that failed.
    pub fn position(&self) -> Position<'_> {
        fn at(cursor: &Option<String>) -> Position<'_> {
            cursor.as_deref().map_or(Position::Start, Position::Cursor)
        }
        if !self.buffer.is_empty() {
            return at(&self.current);
        }
        match &self.next {
            Next::Fetch(cursor) | Next::Failed(cursor) => at(cursor),
            Next::Repeated(cursor) => Position::Cursor(cursor),
            Next::End => Position::Finished,
        }
    }

    /// How many pages have been received so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Takes in one page: buffers its items and decides what comes next.
    fn accept(&mut self, sent: Option<String>, page: CursorPage<T>) {
        self.pages += 1;
        self.buffer.extend(page.items);
        let cursor = page.cursor.filter(|c| !c.is_empty());
        self.next = match cursor {
            None => Next::End,
            // The common bug, answering with the cursor just sent, is caught
            // at once; longer loops by the repeat check.
            Some(cursor) if sent.as_deref() == Some(cursor.as_str()) => Next::Repeated(cursor),
            Some(cursor) if self.repeats.seen(&cursor) => Next::Repeated(cursor),
            Some(cursor) => Next::Fetch(Some(cursor)),
        };
        self.current = sent;
    }

    fn repeated_error(&self, cursor: &str) -> Error {
        let quoted: String = cursor.chars().take(QUOTED_CURSOR_CHARS).collect();
        let ellipsis = if quoted.len() < cursor.len() {
            "…"
        } else {
            ""
        };
        Error::pagination(
            self.operation.clone(),
            format!(
                "the server sent cursor \"{quoted}{ellipsis}\" again after {} pages; \
                 stopped instead of reading the same pages forever",
                self.pages
            ),
        )
    }
}

impl<T> Stream for CursorStream<'_, T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            let sent = match &this.next {
                Next::Fetch(cursor) => cursor.clone(),
                Next::Failed(_) | Next::End => return Poll::Ready(None),
                Next::Repeated(cursor) => {
                    let error = this.repeated_error(cursor);
                    this.next = Next::Failed(Some(cursor.clone()));
                    return Poll::Ready(Some(Err(error)));
                }
            };
            match ready!(this.fetcher.poll(sent.clone(), cx)) {
                Ok(page) => this.accept(sent, page),
                Err(error) => {
                    this.next = Next::Failed(sent);
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
    }
}

/// The fetch closure and the page future are boxed and never pinned in
/// place, so the stream can be moved freely.
impl<T> Unpin for CursorStream<'_, T> {}

impl<T> fmt::Debug for CursorStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorStream")
            .field("operation", &self.operation)
            .field("position", &self.position())
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

/// Detects a cursor the server sent before with constant memory: Brent's
/// cycle detection keeps one cursor, replaced at pages 1, 2, 4, 8, …
///
/// A cursor names a position, so a server whose answer depends only on the
/// cursor and repeats one is in a loop; this check finds any loop within
/// twice its length of pages after it starts, without keeping every cursor
/// of a listing that may run to millions of pages.
#[derive(Debug, Default)]
struct RepeatCheck {
    saved: Option<String>,
    since_saved: u64,
    /// Pages until the saved cursor is replaced; doubles each time.
    span: u64,
}

impl RepeatCheck {
    /// Whether `cursor` equals the saved cursor; remembers it at the next
    /// power of two.
    fn seen(&mut self, cursor: &str) -> bool {
        if self.saved.as_deref() == Some(cursor) {
            return true;
        }
        self.since_saved += 1;
        if self.since_saved >= self.span {
            self.saved = Some(cursor.to_owned());
            self.since_saved = 0;
            self.span = (self.span * 2).max(1);
        }
        false
    }
}

/// Reads the cursor at `pointer` (a JSON pointer such as `/cursor` or
/// `/cursors/after`) in an answer's `result_info`. A missing or `null`
/// value, or a missing `result_info`, is no cursor; a number is read as its
/// text, since a cursor is only ever sent back. Anything else is an
/// [`Error::Pagination`] of `operation`.
pub fn cursor_at(
    operation: &str,
    result_info: Option<&Value>,
    pointer: &str,
) -> Result<Option<String>, Error> {
    match result_info.and_then(|info| info.pointer(pointer)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(cursor)) => Ok(Some(cursor.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(Error::pagination(
            operation.to_owned(),
            format!("the cursor at `result_info{pointer}` is not a string: {other}"),
        )),
    }
}

/// One page of a page-number-paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberedPage<T> {
    /// The items of the page, in the server's order.
    pub items: Vec<T>,
    /// What the answer's `result_info` says about the pages.
    pub info: PageInfo,
}

impl<T> NumberedPage<T> {
    /// A page of `items` described by `info`.
    pub fn new(items: Vec<T>, info: PageInfo) -> Self {
        NumberedPage { items, info }
    }
}

/// The page-number fields of a `result_info`; each is `None` when absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageInfo {
    /// The page this answer is (from 1).
    pub page: Option<u64>,
    /// How many items a full page holds.
    pub per_page: Option<u64>,
    /// How many pages the list has.
    pub total_pages: Option<u64>,
    /// How many items the list has.
    pub total_count: Option<u64>,
}

impl PageInfo {
    /// Reads `page`, `per_page`, `total_pages` and `total_count` from a
    /// `result_info` object. Integers sent as floats (`3.0`) count; any
    /// other value is ignored, as if absent.
    pub fn from_result_info(result_info: Option<&Value>) -> Self {
        let field = |name: &str| result_info.and_then(|info| info.get(name)).and_then(whole);
        PageInfo {
            page: field("page"),
            per_page: field("per_page"),
            total_pages: field("total_pages"),
            total_count: field("total_count"),
        }
    }
}

fn whole(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        let float = value.as_f64()?;
        (float >= 0.0 && float.fract() == 0.0 && float <= u64::MAX as f64).then_some(float as u64)
    })
}

/// What a [`PageStream`] does once its buffered items are yielded.
enum PageNext {
    /// Fetch this page.
    Fetch(u64),
    /// Yield this error; resuming starts at the page.
    Fail(u64, Box<Error>),
    /// An error was yielded while reading this page.
    Failed(u64),
    /// The last page was read.
    End,
}

/// The items of a page-number-paginated list, across every page; see the
/// [module docs](self).
///
/// Reads pages 1, 2, 3, … and stops after the page `total_pages` names,
/// once `total_count` items have arrived, after a page shorter than
/// `per_page`, or at an empty page, whichever the answers allow first. A
/// server that answers another page than the one asked for, or that has not
/// stopped after [`max_pages`](Self::max_pages) pages, ends the stream with
/// an [`Error::Pagination`].
pub struct PageStream<'a, T> {
    operation: Cow<'static, str>,
    fetcher: Fetcher<'a, u64, NumberedPage<T>>,
    /// The page whose items are buffered.
    current: u64,
    buffer: VecDeque<T>,
    next: PageNext,
    max_pages: u64,
    pages: u64,
    items: u64,
}

impl<'a, T> PageStream<'a, T> {
    /// A stream that calls `fetch` with page numbers from 1. `operation`
    /// names the operation in errors.
    pub fn new<F, Fut>(operation: impl Into<Cow<'static, str>>, fetch: F) -> Self
    where
        F: FnMut(u64) -> Fut + Send + 'a,
        Fut: Future<Output = Result<NumberedPage<T>, Error>> + Send + 'a,
    {
        PageStream {
            operation: operation.into(),
            fetcher: Fetcher::new(fetch),
            current: 1,
            buffer: VecDeque::new(),
            next: PageNext::Fetch(1),
            max_pages: DEFAULT_MAX_PAGES,
            pages: 0,
            items: 0,
        }
    }

    /// Starts at page `page` (from 1) instead of the first, as saved from
    /// [`position`](Self::position). Call it before the first item is read.
    pub fn resume_from(mut self, page: u64) -> Self {
        self.next = PageNext::Fetch(page.max(1));
        self
    }

    /// Sets how many pages are read at most before the stream ends with an
    /// error ([`DEFAULT_MAX_PAGES`] unless set).
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The page to resume from so that no item not yet yielded is missed
    /// (the page part-way yielded, or the one that failed), or `None` once
    /// every item has been yielded.
    pub fn position(&self) -> Option<u64> {
        if !self.buffer.is_empty() {
            return Some(self.current);
        }
        match &self.next {
            PageNext::Fetch(page) | PageNext::Fail(page, _) | PageNext::Failed(page) => Some(*page),
            PageNext::End => None,
        }
    }

    /// How many pages have been received so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Takes in page `number`: buffers its items and decides what comes
    /// next. A page the server numbers differently is dropped: its items
    /// belong to another page, likely one already read.
    fn accept(&mut self, number: u64, page: NumberedPage<T>) {
        self.pages += 1;
        let info = page.info;
        if let Some(answered) = info.page.filter(|&answered| answered != number) {
            let reason = format!("asked for page {number}, the server answered page {answered}");
            self.next = PageNext::Fail(number, Box::new(self.error(reason)));
            return;
        }
        let received = page.items.len() as u64;
        self.items += received;
        self.current = number;
        self.buffer.extend(page.items);
        let over = received == 0
            || info.total_pages.is_some_and(|total| number >= total)
            || info
                .total_count
                .is_some_and(|total| self.counted(number, info) >= total)
            || info.per_page.is_some_and(|per_page| received < per_page);
        self.next = if over {
            PageNext::End
        } else if self.pages >= self.max_pages {
            let reason = format!(
                "the server still had pages after {} pages; stopped instead of reading forever",
                self.max_pages
            );
            PageNext::Fail(number + 1, Box::new(self.error(reason)))
        } else {
            PageNext::Fetch(number + 1)
        };
    }

    /// How many items the list holds up to page `number`: from `per_page`
    /// when known (right after a resume too), else the items received.
    fn counted(&self, number: u64, info: PageInfo) -> u64 {
        info.per_page
            .map_or(self.items, |per_page| number.saturating_mul(per_page))
    }

    fn error(&self, reason: String) -> Error {
        Error::pagination(self.operation.clone(), reason)
    }
}

impl<T> Stream for PageStream<'_, T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            let number = match std::mem::replace(&mut this.next, PageNext::End) {
                PageNext::Fetch(number) => number,
                PageNext::Fail(number, error) => {
                    this.next = PageNext::Failed(number);
                    return Poll::Ready(Some(Err(*error)));
                }
                done @ (PageNext::Failed(_) | PageNext::End) => {
                    this.next = done;
                    return Poll::Ready(None);
                }
            };
            this.next = PageNext::Fetch(number);
            match ready!(this.fetcher.poll(number, cx)) {
                Ok(page) => this.accept(number, page),
                Err(error) => {
                    this.next = PageNext::Failed(number);
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
    }
}

/// The fetch closure and the page future are boxed and never pinned in
/// place, so the stream can be moved freely.
impl<T> Unpin for PageStream<'_, T> {}

impl<T> fmt::Debug for PageStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("operation", &self.operation)
            .field("position", &self.position())
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use futures::{StreamExt, TryStreamExt};
    use serde_json::json;

    use super::*;
    use crate::ErrorKind;

    /// A fake cursor server: page `i` answers `pages[i]` (items, next
    /// cursor); the cursor names the page index. Records each cursor sent.
    fn cursor_server(
        pages: Vec<(Vec<u32>, Option<&'static str>)>,
        sent: Arc<Mutex<Vec<Option<String>>>>,
    ) -> CursorStream<'static, u32> {
        CursorStream::new("list", move |cursor: Option<String>| {
            sent.lock().unwrap().push(cursor.clone());
            let index = cursor.map_or(0, |c| c.trim_start_matches('c').parse::<usize>().unwrap());
            let (items, next) = pages[index].clone();
            async move { Ok(CursorPage::new(items, next.map(str::to_owned))) }
        })
    }

    async fn drain<S: Stream<Item = Result<u32, Error>> + Unpin>(
        stream: &mut S,
    ) -> (Vec<u32>, Option<Error>) {
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(item) => items.push(item),
                Err(error) => {
                    assert!(
                        stream.next().await.is_none(),
                        "the stream ends after an error"
                    );
                    return (items, Some(error));
                }
            }
        }
        (items, None)
    }

    #[tokio::test]
    async fn follows_cursors_and_stops_at_an_empty_or_missing_one() {
        for last in [Some(""), None] {
            let sent = Arc::default();
            let pages = vec![
                (vec![1, 2], Some("c1")),
                (vec![], Some("c2")),
                (vec![3], last),
            ];
            let mut stream = cursor_server(pages, Arc::clone(&sent));
            let (items, error) = drain(&mut stream).await;
            assert_eq!(items, [1, 2, 3]);
            assert!(error.is_none());
            assert_eq!(stream.position(), Position::Finished);
            assert_eq!(stream.pages(), 3);
            let sent = sent.lock().unwrap().clone();
            assert_eq!(sent, [None, Some("c1".into()), Some("c2".into())]);
        }
    }

    #[tokio::test]
    async fn a_cursor_sent_back_unchanged_is_an_error_not_a_loop() {
        let sent = Arc::default();
        let pages = vec![(vec![1], Some("c1")), (vec![2], Some("c1"))];
        let mut stream = cursor_server(pages, Arc::clone(&sent));
        let (items, error) = drain(&mut stream).await;
        assert_eq!(items, [1, 2]);
        let error = error.expect("a repeated cursor ends the stream");
        assert_eq!(error.kind(), ErrorKind::Pagination);
        assert_eq!(
            error.to_string(),
            "list: the server sent cursor \"c1\" again after 2 pages; \
             stopped instead of reading the same pages forever"
        );
        assert_eq!(sent.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_long_loop_is_found_within_twice_its_length() {
        // Pages 0..100 lead on; then 100 -> 101 -> ... -> 149 -> 100 forever.
        let loop_start = 100;
        let loop_len = 50;
        let pages: Vec<_> = (0..loop_start + loop_len)
            .map(|i| {
                let next = if i + 1 == loop_start + loop_len {
                    loop_start
                } else {
                    i + 1
                };
                let cursor: &'static str = Box::leak(format!("c{next}").into_boxed_str());
                (vec![i as u32], Some(cursor))
            })
            .collect();
        let sent = Arc::default();
        let mut stream = cursor_server(pages, Arc::clone(&sent));
        let (items, error) = drain(&mut stream).await;
        assert_eq!(error.map(|e| e.kind()), Some(ErrorKind::Pagination));
        let fetched = sent.lock().unwrap().len();
        assert!(
            fetched >= loop_start + loop_len,
            "stopped at {fetched}, before the loop"
        );
        assert!(
            fetched <= loop_start + 3 * loop_len,
            "stopped late, after {fetched} pages"
        );
        assert_eq!(items.len(), fetched);
    }

    #[tokio::test]
    async fn a_long_listing_without_repeats_is_never_mistaken_for_a_loop() {
        let pages: Vec<_> = (0..5000)
            .map(|i| {
                let next =
                    (i + 1 < 5000).then(|| &*Box::leak(format!("c{}", i + 1).into_boxed_str()));
                (vec![i as u32], next)
            })
            .collect();
        let mut stream = cursor_server(pages, Arc::default());
        let (items, error) = drain(&mut stream).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(items.len(), 5000);
    }

    #[tokio::test]
    async fn position_names_the_page_to_resume_from() {
        let pages = vec![
            (vec![1, 2], Some("c1")),
            (vec![3, 4], Some("c2")),
            (vec![5], Some("")),
        ];
        let mut stream = cursor_server(pages.clone(), Arc::default());
        assert_eq!(stream.position(), Position::Start);
        let mut positions = Vec::new();
        while let Some(item) = stream.try_next().await.unwrap() {
            positions.push((item, format!("{:?}", stream.position())));
        }
        let expected = [
            (1, "Start"),
            (2, "Cursor(\"c1\")"),
            (3, "Cursor(\"c1\")"),
            (4, "Cursor(\"c2\")"),
            (5, "Finished"),
        ];
        assert_eq!(positions, expected.map(|(item, at)| (item, at.to_owned())));
        // Resuming where item 3 was read yields 3 again and then the rest.
        let sent = Arc::default();
        let resumed = cursor_server(pages, Arc::clone(&sent)).resume_from("c1");
        let items: Vec<u32> = resumed.try_collect().await.unwrap();
        assert_eq!(items, [3, 4, 5]);
        assert_eq!(sent.lock().unwrap()[0].as_deref(), Some("c1"));
    }

    #[tokio::test]
    async fn resuming_from_an_empty_cursor_starts_at_the_first_page() {
        let pages = vec![(vec![1], Some("c1")), (vec![2], None)];
        let sent = Arc::default();
        let stream = cursor_server(pages, Arc::clone(&sent)).resume_from("");
        let items: Vec<u32> = stream.try_collect().await.unwrap();
        assert_eq!(items, [1, 2]);
        assert_eq!(sent.lock().unwrap()[0], None);
    }

    #[tokio::test]
    async fn a_failed_page_ends_the_stream_at_a_resumable_position() {
        let calls = Arc::new(Mutex::new(0));
        let counter = Arc::clone(&calls);
        let mut stream = CursorStream::new("list", move |cursor: Option<String>| {
            *counter.lock().unwrap() += 1;
            async move {
                match cursor.as_deref() {
                    None => Ok(CursorPage::new(vec![1], Some("c1".to_owned()))),
                    Some(_) => Err(Error::invalid_input("cursor", "refused")),
                }
            }
        });
        let (items, error) = drain(&mut stream).await;
        assert_eq!(items, [1]);
        assert_eq!(error.unwrap().kind(), ErrorKind::InvalidInput);
        assert_eq!(stream.position(), Position::Cursor("c1"));
        assert_eq!(
            *calls.lock().unwrap(),
            2,
            "nothing is fetched after the error"
        );
    }

    #[test]
    fn cursor_at_reads_the_pointer_and_refuses_odd_values() {
        let kv = json!({"count": 1000, "cursor": "6Ck1la0VxJ0djhidm1MdX2FyD"});
        let after = json!({"cursors": {"after": "dGVzdA==", "before": "x"}});
        assert_eq!(
            cursor_at("op", Some(&kv), "/cursor").unwrap().as_deref(),
            Some("6Ck1la0VxJ0djhidm1MdX2FyD")
        );
        assert_eq!(
            cursor_at("op", Some(&after), "/cursors/after")
                .unwrap()
                .as_deref(),
            Some("dGVzdA==")
        );
        assert_eq!(cursor_at("op", Some(&kv), "/cursors/after").unwrap(), None);
        assert_eq!(cursor_at("op", None, "/cursor").unwrap(), None);
        assert_eq!(
            cursor_at("op", Some(&json!({"cursor": null})), "/cursor").unwrap(),
            None
        );
        assert_eq!(
            cursor_at("op", Some(&json!({"cursor": 17})), "/cursor")
                .unwrap()
                .as_deref(),
            Some("17")
        );
        let error = cursor_at("op", Some(&json!({"cursor": ["a"]})), "/cursor").unwrap_err();
        assert_eq!(
            error.to_string(),
            "op: the cursor at `result_info/cursor` is not a string: [\"a\"]"
        );
    }

    /// A fake page-number server over `total` items of which it answers
    /// `per_page` a page, with the `result_info` fields `fields` names.
    fn page_server(
        total: u32,
        per_page: u32,
        fields: &'static [&'static str],
        sent: Arc<Mutex<Vec<u64>>>,
    ) -> PageStream<'static, u32> {
        PageStream::new("list", move |page: u64| {
            sent.lock().unwrap().push(page);
            let start = (page as u32 - 1) * per_page;
            let items: Vec<u32> = (start..total.min(start + per_page)).collect();
            let mut info = serde_json::Map::new();
            let all = [
                ("page", page),
                ("per_page", per_page.into()),
                ("total_pages", total.div_ceil(per_page).into()),
                ("total_count", total.into()),
            ];
            for (name, value) in all.into_iter().filter(|(name, _)| fields.contains(name)) {
                info.insert(name.to_owned(), json!(value as f64));
            }
            let info = PageInfo::from_result_info(Some(&Value::Object(info)));
            async move { Ok(NumberedPage::new(items, info)) }
        })
    }

    #[tokio::test]
    async fn page_numbers_stop_at_whatever_the_answers_allow_first() {
        let cases: [(&[&str], usize); 5] = [
            (&["page", "per_page", "total_pages", "total_count"], 3),
            (&["total_pages"], 3),
            (&["total_count", "per_page"], 3),
            (&["per_page"], 3),
            // Nothing tells the end: an empty page does.
            (&[], 4),
        ];
        for (fields, requests) in cases {
            let sent = Arc::default();
            let stream = page_server(25, 10, fields, Arc::clone(&sent));
            let items: Vec<u32> = stream.try_collect().await.unwrap();
            assert_eq!(items, (0..25).collect::<Vec<_>>(), "fields {fields:?}");
            assert_eq!(
                *sent.lock().unwrap(),
                (1..=requests as u64).collect::<Vec<_>>()
            );
        }
        // A count that fills the last page exactly: no extra request.
        let sent = Arc::default();
        let items: Vec<u32> = page_server(30, 10, &["total_count"], Arc::clone(&sent))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 30);
        assert_eq!(sent.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_server_that_ignores_the_page_number_is_caught() {
        let mut stream = PageStream::new("list", |_page: u64| async {
            let info = PageInfo::from_result_info(Some(&json!({"page": 1, "per_page": 2})));
            Ok(NumberedPage::new(vec![1, 2], info))
        });
        let (items, error) = drain(&mut stream).await;
        assert_eq!(items, [1, 2]);
        assert_eq!(
            error.unwrap().to_string(),
            "list: asked for page 2, the server answered page 1"
        );
        assert_eq!(stream.position(), Some(2));
    }

    #[tokio::test]
    async fn a_server_that_never_ends_is_stopped_at_max_pages() {
        let mut stream = PageStream::new("list", |page: u64| async move {
            Ok(NumberedPage::new(vec![page as u32], PageInfo::default()))
        })
        .max_pages(50);
        let (items, error) = drain(&mut stream).await;
        assert_eq!(items, (1..=50).collect::<Vec<_>>());
        assert_eq!(
            error.unwrap().to_string(),
            "list: the server still had pages after 50 pages; stopped instead of reading forever"
        );
        assert_eq!(stream.position(), Some(51));
    }

    #[tokio::test]
    async fn page_streams_resume_from_a_page() {
        let sent = Arc::default();
        let stream = page_server(25, 10, &["per_page", "total_count"], Arc::clone(&sent));
        let items: Vec<u32> = stream.resume_from(2).try_collect().await.unwrap();
        assert_eq!(items, (10..25).collect::<Vec<_>>());
        assert_eq!(*sent.lock().unwrap(), [2, 3]);
    }

    #[test]
    fn page_info_reads_whole_numbers_only() {
        let info = PageInfo::from_result_info(Some(&json!({
            "page": 2.0, "per_page": 20, "total_pages": "3", "total_count": 1.5
        })));
        assert_eq!(info.page, Some(2));
        assert_eq!(info.per_page, Some(20));
        assert_eq!(info.total_pages, None);
        assert_eq!(info.total_count, None);
        assert_eq!(PageInfo::from_result_info(None), PageInfo::default());
    }

    #[test]
    fn streams_are_send_so_they_can_be_spawned() {
        fn is_send<S: Send>(_: &S) {}
        is_send(&cursor_server(Vec::new(), Arc::default()));
        is_send(&page_server(0, 1, &[], Arc::default()));
    }
}
