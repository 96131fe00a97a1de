//! Render, family: the whole API as a family of crates, one per product, behind a
//! facade crate whose Cargo features pull them in, so a user compiles only the products
//! they enable, and two cores compile the products of `full` side by side instead of
//! one crate of every product in a single compiler process.
//!
//! - A **product crate** (`{facade}-{product}`) holds the product's handle
//!   (`WorkersKvApi`), whose methods are its operations, the types only its operations
//!   reach, and its result aliases and request builders.
//! - A type that several products reach lives in the **shared crate**
//!   (`{facade}-shared`), behind the features of the products that use it
//!   (`#[cfg(any(feature = "a", feature = "b"))]`); it exists only when some type is
//!   shared.
//! - The **facade** holds the `Client`, one accessor per product (`client.workers_kv()`)
//!   and the product crates re-exported as modules (`workers_kv`), each behind its feature,
//!   and the feature map.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::{self, code_span};
use super::{Host, client, ident, operations, types, value_ident};
use crate::error::{Error, Result};
use crate::ir::{Api, Operation, ResponseBody, TypeKind, TypeRef};
use crate::naming;
use crate::products::Products;

/// The tokens of every crate of a family.
pub struct FamilyTokens {
    /// The facade's generated module.
    pub facade: TokenStream,
    /// The shared crate, when some type is used by several products.
    pub shared: Option<TokenStream>,
    /// Each product's crate, by product name.
    pub products: BTreeMap<String, TokenStream>,
    /// The products that use the shared crate.
    pub shared_users: BTreeSet<String>,
}

/// What a family is called: the facade crate's name, which prefixes the others'.
pub struct Family<'a> {
    /// The facade crate's package name, such as `cloudflare-typed`.
    pub facade: &'a str,
}

impl Family<'_> {
    /// The package name of a member crate: `{facade}-{member}`.
    pub fn package(&self, member: &str) -> String {
        format!("{}-{member}", self.facade)
    }

    /// The member crate as Rust code names it: `::cloudflare_typed_workers_kv`.
    fn path(&self, member: &str) -> TokenStream {
        let name = ident(&self.package(member).replace('-', "_"));
        quote!(::#name)
    }
}

/// The member that holds the types several products share.
pub const SHARED: &str = "shared";

/// Renders the family's crates.
pub fn render_family(api: &Api, products: &Products, family: &Family) -> Result<FamilyTokens> {
    let by_product = operations_by_product(api, products);
    let handles: BTreeMap<&str, Ident> = by_product
        .keys()
        .map(|product| (*product, handle_name(product, api)))
        .collect();
    let type_products = type_products(api, products);
    let owners = types::field_owners(api);
    let mut shared = TokenStream::new();
    let mut own: BTreeMap<&str, TokenStream> = BTreeMap::new();
    let mut uses_shared: BTreeSet<&str> = BTreeSet::new();
    for def in api.types.values() {
        let users = type_products
            .get(def.name.as_str())
            .cloned()
            .unwrap_or_default();
        let owner = owners.get(def.name.as_str());
        match users.len() {
            0 => {}
            1 => {
                let product = users.first().copied().unwrap_or_default();
                let host = Host::Handle(handles[product].clone());
                own.entry(product)
                    .or_default()
                    .extend(types::render_type(def, api, owner, &host));
            }
            _ => {
                let items = types::render_type(def, api, owner, &Host::Client);
                shared.extend(gate(items, &cfg(users.iter().copied()))?);
                uses_shared.extend(users);
            }
        }
    }
    let mut crates = BTreeMap::new();
    for (product, ops) in &by_product {
        let types = own.remove(product).unwrap_or_default();
        let shared = uses_shared.contains(product).then(|| family.path(SHARED));
        let handle = &handles[product];
        let code = product_crate(api, products, product, handle, ops, types, shared);
        crates.insert(product.to_string(), code);
    }
    let shared = (!shared.is_empty()).then(|| shared_crate(shared));
    let facade = Facade {
        by_product: &by_product,
        handles: &handles,
        shared: &uses_shared,
    };
    Ok(FamilyTokens {
        facade: facade.render(products, family),
        shared,
        products: crates,
        shared_users: uses_shared.iter().map(|p| p.to_string()).collect(),
    })
}

