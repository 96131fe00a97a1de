//! Resolve tests: each quirk of the real Cloudflare documents (see `../shared/cloudflare-spec/README.md`)
//! on a tiny inline spec, checked on the IR or the generated code.

use crate::ir::{Api, ParamLocation, ResponseBody, TypeKind, TypeRef};
use crate::load::Document;
use crate::{Error, Settings};
use serde_json::{Value, json};

/// A document with one operation `op` (`POST /things/{id}`) built from `operation`,
/// plus `schemas`.
fn doc_with(operation: Value, schemas: Value) -> Document {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things/{id}": {"post": operation}},
        "components": {"schemas": schemas},
    });
    Document::from_text("t.json", &doc.to_string()).expect("the test document loads")
}

/// An operation whose 200 response holds `schema` in its `value` property. (Not the
/// response itself: a schema that is a whole response is named after the operation.)
fn returning(schema: Value) -> Value {
    let response = json!({"type": "object", "properties": {"value": schema}});
    json!({"operationId": "op", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": response}}}}})
}

fn resolve(doc: &Document, settings: &Settings) -> Api {
    let selected = crate::select::select(doc, settings).expect("selection succeeds");
    crate::resolve::resolve(doc, &selected, settings)
        .expect("resolve succeeds")
        .api
}

fn resolve_all(doc: &Document) -> Api {
    resolve(
        doc,
        &Settings {
            all: true,
            strict: true,
            ..Settings::default()
        },
    )
}

fn fields(api: &Api, name: &str) -> Vec<(String, TypeRef, bool)> {
    match &api.types[name].kind {
        TypeKind::Struct(fields) => fields
            .iter()
            .map(|f| (f.wire_name.clone(), f.ty.clone(), f.boxed))
            .collect(),
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

fn field_type(api: &Api, name: &str, field: &str) -> TypeRef {
    fields(api, name)
        .into_iter()
        .find(|f| f.0 == field)
        .unwrap_or_else(|| panic!("no field {field}"))
        .1
}

fn named(name: &str) -> TypeRef {
    TypeRef::Named(name.into())
}

fn code(doc: &Document) -> String {
    crate::generate(
        doc,
        &Settings {
            all: true,
            strict: true,
            ..Settings::default()
        },
    )
    .unwrap()
    .code
}

#[test]
fn min_length_on_an_array_keeps_it_an_array() {
    let schemas = json!({"env": {"type": "object", "properties": {"errors": {"type": "array", "minLength": 1, "items": {"type": "string"}}}}});
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/env"})),
        schemas,
    ));
    assert_eq!(
        field_type(&api, "Env", "errors"),
        TypeRef::Array(Box::new(TypeRef::String))
    );
}

#[test]
fn unique_items_on_an_object_keeps_it_a_struct() {
    let schemas = json!({"thing": {"type": "object", "uniqueItems": true, "properties": {"a": {"type": "string"}}}});
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/thing"})),
        schemas,
    ));
    assert_eq!(
        fields(&api, "Thing"),
        [("a".to_string(), TypeRef::String, false)]
    );
}

#[test]
fn enum_true_is_a_boolean() {
    let schemas = json!({"env": {"type": "object", "properties": {"success": {"type": "boolean", "enum": [true]}}}});
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/env"})),
        schemas,
    ));
    assert_eq!(field_type(&api, "Env", "success"), TypeRef::Boolean);
}

#[test]
fn a_nullable_object_without_properties_is_an_optional_map() {
    let schemas = json!({"env": {"type": "object", "properties": {"result": {"type": "object", "nullable": true}}}});
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/env"})),
        schemas,
    ));
    let map = TypeRef::Map(Box::new(TypeRef::Any));
    assert_eq!(
        field_type(&api, "Env", "result"),
        TypeRef::Nullable(Box::new(map))
    );
}

