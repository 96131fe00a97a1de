//! Render, operations: one async function per operation, plus the alias that names its
//! success response after the operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{code_span, doc_attrs, prose};
use super::{ident, rust_type};
use crate::ir::{
    Api, Body, Checks, Operation, Param, ParamLocation, PathSegment, ResponseBody, TypeKind,
    TypeRef,
};

/// `pub type {Operation}Response = …;`, unless the response type already has that name.
pub fn render_alias(op: &Operation) -> Option<TokenStream> {
    let target = match &op.response.body {
        ResponseBody::Json(TypeRef::Named(name)) if *name == op.response_alias => return None,
        ResponseBody::Json(ty) => rust_type(ty),
        ResponseBody::Empty => quote!(()),
        ResponseBody::Bytes(_) => quote!(::cfgen_runtime::Bytes),
    };
    let alias = ident(&op.response_alias);
    let doc = format!(
        " The success response of [`{}`].",
        op.fn_name.trim_start_matches("r#")
    );
    Some(quote! {
        #[doc = #doc]
        pub type #alias = #target;
    })
}

/// The endpoint function.
pub fn render_operation(op: &Operation, api: &Api) -> TokenStream {
    let docs = operation_docs(op);
    let deprecated = op.deprecated.as_deref().map(|note| {
        let note = prose(note);
        quote!(#[deprecated(note = #note)])
    });
    // The signature mirrors the document's parameter list, however long it is.
    let many_args = (op.params.len() + usize::from(op.body.is_some()) > 6)
        .then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let name = ident(&op.fn_name);
    let alias = ident(&op.response_alias);
    let args = op.params.iter().map(|p| {
        let (name, ty) = (ident(&p.rust_name), param_type(p, api));
        quote!(#name: #ty)
    });
    let body_arg = op.body.as_ref().map(|b| {
        let ty = body_type(b);
        quote!(body: #ty,)
    });
    let checks = op
        .params
        .iter()
        .map(param_checks)
        .chain(op.body.iter().map(body_checks));
    let path = path_expr(op);
    let id = &op.id;
    let method = ident(op.method.wire());
    let params = op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
        .map(attach_param);
    let body = op.body.as_ref().map(attach_body);
    let send = match &op.response.body {
        ResponseBody::Json(_) => quote!(client.send::<#alias>(request).await),
        ResponseBody::Empty => quote!(client.send_empty(request).await),
        ResponseBody::Bytes(_) => quote!(client.send_bytes(request).await),
    };
    quote! {
        #docs
        #deprecated
        #many_args
        pub async fn #name(
            client: &::cfgen_runtime::Client,
            #(#args,)*
            #body_arg
        ) -> ::std::result::Result<#alias, ::cfgen_runtime::Error> {
            #(#checks)*
            let request = ::cfgen_runtime::Request::new(#id, ::cfgen_runtime::Method::#method, #path);
            #(#params)*
            #body
            #send
        }
    }
}

fn operation_docs(op: &Operation) -> TokenStream {
    let route = code_span(&format!("{} {}", op.method.wire(), op.path.raw));
    let args: Vec<String> = op
        .params
        .iter()
        .map(|p| {
            let name = p.rust_name.trim_start_matches("r#");
            match p
                .description
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
            {
                Some(description) => format!("- `{name}`: {description}"),
                None => format!(
                    "- `{name}` ({} in {})",
                    code_span(&p.wire_name),
                    location_word(p.location)
                ),
            }
        })
        .chain(op.body.iter().map(|b| {
            format!(
                "- `body`: {}",
                b.description.as_deref().unwrap_or("the request body")
            )
        }))
        .collect();
    let args = (!args.is_empty()).then(|| format!("# Arguments\n{}", args.join("\n")));
    let summary = op.summary.as_deref().unwrap_or_default();
    let description = op
        .description
        .as_deref()
        .filter(|d| *d != summary)
        .unwrap_or_default();
    doc_attrs([
        summary,
        description,
        route.as_str(),
        args.as_deref().unwrap_or_default(),
    ])
}

fn location_word(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// The borrowed form a caller passes.
fn param_type(param: &Param, api: &Api) -> TokenStream {
    let ty = borrowed(&param.ty, api);
    if param.required {
        ty
    } else {
        quote!(::std::option::Option<#ty>)
    }
}

fn body_type(body: &Body) -> TokenStream {
    let ty = match &body.ty {
        TypeRef::Bytes => quote!(::std::vec::Vec<u8>),
        ty => borrowed_ref(ty),
    };
    if body.required {
        ty
    } else {
        quote!(::std::option::Option<#ty>)
    }
}

/// Scalars and enums by value, everything else by reference.
fn borrowed(ty: &TypeRef, api: &Api) -> TokenStream {
    match ty {
        TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => rust_type(ty),
        TypeRef::Named(name) if is_enum(name, api) => rust_type(ty),
        ty => borrowed_ref(ty),
    }
}

fn borrowed_ref(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(&str),
        TypeRef::Array(item) => {
            let item = rust_type(item);
            quote!(&[#item])
        }
        ty => {
            let ty = rust_type(ty);
            quote!(&#ty)
        }
    }
}

fn is_enum(name: &str, api: &Api) -> bool {
    matches!(
        api.types.get(name).map(|d| &d.kind),
        Some(TypeKind::Enum(_))
    )
}

/// `format!` of the path template with each parameter percent-encoded.
/// Resolve guarantees path parameters are strings, scalars or enums (which have
/// `as_str`).
fn path_expr(op: &Operation) -> TokenStream {
    let mut template = String::new();
    let mut values = Vec::new();
    for segment in &op.path.segments {
        match segment {
            PathSegment::Literal(text) => {
                template.push_str(&text.replace('{', "{{").replace('}', "}}"))
            }
            PathSegment::Param(wire) => {
                template.push_str("{}");
                let param = op
                    .params
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && &p.wire_name == wire);
                let value = ident(param.map_or(wire.as_str(), |p| p.rust_name.as_str()));
                let text = match param.map(|p| &p.ty) {
                    None | Some(TypeRef::String) => quote!(#value),
                    Some(TypeRef::Named(_)) => quote!(#value.as_str()),
                    Some(_) => quote!(&#value.to_string()),
                };
                values.push(quote!(::cfgen_runtime::encode_path(#text)));
            }
        }
    }
    if values.is_empty() {
        let raw = &op.path.raw;
        return quote!(#raw);
    }
    quote!(::std::format!(#template, #(#values),*))
}

fn param_checks(param: &Param) -> TokenStream {
    let (name, wire) = (ident(&param.rust_name), param.wire_name.as_str());
    let c = &param.checks;
    let check = match (&param.location, &param.ty) {
        (ParamLocation::Path, TypeRef::String) => {
            let max = opt(c.max_length);
            quote!(::cfgen_runtime::validate::path_param(#wire, #name, #max)?;)
        }
        (_, TypeRef::String) if c.min_length.is_some() || c.max_length.is_some() => {
            let (min, max) = (opt(c.min_length), opt(c.max_length));
            quote!(::cfgen_runtime::validate::length(#wire, #name, #min, #max)?;)
        }
        (_, TypeRef::Array(_)) => array_checks(wire, &name, c),
        _ => TokenStream::new(),
    };
    if check.is_empty() || param.required {
        check
    } else {
        quote!(if let ::std::option::Option::Some(#name) = #name { #check })
    }
}

fn body_checks(body: &Body) -> TokenStream {
    let name = ident("body");
    let check = match &body.ty {
        TypeRef::Array(_) => array_checks("body", &name, &body.checks),
        TypeRef::String if !body.checks.is_empty() => {
            let (min, max) = (opt(body.checks.min_length), opt(body.checks.max_length));
            quote!(::cfgen_runtime::validate::length("body", body, #min, #max)?;)
        }
        _ => TokenStream::new(),
    };
    if check.is_empty() || body.required {
        check
    } else {
        quote!(if let ::std::option::Option::Some(body) = body { #check })
    }
}

fn array_checks(wire: &str, name: &proc_macro2::Ident, c: &Checks) -> TokenStream {
    let items = (c.min_items.is_some() || c.max_items.is_some()).then(|| {
        let (min, max) = (opt(c.min_items), opt(c.max_items));
        quote!(::cfgen_runtime::validate::items(#wire, #name.len(), #min, #max)?;)
    });
    let each = (c.item_min_length.is_some() || c.item_max_length.is_some()).then(|| {
        let (min, max) = (opt(c.item_min_length), opt(c.item_max_length));
        quote!(::cfgen_runtime::validate::each_length(#wire, #name, #min, #max)?;)
    });
    quote!(#items #each)
}

fn opt(value: Option<usize>) -> TokenStream {
    match value {
        Some(v) => {
            let v = proc_macro2::Literal::usize_unsuffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    }
}

/// Adds a query or header parameter to `request`; optional ones only when given.
/// Resolve guarantees the type prints itself (scalars, enums) or is an array of such,
/// which repeats the parameter.
fn attach_param(param: &Param) -> TokenStream {
    let (name, wire) = (ident(&param.rust_name), param.wire_name.as_str());
    let method = match param.location {
        ParamLocation::Header => quote!(header),
        _ => quote!(query),
    };
    let attach = match &param.ty {
        TypeRef::Array(_) => {
            quote!(#name.iter().fold(request, |request, item| request.#method(#wire, item)))
        }
        _ => quote!(request.#method(#wire, #name)),
    };
    if param.required {
        quote!(let request = #attach;)
    } else {
        quote!(let request = match #name { ::std::option::Option::Some(#name) => #attach, ::std::option::Option::None => request };)
    }
}

fn attach_body(body: &Body) -> TokenStream {
    let attach = match &body.ty {
        TypeRef::Bytes => {
            let content_type = &body.content_type;
            quote!(request.body_bytes(#content_type, body))
        }
        _ => quote!(request.json(&body)?),
    };
    if body.required {
        quote!(let request = #attach;)
    } else {
        quote!(let request = match body { ::std::option::Option::Some(body) => #attach, ::std::option::Option::None => request };)
    }
}
