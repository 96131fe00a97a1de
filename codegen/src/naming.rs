//! Naming: the one place where wire names become Rust identifiers.
//!
//! Every stage that needs a Rust name asks this module, so the rules (case conversion,
//! keywords, leading digits, symbols, collisions) live in one table-tested place.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be identifiers even as raw identifiers (`r#self` is rejected).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Strict and reserved keywords of Rust 2024, which need `r#` to be used as names.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Type names the generated code uses unqualified or that read as std types.
const RESERVED_TYPES: &[&str] = &["Option", "Result", "String", "Vec", "Box", "Self"];

/// Words for names made only of symbols, such as the enum values `<=` or `*`.
const SYMBOLS: &[(char, &str)] = &[
    ('<', "lt"),
    ('>', "gt"),
    ('=', "eq"),
    ('!', "not"),
    ('*', "star"),
    ('+', "plus"),
    ('-', "minus"),
    ('/', "slash"),
    ('.', "dot"),
    ('@', "at"),
    ('#', "hash"),
    ('%', "percent"),
    ('&', "and"),
    ('|', "or"),
    ('~', "tilde"),
    ('?', "question"),
    (':', "colon"),
    ('$', "dollar"),
];

/// Removes the first matching prefix, unless that would leave nothing.
pub fn strip_prefix<'a>(raw: &'a str, prefixes: &[String]) -> &'a str {
    prefixes
        .iter()
        .find_map(|p| raw.strip_prefix(p.as_str()).filter(|rest| !rest.is_empty()))
        .unwrap_or(raw)
}

/// An `UpperCamelCase` type or variant name.
pub fn type_name(raw: &str) -> String {
    let name = words(raw).to_upper_camel_case();
    let name = lead_with_letter(name, "T");
    if RESERVED_TYPES.contains(&name.as_str()) {
        format!("{name}Type")
    } else {
        name
    }
}

/// A `snake_case` function, field or argument name, with `r#` where it is a keyword.
pub fn value_name(raw: &str) -> String {
    let name = words(raw).to_snake_case();
    let name = lead_with_letter(name, "n_");
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// Methods of the generated `Client` that operations must not take.
pub const CLIENT_METHODS: &[&str] = &[
    "builder",
    "from_env",
    "from_runtime",
    "as_runtime",
    "into_runtime",
    "clone",
    "fmt",
];

/// Type names the generated code defines besides the schemas: the client, and `S`, the
/// type parameter of methods that take a list of string-likes.
pub const CLIENT_TYPES: &[&str] = &["Client", "S"];

/// The names derived from one operation's (prefix-stripped) id; see [`operation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationNames {
    /// The method on the generated `Client`.
    pub method: String,
    /// The method that also returns the status, headers and envelope metadata.
    pub with_response: String,
    /// The request builder type, used when the operation has optional parameters.
    pub builder: String,
    /// The types of the operation's signature.
    pub types: crate::ir::OperationNames,
}

/// The names of an operation whose id, prefix stripped, is `stem`. The method name is
/// claimed in `methods`, the type names in `types`, so none collides.
pub fn operation(stem: &str, methods: &mut Scope, types: &mut Scope) -> OperationNames {
    let method = methods.claim(value_name(stem));
    let with_response = methods.claim(format!("{}_with_response", method.trim_start_matches("r#")));
    let base = type_name(stem);
    let mut claim = |suffix: &str| types.claim(format!("{base}{suffix}"));
    OperationNames {
        method,
        with_response,
        builder: claim("Request"),
        types: crate::ir::OperationNames {
            result: claim("Result"),
            body: claim("Body"),
            response: claim("Response"),
        },
    }
}

/// The naming hint of an array's items.
pub fn item_hint(owner: &str) -> String {
    format!("{owner}-item")
}

/// The naming hint of a map's values.
pub fn value_hint(owner: &str) -> String {
    format!("{owner}-value")
}

/// The naming hint of an object's property.
pub fn property_hint(owner: &str, property: &str) -> String {
    format!("{owner}-{property}")
}

/// The naming hint of the `index`-th member of a `oneOf`.
pub fn member_hint(owner: &str, index: usize) -> String {
    format!("{owner}-variant{index}")
}

/// The wire name and Rust stem of a property of a `deepObject` query parameter.
pub fn deep_object_param(param: &str, property: &str) -> (String, String) {
    (
        format!("{param}[{property}]"),
        format!("{param}_{property}"),
    )
}