#[test]
fn all_of_with_one_ref_and_siblings() {
    let schemas = json!({
        "id": {"type": "string", "maxLength": 32},
        "base": {"type": "object", "properties": {"a": {"type": "string"}}},
        "env": {"type": "object", "properties": {
            // Siblings that only annotate: the member's type is used as is.
            "id": {"allOf": [{"$ref": "#/components/schemas/id"}], "description": "The id.", "example": "x"},
            // Siblings that add properties: they merge with the member.
            "more": {"allOf": [{"$ref": "#/components/schemas/base"}], "properties": {"b": {"type": "integer"}}, "required": ["b"]},
        }},
    });
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/env"})),
        schemas,
    ));
    assert_eq!(field_type(&api, "Env", "id"), TypeRef::String);
    let TypeRef::Named(more) = field_type(&api, "Env", "more") else {
        panic!("not named")
    };
    let got: Vec<String> = fields(&api, &more).into_iter().map(|f| f.0).collect();
    assert_eq!(got, ["a", "b"]);
}

#[test]
fn read_only_path_parameters_are_still_arguments() {
    let op = json!({
        "operationId": "op",
        "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"$ref": "#/components/schemas/id"}}],
        "responses": {"200": {"description": "ok"}},
    });
    let api = resolve_all(&doc_with(
        op,
        json!({"id": {"type": "string", "readOnly": true, "maxLength": 32}}),
    ));
    let param = &api.operations["op"].params[0];
    assert_eq!(
        (param.rust_name.plain(), param.location, &param.ty),
        ("id", ParamLocation::Path, &TypeRef::String)
    );
    assert_eq!(param.checks.max_length, Some(32));
}

#[test]
fn vendor_extensions_change_nothing() {
    let plain = doc_with(
        returning(json!({"$ref": "#/components/schemas/r"})),
        json!({"r": {"type": "object", "properties": {"a": {"type": "string"}}}}),
    );
    let mut op = returning(json!({"$ref": "#/components/schemas/r"}));
    op["x-api-token-group"] = json!(["Workers KV Storage Write"]);
    op["x-cfPermissionsRequired"] = json!({"enum": ["com.cloudflare.edge.storage.kv.key.delete"]});
    op["x-fern-sdk-group-name"] = json!("kv");
    let schemas = json!({"r": {"type": "object", "x-stainless-empty-object": true, "properties": {"a": {"type": "string", "x-auditable": true}}}});
    assert_eq!(resolve_all(&doc_with(op, schemas)), resolve_all(&plain));
}

#[test]
fn query_parameters_without_schema_are_strings() {
    let op = json!({
        "operationId": "op",
        "parameters": [{"in": "query", "name": "name"}],
        "responses": {"200": {"description": "ok"}},
    });
    let api = resolve_all(&doc_with(op, json!({})));
    let params = &api.operations["op"].params;
    assert_eq!(
        (
            params[1].wire_name.as_str(),
            params[1].location,
            &params[1].ty
        ),
        ("name", ParamLocation::Query, &TypeRef::String)
    );
}

#[test]
fn responses_without_description_are_accepted() {
    let op = json!({
        "operationId": "op",
        "responses": {
            "200": {"content": {"application/json": {"schema": {"type": "string"}}}},
            "4XX": {"content": {"application/json": {"schema": {"type": "object"}}}},
        },
    });
    let api = resolve_all(&doc_with(op, json!({})));
    let response = &api.operations["op"].response;
    assert_eq!(
        (response.body.clone(), response.description.clone()),
        (ResponseBody::Json(TypeRef::String), None)
    );
}

#[test]
fn refs_inside_vendor_extensions_are_never_followed() {
    let mut op = returning(json!({"type": "string"}));
    op["deprecated"] = json!(true);
    op["x-cfDeprecation"] = json!({"$ref": "../organization.json#/components/schemas/organization/x-cfDeprecations/org_deprecation"});
    let api = resolve_all(&doc_with(op.clone(), json!({})));
    assert_eq!(
        api.operations["op"].deprecated.as_deref(),
        Some("deprecated in the OpenAPI document")
    );
    // A local `$ref` that resolves gives its note.
    op["x-cfDeprecation"] = json!({"$ref": "#/components/schemas/notes/x-cfDeprecations/d"});
    let notes = json!({"notes": {"x-cfDeprecations": {"d": {"description": "Use v2.", "eol": "2024-01-01"}}}});
    let api = resolve_all(&doc_with(op, notes));
    assert_eq!(
        api.operations["op"].deprecated.as_deref(),
        Some("Use v2. (end of life: 2024-01-01)")
    );
}

