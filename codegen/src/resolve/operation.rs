//! Resolve, part 3: operations, their parameters, request body and success response.

use indexmap::IndexMap;
use openapiv3::{
    MediaType, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, RequestBody, Response,
    Schema, StatusCode,
};
use serde_json::Value;

use super::{Resolver, quirks};
use crate::error::{Error, Result, escape_pointer_token};
use crate::ir::{
    self, Checks, Field, Param, ParamLocation, PathSegment, PathTemplate, ResponseBody, TypeKind,
    TypeRef,
};
use crate::naming::{self, Scope};
use crate::select::Located;

impl Resolver<'_> {
    /// Resolves one located operation.
    pub(super) fn operation(
        &mut self,
        located: &Located,
        names: naming::OperationNames,
    ) -> Result<ir::Operation> {
        let at = located.pointer.as_str();
        let mut raw = self.target(at, at)?.clone();
        quirks::repair_operation(&mut raw);
        let op: openapiv3::Operation = self.typed(raw, at)?;
        let path = parse_template(&located.path).map_err(|m| self.invalid(at, m))?;
        let mut scope = Scope::new();
        // Taken by the request builder: its `client` field, the body and its methods.
        for taken in [
            "client",
            "inner",
            "request",
            "body",
            "send",
            "send_with_response",
        ] {
            scope.claim(taken.into());
        }
        let params = self.params(located, &op, &path, &mut scope)?;
        let body = match &op.request_body {
            Some(body) => Some(self.body(body, &names.types.body, &format!("{at}/requestBody"))?),
            None => None,
        };
        let (response, json) =
            self.response(&op, &names.types.response, &format!("{at}/responses"))?;
        let pagination = self.pagination(&op, located, &params, &response, json.as_ref())?;
        let builder = request_builder(&params, body.as_ref(), names.builder);
        Ok(ir::Operation {
            id: located.id.clone(),
            fn_name: names.method,
            with_response_name: names.with_response,
            builder,
            pointer: located.pointer.clone(),
            method: located.method,
            path,
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op
                .deprecated
                .then(|| self.deprecation_note(&op, &located.id)),
            params,
            body,
            response,
            names: names.types,
            pagination,
        })
    }

    /// Path-level and operation-level parameters (the operation's win), ordered: path
    /// parameters as the template names them, then query, then header.
    fn params(
        &mut self,
        located: &Located,
        op: &openapiv3::Operation,
        path: &PathTemplate,
        scope: &mut Scope,
    ) -> Result<Vec<Param>> {
        let item_at = located
            .pointer
            .rsplit_once('/')
            .map_or("#", |(item, _)| item)
            .to_string();
        let mut declared: IndexMap<(String, ParamLocation), (Parameter, String)> = IndexMap::new();
        for (i, p) in self.path_item_params(&item_at)?.iter().enumerate() {
            let (param, at) = self.deref_param(p, &format!("{item_at}/parameters/{i}"))?;
            if let Some(loc) = location(&param, &at, self)? {
                declared.insert((param.parameter_data_ref().name.clone(), loc), (param, at));
            }
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let (param, at) =
                self.deref_param(p, &format!("{}/parameters/{i}", located.pointer))?;
            if let Some(loc) = location(&param, &at, self)? {
                declared.insert((param.parameter_data_ref().name.clone(), loc), (param, at));
            }
        }
        let mut params = Vec::new();
        for name in path.params() {
            let param = match declared.shift_remove(&(name.to_string(), ParamLocation::Path)) {
                Some((param, at)) => self.param(&param, ParamLocation::Path, &at, scope)?,
                None => vec![implicit_path_param(name, scope)],
            };
            params.extend(param);
        }
        declared.sort_by(|(_, a), _, (_, b), _| a.cmp(b));
        for ((_, loc), (param, at)) in declared {
            if loc != ParamLocation::Path {
                params.extend(self.param(&param, loc, &at, scope)?);
            }
        }
        Ok(params)
    }

    fn path_item_params(&self, item_at: &str) -> Result<Vec<ReferenceOr<Parameter>>> {
        match self.doc.get(&format!("{item_at}/parameters")) {
            None => Ok(Vec::new()),
            Some(raw) => {
                let mut raw = raw.clone();
                if let Some(list) = raw.as_array_mut() {
                    list.iter_mut().for_each(quirks::repair_parameter);
                }
                self.typed(raw, &format!("{item_at}/parameters"))
            }
        }
    }

    fn deref_param(&self, param: &ReferenceOr<Parameter>, at: &str) -> Result<(Parameter, String)> {
        match param {
            ReferenceOr::Item(p) => Ok((p.clone(), at.to_string())),
            ReferenceOr::Reference { reference } => {
                let mut raw = self.target(reference, at)?.clone();
                quirks::repair_parameter(&mut raw);
                Ok((self.typed(raw, reference)?, reference.clone()))
            }
        }
    }

    /// One declared parameter as the arguments it becomes: usually one, but an object
    /// in the query string spreads into one argument per property.
    fn param(
        &mut self,
        param: &Parameter,
        location: ParamLocation,
        at: &str,
        scope: &mut Scope,
    ) -> Result<Vec<Param>> {
        let data = param.parameter_data_ref();
        let (ty, checks, schema_description) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let schema_at = format!("{at}/schema");
                let ty = self.type_of(schema, &data.name, &schema_at)?;
                (
                    ty,
                    self.checks(schema, &schema_at)?,
                    self.description_of(schema),
                )
            }
            ParameterSchemaOrContent::Content(content) => match first_schema(content) {
                Some(schema) => (
                    self.type_of(schema, &data.name, at)?,
                    Checks::default(),
                    None,
                ),
                None => (TypeRef::String, Checks::default(), None),
            },
        };
        let ty = strip_nullable(ty);
        let required = data.required || location == ParamLocation::Path;
        if let Some(spread) = query_spread(param) {
            if let Some(fields) = self.struct_fields(&ty) {
                return Ok(spread_object(&data.name, spread, fields, required, scope));
            }
        }
        let text = wire_text(&ty, location, exploded(param), &self.api);
        Ok(vec![Param {
            rust_name: scope.claim_value(naming::value_name(&data.name)),
            wire_name: data.name.clone(),
            location,
            required,
            checks: if text == ty {
                checks
            } else {
                Checks::default()
            },
            ty: text,
            description: data.description.clone().or(schema_description),
        }])
    }

    /// The fields of a named struct, if `ty` is one.
    fn struct_fields(&self, ty: &TypeRef) -> Option<Vec<Field>> {
        let TypeRef::Named(name) = ty else {
            return None;
        };
        match &self.api.types.get(name)?.kind {
            TypeKind::Struct(fields) => Some(fields.clone()),
            _ => None,
        }
    }

    fn body(&mut self, body: &ReferenceOr<RequestBody>, hint: &str, at: &str) -> Result<ir::Body> {
        let (body, at) = match body {
            ReferenceOr::Item(b) => (b.clone(), at.to_string()),
            ReferenceOr::Reference { reference } => (
                self.typed(self.target(reference, at)?.clone(), reference)?,
                reference.clone(),
            ),
        };
        let (content_type, media) = pick_media(&body.content)
            .ok_or_else(|| self.invalid(&at, "request body has no content".into()))?;
        let media_at = format!(
            "{at}/content/{}/schema",
            escape_pointer_token(&content_type)
        );
        let (ty, checks) = match (is_json(&content_type), &media.schema) {
            (true, Some(schema)) => (
                self.type_of(schema, hint, &media_at)?,
                self.checks(schema, &media_at)?,
            ),
            (true, None) => (TypeRef::Any, Checks::default()),
            (false, _) => (TypeRef::Bytes, Checks::default()),
        };
        Ok(ir::Body {
            content_type,
            ty: strip_nullable(ty),
            required: body.required,
            checks,
            description: body.description.clone(),
        })
    }

    /// The success response: the lowest `2xx` code, else `2XX`, else `default`; with
    /// the type of the whole JSON body, envelope included, when it is JSON.
    fn response(
        &mut self,
        op: &openapiv3::Operation,
        hint: &str,
        at: &str,
    ) -> Result<(ir::Response, Option<TypeRef>)> {
        let responses = &op.responses;
        let pick = responses
            .responses
            .iter()
            .filter(|(code, _)| matches!(code, StatusCode::Code(200..=299)))
            .min_by_key(|(code, _)| code.to_string())
            .or_else(|| {
                responses
                    .responses
                    .iter()
                    .find(|(code, _)| matches!(code, StatusCode::Range(2)))
            })
            .map(|(code, r)| (code.to_string(), r));
        let Some((status, response)) = pick else {
            let empty = ir::Response {
                status: String::new(),
                body: ResponseBody::Empty,
                description: None,
            };
            return Ok((empty, None));
        };
        let response_at = format!("{at}/{}", escape_pointer_token(&status));
        let (response, response_at): (Response, String) = match response {
            ReferenceOr::Item(r) => (r.clone(), response_at),
            ReferenceOr::Reference { reference } => {
                let mut raw = self.target(reference, &response_at)?.clone();
                quirks::repair_response(&mut raw);
                (self.typed(raw, reference)?, reference.clone())
            }
        };
        let mut json = None;
        let body = match pick_media(&response.content) {
            None => ResponseBody::Empty,
            Some((content_type, _)) if !is_json(&content_type) => ResponseBody::Bytes(content_type),
            Some((content_type, media)) => {
                let schema_at = format!(
                    "{response_at}/content/{}/schema",
                    escape_pointer_token(&content_type)
                );
                let ty = match &media.schema {
                    Some(schema) => self.type_of(schema, hint, &schema_at)?,
                    None => TypeRef::Any,
                };
                json = Some(ty.clone());
                match self.envelope_result(&ty) {
                    Some(result) => ResponseBody::Envelope(result),
                    None => ResponseBody::Json(ty),
                }
            }
        };
        let response = ir::Response {
            status,
            body,
            description: Some(response.description.clone()).filter(|d| !d.is_empty()),
        };
        Ok((response, json))
    }

    /// `Some(result type)` when `ty` is Cloudflare's envelope: an object with `success`
    /// and `errors`. The `result` is `Nullable` unless it is required and not nullable;
    /// `Some(None)` is an envelope that declares no `result`.
    fn envelope_result(&self, ty: &TypeRef) -> Option<Option<TypeRef>> {
        let TypeRef::Named(name) = ty else {
            return None;
        };
        let TypeKind::Struct(fields) = &self.api.types.get(name)?.kind else {
            return None;
        };
        let has = |wire: &str| fields.iter().any(|f| f.wire_name == wire);
        if !(has("success") && has("errors")) {
            return None;
        }
        Some(
            fields
                .iter()
                .find(|f| f.wire_name == "result")
                .map(|f| match (&f.ty, f.required) {
                    (TypeRef::Nullable(_), _) | (_, true) => f.ty.clone(),
                    (ty, false) => TypeRef::Nullable(Box::new(ty.clone())),
                }),
        )
    }
}

