//! Render, types: structs, enums, untagged unions and aliases from [`TypeDef`]s.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{code_span, doc_attrs};
use super::{Host, ident, rust_type, value_ident};
use crate::ir::{Api, Field, SignaturePart, TypeDef, TypeKind, TypeRef, Variant};
use crate::naming::{self, Scope};

/// Renders one named type.
pub fn render_type(def: &TypeDef, api: &Api, owner: Option<&String>, host: &Host) -> TokenStream {
    let docs = type_docs(def, owner, host);
    let undocumented = |members_lack_docs: bool| {
        (docs.is_none() || members_lack_docs).then(|| quote!(#[allow(missing_docs)]))
    };
    let docs = match &def.kind {
        TypeKind::Struct(fields) => {
            let allow = undocumented(fields.iter().any(|f| description(f).is_none()));
            quote!(#docs #allow)
        }
        // The members of a union are shapes without descriptions of their own.
        TypeKind::Untagged(_) => {
            let allow = undocumented(true);
            quote!(#docs #allow)
        }
        TypeKind::Enum(_) => {
            let allow = undocumented(false);
            quote!(#docs #allow)
        }
    };
    match &def.kind {
        TypeKind::Struct(fields) => render_struct(def, docs, fields),
        TypeKind::Enum(variants) => match &def.unknown_variant {
            Some(unknown) => render_open_enum(docs, &def.name, variants, unknown),
            None => render_enum(docs, &def.name, variants),
        },
        TypeKind::Untagged(variants) => render_untagged(docs, &def.name, variants, api),
    }
}

/// For each inline type that is the type of exactly one struct field: a line saying so,
/// with a link to the field.
pub fn field_owners(api: &Api) -> BTreeMap<&str, String> {
    let mut owners: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for def in api.types.values() {
        let TypeKind::Struct(fields) = &def.kind else {
            continue;
        };
        for field in fields {
            let Some(inner) = innermost_name(&field.ty) else {
                continue;
            };
            let name = field.rust_name.plain();
            // Intra-doc links do not take raw identifiers.
            let line = if field.rust_name.is_raw() {
                format!(" The type of `{}::{name}`.", def.name)
            } else {
                format!(" The type of [`{}::{name}`].", def.name)
            };
            owners.entry(inner).or_default().push(line);
        }
    }
    owners
        .into_iter()
        .filter(|(name, lines)| lines.len() == 1 && api.types.get(*name).is_some_and(is_inline))
        .map(|(name, mut lines)| (name, lines.remove(0)))
        .collect()
}

/// A schema of its own under `components` has a name of its own; anything else was
/// named from where it sits.
fn is_inline(def: &TypeDef) -> bool {
    match def.origin.strip_prefix("#/components/schemas/") {
        Some(rest) => rest.contains('/'),
        None => true,
    }
}

fn innermost_name(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Nullable(inner) | TypeRef::Array(inner) | TypeRef::Map(inner) => {
            innermost_name(inner)
        }
        _ => None,
    }
}

/// What the type is for (the place in an operation's signature it is named after, or the
/// one field it is the type of), then what the document says about it. A type with
/// neither has no doc comment, and says so with `allow(missing_docs)` rather than an
/// invented sentence.
fn type_docs(def: &TypeDef, owner: Option<&String>, host: &Host) -> Option<TokenStream> {
    let role = def.role.as_ref().map(|role| {
        let method = host.method_link(&role.method);
        let what = match role.part {
            SignaturePart::Body => "The request body",
            SignaturePart::Result => "The `result`",
            SignaturePart::Response => "The response",
        };
        format!(" {what} of {method}.")
    });
    let role = role.or_else(|| owner.cloned());
    let description = def
        .description
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    match (role, description.is_empty()) {
        (None, true) => None,
        (None, false) => Some(doc_attrs([description])),
        // The link is written here, not taken from the document, so it is not escaped.
        (Some(role), true) => Some(quote!(#[doc = #role])),
        (Some(role), false) => {
            let description = doc_attrs([description]);
            Some(quote!(#[doc = #role] #[doc = ""] #description))
        }
    }
}

/// Types only ever read from responses may gain fields in later spec versions, so users
/// outside the crate cannot build them with a struct literal.
fn render_struct(def: &TypeDef, docs: TokenStream, fields: &[Field]) -> TokenStream {
    let name = ident(&def.name);
    let non_exhaustive =
        (def.usage.response && !def.usage.request).then(|| quote!(#[non_exhaustive]));
    let fields = fields.iter().map(render_field);
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #non_exhaustive
        pub struct #name {
            #(#fields)*
        }
    }
}

fn description(field: &Field) -> Option<&str> {
    field
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
}

fn render_field(field: &Field) -> TokenStream {
    let docs = doc_attrs(description(field));
    let name = value_ident(&field.rust_name);
    let wire = &field.wire_name;
    let rename = (field.rust_name.plain() != wire).then(|| quote!(#[serde(rename = #wire)]));
    let optional = !field.required;
    let skip = optional
        .then(|| quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]));
    let integer = matches!(non_null(&field.ty), TypeRef::Integer | TypeRef::Unsigned)
        .then(|| quote!(#[serde(deserialize_with = "::cfgen_runtime::serde_int::deserialize")]));
    let ty = field_type(field);
    quote! {
        #docs
        #rename
        #skip
        #integer
        pub #name: #ty,
    }
}

/// `Option` for absent or null values, `Box` where the type reaches itself.
fn field_type(field: &Field) -> TokenStream {
    let (inner, nullable) = match &field.ty {
        TypeRef::Nullable(inner) => (inner.as_ref(), true),
        ty => (ty, false),
    };
    let mut ty = rust_type(inner);
    if field.boxed {
        ty = quote!(::std::boxed::Box<#ty>);
    }
    if nullable || !field.required {
        ty = quote!(::std::option::Option<#ty>);
    }
    ty
}

fn render_enum(docs: TokenStream, name: &str, variants: &[Variant]) -> TokenStream {
    let name = ident(name);
    let idents: Vec<_> = variants.iter().map(|v| ident(&v.rust_name)).collect();
    let wires: Vec<_> = variants.iter().map(|v| v.wire_name.as_str()).collect();
    let variant_docs = wires.iter().map(|w| variant_doc(w));
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #[serde(rename = #wires)]
                #idents,
            )*
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #(Self::#idents => #wires,)*
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// An enumeration read from responses: the catch-all variant keeps any other value, so
/// a value added upstream decodes. Serde's derive cannot keep the text of an unknown
/// value, hence the hand-rolled impls.
fn render_open_enum(
    docs: TokenStream,
    name: &str,
    variants: &[Variant],
    unknown: &str,
) -> TokenStream {
    let name = ident(name);
    let unknown = ident(unknown);
    let idents: Vec<_> = variants.iter().map(|v| ident(&v.rust_name)).collect();
    let wires: Vec<_> = variants.iter().map(|v| v.wire_name.as_str()).collect();
    let variant_docs = wires.iter().map(|w| variant_doc(w));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#[doc = #variant_docs] #idents,)*
            /// A value this client does not know yet, as sent.
            #unknown(::std::string::String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #wires,)*
                    Self::#unknown(value) => value,
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(match value.as_str() {
                    #(#wires => Self::#idents,)*
                    _ => Self::#unknown(value),
                })
            }
        }
    }
}

/// The doc of an enum value: the value itself, or words when it is empty.
/// A variant's doc: its wire value as code on one line, whatever the value holds.
fn variant_doc(wire: &str) -> String {
    if wire.is_empty() {
        " The empty string.".to_string()
    } else {
        format!(" {}", code_span(wire))
    }
}

fn non_null(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Nullable(inner) => inner,
        ty => ty,
    }
}

/// `oneOf`/`anyOf`: serde tries the variants in document order.
fn render_untagged(docs: TokenStream, name: &str, variants: &[TypeRef], api: &Api) -> TokenStream {
    let mut scope = Scope::new();
    let rendered = variants.iter().map(|ty| {
        let variant = ident(&scope.claim(naming::untagged_variant(ty)));
        let mut inner = rust_type(ty);
        if needs_box(ty, name, api) {
            inner = quote!(::std::boxed::Box<#inner>);
        }
        quote! { #variant(#inner), }
    });
    let name = ident(name);
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#rendered)*
        }
    }
}

/// A variant that is this union, or another union, is boxed so no cycle of unions can
/// make a type of infinite size; struct fields break the other cycles.
fn needs_box(ty: &TypeRef, owner: &str, api: &Api) -> bool {
    match ty {
        TypeRef::Named(n) => {
            n == owner
                || matches!(
                    api.types.get(n).map(|d| &d.kind),
                    Some(TypeKind::Untagged(_))
                )
        }
        TypeRef::Nullable(inner) => needs_box(inner, owner, api),
        _ => false,
    }
}
