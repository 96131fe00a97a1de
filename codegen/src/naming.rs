//! Naming: the one place where wire names become Rust identifiers.
//!
//! Every stage that needs a Rust name asks this module, so the rules (case conversion,
//! keywords, leading digits, symbols, collisions) live in one table-tested place.
//!
//! Every name it hands out is plain ASCII: a name with other characters is first
//! transliterated (`größe` → `grosse`, `ǅemo` → `dzemo`, `²` → `2`, `٣x` → `3x`,
//! `日本語` → `ri_ben_yu`). Rust accepts many non-ASCII identifiers, but whether one
//! compiles without warnings depends on the rest of the crate (`confusable_idents`,
//! `mixed_script_confusables` and `uncommon_codepoints` are crate-wide lints), and a
//! user has to be able to type the name. ASCII names are valid XID identifiers and
//! NFKC-normalised by construction; the wire name stays beside them for serde and the
//! request. Names that end up equal are told apart by [`Scope`].

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
    let name = words(&ascii(raw)).to_upper_camel_case();
    let name = lead_with_letter(name, "T");
    if RESERVED_TYPES.contains(&name.as_str()) {
        format!("{name}Type")
    } else {
        name
    }
}

/// A `snake_case` Rust name: a function, field or argument. Whether it must be written
/// as a raw identifier is a flag decided here, never an `r#` prefix inside the text, so
/// docs, links and composed names read [`RustName::plain`] and only the code that writes
/// the identifier itself looks at [`RustName::is_raw`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RustName {
    text: String,
    raw: bool,
}

impl RustName {
    /// The name for `text`, already a snake_case identifier: raw when it is a keyword.
    fn new(text: String) -> Self {
        let raw = KEYWORDS.contains(&text.as_str());
        RustName { text, raw }
    }

    /// The name without any `r#`: what docs, code spans and composed names use.
    pub(crate) fn plain(&self) -> &str {
        &self.text
    }

    /// Whether the identifier must be written `r#name` in code.
    pub(crate) fn is_raw(&self) -> bool {
        self.raw
    }