/// The operations of each product, by key, in key order.
type ByProduct<'a> = BTreeMap<&'a str, Vec<(&'a String, &'a Operation)>>;

/// Sorts the operations by product, once for every part that lists or counts them.
fn operations_by_product<'a>(api: &'a Api, products: &'a Products) -> ByProduct<'a> {
    let mut by_product: ByProduct = BTreeMap::new();
    for (key, op) in &api.operations {
        if let Some(product) = products.of_operation.get(key) {
            by_product.entry(product).or_default().push((key, op));
        }
    }
    by_product
}

/// The products of each named type: those whose operations reach it.
fn type_products<'a>(api: &'a Api, products: &'a Products) -> BTreeMap<&'a str, BTreeSet<&'a str>> {
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

/// The name of a product's handle: `WorkersKvApi`, or `WorkersKvHandle` when the
/// document already has a type of that name.
pub fn handle_name(product: &str, api: &Api) -> Ident {
    let base = naming::type_name(product);
    let name = [format!("{base}Api"), format!("{base}Handle")]
        .into_iter()
        .find(|n| !api.types.contains_key(n))
        .unwrap_or_else(|| format!("{base}ApiHandle"));
    ident(&name)
}

/// The attributes every generated crate root carries: rustfmt leaves the file alone
/// (it is `prettyplease`'s output), and two clippy style lints about the document's
/// own content are allowed: union variants are as large as the schemas Cloudflare
/// defines, and its prose puts lists and continuation lines together in ways
/// `doc_lazy_continuation` dislikes.
fn crate_attributes() -> TokenStream {
    quote! {
        #![cfg_attr(rustfmt, rustfmt::skip)]
        #![allow(clippy::large_enum_variant, clippy::doc_lazy_continuation)]
    }
}

/// One product's crate: its documentation (its methods by tag), its handle with the
/// operations as methods, its types, result aliases and request builders.
fn product_crate(
    api: &Api,
    products: &Products,
    product: &str,
    handle: &Ident,
    ops: &[(&String, &Operation)],
    types: TokenStream,
    shared: Option<TokenStream>,
) -> TokenStream {
    let host = Host::Handle(handle.clone());
    let docs = product_docs(product, ops, products, handle);
    let attributes = crate_attributes();
    let import = shared.map(|path| quote!(use #path::*;));
    let handle_doc = format!(
        " The operations of the `{product}` product, as methods. The facade crate's \
         `Client` hands one out; [`{handle}::new`] wraps a runtime client. It borrows the \
         client and is `Copy`, so calls can be chained from a temporary."
    );
    let methods = ops
        .iter()
        .map(|(_, op)| operations::render_methods(op, api, &host));
    let aliases = ops
        .iter()
        .filter_map(|(_, op)| operations::render_alias(op, &host));
    let builders = ops
        .iter()
        .filter_map(|(_, op)| operations::render_builder(op, api, &host));
    quote! {
        #(#![doc = #docs])*
        #attributes
        #import

        #[doc = #handle_doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #handle<'a> {
            inner: &'a ::cfgen_runtime::Client,
        }

        impl<'a> #handle<'a> {
            /// The operations of this product on `client`: its credentials, retries and
            /// rate limit.
            pub fn new(client: &'a ::cfgen_runtime::Client) -> Self {
                Self { inner: client }
            }

            #(#methods)*
        }

        #types
        #(#aliases)*
        #(#builders)*
    }
}

/// The shared crate: the types several products use, each behind their features.
fn shared_crate(types: TokenStream) -> TokenStream {
    let attributes = crate_attributes();
    quote! {
        //! The types that several products of the API use. Each compiles when the Cargo
        //! feature of any product that uses it is on; the product crates turn those on.
        #attributes
        #types
    }
}

/// What the facade needs to know of the product crates.
struct Facade<'a> {
    by_product: &'a ByProduct<'a>,
    handles: &'a BTreeMap<&'a str, Ident>,
    /// The products that use the shared crate.
    shared: &'a BTreeSet<&'a str>,
}

