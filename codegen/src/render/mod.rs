//! Stage 3: render. Turns the IR into Rust tokens with `quote!`; never sees `openapiv3`.
//!
//! Generated code stays thin: validation, path encoding, authentication, retries and
//! the error type live in the hand-written `cfgen_runtime` crate that it calls.

mod client;
pub(crate) mod docs;
mod features;
mod operations;
mod request;
mod stream;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::error::Result;
use crate::ir::{Api, TypeRef};
use crate::naming::RustName;
use crate::products::Products;

/// Renders the whole API, each part in name order: types, the `Client` with one
/// `impl` block of operation methods, the result aliases and the request builders.
pub fn render(api: &Api) -> TokenStream {
    let owners = types::field_owners(api);
    let types = api
        .types
        .values()
        .map(|def| types::render_type(def, api, owners.get(def.name.as_str())));
    let client = client::render_client();
    let methods = api
        .operations
        .values()
        .map(|op| operations::render_methods(op, api));
    let aliases = api.operations.values().filter_map(operations::render_alias);
    let builders = api
        .operations
        .values()
        .filter_map(|op| operations::render_builder(op, api));
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

/// Renders the whole API with every item behind the Cargo features of its products
/// (see [`features`]): types, then per product an `impl Client` block of its methods,
/// its aliases and builders, and a module that lists them; then the feature map.
pub fn render_gated(api: &Api, products: &Products) -> Result<TokenStream> {
    let owners = types::field_owners(api);
    let type_products = features::type_products(api, products);
    let mut out = TokenStream::new();
    for def in api.types.values() {
        let users = type_products
            .get(def.name.as_str())
            .cloned()
            .unwrap_or_default();
        let cfg = features::cfg(users);
        let items = types::render_type(def, api, owners.get(def.name.as_str()));
        out.extend(features::gate(items, &cfg)?);
    }
    out.extend(client::render_client());
    for product in products.tags.keys() {
        let keyed: Vec<_> = api
            .operations
            .iter()
            .filter(|(key, _)| products.of_operation.get(*key) == Some(product))
            .collect();
        let ops: Vec<_> = keyed.iter().map(|(_, op)| *op).collect();
        let cfg = features::cfg([product.as_str()]);
        let methods = ops.iter().map(|op| operations::render_methods(op, api));
        let impl_block = quote! { impl Client { #(#methods)* } };
        out.extend(features::gate(impl_block, &cfg)?);
        let aliases = ops.iter().filter_map(|op| operations::render_alias(op));
        let builders = ops
            .iter()
            .filter_map(|op| operations::render_builder(op, api));
        out.extend(features::gate(quote!(#(#aliases)* #(#builders)*), &cfg)?);
        out.extend(features::product_module(product, &keyed, products, &cfg));
    }
    out.extend(features::feature_map(api, products));
    Ok(out)
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
