//! Stage 2 output: the intermediate representation between `resolve` and `render`.
//!
//! Everything here is plain, ordered data. By the time an [`Api`] exists every `$ref`
//! has been followed, every `allOf` merged, every quirk of the real documents absorbed
//! and every Rust name chosen. The wire name stays beside the Rust name wherever the
//! two can differ.

use std::collections::BTreeMap;

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
    /// The Rust function name.
    pub fn_name: String,
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
    /// Tags, in document order.
    pub tags: Vec<String>,
    /// Parameters: path parameters in template order, then query, then header.
    pub params: Vec<Param>,
    /// The request body, when the operation takes one.
    pub body: Option<Body>,
    /// The success response the generated function returns.
    pub response: Response,
    /// Name of the type alias that names the success response after the operation, so
    /// callers do not depend on schema names that change between spec versions.
    pub response_alias: String,
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
    pub rust_name: String,
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
    /// A JSON body of this type.
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
    /// `f64`.
    Number,
    /// `bool`.
    Boolean,
    /// Raw bytes (`format: binary`, non-JSON bodies).
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
    /// Description from the document.
    pub description: Option<String>,
    /// What kind of type it is.
    pub kind: TypeKind,
    /// Where it is used.
    pub usage: Usage,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Vec<Field>),
    /// A string enumeration.
    Enum(Vec<Variant>),
    /// A name for another type (arrays, primitives with a component name).
    Alias(TypeRef),
    /// A value that is one of several shapes, tried in order.
    Untagged(Vec<TypeRef>),
}

/// One property of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The property name on the wire.
    pub wire_name: String,
    /// The Rust field name.
    pub rust_name: String,
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