impl Facade<'_> {
    /// The facade's generated module: the `Client`, one accessor and one re-exported
    /// module per product, and the feature map.
    fn render(&self, products: &Products, family: &Family) -> TokenStream {
        let client = client::render_client(client::Grouping::Products);
        let mut accessors = TokenStream::new();
        let mut modules = TokenStream::new();
        for (product, ops) in self.by_product {
            let gate = cfg([*product]);
            let module = value_ident(&naming::value_name(product));
            let accessor = accessor_name(product);
            let handle = &self.handles[product];
            let path = family.path(product);
            let doc = format!(
                " The {} of the `{product}` product (Cargo feature `{product}`), as methods \
                 of the handle this returns; [`{module}`] lists them.",
                operations_count(ops.len())
            );
            accessors.extend(quote! {
                #gate
                #[doc = #doc]
                pub fn #accessor(&self) -> #module::#handle<'_> {
                    #module::#handle::new(&self.inner)
                }
            });
            let doc = format!(" The `{product}` product: its handle, types and request builders.");
            modules.extend(quote! {
                #gate
                #[doc = #doc]
                pub use #path as #module;
            });
        }
        let shared = (!self.shared.is_empty()).then(|| {
            let path = family.path(SHARED);
            let gate = cfg(self.shared.iter().copied());
            quote! {
                #gate
                /// The types that several products use.
                pub use #path as shared;
            }
        });
        let map = feature_map(self.by_product, products);
        quote! {
            #client
            impl Client {
                #accessors
            }
            #modules
            #shared
            #map
        }
    }
}

/// The accessor of a product on the `Client`: its snake-case name, unless a method of
/// the `Client` itself already has it.
fn accessor_name(product: &str) -> Ident {
    let name = naming::value_name(product);
    if client::METHODS.contains(&name.plain()) {
        ident(&format!("{}_api", name.plain()))
    } else {
        value_ident(&name)
    }
}