impl Resolver<'_> {
    /// The note of a deprecated operation. Cloudflare's `x-cfDeprecation` extension
    /// gives one, sometimes through a `$ref`; a `$ref` that does not resolve here (older
    /// documents point into unpublished files such as `../organization.json`) is
    /// ignored, because a vendor extension must never stop generation. Without a note,
    /// a twin named like the operation minus `-deprecated` is named as the replacement.
    fn deprecation_note(&self, op: &openapiv3::Operation, id: &str) -> String {
        let mut extension = op.extensions.get("x-cfDeprecation");
        if let Some(reference) = extension
            .and_then(|e| e.get("$ref"))
            .and_then(Value::as_str)
        {
            extension = reference
                .starts_with("#/")
                .then(|| self.doc.get(reference))
                .flatten();
        }
        let description = extension
            .and_then(|d| d.get("description"))
            .and_then(Value::as_str);
        let eol = extension.and_then(|d| d.get("eol")).and_then(Value::as_str);
        match (description, eol) {
            (Some(d), Some(eol)) => format!("{} (end of life: {eol})", d.trim()),
            (Some(d), None) => d.trim().to_string(),
            (None, _) => match id
                .strip_suffix("-deprecated")
                .filter(|twin| self.has_operation(twin))
            {
                Some(twin) => match self.methods.get(twin) {
                    Some(method) => format!(
                        "deprecated in the OpenAPI document; use the method `{}` instead",
                        method.plain()
                    ),
                    None => format!(
                        "deprecated in the OpenAPI document; use operation `{twin}` instead (not generated in this client)"
                    ),
                },
                None => "deprecated in the OpenAPI document".to_string(),
            },
        }
    }

    fn has_operation(&self, id: &str) -> bool {
        crate::select::all_operations(self.doc)
            .iter()
            .any(|op| op.id == id)
    }
}

