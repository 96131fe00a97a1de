//! Resolve, pagination: decides from the document whether a list operation pages, and
//! how, so that its request builder can stream every page.
//!
//! Cloudflare pages lists two ways, and says so in each operation's own schema:
//!
//! - a **cursor**: an optional `cursor` query parameter, and a response whose
//!   `result_info` holds the next cursor, as `cursor` (Workers KV) or `cursors.after`
//!   (other products);
//! - **page numbers**: an optional `page` query parameter, and a `result_info` with any
//!   of `page`, `per_page`, `total_pages` and `total_count`.
//!
//! Only `GET` operations whose envelope `result` is an array qualify: a stream re-sends
//! the request once per page, which must not create anything. Where the document cannot
//! tell (a `result_info` left undeclared, another parameter name), the operation's
//! `x-cfgen-pagination` extension, usually added by an overlay, decides:
//!
//! ```yaml
//! x-cfgen-pagination: {style: cursor, param: cursor, cursor: /cursors/after}
//! x-cfgen-pagination: {style: page, param: page}
//! x-cfgen-pagination: false   # never stream this operation
//! ```
//!
//! `param` defaults to `cursor` or `page`; `cursor`, a JSON pointer into `result_info`,
//! defaults to what the schema declares, else `/cursor`.

use serde::Deserialize;
use serde_json::Value;

use super::Resolver;
use crate::error::Result;
use crate::ir::{
    self, Field, Method, Pagination, PaginationStyle, Param, ParamLocation, ResponseBody, TypeKind,
    TypeRef,
};
use crate::naming::RustName;
use crate::select::Located;

/// The name of the operation extension that overrides detection.
pub const EXTENSION: &str = "x-cfgen-pagination";

/// The `result_info` fields that show page-number pagination.
const PAGE_FIELDS: [&str; 4] = ["page", "per_page", "total_pages", "total_count"];

/// The value of [`EXTENSION`], when it is an object.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Declared {
    style: DeclaredStyle,
    param: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DeclaredStyle {
    Cursor,
    Page,
}

