//! Render, operations: each operation becomes methods of its [`Host`]: the generated
//! `Client`, or in a crate family the handle of the operation's product.
//!
//! An operation without optional parameters is two async methods: `op(..)`, which
//! returns what the operation answers with, and `op_with_response(..)`, which returns
//! the runtime's `ApiResponse` around it. An operation with optional parameters is a
//! method that takes the required ones and returns a request builder, whose setters
//! take the optional ones and whose `send()` / `send_with_response()` do the call.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{code_span, doc_attrs, prose};
use super::request::{Args, request_body};
use super::{Host, ident, rust_type, value_ident};
use crate::ir::{Api, Operation, ParamLocation, ResponseBody, TypeRef};

/// `pub type {Operation}Result = …;` unless the returned type already has that name.
pub fn render_alias(op: &Operation, host: &Host) -> Option<TokenStream> {
    let (name, ty, what) = match &op.response.body {
        ResponseBody::Envelope(Some(ty)) => (&op.names.result, ty, "The `result`"),
        ResponseBody::Json(ty) => (&op.names.response, ty, "The response"),
        _ => return None,
    };
    let inner = non_null(ty);
    if matches!(inner, TypeRef::Named(n) if n == name) {
        return None;
    }
    let alias = ident(name);
    let target = rust_type(inner);
    let doc = format!(" {what} of {}.", host.method_link(&op.fn_name));
    Some(quote! {
        #[doc = #doc]
        pub type #alias = #target;
    })
}

/// What a call returns, and how the runtime is asked for it.
struct Returns {
    /// The type the plain form returns.
    ty: TokenStream,
    /// The runtime call, given a `request` in scope, on the runtime client `inner`.
    send: TokenStream,
}