/// The most arguments a method takes besides `self`: clippy's `too_many_arguments`
/// starts at eight, `self` included.
const MAX_POSITIONAL: usize = 6;

/// A request builder when there are optional parameters, or more required arguments
/// than read well by position; then required query and header parameters become
/// setters too, and path parameters and the body stay positional.
fn request_builder(
    params: &[Param],
    body: Option<&ir::Body>,
    name: String,
) -> Option<ir::RequestBuilder> {
    let required =
        params.iter().filter(|p| p.required).count() + body.map_or(0, |b| usize::from(b.required));
    let optional = params.iter().any(|p| !p.required);
    let crowded = required > MAX_POSITIONAL;
    (optional || crowded).then_some(ir::RequestBuilder {
        name,
        required_setters: crowded,
    })
}

fn location(param: &Parameter, at: &str, resolver: &Resolver<'_>) -> Result<Option<ParamLocation>> {
    Ok(Some(match param {
        Parameter::Path { .. } => ParamLocation::Path,
        Parameter::Query { .. } => ParamLocation::Query,
        Parameter::Header { .. } => ParamLocation::Header,
        Parameter::Cookie { .. } => {
            return Err(Error::Unsupported {
                file: resolver.doc.file.clone(),
                pointer: at.to_string(),
                what: "cookie parameters".into(),
            });
        }
    }))
}

