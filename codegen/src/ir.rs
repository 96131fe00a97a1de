//! Stage 2 output: the intermediate representation between `resolve` and `render`.
//!
//! Everything here is plain, ordered data. By the time an [`Api`] exists every `$ref`
//! has been followed, every `allOf` merged, every quirk of the real documents absorbed
//! and every Rust name chosen. The wire name stays beside the Rust name wherever the
//! two can differ.

use std::collections::BTreeMap;

use crate::naming::RustName;

/// The resolved closure of the selected operations.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Api {
    /// Selected operations, keyed by operationId.
    pub operations: BTreeMap<String, Operation>,
    /// Named types reachable from the operations, keyed by Rust type name.
    pub types: BTreeMap<String, TypeDef>,
}

/// One HTTP operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The `operationId` as written in the document.
    pub id: String,
    /// The Rust method name on the generated `Client`.
    pub fn_name: RustName,
    /// The method that also returns the status, headers and envelope metadata.
    pub with_response_name: RustName,
    /// The request builder, when the operation has optional parameters or too many
    /// required ones to pass by position.
    pub builder: Option<RequestBuilder>,
    /// JSON pointer of the operation object, for example `#/paths/~1accounts/get`.
    pub pointer: String,
    /// HTTP method.
    pub method: Method,
    /// The parsed path template.
    pub path: PathTemplate,
    /// Short summary from the document.
    pub summary: Option<String>,
    /// Long description from the document.
    pub description: Option<String>,
    /// `Some(note)` when the document marks the operation deprecated.
    pub deprecated: Option<String>,
    /// Parameters: path parameters in template order, then query, then header.
    pub params: Vec<Param>,
    /// The request body, when the operation takes one.
    pub body: Option<Body>,
    /// The success response the generated method returns.
    pub response: Response,
    /// The names of the types in the operation's signature, derived from the
    /// operation so that they do not move when the document renames a schema.
    pub names: OperationNames,
    /// How the operation pages through a list, when it does: its request builder then
    /// also streams the items of every page.
    pub pagination: Option<Pagination>,
}

/// How a list operation asks for the next page, decided from the document (or from its
/// `x-cfgen-pagination` extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// How the position is sent and read back.
    pub style: PaginationStyle,
    /// The Rust name of the optional query parameter that carries the position (the
    /// cursor, or the page number).
    pub param: RustName,
    /// The type of one item: the envelope's `result` is an array of it.
    pub item: TypeRef,
}

/// The two ways Cloudflare pages lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaginationStyle {
    /// An opaque cursor: each answer's `result_info` holds the next one at this JSON
    /// pointer (`/cursor` for Workers KV, `/cursors/after` elsewhere).
    Cursor {
        /// The JSON pointer of the next cursor inside `result_info`.
        pointer: String,
    },
    /// Page numbers from 1; `result_info` says `per_page`, `total_pages` and
    /// `total_count`.
    PageNumber,
}

/// The request builder of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBuilder {
    /// The builder's type name.
    pub name: String,
    /// Whether required query and header parameters are setters too (checked when the
    /// request is sent) rather than positional arguments, because with the path
    /// parameters and the body they would be too many to pass by position.
    pub required_setters: bool,
}

/// Type names derived from an operation's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationNames {
    /// The type (or alias) of what the call returns: `{Operation}Result`.
    pub result: String,
    /// The name an object request body gets when only this operation uses it.
    pub body: String,
    /// The name a response without envelope gets when only this operation uses it.
    pub response: String,
}

/// HTTP methods OpenAPI 3.0 allows on a path item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// Every method, in the order OpenAPI lists them on a path item.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The lowercase key used on an OpenAPI path item.
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// The uppercase name used on the wire.
    pub fn wire(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

/// A path template such as `/accounts/{account_id}/bulk`, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    /// The template exactly as written in the document.
    pub raw: String,
    /// The template split into literal text and parameters.
    pub segments: Vec<PathSegment>,
}

/// One piece of a [`PathTemplate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// Literal text, sent as written.
    Literal(String),
    /// A `{name}` placeholder, by wire name.
    Param(String),
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

/// One operation parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name on the wire.
    pub wire_name: String,
    /// The Rust argument name.
    pub rust_name: RustName,
    /// Where the parameter travels.
    pub location: ParamLocation,
    /// Whether the caller must give it.
    pub required: bool,
    /// Its type.
    pub ty: TypeRef,
    /// Constraints checked before a request is sent.
    pub checks: Checks,
    /// Description from the document.
    pub description: Option<String>,
}

