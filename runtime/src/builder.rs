//! Configuration: [`ClientBuilder`], from code or from the environment. It
//! is the one place every setting lives; [`ClientBuilder::build`] checks them
//! all.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::base_url;
use crate::client::{Client, Inner};
use crate::credentials::{BASE_URL_VAR, Credentials};
use crate::throttle::{PauseInfo, PauseObserver, Throttle};
use crate::timer::{Timer, TokioTimer};
use crate::{Error, RateLimit, RetryPolicy};

/// The Cloudflare API base URL used unless another is set.
pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";
/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time allowed for one attempt, answer body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds a [`Client`]; start with [`Client::builder`] or
/// [`ClientBuilder::from_env`].
///
/// ```
/// use std::time::Duration;
/// use cfgen_runtime::{Client, Credentials, RetryPolicy};
///
/// let client = Client::builder()
///     .credentials(Credentials::api_token("my-token"))
///     .request_timeout(Duration::from_secs(30))
///     .retry_policy(RetryPolicy::default().with_max_attempts(3))
///     .build()?;
/// assert_eq!(client.base_url(), "https://api.cloudflare.com/client/v4");
/// # Ok::<(), cfgen_runtime::Error>(())
/// ```
///
/// `C` is the client type [`build`](ClientBuilder::build) returns: this
/// crate's [`Client`], or a generated client that wraps it (any type that is
/// `From<Client>`), whose `builder()` starts from
/// [`for_client`](ClientBuilder::for_client).
pub struct ClientBuilder<C = Client> {
    client: PhantomData<fn() -> C>,
    base_url: String,
    /// The environment variable the base URL came from, for messages.
    base_url_var: Option<&'static str>,
    credentials: Option<Credentials>,
    retry_policy: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    rate_limit: Option<RateLimit>,
    server_pacing: bool,
    on_pause: Option<PauseObserver>,
    timer: Arc<dyn Timer>,
    user_agent: String,
}

impl ClientBuilder {
    /// A builder with the defaults: [`DEFAULT_BASE_URL`], no credentials,
    /// [`RetryPolicy::default`], [`DEFAULT_CONNECT_TIMEOUT`],
    /// [`DEFAULT_REQUEST_TIMEOUT`], no client-side rate limit, pacing from
    /// the server's `RateLimit` headers on.
    pub fn new() -> Self {
        ClientBuilder {
            client: PhantomData,
            base_url: DEFAULT_BASE_URL.to_owned(),
            base_url_var: None,
            credentials: None,
            retry_policy: RetryPolicy::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            rate_limit: None,
            server_pacing: true,
            on_pause: None,
            timer: Arc::new(TokioTimer),
            user_agent: concat!("cfgen-runtime/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// A builder configured from the process environment; see
    /// [`ClientBuilder::from_env_vars`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_vars(|name| std::env::var(name).ok())
    }

    /// A builder configured through `lookup` (so tests need not touch the
    /// process environment): credentials as in
    /// [`Credentials::from_env_vars`], and the base URL from
    /// `CLOUDFLARE_BASE_URL` when set. The base URL is checked by
    /// [`build`](ClientBuilder::build), like every other setting, and its
    /// errors name the variable.
    pub fn from_env_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let credentials = Credentials::from_env_vars(&lookup)?;
        let mut builder = Self::new().credentials(credentials);
        let base_url = lookup(BASE_URL_VAR)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if let Some(base_url) = base_url {
            builder = builder.base_url(base_url);
            builder.base_url_var = Some(BASE_URL_VAR);
        }
        Ok(builder)
    }
}

impl<C> ClientBuilder<C> {
    /// The same configuration, building a `D` instead: how a generated
    /// client's `builder()` starts.
    pub fn for_client<D>(self) -> ClientBuilder<D> {
        self.clone_as()
    }

    /// Sets the base URL; request paths are appended to its path, so
    /// `https://api.cloudflare.com/client/v4` keeps its `/client/v4`.
    ///
    /// It must be `https`, except that plain `http` is accepted for loopback
    /// hosts (127.0.0.0/8, `::1`, `localhost`) where tests and local mocks
    /// listen: anywhere else it would send the credentials in clear text. It
    /// must not hold a user name, password, query or fragment; errors show
    /// it with those parts replaced by `<redacted>`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self.base_url_var = None;
        self
    }

    /// Sets the credentials. Without any, requests are sent unauthenticated,
    /// which only a few endpoints (such as `/ips`) accept.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Shorthand for `credentials(Credentials::api_token(token))`.
    pub fn api_token(self, token: impl Into<String>) -> Self {
        self.credentials(Credentials::api_token(token))
    }