#[test]
fn recursive_schemas_are_boxed_not_infinite() {
    let schemas = json!({
        "node": {"type": "object", "properties": {
            "parent": {"$ref": "#/components/schemas/node"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/node"}},
            "other": {"$ref": "#/components/schemas/other"},
        }},
        "other": {"type": "object", "properties": {"back": {"$ref": "#/components/schemas/node"}}},
    });
    let doc = doc_with(
        returning(json!({"$ref": "#/components/schemas/node"})),
        schemas,
    );
    let api = resolve_all(&doc);
    let node = fields(&api, "Node");
    assert_eq!(node[0], ("parent".into(), named("Node"), true));
    assert_eq!(
        node[1],
        (
            "children".into(),
            TypeRef::Array(Box::new(named("Node"))),
            false
        )
    );
    assert_eq!(
        fields(&api, "Other"),
        [("back".into(), named("Node"), true)]
    );
    assert!(code(&doc).contains("pub parent: ::std::option::Option<::std::boxed::Box<Node>>"));
}

#[test]
fn duplicate_operation_ids_both_generate() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"get": {"operationId": "list", "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"operationId": "list", "responses": {"200": {"description": "ok"}}}},
        },
    });
    let api = resolve_all(&Document::from_text("t.json", &doc.to_string()).unwrap());
    let fns: Vec<(&str, &str)> = api
        .operations
        .iter()
        .map(|(k, op)| (k.as_str(), op.fn_name.plain()))
        .collect();
    assert_eq!(fns, [("list", "list"), ("list@GET /b", "list_2")]);
}

#[test]
fn schemas_without_type_are_inferred_from_their_keywords() {
    let schemas = json!({"r": {"type": "object", "properties": {
        "kind": {"enum": ["a", "b"], "maxLength": 3},
        "file": {"format": "binary"},
        "count": {"minimum": 1},
    }}});
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/r"})),
        schemas,
    ));
    let types: Vec<TypeRef> = fields(&api, "R").into_iter().map(|f| f.1).collect();
    assert_eq!(types, [named("RKind"), TypeRef::String, TypeRef::Number]);
}

#[test]
fn defaults_that_do_not_fit_are_ignored() {
    let schemas = json!({"r": {"type": "object", "properties": {
        "n": {"type": "integer", "default": "ten"},
        "mode": {"type": "string", "enum": ["on", "off"], "default": "auto"},
    }}});
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/r"})),
        schemas,
    ));
    assert_eq!(field_type(&api, "R", "n"), TypeRef::Integer);
    assert_eq!(field_type(&api, "R", "mode"), named("RMode"));
}

#[test]
fn enum_values_that_map_to_one_name_get_distinct_variants() {
    let schemas = json!({"op": {"type": "string", "enum": ["<", "<=", ">", ">=", "==", "", "*", "a-b", "a_b"]}});
    let op = json!({
        "operationId": "op",
        "parameters": [{"in": "query", "name": "op", "schema": {"$ref": "#/components/schemas/op"}}],
        "responses": {"200": {"description": "ok"}},
    });
    let api = resolve_all(&doc_with(op, schemas));
    let TypeKind::Enum(variants) = &api.types["Op"].kind else {
        panic!("not an enum")
    };
    let names: Vec<&str> = variants.iter().map(|v| v.rust_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Lt", "LtEq", "Gt", "GtEq", "EqEq", "Empty", "Star", "AB", "AB2"
        ]
    );
}

#[test]
fn bodies_of_every_media_type() {
    let body = |content: Value| json!({"operationId": "op", "requestBody": {"content": content}, "responses": {"200": {"description": "ok"}}});
    let cases = [
        (
            json!({"application/json": {}}),
            "application/json",
            TypeRef::Any,
        ),
        (
            json!({"multipart/form-data": {"schema": {"type": "object"}}}),
            "multipart/form-data",
            TypeRef::Bytes,
        ),
        (
            json!({"application/x-ndjson": {"schema": {"type": "string"}}}),
            "application/x-ndjson",
            TypeRef::Bytes,
        ),
        (
            json!({"application/javascript": {}}),
            "application/javascript",
            TypeRef::Bytes,
        ),
        (
            json!({"application/octet-stream": {"schema": {"format": "binary"}}}),
            "application/octet-stream",
            TypeRef::Bytes,
        ),
    ];
    for (content, media, ty) in cases {
        let api = resolve_all(&doc_with(body(content), json!({})));
        let body = api.operations["op"].body.clone().unwrap();
        assert_eq!((body.content_type.as_str(), body.ty), (media, ty));
    }
}