/// `1 operation`, `15 operations`.
fn operations_count(count: usize) -> String {
    match count {
        1 => "1 operation".to_string(),
        n => format!("{n} operations"),
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

/// The crate documentation of one product: what it is, then its operations' methods
/// under the tags the document gives them.
fn product_docs(
    product: &str,
    ops: &[(&String, &Operation)],
    products: &Products,
    handle: &Ident,
) -> Vec<String> {
    let mut lines = vec![format!(
        " The `{product}` product of the Cloudflare API: {}, as methods of [`{handle}`], \
         by tag. Generated by cfgen; enabled by the Cargo feature `{product}` of the \
         facade crate.",
        operations_count(ops.len())
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
        lines.extend(ops.iter().map(|op| method_line(op, handle)));
    }
    lines
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
fn method_line(op: &Operation, handle: &Ident) -> String {
    let path = code_span(&op.path.raw);
    let method = op.method.wire();
    let link = Host::Handle(handle.clone()).method_link(&op.fn_name);
    format!(" - {link}: `{method}` {path}")
}

/// The `feature_map` module: a table of every feature, its number of operations and the
/// tags it covers, then the family features.
fn feature_map(by_product: &ByProduct, products: &Products) -> TokenStream {
    let mut lines = vec![
        " Every Cargo feature of this crate: one per product, derived from the OpenAPI \
         document (component-name prefixes, then tags); `full` enables them all."
            .to_string(),
        String::new(),
        " | feature | operations | tags |".to_string(),
        " |---|---|---|".to_string(),
    ];
    for (product, tags) in &products.tags {
        let count = by_product.get(product.as_str()).map_or(0, Vec::len);
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

    fn family() -> crate::Generated {
        let doc = Document::from_text("t.json", SPEC).unwrap();
        let settings = Settings {
            all: true,
            product_crates: Some("api".to_string()),
            ..Settings::default()
        };
        generate(&doc, &settings).unwrap()
    }

    /// The file at `path` among the member crates' files.
    fn member<'a>(generated: &'a crate::Generated, path: &str) -> &'a str {
        let found = generated.members.iter().find(|(p, _)| p == path);
        &found.unwrap_or_else(|| panic!("{path} missing")).1
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
    fn each_product_is_a_crate_and_a_shared_type_compiles_with_any_user() {
        let generated = family();
        let paths: Vec<&str> = generated.members.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "products/alpha/Cargo.toml",
                "products/alpha/src/lib.rs",
                "products/beta/Cargo.toml",
                "products/beta/src/lib.rs",
                "products/shared/Cargo.toml",
                "products/shared/src/lib.rs",
            ]
        );
        let shared = member(&generated, "products/shared/src/lib.rs");
        assert_eq!(
            cfg_of(shared, "pub struct AlphaShared"),
            r#"#[cfg(any(feature = "alpha", feature = "beta"))]"#
        );
        let alpha = member(&generated, "products/alpha/src/lib.rs");
        assert!(alpha.contains("pub struct GetAResponse"), "{alpha}");
        assert!(alpha.contains("use ::api_shared::*;"), "{alpha}");
        assert!(alpha.contains("pub struct AlphaApi<'a>"), "{alpha}");
        assert!(!alpha.contains("GetBResponse"), "{alpha}");
        assert!(
            !alpha.contains("#[cfg("),
            "a product crate is never gated:\n{alpha}"
        );
        let beta = member(&generated, "products/beta/src/lib.rs");
        assert!(
            beta.contains("pub async fn get_b(\n        self,\n"),
            "{beta}"
        );
        assert!(
            member(&generated, "products/shared/Cargo.toml")
                .contains("[features]\nalpha = []\nbeta = []\n")
        );
        assert!(
            member(&generated, "products/beta/Cargo.toml")
                .contains("api-shared = { path = \"../shared\", features = [\"beta\"] }")
        );
        let facade = &generated.code;
        assert_eq!(
            cfg_of(facade, "pub fn alpha(&self)"),
            r#"#[cfg(feature = "alpha")]"#
        );
        assert_eq!(
            cfg_of(facade, "pub use ::api_beta as beta"),
            r#"#[cfg(feature = "beta")]"#
        );
        // The client itself is never gated.
        let client = facade
            .find("/// A Cloudflare API client")
            .expect("the client");
        let before = facade[..client].trim_end().lines().last().unwrap();
        assert!(
            !before.starts_with("#[cfg("),
            "the client is gated: {before}"
        );
    }

    #[test]
    fn family_generation_is_deterministic() {
        let first = family();
        for _ in 0..9 {
            assert_eq!(family(), first, "same input, different bytes");
        }
    }

    #[test]
    fn the_facade_tables_pull_in_each_product_crate() {
        let features = family().features.expect("product crates are on");
        assert_eq!(
            features,
            "[features]\ndefault = []\nfull = [\n    \"alpha\",\n    \"beta\",\n]\n\
             alpha = [\"dep:api-alpha\", \"dep:api-shared\"]\n\
             beta = [\"dep:api-beta\", \"dep:api-shared\"]\n\
             \n[dependencies.api-alpha]\npath = \"products/alpha\"\noptional = true\n\
             \n[dependencies.api-beta]\npath = \"products/beta\"\noptional = true\n\
             \n[dependencies.api-shared]\npath = \"products/shared\"\noptional = true\n"
        );
        let plain = generate(
            &Document::from_text("t.json", SPEC).unwrap(),
            &Settings {
                all: true,
                ..Settings::default()
            },
        )
        .unwrap();
        assert_eq!((plain.features, plain.members), (None, Vec::new()));
        assert!(
            !plain.code.contains("#[cfg("),
            "no gating without product crates"
        );
    }
}
