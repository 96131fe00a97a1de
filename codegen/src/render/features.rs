//! Render, features: gates every item behind the Cargo features of the products that use
//! it, so a crate generated with products compiles only what its enabled features reach.
//!
//! An operation's methods, result alias and request builder belong to its product; a
//! type belongs to every product one of whose operations reaches it, and compiles when
//! any of them is enabled (`#[cfg(any(feature = "a", feature = "b"))]`).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{self, code_span};
use crate::error::{Error, Result};
use crate::ir::{Api, Operation, ResponseBody, TypeKind, TypeRef};
use crate::naming;
use crate::products::Products;

/// The products of each named type: those whose operations reach it.
pub fn type_products<'a>(
    api: &'a Api,
    products: &'a Products,
) -> BTreeMap<&'a str, BTreeSet<&'a str>> {
    let mut owners: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (key, op) in &api.operations {
        let Some(product) = products.of_operation.get(key) else {
            continue;
        };
        for name in reachable(api, op) {
            owners.entry(name).or_default().insert(product.as_str());
        }
    }
    owners
}

/// Every named type that an operation's signature reaches, through fields and variants.
fn reachable<'a>(api: &'a Api, op: &'a Operation) -> BTreeSet<&'a str> {
    let mut stack: Vec<&str> = Vec::new();
    for param in &op.params {
        named(&param.ty, &mut stack);
    }
    if let Some(body) = &op.body {
        named(&body.ty, &mut stack);
    }
    if let ResponseBody::Envelope(Some(ty)) | ResponseBody::Json(ty) = &op.response.body {
        named(ty, &mut stack);
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if !seen.insert(name) {
            continue;
        }
        match api.types.get(name).map(|def| &def.kind) {
            Some(TypeKind::Struct(fields)) => fields.iter().for_each(|f| named(&f.ty, &mut stack)),
            Some(TypeKind::Untagged(variants)) => {
                variants.iter().for_each(|v| named(v, &mut stack))
            }
            Some(TypeKind::Enum(_)) | None => {}
        }
    }
    seen
}

/// Pushes the named types inside `ty`.
fn named<'a>(ty: &'a TypeRef, out: &mut Vec<&'a str>) {
    match ty {
        TypeRef::Named(name) => out.push(name),
        TypeRef::Map(inner) | TypeRef::Array(inner) | TypeRef::Nullable(inner) => named(inner, out),
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Unsigned
        | TypeRef::Number
        | TypeRef::Boolean
        | TypeRef::Bytes
        | TypeRef::Any => {}
    }
}

