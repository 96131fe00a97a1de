//! Stage 3: render. Turns the IR into Rust tokens with `quote!`; never sees `openapiv3`.
//!
//! Generated code stays thin: validation, path encoding, authentication, retries and
//! the error type live in the hand-written `cfgen_runtime` crate that it calls.

mod client;
pub(crate) mod docs;
mod family;
mod operations;
mod request;
mod stream;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, TypeRef};
use crate::naming::RustName;

pub use family::{Family, SHARED, render_family};

/// Renders the whole API, each part in name order: types, the `Client` with one
/// `impl` block of operation methods, the result aliases and the request builders.
pub fn render(api: &Api) -> TokenStream {
    let host = Host::Client;
    let owners = types::field_owners(api);
    let types = api
        .types
        .values()
        .map(|def| types::render_type(def, api, owners.get(def.name.as_str()), &host));
    let client = client::render_client(client::Grouping::Methods);
    let methods = api
        .operations
        .values()
        .map(|op| operations::render_methods(op, api, &host));
    let aliases = api
        .operations
        .values()
        .filter_map(|op| operations::render_alias(op, &host));
    let builders = api
        .operations
        .values()
        .filter_map(|op| operations::render_builder(op, api, &host));
    quote! {
        #(#types)*
        #client
        impl Client {
            #(#methods)*
        }
        #(#aliases)*
        #(#builders)*
    }
}

/// The type whose methods an operation's calls are.
pub enum Host {
    /// The generated `Client`, which owns the runtime client.
    Client,
    /// A product's handle (`WorkersKvApi<'a>`), which borrows the runtime client and
    /// is `Copy`, so its methods take it by value.
    Handle(Ident),
}

impl Host {
    /// The link to a method in documentation: `` [`Client::op`] ``, or the method in a
    /// code span when its name is a raw identifier (intra-doc links do not take them).
    fn method_link(&self, method: &RustName) -> String {
        let host = match self {
            Host::Client => "Client".to_string(),
            Host::Handle(handle) => handle.to_string(),
        };
        let name = method.plain();
        if method.is_raw() {
            format!("`{host}::{name}`")
        } else {
            format!("[`{host}::{name}`]")
        }
    }

    /// The receiver of a call.
    fn receiver(&self) -> TokenStream {
        match self {
            Host::Client => quote!(&self),
            Host::Handle(_) => quote!(self),
        }
    }

    /// The receiver of the method that returns a request builder, which borrows the
    /// runtime client for `'a`.
    fn builder_receiver(&self) -> TokenStream {
        match self {
            Host::Client => quote!(&'a self),
            Host::Handle(_) => quote!(self),
        }
    }

    /// The generics of that method: a handle's `'a` is its `impl`'s.
    fn builder_method_generics(&self, args: &request::Args) -> TokenStream {
        match self {
            Host::Client => args.generics_with_lifetime(),
            Host::Handle(_) => args.generics(),
        }
    }

    /// The runtime client, as a reference.
    fn runtime(&self) -> TokenStream {
        match self {
            Host::Client => quote!(&self.inner),
            Host::Handle(_) => quote!(self.inner),
        }
    }
}

/// An identifier from a type name or other name that is never a keyword.
fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The identifier of a snake_case name from `naming`: raw when `naming` says so.
fn value_ident(name: &RustName) -> Ident {
    if name.is_raw() {
        Ident::new_raw(name.plain(), Span::call_site())
    } else {
        Ident::new(name.plain(), Span::call_site())
    }
}

/// The owned Rust type of a [`TypeRef`].
fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Unsigned => quote!(u64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Bytes => quote!(::std::vec::Vec<u8>),
        TypeRef::Any => quote!(::serde_json::Value),
        TypeRef::Map(value) => {
            let value = rust_type(value);
            quote!(::std::collections::BTreeMap<::std::string::String, #value>)
        }
        TypeRef::Array(item) => {
            let item = rust_type(item);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
        TypeRef::Nullable(inner) => {
            let inner = rust_type(inner);
            quote!(::std::option::Option<#inner>)
        }
    }
}