impl Resolver<'_> {
    /// How the operation pages, from its extension when it has one, else detected from
    /// its parameters and response. `json` is the type of the whole response body.
    pub(super) fn pagination(
        &self,
        op: &openapiv3::Operation,
        located: &Located,
        params: &[Param],
        response: &ir::Response,
        json: Option<&TypeRef>,
    ) -> Result<Option<Pagination>> {
        let info = json.and_then(|ty| self.field_struct(ty, "result_info"));
        match op.extensions.get(EXTENSION) {
            Some(declared) => {
                let at = format!("{}/{EXTENSION}", located.pointer);
                self.declared(declared, params, response, info, &at)
            }
            None if located.method == Method::Get => Ok(detect(params, response, info, self)),
            None => Ok(None),
        }
    }

    /// Pagination as the extension declares it; anything it names must exist.
    fn declared(
        &self,
        declared: &Value,
        params: &[Param],
        response: &ir::Response,
        info: Option<&[Field]>,
        at: &str,
    ) -> Result<Option<Pagination>> {
        const EXPECTED: &str = "expected `false` or an object {style, param?, cursor?}";
        match declared {
            Value::Bool(false) => return Ok(None),
            Value::Object(_) => {}
            other => return Err(self.invalid(at, format!("{EXPECTED}, got `{other}`"))),
        }
        let declared: Declared = serde_json::from_value(declared.clone())
            .map_err(|e| self.invalid(at, format!("{EXPECTED}: {e}")))?;
        let item = items(response).ok_or_else(|| {
            self.invalid(at, "the success response's `result` is not an array".into())
        })?;
        let (default_param, style) = match declared.style {
            DeclaredStyle::Page => ("page", PaginationStyle::PageNumber),
            DeclaredStyle::Cursor => {
                let pointer = declared
                    .cursor
                    .or_else(|| info.and_then(|info| cursor_pointer(info, self)))
                    .unwrap_or_else(|| "/cursor".into());
                if !pointer.starts_with('/') {
                    let message = format!(
                        "`cursor` must be a JSON pointer such as `/cursor`, got `{pointer}`"
                    );
                    return Err(self.invalid(at, message));
                }
                ("cursor", PaginationStyle::Cursor { pointer })
            }
        };
        let wire = declared.param.as_deref().unwrap_or(default_param);
        let param = position_param(params, wire, &style).ok_or_else(|| {
            let kind = match style {
                PaginationStyle::Cursor { .. } => "an optional query parameter",
                PaginationStyle::PageNumber => "an optional number or string query parameter",
            };
            self.invalid(
                at,
                format!("the operation has no `{wire}`: it must be {kind}"),
            )
        })?;
        Ok(Some(Pagination { style, param, item }))
    }

    /// The fields of the struct that field `name` of struct `ty` holds, if both are
    /// structs.
    fn field_struct(&self, ty: &TypeRef, name: &str) -> Option<&[Field]> {
        let field = self.fields_of(ty)?.iter().find(|f| f.wire_name == name)?;
        self.fields_of(&field.ty)
    }

    fn fields_of(&self, ty: &TypeRef) -> Option<&[Field]> {
        match ty {
            TypeRef::Nullable(inner) => self.fields_of(inner),
            TypeRef::Named(name) => match &self.api.types.get(name)?.kind {
                TypeKind::Struct(fields) => Some(fields),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Pagination as the document shows it, or `None`.
fn detect(
    params: &[Param],
    response: &ir::Response,
    info: Option<&[Field]>,
    resolver: &Resolver<'_>,
) -> Option<Pagination> {
    let item = items(response)?;
    let info = info?;
    let cursor = cursor_pointer(info, resolver).and_then(|pointer| {
        let style = PaginationStyle::Cursor { pointer };
        Some((position_param(params, "cursor", &style)?, style))
    });
    let page = || {
        let paged = info
            .iter()
            .any(|f| PAGE_FIELDS.contains(&f.wire_name.as_str()));
        if !paged {
            return None;
        }
        let style = PaginationStyle::PageNumber;
        Some((position_param(params, "page", &style)?, style))
    };
    let (param, style) = cursor.or_else(page)?;
    Some(Pagination { style, param, item })
}

/// Where `result_info` keeps the next cursor: `cursor`, else `cursors.after`.
fn cursor_pointer(info: &[Field], resolver: &Resolver<'_>) -> Option<String> {
    if info.iter().any(|f| f.wire_name == "cursor") {
        return Some("/cursor".into());
    }
    let cursors = info.iter().find(|f| f.wire_name == "cursors")?;
    let after = resolver
        .fields_of(&cursors.ty)?
        .iter()
        .any(|f| f.wire_name == "after");
    after.then(|| "/cursors/after".into())
}

/// The item type, when the envelope's `result` is an array.
fn items(response: &ir::Response) -> Option<TypeRef> {
    let ResponseBody::Envelope(Some(result)) = &response.body else {
        return None;
    };
    let result = match result {
        TypeRef::Nullable(inner) => inner,
        ty => ty,
    };
    match result {
        TypeRef::Array(item) => Some((**item).clone()),
        _ => None,
    }
}

/// The Rust name of the optional query parameter `wire` that carries the position: a
/// string for a cursor, a number (or a string) for a page.
fn position_param(params: &[Param], wire: &str, style: &PaginationStyle) -> Option<RustName> {
    let param = params
        .iter()
        .find(|p| p.location == ParamLocation::Query && p.wire_name == wire && !p.required)?;
    let fits = match style {
        PaginationStyle::Cursor { .. } => param.ty == TypeRef::String,
        // Some documents type the page number as a string; it is sent as digits.
        PaginationStyle::PageNumber => matches!(
            param.ty,
            TypeRef::Integer | TypeRef::Unsigned | TypeRef::Number | TypeRef::String
        ),
    };
    fits.then(|| param.rust_name.clone())
}