/// How an object-typed query parameter spreads over the query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spread {
    /// `style: form, explode: true` (the default): each property is its own parameter.
    Form,
    /// `style: deepObject`: each property is sent as `name[property]`.
    Deep,
}

fn query_spread(param: &Parameter) -> Option<Spread> {
    match param {
        Parameter::Query {
            style: QueryStyle::DeepObject,
            ..
        } => Some(Spread::Deep),
        Parameter::Query {
            style: QueryStyle::Form,
            ..
        } if exploded(param) => Some(Spread::Form),
        _ => None,
    }
}

/// Whether arrays and objects are exploded: OpenAPI's default is true for `form` only.
fn exploded(param: &Parameter) -> bool {
    let default = matches!(
        param,
        Parameter::Query {
            style: QueryStyle::Form,
            ..
        } | Parameter::Cookie { .. }
    );
    param.parameter_data_ref().explode.unwrap_or(default)
}

/// One argument per property of an object sent in the query string. The object's own
/// requiredness applies on top of each property's.
fn spread_object(
    name: &str,
    spread: Spread,
    fields: Vec<Field>,
    required: bool,
    scope: &mut Scope,
) -> Vec<Param> {
    fields
        .into_iter()
        .map(|field| {
            let (wire_name, rust_stem) = match spread {
                Spread::Form => (field.wire_name.clone(), field.wire_name.clone()),
                Spread::Deep => naming::deep_object_param(name, &field.wire_name),
            };
            let ty = strip_nullable(field.ty);
            Param {
                rust_name: scope.claim_value(naming::value_name(&rust_stem)),
                wire_name,
                location: ParamLocation::Query,
                required: required && field.required,
                ty: if is_scalar(&ty) { ty } else { TypeRef::String },
                checks: Checks::default(),
                description: field.description,
            }
        })
        .collect()
}