    /// Sets the retry policy; [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, retry_policy: RetryPolicy) -> Self {
        self.retry_policy = retry_policy;
        self
    }

    /// Sets the time allowed to open a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time allowed for one attempt, from sending to the end of the
    /// answer body. Each retry gets the full time again.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Limits the requests this client (and its clones, and other clients
    /// given a clone of `rate_limit`) sends per window. It applies on top of
    /// [`server_pacing`](ClientBuilder::server_pacing), and alone when the
    /// server sends no `RateLimit` headers.
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = Some(rate_limit);
        self
    }

    /// Turns pacing from the server's `RateLimit` / `RateLimit-Policy`
    /// headers on (the default) or off. When on, each successful answer that
    /// carries them sets the client's budget: the requests the server says
    /// remain, less the client's requests still in flight (the answer
    /// cannot count them yet), less those sent since. When the budget is
    /// spent, requests wait for the server's window to reset instead of
    /// running into a 429, which at Cloudflare blocks every call of the user
    /// for five minutes.
    pub fn server_pacing(mut self, enabled: bool) -> Self {
        self.server_pacing = enabled;
        self
    }

    /// Calls `observer` when the client starts a pause of a second or more
    /// (every request waits: the server asked, the budget is spent, or the
    /// client-side limit is full), and when it starts refusing requests
    /// because the server asked for a longer wait than
    /// [`RetryPolicy::max_server_wait`]. Each pause is reported once;
    /// answers that move its end by a second or less are not reported
    /// again. [`Client::pause`] tells whether a pause is still in force.
    ///
    /// The observer runs on the task that hit the pause, so it should be
    /// quick (print a line, update a progress bar). Pauses are also logged
    /// with `tracing` at info level (refusals at warn).
    ///
    /// ```
    /// use cfgen_runtime::{Client, PauseInfo};
    ///
    /// let client = Client::builder()
    ///     .on_pause(|pause: &PauseInfo| {
    ///         let secs = pause.wait.as_secs();
    ///         eprintln!("{}: waiting {}m {}s", pause.reason, secs / 60, secs % 60);
    ///     })
    ///     .build()?;
    /// # Ok::<(), cfgen_runtime::Error>(())
    /// ```
    pub fn on_pause(mut self, observer: impl Fn(&PauseInfo) + Send + Sync + 'static) -> Self {
        self.on_pause = Some(Arc::new(observer));
        self
    }

    /// Replaces the clock and sleep used for retry delays and the rate limit
    /// (see [`ManualTimer`](crate::ManualTimer) for tests).
    pub fn timer(mut self, timer: impl Timer) -> Self {
        self.timer = Arc::new(timer);
        self
    }

    /// Sets the `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<C, Error>
    where
        C: From<Client>,
    {
        let base_url = base_url::parse(&self.base_url).map_err(|reason| Error::BaseUrl {
            url: base_url::redact(&self.base_url),
            variable: self.base_url_var,
            reason,
        })?;
        self.retry_policy.check()?;
        check_timeout("connect timeout", self.connect_timeout)?;
        check_timeout("request timeout", self.request_timeout)?;
        if let Some(rate_limit) = &self.rate_limit {
            rate_limit.check()?;
        }
        let auth_headers = match &self.credentials {
            Some(credentials) => credentials.headers()?,
            None => Default::default(),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            // The API does not redirect; following one would resend the
            // credentials somewhere unexpected, so a 3xx is an error.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        let throttle = Throttle::new(
            Arc::clone(&self.timer),
            self.rate_limit.clone(),
            self.server_pacing,
            self.on_pause,
        );
        Ok(C::from(Client::from_inner(Inner {
            http,
            base_url,
            credentials: self.credentials,
            auth_headers,
            retry_policy: self.retry_policy,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            rate_limit: self.rate_limit,
            server_pacing: self.server_pacing,
            timer: self.timer,
            throttle: Arc::new(throttle),
        })))
    }
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        self.clone_as()
    }
}

impl<C> ClientBuilder<C> {
    fn clone_as<D>(&self) -> ClientBuilder<D> {
        ClientBuilder {
            client: PhantomData,
            base_url: self.base_url.clone(),
            base_url_var: self.base_url_var,
            credentials: self.credentials.clone(),
            retry_policy: self.retry_policy.clone(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            rate_limit: self.rate_limit.clone(),
            server_pacing: self.server_pacing,
            on_pause: self.on_pause.clone(),
            timer: Arc::clone(&self.timer),
            user_agent: self.user_agent.clone(),
        }
    }
}

/// Shows the settings; the credentials and the base URL's user info, query
/// and fragment are redacted.
impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &base_url::redact(&self.base_url))
            .field("base_url_var", &self.base_url_var)
            .field("credentials", &self.credentials)
            .field("retry_policy", &self.retry_policy)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("rate_limit", &self.rate_limit)
            .field("server_pacing", &self.server_pacing)
            .field("on_pause", &self.on_pause.as_ref().map(|_| "<observer>"))
            .field("timer", &self.timer)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn check_timeout(what: &str, timeout: Duration) -> Result<(), Error> {
    if timeout.is_zero() {
        return Err(Error::config(format!("{what} must not be zero")));
    }
    Ok(())
}