/// The `cfg` attribute that enables an item when any of `features` is on.
pub fn cfg<'a>(features: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let features: Vec<&str> = features.into_iter().collect();
    match features.as_slice() {
        [one] => quote!(#[cfg(feature = #one)]),
        many => quote!(#[cfg(any(#(feature = #many),*))]),
    }
}

/// Puts `cfg` on every item of `items`: one type renders as several items (the type,
/// its `impl`s), and each must go when the type goes.
pub fn gate(items: TokenStream, cfg: &TokenStream) -> Result<TokenStream> {
    let file: syn::File = syn::parse2(items).map_err(|e| Error::Internal(e.to_string()))?;
    let items = file.items.iter().map(|item| quote!(#cfg #item));
    Ok(quote!(#(#items)*))
}

/// The module of one product: its documentation, listing its operations' methods under
/// the tags the document gives them.
pub fn product_module(
    product: &str,
    ops: &[(&String, &Operation)],
    products: &Products,
    cfg: &TokenStream,
) -> TokenStream {
    let module = super::value_ident(&naming::value_name(product));
    let mut lines = vec![format!(
        " The operations of the `{product}` product, compiled with the Cargo feature \
         `{product}`: {} methods of [`Client`](super::Client), by tag.",
        ops.len()
    )];
    let mut by_tag: BTreeMap<Option<&String>, Vec<&Operation>> = BTreeMap::new();
    for (key, op) in ops {
        by_tag
            .entry(products.tag_of.get(*key))
            .or_default()
            .push(op);
    }
    for (tag, ops) in by_tag {
        let heading = tag.map_or_else(|| "Without a tag".to_string(), |t| docs::one_line(t));
        lines.extend([
            String::new(),
            format!(" # {}", escape_markdown(&heading)),
            String::new(),
        ]);
        lines.extend(ops.iter().map(|op| method_line(op)));
    }
    quote! {
        #cfg
        #(#[doc = #lines])*
        pub mod #module {}
    }
}

/// Text with the characters that Markdown or rustdoc would read as markup escaped.
fn escape_markdown(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '&' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// One list item: the method (linked when its name is not a raw identifier), the
/// HTTP method and the path.
fn method_line(op: &Operation) -> String {
    let path = code_span(&op.path.raw);
    let method = op.method.wire();
    let name = op.fn_name.plain();
    if op.fn_name.is_raw() {
        format!(" - `Client::{name}`: `{method}` {path}")
    } else {
        format!(" - [`Client::{name}`](super::Client::{name}): `{method}` {path}")
    }
}

/// The `feature_map` module: a table of every feature, the module documenting it, its
/// number of operations and the tags it covers, then the family features.
pub fn feature_map(api: &Api, products: &Products) -> TokenStream {
    let mut lines = vec![
        " Every Cargo feature of this crate: one per product, derived from the OpenAPI \
         document (component-name prefixes, then tags); `full` enables them all."
            .to_string(),
        String::new(),
        " | feature | operations | tags |".to_string(),
        " |---|---|---|".to_string(),
    ];
    for (product, tags) in &products.tags {
        let count = api
            .operations
            .keys()
            .filter(|key| products.of_operation.get(*key) == Some(product))
            .count();
        let tags: Vec<String> = tags
            .iter()
            .map(|t| code_span(t).replace('|', "\\|"))
            .collect();
        lines.push(format!(" | `{product}` | {count} | {} |", tags.join(", ")));
    }
    if !products.families.is_empty() {
        lines.push(String::new());
        lines.push(" Features that enable a family of products:".to_string());
        lines.push(String::new());
        for (family, members) in &products.families {
            let members: Vec<String> = members.iter().map(|m| format!("`{m}`")).collect();
            lines.push(format!(" - `{family}`: {}", members.join(", ")));
        }
    }
    quote! {
        #(#[doc = #lines])*
        pub mod feature_map {}
    }
}

#[cfg(test)]
mod tests {
    use crate::{Document, Settings, generate};

    /// Two products that share one schema, and one schema each.
    const SPEC: &str = r##"{"openapi":"3.0.3","info":{"title":"t","version":"1"},
      "paths":{
        "/a":{"get":{"operationId":"get-a","tags":["A"],"responses":{"200":{"description":"",
          "content":{"application/json":{"schema":{"$ref":"#/components/schemas/alpha_thing"}}}}}}},
        "/b":{"get":{"operationId":"get-b","tags":["B"],"responses":{"200":{"description":"",
          "content":{"application/json":{"schema":{"$ref":"#/components/schemas/beta_thing"}}}}}}}},
      "components":{"schemas":{
        "alpha_thing":{"type":"object","properties":{"s":{"$ref":"#/components/schemas/alpha_shared"}}},
        "beta_thing":{"type":"object","properties":{"s":{"$ref":"#/components/schemas/alpha_shared"}}},
        "alpha_shared":{"type":"object","properties":{"n":{"type":"string"}}}}}}"##;

    fn gated() -> crate::Generated {
        let doc = Document::from_text("t.json", SPEC).unwrap();
        let settings = Settings {
            all: true,
            features: true,
            ..Settings::default()
        };
        generate(&doc, &settings).unwrap()
    }

    /// The `cfg` line right before the item that declares `decl`.
    fn cfg_of<'a>(code: &'a str, decl: &str) -> &'a str {
        let at = code
            .find(decl)
            .unwrap_or_else(|| panic!("{decl} missing:\n{code}"));
        let cfg = code[..at].rfind("#[cfg(").expect("a cfg before the item");
        code[cfg..].lines().next().unwrap()
    }

    #[test]
    fn a_shared_type_compiles_with_any_user_and_the_rest_with_its_own_product() {
        let code = gated().code;
        assert_eq!(
            cfg_of(&code, "pub struct AlphaShared"),
            r#"#[cfg(any(feature = "alpha", feature = "beta"))]"#
        );
        assert_eq!(
            cfg_of(&code, "pub struct GetAResponse"),
            r#"#[cfg(feature = "alpha")]"#
        );
        assert_eq!(
            cfg_of(&code, "pub struct GetBResponse"),
            r#"#[cfg(feature = "beta")]"#
        );
        assert_eq!(
            cfg_of(&code, "pub async fn get_b("),
            r#"#[cfg(feature = "beta")]"#
        );
        assert_eq!(
            cfg_of(&code, "pub mod alpha"),
            r#"#[cfg(feature = "alpha")]"#
        );
        // The client itself is never gated.
        let client = code
            .find("/// A Cloudflare API client")
            .expect("the client");
        let before = code[..client].trim_end().lines().last().unwrap();
        assert!(
            !before.starts_with("#[cfg("),
            "the client is gated: {before}"
        );
    }

    #[test]
    fn gated_generation_is_deterministic() {
        let first = gated();
        for _ in 0..9 {
            assert_eq!(gated(), first, "same input, different bytes");
        }
    }

    #[test]
    fn the_features_table_lists_full_and_every_product() {
        let features = gated().features.expect("features are on");
        assert_eq!(
            features,
            "default = []\nfull = [\n    \"alpha\",\n    \"beta\",\n]\nalpha = []\nbeta = []\n"
        );
        let plain = generate(
            &Document::from_text("t.json", SPEC).unwrap(),
            &Settings {
                all: true,
                ..Settings::default()
            },
        )
        .unwrap();
        assert_eq!(plain.features, None);
        assert!(
            !plain.code.contains("#[cfg("),
            "no gating without `features`"
        );
    }
}