fn returns(op: &Operation) -> Returns {
    let named = |name: &str, ty: &TypeRef| {
        let alias = ident(name);
        match ty {
            TypeRef::Nullable(_) => quote!(::std::option::Option<#alias>),
            _ => quote!(#alias),
        }
    };
    match &op.response.body {
        ResponseBody::Envelope(Some(ty)) => {
            let ty = named(&op.names.result, ty);
            let send = quote!(inner.send_result::<#ty>(request).await);
            Returns { ty, send }
        }
        ResponseBody::Json(ty) => {
            let ty = named(&op.names.response, ty);
            let send = quote!(inner.send_json_response::<#ty>(request).await);
            Returns { ty, send }
        }
        ResponseBody::Envelope(None) | ResponseBody::Empty => Returns {
            ty: quote!(()),
            send: quote!(inner.send_empty_response(request).await),
        },
        ResponseBody::Bytes(_) => Returns {
            ty: quote!(::cfgen_runtime::Bytes),
            send: quote!(inner.send_bytes_response(request).await),
        },
    }
}

/// The methods of one operation, for the host's `impl` block.
pub fn render_methods(op: &Operation, api: &Api, host: &Host) -> TokenStream {
    match &op.builder {
        Some(builder) => render_builder_method(op, api, &builder.name, host),
        None => render_plain_methods(op, api, host),
    }
}

/// `op(..)` and `op_with_response(..)`, for operations whose parameters are all
/// required.
fn render_plain_methods(op: &Operation, api: &Api, host: &Host) -> TokenStream {
    let args = Args::new(op, api, &quote!(&));
    let (generics, bounds) = (args.generics(), args.bounds());
    let params = args.params();
    let names = args.names();
    let returns = returns(op);
    let ty = &returns.ty;
    let (name, with_response) = (
        value_ident(&op.fn_name),
        value_ident(&op.with_response_name),
    );
    let docs = operation_docs(op);
    let deprecated = deprecated(op);
    let allow = deprecated.as_ref().map(|_| quote!(#[allow(deprecated)]));
    let with_docs = with_response_doc(&host.method_link(&op.fn_name));
    let body = request_body(op, &returns.send);
    let (receiver, runtime) = (host.receiver(), host.runtime());
    quote! {
        #docs
        #deprecated
        #allow
        pub async fn #name #generics (#receiver, #(#params),*)
            -> ::std::result::Result<#ty, ::cfgen_runtime::Error> #bounds
        {
            self.#with_response(#(#names),*).await.map(::cfgen_runtime::ApiResponse::into_result)
        }

        #with_docs
        #deprecated
        pub async fn #with_response #generics (#receiver, #(#params),*)
            -> ::std::result::Result<::cfgen_runtime::ApiResponse<#ty>, ::cfgen_runtime::Error> #bounds
        {
            let inner = #runtime;
            #body
        }
    }
}

/// `op(required..)`, returning the request builder.
fn render_builder_method(op: &Operation, api: &Api, builder: &str, host: &Host) -> TokenStream {
    let args = Args::new(op, api, &quote!(&'a));
    let required = args.required_params();
    let required_names = args.required_names();
    let optional = args.optional_names();
    let (generics, bounds) = (args.generics_with_lifetime(), args.bounds());
    let method_generics = host.builder_method_generics(&args);
    let (receiver, runtime) = (host.builder_receiver(), host.runtime());
    let builder = ident(builder);
    let name = value_ident(&op.fn_name);
    let docs = operation_docs(op);
    let deprecated = deprecated(op);
    quote! {
        #docs
        #deprecated
        pub fn #name #method_generics (#receiver, #(#required),*) -> #builder #generics #bounds {
            #builder {
                client: #runtime,
                #(#required_names,)*
                #(#optional: ::std::option::Option::None,)*
            }
        }
    }
}

/// The request builder type of an operation with optional parameters.
pub fn render_builder(op: &Operation, api: &Api, host: &Host) -> Option<TokenStream> {
    let builder = ident(&op.builder.as_ref()?.name);
    let args = Args::new(op, api, &quote!(&'a));
    let fields = args.params();
    let setters = args.setters();
    let names = args.names();
    let unwrap = args.unwrap_required_setters();
    let (generics, bounds) = (args.generics_with_lifetime(), args.bounds());
    let returns = returns(op);
    let ty = &returns.ty;
    let body = request_body(op, &returns.send);
    let doc = format!(
        " A request to {}: set optional parameters, then [`send`](Self::send) it.",
        host.method_link(&op.fn_name)
    );
    let with_docs = with_response_doc("[`send`](Self::send)");
    let stream = super::stream::render_stream(op, &builder);
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct #builder #generics #bounds {
            client: &'a ::cfgen_runtime::Client,
            #(#fields,)*
        }

        impl #generics #builder #generics #bounds {
            #(#setters)*

            /// Sends the request.
            pub async fn send(self) -> ::std::result::Result<#ty, ::cfgen_runtime::Error> {
                self.send_with_response().await.map(::cfgen_runtime::ApiResponse::into_result)
            }

            #with_docs
            pub async fn send_with_response(self)
                -> ::std::result::Result<::cfgen_runtime::ApiResponse<#ty>, ::cfgen_runtime::Error>
            {
                let Self { client: inner, #(#names),* } = self;
                #(#unwrap)*
                #body
            }

            #stream
        }
    })
}

fn with_response_doc(plain: &str) -> TokenStream {
    let doc = format!(
        " Like {plain}, and also returns the HTTP status, the headers, `messages` and \
         `result_info`: see [`ApiResponse`](::cfgen_runtime::ApiResponse)."
    );
    quote!(#[doc = #doc])
}

fn deprecated(op: &Operation) -> Option<TokenStream> {
    op.deprecated.as_deref().map(|note| {
        let note = prose(note);
        quote!(#[deprecated(note = #note)])
    })
}

fn operation_docs(op: &Operation) -> TokenStream {
    let route = code_span(&format!("{} {}", op.method.wire(), op.path.raw));
    // With a request builder, parameters set by setters are documented on them.
    let positional = |p: &&crate::ir::Param| match &op.builder {
        None => true,
        Some(b) => p.required && (p.location == ParamLocation::Path || !b.required_setters),
    };
    let args: Vec<String> = op
        .params
        .iter()
        .filter(positional)
        .map(|p| {
            let name = p.rust_name.plain();
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
        .chain(op.body.iter().filter_map(|b| {
            let description = b.description.as_deref().map(str::trim)?;
            (!description.is_empty()).then(|| format!("- `body`: {description}"))
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

fn non_null(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Nullable(inner) => inner,
        ty => ty,
    }
}
