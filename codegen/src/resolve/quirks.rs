//! Resolve, part 0: repairs, on the raw tree, the known ways real documents break the
//! OpenAPI 3.0 rules, so that typed conversion of the selected pieces succeeds.
//!
//! Each repair keeps the document's intent. Only pieces that a selected operation
//! reaches are ever repaired.

use serde_json::{Map, Value};

/// Repairs an operation object in place.
pub fn repair_operation(op: &mut Value) {
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        params.iter_mut().for_each(repair_parameter);
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        responses.values_mut().for_each(repair_response);
    }
}

/// A parameter with neither `schema` nor `content` is a string.
pub fn repair_parameter(param: &mut Value) {
    if let Some(object) = param.as_object_mut() {
        let is_ref = object.contains_key("$ref");
        if !is_ref && !object.contains_key("schema") && !object.contains_key("content") {
            let mut schema = Map::new();
            schema.insert("type".into(), Value::from("string"));
            object.insert("schema".into(), Value::Object(schema));
        }
    }
}

/// A response without the required `description` gets an empty one.
pub fn repair_response(response: &mut Value) {
    if let Some(object) = response.as_object_mut() {
        if !object.contains_key("$ref") && !object.contains_key("description") {
            object.insert("description".into(), Value::from(""));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_without_schema_become_strings() {
        let mut op = json!({"parameters": [{"name": "q", "in": "query"}, {"$ref": "#/x"}]});
        repair_operation(&mut op);
        assert_eq!(op["parameters"][0]["schema"], json!({"type": "string"}));
        assert_eq!(op["parameters"][1], json!({"$ref": "#/x"}));
    }

    #[test]
    fn responses_without_description_get_one() {
        let mut op = json!({"responses": {"4xx": {"content": {}}, "200": {"description": "ok"}}});
        repair_operation(&mut op);
        assert_eq!(op["responses"]["4xx"]["description"], json!(""));
        assert_eq!(op["responses"]["200"]["description"], json!("ok"));
    }
}
