//! Render, client: the generated `Client` type that every operation is a method of.
//!
//! The type wraps the runtime's client, so operations are inherent methods (no trait to
//! import), while retries, credentials and the rate limit stay in `cfgen_runtime`.

use proc_macro2::TokenStream;
use quote::quote;

/// The methods the `Client` has whatever the document: a product accessor must not take
/// one of these names.
pub const METHODS: [&str; 5] = [
    "from_env",
    "builder",
    "from_runtime",
    "as_runtime",
    "into_runtime",
];

/// Where the operations are: methods of the `Client`, or of product handles.
pub enum Grouping {
    /// Every operation is a method of the `Client`.
    Methods,
    /// The `Client` has a method per product that returns the product's handle.
    Products,
}

/// The `Client` struct, its constructors and its conversions.
pub fn render_client(grouping: Grouping) -> TokenStream {
    let lead = match grouping {
        Grouping::Methods => quote! {
            /// A Cloudflare API client; every operation is a method.
        },
        Grouping::Products => quote! {
            /// A Cloudflare API client. Each product enabled by its Cargo feature is a
            /// method that returns the product's handle, whose methods are its operations:
            /// `client.workers_kv().workers_kv_namespace_list_namespaces(account)`.
        },
    };
    quote! {
        #lead
        ///
        /// Build it once with [`Client::from_env`] or [`Client::builder`], then clone it
        /// where needed: clones share the connection pool and the client-side rate limit.
        /// Each operation comes in two forms: `op(..)` returns what the operation answers
        /// with (the envelope's `result`), `op_with_response(..)` (or
        /// `.send_with_response()` on a request builder) returns a
        /// [`cfgen_runtime::ApiResponse`] that also holds the HTTP status, the headers,
        /// `messages` and `result_info`.
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: ::cfgen_runtime::Client,
        }

        impl Client {
            /// A client configured from `CLOUDFLARE_API_TOKEN` (or `CLOUDFLARE_EMAIL` and
            /// `CLOUDFLARE_API_KEY`) and, optionally, `CLOUDFLARE_BASE_URL`.
            pub fn from_env() -> ::std::result::Result<Self, ::cfgen_runtime::Error> {
                ::cfgen_runtime::Client::from_env().map(Self::from_runtime)
            }

            /// A builder for credentials, retries, timeouts and a client-side rate limit;
            /// its `build()` returns this client.
            pub fn builder() -> ::cfgen_runtime::ClientBuilder<Self> {
                ::cfgen_runtime::ClientBuilder::new().for_client()
            }

            /// Wraps a runtime client, sharing its connections and rate limit.
            pub fn from_runtime(inner: ::cfgen_runtime::Client) -> Self {
                Self { inner }
            }

            /// The runtime client: its retry policy, base URL and raw `send`.
            pub fn as_runtime(&self) -> &::cfgen_runtime::Client {
                &self.inner
            }

            /// The runtime client, unwrapped.
            pub fn into_runtime(self) -> ::cfgen_runtime::Client {
                self.inner
            }
        }

        impl ::std::convert::From<::cfgen_runtime::Client> for Client {
            fn from(inner: ::cfgen_runtime::Client) -> Self {
                Self::from_runtime(inner)
            }
        }
    }
}