#[test]
fn an_image_200_beside_a_json_202_returns_the_image_bytes() {
    let op = json!({"operationId": "op", "responses": {
        "202": {"description": "queued", "content": {"application/json": {"schema": {"type": "object"}}}},
        "200": {"description": "the image", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
    }});
    let doc = doc_with(op, json!({}));
    assert_eq!(
        resolve_all(&doc).operations["op"].response.body,
        ResponseBody::Bytes("image/png".into())
    );
    let code = code(&doc);
    assert!(
        code.contains("::cfgen_runtime::ApiResponse<::cfgen_runtime::Bytes>"),
        "{code}"
    );
}

#[test]
fn path_and_query_parameters_with_one_rust_name_stay_apart() {
    let op = json!({
        "operationId": "op",
        "parameters": [
            {"in": "query", "name": "httpProtocol", "schema": {"type": "string"}},
            {"in": "path", "name": "id", "required": true, "schema": {"type": "string"}},
            {"in": "query", "name": "id", "schema": {"type": "string"}},
            {"in": "query", "name": "http_protocol", "schema": {"type": "string"}},
        ],
        "responses": {"200": {"description": "ok"}},
    });
    let api = resolve_all(&doc_with(op, json!({})));
    let names: Vec<(&str, &str)> = api.operations["op"]
        .params
        .iter()
        .map(|p| (p.wire_name.as_str(), p.rust_name.plain()))
        .collect();
    assert_eq!(
        names,
        [
            ("id", "id"),
            ("httpProtocol", "http_protocol"),
            ("id", "id_2"),
            ("http_protocol", "http_protocol_2")
        ]
    );
}

#[test]
fn schema_names_that_collide_after_case_conversion_and_default() {
    let object = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    let schemas = json!({
        "component-value": object, "component_value": object, "default": object,
        "r": {"type": "object", "properties": {
            "x": {"$ref": "#/components/schemas/component-value"},
            "y": {"$ref": "#/components/schemas/component_value"},
            "z": {"$ref": "#/components/schemas/default"},
        }},
    });
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/r"})),
        schemas,
    ));
    let types: Vec<TypeRef> = fields(&api, "R").into_iter().map(|f| f.1).collect();
    assert_eq!(
        types,
        [
            named("ComponentValue"),
            named("ComponentValue2"),
            named("Default")
        ]
    );
}

/// An envelope whose `result` is an `anyOf` of many `allOf` variants, each merging the
/// same large members: every member is converted once, so this stays small.
#[test]
fn envelope_all_of_with_an_any_of_of_all_ofs_stays_small() {
    let mut schemas = serde_json::Map::new();
    let props: serde_json::Map<String, Value> = (0..50)
        .map(|i| (format!("p{i}"), json!({"type": "string"})))
        .collect();
    schemas.insert(
        "common".into(),
        json!({"type": "object", "properties": props}),
    );
    let variants: Vec<Value> = (0..40)
        .map(|i| json!({"allOf": [{"$ref": "#/components/schemas/common"}, {"$ref": "#/components/schemas/common"}, {"properties": {format!("v{i}"): {"type": "integer"}}}]}))
        .collect();
    schemas.insert("env".into(), json!({"allOf": [{"$ref": "#/components/schemas/common"}, {"properties": {"result": {"anyOf": variants}}}]}));
    let api = resolve_all(&doc_with(
        returning(json!({"$ref": "#/components/schemas/env"})),
        Value::Object(schemas),
    ));
    let TypeRef::Named(result) = field_type(&api, "Env", "result") else {
        panic!("not named")
    };
    assert!(matches!(&api.types[&result].kind, TypeKind::Untagged(v) if v.len() == 40));
    // The result, its 40 variants, the envelope and the response that holds it.
    assert_eq!(
        api.types.len(),
        43,
        "{:?}",
        api.types.keys().collect::<Vec<_>>()
    );
}