/// The type a parameter is passed as. Parameters travel as text: scalars and enums
/// print themselves, exploded query arrays of them repeat the parameter, and anything
/// else (no `type`, a `oneOf` of string and integer, a nested object, a comma-joined
/// array) is taken as the text to send, which is what the document's prose describes.
fn wire_text(ty: &TypeRef, location: ParamLocation, exploded: bool, api: &ir::Api) -> TypeRef {
    let scalar = |ty: &TypeRef| is_scalar(ty) || is_enum(ty, api);
    match ty {
        ty if scalar(ty) => ty.clone(),
        TypeRef::Array(item) if location == ParamLocation::Query && exploded && scalar(item) => {
            ty.clone()
        }
        _ => TypeRef::String,
    }
}

fn is_scalar(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::String | TypeRef::Integer | TypeRef::Unsigned | TypeRef::Number | TypeRef::Boolean
    )
}

fn is_enum(ty: &TypeRef, api: &ir::Api) -> bool {
    let TypeRef::Named(name) = ty else {
        return false;
    };
    matches!(
        api.types.get(name).map(|d| &d.kind),
        Some(TypeKind::Enum(_))
    )
}

/// A template placeholder the document forgot to declare: a required string.
fn implicit_path_param(name: &str, scope: &mut Scope) -> Param {
    Param {
        wire_name: name.to_string(),
        rust_name: scope.claim_value(naming::value_name(name)),
        location: ParamLocation::Path,
        required: true,
        ty: TypeRef::String,
        checks: Checks::default(),
        description: None,
    }
}

/// Parameters are never sent as `null`; optional ones are simply left out.
fn strip_nullable(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Nullable(inner) => *inner,
        ty => ty,
    }
}

/// JSON media types: `application/json`, with parameters or a `+json` suffix.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The media type to use: JSON when offered, else the first listed.
fn pick_media(content: &IndexMap<String, MediaType>) -> Option<(String, &MediaType)> {
    content
        .iter()
        .find(|(ct, _)| is_json(ct))
        .or_else(|| content.iter().next())
        .map(|(ct, m)| (ct.clone(), m))
}

fn first_schema(content: &IndexMap<String, MediaType>) -> Option<&ReferenceOr<Schema>> {
    pick_media(content).and_then(|(_, m)| m.schema.as_ref())
}

/// Splits a path template into literals and `{name}` placeholders.
pub fn parse_template(raw: &str) -> std::result::Result<PathTemplate, String> {
    let mut segments = Vec::new();
    let mut rest = raw;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| format!("unclosed `{{` in path template `{raw}`"))?;
        let name = &rest[open + 1..close];
        if name.is_empty() || name.contains('{') {
            return Err(format!("bad placeholder in path template `{raw}`"));
        }
        if open > 0 {
            segments.push(PathSegment::Literal(rest[..open].to_string()));
        }
        segments.push(PathSegment::Param(name.to_string()));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        segments.push(PathSegment::Literal(rest.to_string()));
    }
    Ok(PathTemplate {
        raw: raw.to_string(),
        segments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_literals_and_params() {
        let t = parse_template("/accounts/{account_id}/ns/{namespace_id}/bulk/delete").unwrap();
        assert_eq!(
            t.segments,
            [
                PathSegment::Literal("/accounts/".into()),
                PathSegment::Param("account_id".into()),
                PathSegment::Literal("/ns/".into()),
                PathSegment::Param("namespace_id".into()),
                PathSegment::Literal("/bulk/delete".into()),
            ]
        );
        assert_eq!(
            t.params().collect::<Vec<_>>(),
            ["account_id", "namespace_id"]
        );
        assert_eq!(parse_template("/{a}{b}").unwrap().segments.len(), 3);
        assert!(parse_template("/x/{open").unwrap_err().contains("unclosed"));
        assert!(parse_template("/x/{}").is_err());
    }

    #[test]
    fn json_media_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("application/x-ndjson"));
        assert!(!is_json("multipart/form-data"));
    }
}