/// The variant name of an untagged union member, from what the member is.
pub fn untagged_variant(ty: &crate::ir::TypeRef) -> String {
    use crate::ir::TypeRef;
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Integer | TypeRef::Unsigned => "Integer".into(),
        TypeRef::Number => "Number".into(),
        TypeRef::Boolean => "Boolean".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Any => "Any".into(),
        TypeRef::Map(_) => "Map".into(),
        TypeRef::Array(item) => format!("{}List", untagged_variant(item)),
        TypeRef::Named(name) => name.clone(),
        TypeRef::Nullable(inner) => untagged_variant(inner),
    }
}

/// The catch-all variant of an enum read from responses, holding a value the document
/// did not list.
pub const UNKNOWN_VARIANT: &str = "Unknown";

/// Spells out symbols when a name has no letters or digits, so `<=` becomes `lt eq`.
fn words(raw: &str) -> String {
    if raw.chars().any(char::is_alphanumeric) {
        return raw.to_string();
    }
    let spelled: Vec<&str> = raw
        .chars()
        .filter_map(|c| SYMBOLS.iter().find(|(s, _)| *s == c).map(|(_, w)| *w))
        .collect();
    if spelled.is_empty() {
        "empty".to_string()
    } else {
        spelled.join(" ")
    }
}

/// Identifiers cannot start with a digit or be empty.
fn lead_with_letter(name: String, lead: &str) -> String {
    match name.chars().next() {
        None => lead.trim_end_matches('_').to_string(),
        Some(c) if c.is_ascii_digit() => format!("{lead}{name}"),
        Some(_) => name,
    }
}

/// Hands out names that are unique within one scope, in a deterministic way: the first
/// claimant keeps the name, later ones get `2`, `3`, … in the order they ask.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope whose names are compared as given.
    pub fn new() -> Self {
        Scope::default()
    }

    /// Claims `name`, or the first free `name2`, `name3`, … and returns what it got.
    pub fn claim(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        let base = name.trim_start_matches("r#").to_string();
        let sep = if base.contains('_') || base.chars().all(|c| c.is_lowercase()) {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .expect("an unbounded range always yields a free name")
    }

    /// Frees `name` again.
    pub(crate) fn remove(&mut self, name: &str) {
        self.taken.remove(name);
    }

    /// Whether `name` is already claimed.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        let table = [
            ("workers-kv_bulk-result", "WorkersKvBulkResult"),
            ("api-response-common", "ApiResponseCommon"),
            ("liveInput", "LiveInput"),
            ("live_input", "LiveInput"),
            ("2fa_config", "T2faConfig"),
            ("default", "Default"),
            ("Self", "SelfType"),
            ("string", "StringType"),
            ("<=", "LtEq"),
            ("*", "Star"),
            ("", "Empty"),
            ("a.b.c", "ABC"),
        ];
        for (raw, want) in table {
            assert_eq!(type_name(raw), want, "type name of {raw:?}");
        }
    }

    #[test]
    fn value_names() {
        let table = [
            ("account_id", "account_id"),
            ("namespace-id", "namespace_id"),
            ("httpProtocol", "http_protocol"),
            ("type", "r#type"),
            ("match", "r#match"),
            ("self", "self_"),
            ("crate", "crate_"),
            ("Self", "self_"),
            ("404", "n_404"),
            ("2fa", "n_2fa"),
            ("", "empty"),
            (
                "workers-kv-namespace-delete-multiple-key-value-pairs",
                "workers_kv_namespace_delete_multiple_key_value_pairs",
            ),
        ];
        for (raw, want) in table {
            assert_eq!(value_name(raw), want, "value name of {raw:?}");
        }
    }

    #[test]
    fn prefixes_are_stripped_once_and_never_to_nothing() {
        let prefixes = vec!["workers-kv_".to_string(), "workers-kv-".to_string()];
        assert_eq!(
            strip_prefix("workers-kv_bulk_delete", &prefixes),
            "bulk_delete"
        );
        assert_eq!(
            strip_prefix("workers-kv-namespace-list", &prefixes),
            "namespace-list"
        );
        assert_eq!(strip_prefix("workers-kv_", &prefixes), "workers-kv_");
        assert_eq!(strip_prefix("zones_zone", &prefixes), "zones_zone");
    }

    #[test]
    fn collisions_get_numbered_in_claim_order() {
        let mut scope = Scope::new();
        assert_eq!(scope.claim(type_name("component-value")), "ComponentValue");
        assert_eq!(scope.claim(type_name("component_value")), "ComponentValue2");
        assert_eq!(scope.claim(type_name("ComponentValue")), "ComponentValue3");
        let mut fields = Scope::new();
        assert_eq!(fields.claim(value_name("http_protocol")), "http_protocol");
        assert_eq!(fields.claim(value_name("httpProtocol")), "http_protocol_2");
        assert_eq!(fields.claim(value_name("type")), "r#type");
        assert_eq!(fields.claim(value_name("type")), "type_2");
        assert!(fields.contains("type_2"));
    }
}