#[test]
fn a_broken_operation_is_skipped_with_its_reason_unless_strict() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/good": {"get": {"operationId": "good", "responses": {"200": {"description": "ok"}}}},
            "/bad": {"get": {"operationId": "bad", "parameters": [{"in": "cookie", "name": "c", "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}},
        },
    });
    let doc = Document::from_text("t.json", &doc.to_string()).unwrap();
    let generated = crate::generate(
        &doc,
        &Settings {
            all: true,
            ..Settings::default()
        },
    )
    .unwrap();
    assert!(generated.code.contains("pub async fn good("));
    assert_eq!(generated.skipped.len(), 1);
    assert_eq!(
        generated.skipped[0].to_string(),
        "bad: t.json: #/paths/~1bad/get/parameters/0: unsupported: cookie parameters"
    );
    let strict = crate::generate(
        &doc,
        &Settings {
            all: true,
            strict: true,
            ..Settings::default()
        },
    );
    assert!(matches!(strict, Err(Error::Skipped(ref s)) if s.len() == 1));
    // The good operation alone generates even though the document holds a broken one.
    assert!(crate::generate(&doc, &Settings::operations(["good"])).is_ok());
    let by_id = crate::generate(&doc, &Settings::operations(["bad"])).unwrap_err();
    assert!(by_id.to_string().contains("cookie parameters"), "{by_id}");
}

#[test]
fn query_objects_spread_into_one_argument_per_property() {
    let op = json!({
        "operationId": "op",
        "parameters": [
            {"in": "query", "name": "range", "schema": {"type": "object", "required": ["start"], "properties": {"start": {"type": "string"}, "end": {"type": "string"}}}, "required": true},
            {"in": "query", "name": "match", "style": "deepObject", "schema": {"type": "object", "properties": {"name": {"type": "string"}}}},
            {"in": "query", "name": "ids", "style": "form", "explode": false, "schema": {"type": "array", "items": {"type": "integer"}}},
            {"in": "query", "name": "since", "schema": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        ],
        "responses": {"200": {"description": "ok"}},
    });
    let api = resolve_all(&doc_with(op, json!({})));
    let got: Vec<(&str, &str, bool, &TypeRef)> = api.operations["op"].params[1..]
        .iter()
        .map(|p| (p.wire_name.as_str(), p.rust_name.plain(), p.required, &p.ty))
        .collect();
    assert_eq!(
        got,
        [
            ("start", "start", true, &TypeRef::String),
            ("end", "end", false, &TypeRef::String),
            ("match[name]", "match_name", false, &TypeRef::String),
            // A comma-joined list and a string-or-integer travel as the caller's text.
            ("ids", "ids", false, &TypeRef::String),
            ("since", "since", false, &TypeRef::String),
        ]
    );
}

#[test]
fn non_string_path_parameters_print_themselves() {
    let op = json!({
        "operationId": "op",
        "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "ok"}},
    });
    let code: String = code(&doc_with(op, json!({}))).split_whitespace().collect();
    assert!(code.contains("id:i64,"), "{code}");
    assert!(
        code.contains("::cfgen_runtime::encode_path(&id.to_string())"),
        "{code}"
    );
}

#[test]
fn swagger_2_and_other_json_are_refused_clearly() {
    let swagger = r#"{"swagger":"2.0","info":{"title":"Cloudflare API","version":"4.0"},"host":"api.cloudflare.com","basePath":"/client/v4","paths":{}}"#;
    let err = Document::from_text("swagger.json", swagger)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "swagger.json: Swagger 2.0 documents are not supported: convert it to OpenAPI 3.0 first"
    );
    let package = r#"{"name":"cloudflare","version":"1.0.0","dependencies":{}}"#;
    let err = Document::from_text("package.json", package)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "package.json: not an OpenAPI document: the top-level `openapi` field is missing"
    );
}

/// `Client` and `S` (the type parameter of string-list arguments) are the generated
/// code's own names: schemas called so step aside.
#[test]
fn schemas_named_like_the_generated_code_step_aside() {
    let schemas = json!({
        "client": {"type": "object", "properties": {"a": {"type": "string"}}},
        "s": {"type": "object", "properties": {"b": {"type": "string"}}},
    });
    let op = returning(json!({"type": "object", "properties": {
        "c": {"$ref": "#/components/schemas/client"},
        "s": {"$ref": "#/components/schemas/s"},
    }}));
    let api = resolve_all(&doc_with(op, schemas));
    let names: Vec<&str> = api.types.keys().map(String::as_str).collect();
    assert_eq!(names, ["Client2", "OpResponse", "OpResponseValue", "S2"]);
}
