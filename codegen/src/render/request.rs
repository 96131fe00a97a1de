//! Render, requests: the arguments of an operation's methods (or the fields of its
//! request builder) and the body that checks them, builds the runtime `Request` and
//! sends it.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{ident, rust_type, value_ident};
use crate::ir::{
    Api, Body, Checks, Operation, Param, ParamLocation, PathSegment, TypeKind, TypeRef,
};

/// One argument: a parameter or the body.
struct Arg {
    name: Ident,
    /// The name as prose writes it, without `r#`: the setter a message points to.
    plain: String,
    /// The name on the wire, for the error when a required setter was not called.
    wire: String,
    /// What it is on the wire: "query parameter", "header", "request body".
    kind: &'static str,
    /// The borrowed type a caller passes (without `Option`).
    ty: TokenStream,
    required: bool,
    /// Whether a request builder takes it through a setter rather than by position.
    setter: bool,
    description: Option<String>,
}

impl Arg {
    /// Whether it is held as an `Option`: optional, or set later by a setter.
    fn held_as_option(&self) -> bool {
        self.setter || !self.required
    }
}

/// The arguments of one operation, with the reference form (`&` or `&'a`) they use.
pub struct Args {
    args: Vec<Arg>,
    /// Whether the body is a list of strings, taken as `&[S]` for any string-like `S`.
    string_list: bool,
}

impl Args {
    pub fn new(op: &Operation, api: &Api, amp: &TokenStream) -> Args {
        let string_list = op.body.as_ref().is_some_and(|b| is_string_list(&b.ty));
        let builder = op.builder.as_ref();
        let required_setters = builder.is_some_and(|b| b.required_setters);
        let params = op.params.iter().map(|p| Arg {
            name: value_ident(&p.rust_name),
            plain: p.rust_name.plain().to_string(),
            wire: p.wire_name.clone(),
            kind: match p.location {
                ParamLocation::Path => "path parameter",
                ParamLocation::Query => "query parameter",
                ParamLocation::Header => "header",
            },
            ty: borrowed(&p.ty, api, amp),
            required: p.required,
            setter: builder.is_some()
                && (!p.required || (required_setters && p.location != ParamLocation::Path)),
            description: p.description.clone(),
        });
        let body = op.body.iter().map(|b| Arg {
            name: ident("body"),
            plain: "body".into(),
            wire: "body".into(),
            kind: "request body",
            ty: body_type(b, amp),
            required: b.required,
            setter: builder.is_some() && !b.required,
            description: b.description.clone(),
        });
        Args {
            args: params.chain(body).collect(),
            string_list,
        }
    }

    /// `name: Type` for every argument, `Option` where optional or set by a setter: the
    /// arguments of the plain methods, and the fields of a request builder.
    pub fn params(&self) -> Vec<TokenStream> {
        self.args.iter().map(field).collect()
    }

    /// `name: Type` for the arguments a request builder takes by position.
    pub fn required_params(&self) -> Vec<TokenStream> {
        self.positional().map(field).collect()
    }

    /// Every argument name.
    pub fn names(&self) -> Vec<&Ident> {
        self.args.iter().map(|a| &a.name).collect()
    }

    pub fn required_names(&self) -> Vec<&Ident> {
        self.positional().map(|a| &a.name).collect()
    }

    pub fn optional_names(&self) -> Vec<&Ident> {
        self.args
            .iter()
            .filter(|a| a.setter)
            .map(|a| &a.name)
            .collect()
    }

    /// For each required argument set by a setter: its value, or an error naming the
    /// setter that was not called.
    pub fn unwrap_required_setters(&self) -> Vec<TokenStream> {
        self.args
            .iter()
            .filter(|a| a.setter && a.required)
            .map(|a| {
                let (name, wire) = (&a.name, a.wire.as_str());
                let reason = format!("is required: set it with `.{}(…)`", a.plain);
                quote! {
                    let #name = #name.ok_or_else(|| ::cfgen_runtime::Error::invalid_input(#wire, #reason))?;
                }
            })
            .collect()
    }