    /// The name as written in Rust source (`r#type` for a keyword), for messages that
    /// quote the code.
    pub(crate) fn in_code(&self) -> String {
        if self.raw {
            format!("r#{}", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// A `snake_case` function, field or argument name, raw where it is a keyword.
pub(crate) fn value_name(raw: &str) -> RustName {
    let name = words(&ascii(raw)).to_snake_case();
    let name = lead_with_letter(name, "n_");
    if NOT_RAW.contains(&name.as_str()) {
        RustName::new(format!("{name}_"))
    } else {
        RustName::new(name)
    }
}

/// The name in ASCII. Characters without a transliteration (private use, unassigned,
/// controls) separate words, as punctuation does.
fn ascii(raw: &str) -> std::borrow::Cow<'_, str> {
    deunicode::deunicode_with_tofu_cow(raw, " ")
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
    pub method: RustName,
    /// The method that also returns the status, headers and envelope metadata.
    pub with_response: RustName,
    /// The request builder type, used when the operation has optional parameters.
    pub builder: String,
    /// The types of the operation's signature.
    pub types: crate::ir::OperationNames,
}

/// The names of an operation whose id, prefix stripped, is `stem`. The method name is
/// claimed in `methods`, the type names in `types`, so none collides.
pub fn operation(stem: &str, methods: &mut Scope, types: &mut Scope) -> OperationNames {
    let method = methods.claim_value(value_name(stem));
    // `self_` (a keyword made a name) must give `self_with_response`, not a double
    // underscore that trips `non_snake_case`.
    let plain = method.plain().trim_end_matches('_');
    let with_response = methods.claim_value(RustName::new(format!("{plain}_with_response")));
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

    /// Claims `name`, or the first free `name2`, `name3`, … (`name_2`, `name_3`, … for
    /// a snake_case name) and returns what it got.
    pub fn claim(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        self.numbered(&name)
    }

    /// Claims a snake_case name by its plain text, as [`Scope::claim`] does; a numbered
    /// name is never a keyword, so never raw.
    pub(crate) fn claim_value(&mut self, name: RustName) -> RustName {
        if self.taken.insert(name.text.clone()) {
            return name;
        }
        RustName::new(self.numbered(&name.text))
    }

    /// The first free numbered form of `name`, claimed.
    fn numbered(&mut self, name: &str) -> String {
        // `self_` and `type` number as `self_2` and `type_2`: a doubled underscore
        // would trip `non_snake_case`.
        let base = name.trim_end_matches('_');
        let snake = base.starts_with(|c: char| c.is_ascii_lowercase());
        let sep = if snake { "_" } else { "" };
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

    #[test]
    fn with_response_names_are_snake_case() {
        for (stem, method, with_response) in [
            ("self", "self_", "self_with_response"),
            ("type", "r#type", "type_with_response"),
            ("list-keys", "list_keys", "list_keys_with_response"),
        ] {
            let names = operation(stem, &mut Scope::new(), &mut Scope::new());
            assert_eq!(
                (
                    names.method.in_code().as_str(),
                    names.with_response.in_code().as_str()
                ),
                (method, with_response)
            );
        }
    }

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
            ("²", "T2"),
            ("٣x", "T3x"),
            ("a²b", "A2b"),
            ("ǅemo", "Dzemo"),
            ("größe", "Grosse"),
            ("日本語", "RiBenYu"),
            ("Ａｂｃ", "Abc"),
            ("ﬁle", "File"),
            ("\u{202e}x", "X"),
            ("\u{e000}", "Empty"),
            ("_", "Empty"),
            ("!!!", "NotNotNot"),
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
            ("super", "super_"),
            ("_", "empty"),
            ("__", "empty"),
            ("a__b", "a_b"),
            ("A_B", "a_b"),
            ("!!!", "not_not_not"),
            ("²", "n_2"),
            ("٣x", "n_3x"),
            ("a²b", "a2b"),
            ("ǅemo", "dzemo"),
            ("größe", "grosse"),
            ("日本語", "ri_ben_yu"),
            ("имя", "imia"),
            ("x\u{301}", "x"),
            ("\u{202e}x", "x"),
            ("\u{1F600}", "grinning"),
            (
                "workers-kv-namespace-delete-multiple-key-value-pairs",
                "workers_kv_namespace_delete_multiple_key_value_pairs",
            ),
        ];
        for (raw, want) in table {
            assert_eq!(value_name(raw).in_code(), want, "value name of {raw:?}");
        }
    }

    /// The raw flag is decided here, and the text never carries `r#`: a keyword is raw
    /// with its plain text, and the words `r#` cannot make usable are never raw.
    #[test]
    fn keywords_are_raw_by_flag_and_self_never_is() {
        let table = [
            ("type", "type", true),
            ("match", "match", true),
            ("async", "async", true),
            ("gen", "gen", true),
            ("self", "self_", false),
            ("Self", "self_", false),
            ("crate", "crate_", false),
            ("super", "super_", false),
            ("r#type", "r_type", false),
            ("account_id", "account_id", false),
        ];
        for (raw, plain, is_raw) in table {
            let name = value_name(raw);
            assert_eq!(
                (name.plain(), name.is_raw()),
                (plain, is_raw),
                "value name of {raw:?}"
            );
            assert!(!name.plain().starts_with("r#"), "{name:?} from {raw:?}");
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
        let mut claim = |raw: &str| fields.claim_value(value_name(raw)).in_code();
        assert_eq!(claim("http_protocol"), "http_protocol");
        assert_eq!(claim("httpProtocol"), "http_protocol_2");
        assert_eq!(claim("type"), "r#type");
        assert_eq!(claim("type"), "type_2");
        assert!(fields.contains("type") && fields.contains("type_2"));
    }

    #[test]
    fn names_that_meet_get_distinct_snake_case_names() {
        let mut fields = Scope::new();
        let claimed: Vec<String> = ["self", "Self", "größe", "grosse", "a", "а", "abc1", "abc1"]
            .into_iter()
            .map(|raw| fields.claim_value(value_name(raw)).in_code())
            .collect();
        assert_eq!(
            claimed,
            [
                "self_", "self_2", "grosse", "grosse_2", "a", "a_2", "abc1", "abc1_2"
            ]
        );
    }

    /// Every character of the Basic Multilingual Plane, and a sample of the others,
    /// alone or between letters, names something: the result is ASCII, starts with a
    /// letter (raw keywords aside) and is never a word that cannot be an identifier.
    #[test]
    fn every_character_gives_an_ascii_identifier() {
        let plain = |bare: &str, raw: bool| {
            bare.starts_with(|c: char| c.is_ascii_alphabetic())
                && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !NOT_RAW.contains(&bare)
                && raw == KEYWORDS.contains(&bare)
        };
        let sample = (0..=0xFFFF).chain((0x10000..=0x10FFFF).step_by(97));
        for c in sample.filter_map(char::from_u32) {
            for raw in [c.to_string(), format!("a{c}b")] {
                let (value, ty) = (value_name(&raw), type_name(&raw));
                assert!(
                    plain(value.plain(), value.is_raw()),
                    "{value:?} from {raw:?}"
                );
                assert!(plain(&ty, false), "{ty:?} from {raw:?}");
            }
        }
    }

    /// Whatever the wire name, both kinds of name parse as one Rust identifier, are
    /// ASCII (so NFKC-normalised), and follow the case rustc's lints expect.
    #[test]
    fn any_name_becomes_a_valid_identifier() {
        let hostile = [
            "",
            " ",
            "_",
            "__",
            "0",
            "²",
            "٣",
            "٣x",
            "a²b",
            "ǅemo",
            "Ǆ",
            "self",
            "Self",
            "crate",
            "super",
            "r#type",
            "type",
            "async",
            "\u{0}",
            "\n",
            "\r",
            "\u{202e}",
            "\u{e000}",
            "\u{10ffff}",
            "\u{301}",
            "\u{1F600}",
            "ℌ",
            "ⅷ",
            "①",
            "ß",
            "İ",
            "ŉ",
            "℃",
            "\u{fdfa}",
            "a-b",
            "a b",
            "a.b",
            "::",
            "`",
            "```\nfn main() {}",
            "x\r\ny",
            "Ａｂｃ",
        ];
        for raw in hostile {
            let name = value_name(raw);
            let value = name.in_code();
            let ty = type_name(raw);
            for name in [&value, &ty] {
                assert!(name.is_ascii(), "{name:?} from {raw:?} is not ASCII");
                assert!(
                    syn::parse_str::<syn::Ident>(name).is_ok(),
                    "{name:?} from {raw:?} is not an identifier"
                );
            }
            let bare = name.plain();
            assert!(
                !bare.contains("__") && !bare.chars().any(|c| c.is_ascii_uppercase()),
                "{value:?} from {raw:?} is not snake_case"
            );
            assert!(
                ty.starts_with(|c: char| c.is_ascii_uppercase()) && !ty.contains('_'),
                "{ty:?} from {raw:?} is not UpperCamelCase"
            );
        }
    }
}
