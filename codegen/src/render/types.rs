//! Render, types: structs, enums, untagged unions and aliases from [`TypeDef`]s.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{code_span, doc_attrs};
use super::{ident, rust_type};
use crate::ir::{Api, Field, TypeDef, TypeKind, TypeRef, Variant};
use crate::naming::Scope;

/// Renders one named type.
pub fn render_type(def: &TypeDef, api: &Api) -> TokenStream {
    let fallback = match def.origin.strip_prefix("#/components/schemas/") {
        Some(component) => format!("The {} schema.", code_span(component)),
        None => format!("The inline schema at {}.", code_span(&def.origin)),
    };
    let docs = doc_attrs([def.description.as_deref().unwrap_or(&fallback)]);
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Struct(fields) => render_struct(def, docs, fields),
        TypeKind::Enum(variants) => render_enum(docs, &def.name, variants),
        TypeKind::Untagged(variants) => render_untagged(docs, &def.name, variants, api),
        TypeKind::Alias(ty) => {
            let ty = rust_type(ty);
            quote! { #docs pub type #name = #ty; }
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

fn render_field(field: &Field) -> TokenStream {
    let fallback = format!("The {} property.", code_span(&field.wire_name));
    let docs = doc_attrs([field.description.as_deref().unwrap_or(&fallback)]);
    let name = ident(&field.rust_name);
    let wire = &field.wire_name;
    let rename = (field.rust_name.trim_start_matches("r#") != wire)
        .then(|| quote!(#[serde(rename = #wire)]));
    let optional = !field.required;
    let skip = optional
        .then(|| quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]));
    let ty = field_type(field);
    quote! {
        #docs
        #rename
        #skip
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
    // Wire values are shown as code on one line, whatever they hold.
    let variant_docs = wires.iter().map(|w| format!(" {}", code_span(w)));
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

/// `oneOf`/`anyOf`: serde tries the variants in document order.
fn render_untagged(docs: TokenStream, name: &str, variants: &[TypeRef], api: &Api) -> TokenStream {
    let mut scope = Scope::new();
    let rendered = variants.iter().map(|ty| {
        let variant = ident(&scope.claim(variant_name(ty)));
        let mut inner = rust_type(ty);
        if needs_box(ty, name, api) {
            inner = quote!(::std::boxed::Box<#inner>);
        }
        let doc = format!(" A value of the `{}` shape.", variant_name(ty));
        quote! { #[doc = #doc] #variant(#inner), }
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

fn variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Integer => "Integer".into(),
        TypeRef::Number => "Number".into(),
        TypeRef::Boolean => "Boolean".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Any => "Any".into(),
        TypeRef::Map(_) => "Map".into(),
        TypeRef::Array(item) => format!("{}List", variant_name(item)),
        TypeRef::Named(name) => name.clone(),
        TypeRef::Nullable(inner) => variant_name(inner),
    }
}