/// Constraints from the document that the generated code checks before sending.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checks {
    /// `minLength` of a string.
    pub min_length: Option<usize>,
    /// `maxLength` of a string.
    pub max_length: Option<usize>,
    /// `minItems` of an array.
    pub min_items: Option<usize>,
    /// `maxItems` of an array.
    pub max_items: Option<usize>,
    /// `minLength` of each string item of an array.
    pub item_min_length: Option<usize>,
    /// `maxLength` of each string item of an array.
    pub item_max_length: Option<usize>,
}

impl Checks {
    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        *self == Checks::default()
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The media type, for example `application/json`.
    pub content_type: String,
    /// The body's type. Non-JSON bodies are [`TypeRef::Bytes`].
    pub ty: TypeRef,
    /// Whether the document marks the body required.
    pub required: bool,
    /// Constraints checked before sending.
    pub checks: Checks,
    /// Description from the document.
    pub description: Option<String>,
}

/// The success response of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status code as written (`200`, `2XX`, `default`).
    pub status: String,
    /// What the body holds.
    pub body: ResponseBody,
    /// Description from the document.
    pub description: Option<String>,
}

/// The body of a success response.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    /// No body is documented.
    Empty,
    /// Cloudflare's envelope (`success`, `errors`, `messages`, `result`): the call
    /// returns `result`, of this type (`Nullable` where it may be null or absent), or
    /// nothing when the envelope declares no `result`.
    Envelope(Option<TypeRef>),
    /// A JSON body of this type, without envelope.
    Json(TypeRef),
    /// A body of another media type, returned as bytes.
    Bytes(String),
}

/// A reference to a type, as a field, parameter or body uses it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `i64`.
    Integer,
    /// `u64`: an integer whose `minimum` is zero or more, such as a count.
    Unsigned,
    /// `f64`.
    Number,
    /// `bool`.
    Boolean,
    /// Raw bytes: the body of a request whose media type is not JSON. (A JSON string
    /// with `format: binary` stays a [`TypeRef::String`].)
    Bytes,
    /// Any JSON value.
    Any,
    /// A JSON object with arbitrary keys and values of this type.
    Map(Box<TypeRef>),
    /// A JSON array.
    Array(Box<TypeRef>),
    /// A named type in [`Api::types`].
    Named(String),
    /// A value that may be `null`.
    Nullable(Box<TypeRef>),
}

/// Where a named type is used, which decides what the generator adds to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Reachable from a request parameter or body.
    pub request: bool,
    /// Reachable from a response.
    pub response: bool,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
    /// Where it came from: a component name, or the pointer of an inline schema.
    pub origin: String,
    /// The operation signature this type's name comes from, when it is named after one.
    pub role: Option<Role>,
    /// Description from the document.
    pub description: Option<String>,
    /// What kind of type it is.
    pub kind: TypeKind,
    /// Where it is used.
    pub usage: Usage,
    /// For an enumeration read from responses: the variant that keeps a value the
    /// document did not list, so a value added upstream does not fail decoding.
    pub unknown_variant: Option<String>,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Vec<Field>),
    /// A string enumeration.
    Enum(Vec<Variant>),
    /// A value that is one of several shapes, tried in order.
    Untagged(Vec<TypeRef>),
}

/// One property of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The property name on the wire.
    pub wire_name: String,
    /// The Rust field name.
    pub rust_name: RustName,
    /// Its type, `Nullable` when `null` is allowed.
    pub ty: TypeRef,
    /// Whether the property must be present.
    pub required: bool,
    /// Whether the field must be boxed because the type reaches itself.
    pub boxed: bool,
    /// Description from the document.
    pub description: Option<String>,
}

/// One value of a string enumeration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The value on the wire.
    pub wire_name: String,
    /// The Rust variant name.
    pub rust_name: String,
}

impl PathTemplate {
    /// The placeholder names, in template order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            PathSegment::Param(name) => Some(name.as_str()),
            PathSegment::Literal(_) => None,
        })
    }
}

/// The place in one operation's signature that a type is named after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The Rust method name of the operation.
    pub method: RustName,
    /// Which part of the signature the type is.
    pub part: SignaturePart,
}

/// A part of an operation's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignaturePart {
    /// The request body.
    Body,
    /// The envelope's `result`.
    Result,
    /// A success response without envelope.
    Response,
}