    /// One setter per optional argument, documented with its description.
    pub fn setters(&self) -> Vec<TokenStream> {
        self.args
            .iter()
            .filter(|a| a.setter)
            .map(|a| {
                let (name, ty) = (&a.name, &a.ty);
                let doc = setter_doc(a);
                quote! {
                    #doc
                    pub fn #name(mut self, #name: #ty) -> Self {
                        self.#name = ::std::option::Option::Some(#name);
                        self
                    }
                }
            })
            .collect()
    }

    pub fn generics(&self) -> TokenStream {
        if self.string_list {
            quote!(<S>)
        } else {
            TokenStream::new()
        }
    }

    pub fn generics_with_lifetime(&self) -> TokenStream {
        if self.string_list {
            quote!(<'a, S>)
        } else {
            quote!(<'a>)
        }
    }

    pub fn bounds(&self) -> TokenStream {
        if self.string_list {
            quote!(where S: ::std::convert::AsRef<str> + ::serde::Serialize)
        } else {
            TokenStream::new()
        }
    }

    fn positional(&self) -> impl Iterator<Item = &Arg> {
        self.args.iter().filter(|a| !a.setter)
    }
}

/// The setter's doc: the parameter's description (or its wire name and where it
/// travels), and whether the request needs it.
fn setter_doc(arg: &Arg) -> TokenStream {
    let description = arg
        .description
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    let fallback = match arg.kind {
        "request body" => "Sets the body sent with the request.".to_string(),
        kind => format!("Sets the `{}` {kind}.", arg.wire),
    };
    let first = if description.is_empty() {
        fallback.as_str()
    } else {
        description
    };
    let required = arg
        .required
        .then_some("Required: sending without it fails before anything is sent.");
    super::docs::doc_attrs([first, required.unwrap_or_default()])
}

fn field(arg: &Arg) -> TokenStream {
    let (name, ty) = (&arg.name, &arg.ty);
    if arg.held_as_option() {
        quote!(#name: ::std::option::Option<#ty>)
    } else {
        quote!(#name: #ty)
    }
}

fn is_string_list(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Array(item) if **item == TypeRef::String)
}

/// Checks the arguments, builds the request and sends it through `inner` (the runtime
/// client) with `send`. Every argument is a local of its own name.
pub fn request_body(op: &Operation, send: &TokenStream) -> TokenStream {
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
    quote! {
        #(#checks)*
        let request = ::cfgen_runtime::Request::new(#id, ::cfgen_runtime::Method::#method, #path);
        #(#params)*
        #body
        #send
    }
}

fn body_type(body: &Body, amp: &TokenStream) -> TokenStream {
    match &body.ty {
        TypeRef::Bytes => quote!(::std::vec::Vec<u8>),
        ty if is_string_list(ty) => quote!(#amp [S]),
        ty => borrowed_ref(ty, amp),
    }
}

/// Scalars and enums by value, everything else by reference.
fn borrowed(ty: &TypeRef, api: &Api, amp: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::Integer | TypeRef::Unsigned | TypeRef::Number | TypeRef::Boolean => rust_type(ty),
        TypeRef::Named(name) if is_enum(name, api) => rust_type(ty),
        ty => borrowed_ref(ty, amp),
    }
}

fn borrowed_ref(ty: &TypeRef, amp: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(#amp str),
        TypeRef::Array(item) => {
            let item = rust_type(item);
            quote!(#amp [#item])
        }
        ty => {
            let ty = rust_type(ty);
            quote!(#amp #ty)
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
                let value = param.map_or_else(|| ident(wire), |p| value_ident(&p.rust_name));
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
    let (name, wire) = (value_ident(&param.rust_name), param.wire_name.as_str());
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

fn array_checks(wire: &str, name: &Ident, c: &Checks) -> TokenStream {
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
    let (name, wire) = (value_ident(&param.rust_name), param.wire_name.as_str());
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
