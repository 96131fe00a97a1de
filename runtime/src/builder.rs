//! Configuration: [`ClientBuilder`], from code or from the environment.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::client::{Client, Inner};
use crate::credentials::{BASE_URL_VAR, Credentials};
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
    credentials: Option<Credentials>,
    retry_policy: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    rate_limit: Option<RateLimit>,
    timer: Arc<dyn Timer>,
    user_agent: String,
}

impl ClientBuilder {
    /// A builder with the defaults: [`DEFAULT_BASE_URL`], no credentials,
    /// [`RetryPolicy::default`], [`DEFAULT_CONNECT_TIMEOUT`],
    /// [`DEFAULT_REQUEST_TIMEOUT`], no client-side rate limit.
    pub fn new() -> Self {
        ClientBuilder {
            client: PhantomData,
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials: None,
            retry_policy: RetryPolicy::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            rate_limit: None,
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
    /// `CLOUDFLARE_BASE_URL` when set.
    pub fn from_env_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let credentials = Credentials::from_env_vars(&lookup)?;
        let mut builder = Self::new().credentials(credentials);
        let base_url = lookup(BASE_URL_VAR)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if let Some(base_url) = base_url {
            parse_base_url(&base_url)
                .map_err(|reason| Error::config(format!("{BASE_URL_VAR}: {reason}")))?;
            builder = builder.base_url(base_url);
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
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
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
    /// given a clone of `rate_limit`) sends per window.
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = Some(rate_limit);
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
        let base_url = parse_base_url(&self.base_url).map_err(Error::config)?;
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
        Ok(C::from(Client::from_inner(Inner {
            http,
            base_url,
            credentials: self.credentials,
            auth_headers,
            retry_policy: self.retry_policy,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            rate_limit: self.rate_limit,
            timer: self.timer,
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
            credentials: self.credentials.clone(),
            retry_policy: self.retry_policy.clone(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            rate_limit: self.rate_limit.clone(),
            timer: Arc::clone(&self.timer),
            user_agent: self.user_agent.clone(),
        }
    }
}

/// Shows the configuration; credentials are redacted by their own `Debug`.
impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("retry_policy", &self.retry_policy)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("rate_limit", &self.rate_limit)
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

/// Parses and normalises a base URL: http or https, no credentials, query or
/// fragment, and no trailing slash on the path. Errors never echo a URL that
/// holds credentials.
pub(crate) fn parse_base_url(raw: &str) -> Result<Url, String> {
    let mut url = Url::parse(raw.trim()).map_err(|e| format!("invalid base url `{raw}`: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("base url must not contain a user name or password".to_owned());
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("base url `{raw}` must use http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "base url `{raw}` must not have a query or fragment"
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::parse_base_url;

    #[test]
    fn base_urls_are_normalised_and_checked() {
        let ok = |raw| parse_base_url(raw).unwrap().to_string();
        assert_eq!(
            ok("https://api.cloudflare.com/client/v4/"),
            "https://api.cloudflare.com/client/v4"
        );
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        let err = |raw| parse_base_url(raw).unwrap_err();
        assert_eq!(
            err("ftp://x/"),
            "base url `ftp://x/` must use http or https"
        );
        assert_eq!(
            err("https://x/v4?a=1"),
            "base url `https://x/v4?a=1` must not have a query or fragment"
        );
        assert_eq!(
            err("https://user:hunter2@x/"),
            "base url must not contain a user name or password"
        );
        assert!(err("not a url").starts_with("invalid base url `not a url`: "));
    }
}
