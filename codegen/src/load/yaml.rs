//! Stage 1, YAML: reads YAML text straight into the JSON tree, with the YAML features
//! a JSON tree has no room for settled on the way.
//!
//! - Merge keys (`<<: *base`, `<<: [*a, *b]`) are applied: explicit keys win over merged
//!   ones, and earlier mappings in a merge list win over later ones, as the YAML merge
//!   key specification says. Merged keys take the place of the `<<` entry, so fields
//!   keep the order the author wrote. A merged mapping's own merge keys apply first.
//! - Mapping keys are taken as written: `200:` is the key `"200"`, `true:` the key
//!   `"true"`. A key that is a sequence or a mapping is an error, as is a key given
//!   twice.
//! - Aliases are expanded, but the whole document may expand to at most
//!   [`ALIAS_ALLOWANCE`] values more than it has bytes: `serde_yaml` stops exponential
//!   "billion laughs" documents, not one large anchor aliased many times.
//! - Flow collections (`[`, `{`) nesting deeper than [`MAX_NESTING`] are refused before
//!   the parser sees them: the parser would refuse them too, but only after time that
//!   grows with the square of the depth (minutes for a 200 KB line of brackets).

use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::MAX_NESTING;

/// How many values alias expansion may add to a document, beyond one per byte of text.
pub const ALIAS_ALLOWANCE: usize = 1_000_000;

/// Parses YAML text into a JSON tree; the error is the message to show, with the line.
pub(super) fn parse(text: &str) -> Result<Value, String> {
    check_flow_nesting(text)?;
    let budget = Cell::new(text.len() + ALIAS_ALLOWANCE);
    Node { budget: &budget }
        .deserialize(serde_yaml::Deserializer::from_str(text))
        .map_err(|e| e.to_string())
}

/// Builds one JSON value, spending one unit of the shared budget.
#[derive(Clone, Copy)]
struct Node<'a> {
    budget: &'a Cell<usize>,
}

impl Node<'_> {
    fn spend<E: serde::de::Error>(self) -> Result<(), E> {
        match self.budget.get().checked_sub(1) {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            None => Err(E::custom(format_args!(
                "the document expands to too many values through YAML aliases (at most {ALIAS_ALLOWANCE} more than its size in bytes)"
            ))),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value JSON can hold")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Null)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::from(v))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Value, E> {
        self.spend()?;
        Number::deserialize(serde::de::value::I128Deserializer::new(v)).map(Value::Number)
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Value, E> {
        self.spend()?;
        Number::deserialize(serde::de::value::U128Deserializer::new(v)).map(Value::Number)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        self.spend()?;
        // As `serde_json` reads YAML's `.inf` and `.nan`: JSON has no such numbers.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(v.to_string()))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let value = map.next_value_seed(self)?;
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(A::Error::custom(format_args!("duplicate key `{key}`")));
            }
            entries.push((key, value));
        }
        merge(entries).map(Value::Object).map_err(A::Error::custom)
    }
}

/// Reads a mapping key as its text.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        // serde_yaml hands a plain scalar asked for as a string over as written, so
        // `200` and `true` arrive as the text the author typed.
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Key {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key that is a string, a number, a boolean or null")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// The mapping `entries` with their merge keys applied.
fn merge(entries: Vec<(String, Value)>) -> Result<Map<String, Value>, &'static str> {
    let explicit: Vec<String> = entries
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| k != "<<")
        .collect();
    let mut object = Map::new();
    for (key, value) in entries {
        if key != "<<" {
            object.insert(key, value);
            continue;
        }
        let sources = match value {
            Value::Object(source) => vec![source],
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(source) => Ok(source),
                    _ => Err(()),
                })
                .collect::<Result<_, _>>()
                .map_err(|()| "a merge key `<<` takes a mapping or a list of mappings")?,
            _ => return Err("a merge key `<<` takes a mapping or a list of mappings"),
        };
        for (k, v) in sources.into_iter().flatten() {
            if !explicit.contains(&k) && !object.contains_key(&k) {
                object.insert(k, v);
            }
        }
    }
    Ok(object)
}

/// Refuses text whose flow collections nest deeper than [`MAX_NESTING`]. Brackets are
/// counted where YAML reads them as flow indicators: not in comments, quoted scalars
/// or block scalars, and in block context only where a value can start.
fn check_flow_nesting(text: &str) -> Result<(), String> {
    let mut scan = Scan::default();
    for (number, line) in text.lines().enumerate() {
        if scan.line(line) > MAX_NESTING {
            return Err(format!(
                "flow collections (`[`, `{{`) nest more than {MAX_NESTING} levels deep at line {}",
                number + 1
            ));
        }
    }
    Ok(())
}

/// The state of [`check_flow_nesting`] between lines.
#[derive(Default)]
struct Scan {
    depth: usize,
    /// Inside a quoted scalar in flow context, which may go on over lines.
    quote: Option<char>,
    /// Inside a block scalar whose parent sits at this indentation.
    block_scalar: Option<usize>,
}

impl Scan {
    /// Scans one line; returns the deepest nesting reached in it.
    fn line(&mut self, line: &str) -> usize {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = self.block_scalar {
            if line.trim().is_empty() || indent > parent {
                return self.depth;
            }
            self.block_scalar = None;
        }
        let mut deepest = self.depth;
        // In block context: whether a node may start here (line start, after `: `,
        // `- `, `? `, an anchor or a tag). Elsewhere a bracket is text.
        let mut value_start = true;
        // The last character that was not white space.
        let mut previous: Option<char> = None;
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if let Some(quote) = self.quote {
                match c {
                    '\\' if quote == '"' => {
                        chars.next();
                    }
                    '\'' if quote == '\'' && chars.next_if(|&(_, n)| n == '\'').is_some() => {}
                    c if c == quote => self.quote = None,
                    _ => {}
                }
                previous = Some(c);
                continue;
            }
            if c.is_whitespace() {
                continue;
            }
            if c == '#' && (i == 0 || line[..i].ends_with([' ', '\t'])) {
                break;
            }
            let spaced = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
            if self.depth > 0 {
                match c {
                    '[' | '{' => self.depth += 1,
                    ']' | '}' => self.depth -= 1,
                    '\'' | '"' if previous.is_none_or(|p| "[{,:?".contains(p)) => {
                        self.quote = Some(c)
                    }
                    _ => {}
                }
                deepest = deepest.max(self.depth);
                value_start = false;
            } else if value_start {
                match c {
                    '[' | '{' => {
                        self.depth = 1;
                        deepest = deepest.max(1);
                    }
                    '\'' | '"' => self.quote = Some(c),
                    '|' | '>' => {
                        self.block_scalar = Some(parent_indent(line));
                        break;
                    }
                    // An anchor or a tag: the node starts after it.
                    '&' | '!' => {
                        while chars.next_if(|&(_, n)| !n.is_whitespace()).is_some() {}
                        continue;
                    }
                    '-' | '?' | ':' if spaced => {}
                    _ => value_start = false,
                }
            } else if c == ':' && spaced {
                value_start = true;
            }
            previous = Some(c);
        }
        if self.depth == 0 {
            // A quoted scalar in block context is taken to end with its line: the
            // count may then see brackets of its text, but never skips real ones.
            self.quote = None;
        }
        deepest
    }
}

/// The indentation of the node a block scalar on `line` belongs to: its key's column,
/// or, for a sequence entry that is itself the block scalar, the dash's column.
fn parent_indent(line: &str) -> usize {
    let mut column = line.len() - line.trim_start_matches(' ').len();
    let mut rest = line.trim_start_matches(' ');
    while let Some(after) = rest.strip_prefix('-').filter(|a| a.starts_with(' ')) {
        let spaces = after.len() - after.trim_start_matches(' ').len();
        if after.trim_start_matches(' ').starts_with(['|', '>']) {
            return column;
        }
        column += 1 + spaces;
        rest = &after[spaces..];
    }
    column
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Value {
        parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn a_merge_key_brings_a_mapping_in_at_its_place() {
        let doc = read("base: &base {a: 1, b: 2}\nd:\n  first: 0\n  <<: *base\n  c: 3\n");
        assert_eq!(doc["d"], json!({"first": 0, "a": 1, "b": 2, "c": 3}));
        assert_eq!(keys(&doc["d"]), ["first", "a", "b", "c"]);
    }

    #[test]
    fn explicit_keys_win_over_merged_ones_wherever_they_stand() {
        let doc = read("base: &base {a: 1, b: 2}\nd: {a: 8, <<: *base, b: 9}\n");
        assert_eq!(doc["d"], json!({"a": 8, "b": 9}));
        assert_eq!(keys(&doc["d"]), ["a", "b"]);
    }

    #[test]
    fn earlier_mappings_in_a_merge_list_win() {
        let doc = read("x: &x {k: 1, x: 1}\ny: &y {k: 2, y: 2}\nd: {<<: [*x, *y], z: 3}\n");
        assert_eq!(doc["d"], json!({"k": 1, "x": 1, "y": 2, "z": 3}));
        assert_eq!(keys(&doc["d"]), ["k", "x", "y", "z"]);
    }

    #[test]
    fn merged_mappings_have_their_own_merges_applied_first() {
        let doc = read(
            "root: &root {r: 1, shared: root}\nbase: &base {<<: *root, b: 2, shared: base}\nd: {<<: *base, c: 3}\n",
        );
        assert_eq!(doc["base"], json!({"r": 1, "shared": "base", "b": 2}));
        assert_eq!(doc["d"], json!({"r": 1, "shared": "base", "b": 2, "c": 3}));
        assert!(!doc.to_string().contains("<<"), "{doc}");
    }

    #[test]
    fn merges_apply_at_any_depth_and_in_lists() {
        let doc = read(
            "common: &common {id: {type: string}}\nlist:\n  - properties:\n      <<: *common\n      name: {type: string}\n",
        );
        assert_eq!(
            doc["list"][0]["properties"],
            json!({"id": {"type": "string"}, "name": {"type": "string"}})
        );
    }

    #[test]
    fn a_merge_of_something_else_than_mappings_is_an_error_with_the_line() {
        for text in ["a: 1\nd: {<<: 3}\n", "a: 1\nd: {<<: [{x: 1}, 2]}\n"] {
            let err = parse(text).unwrap_err();
            assert!(
                err.contains("a merge key `<<` takes a mapping or a list of mappings"),
                "{err}"
            );
            assert!(err.contains("line 2"), "{err}");
        }
    }

    #[test]
    fn aliases_copy_what_their_anchor_names() {
        let doc = read("a: &s {type: string, enum: [x]}\nb: *s\nc: [*s, *s]\n");
        assert_eq!(doc["b"], doc["a"]);
        assert_eq!(doc["c"], json!([doc["a"], doc["a"]]));
    }

    #[test]
    fn keys_are_taken_as_written() {
        let doc = read("200: a\ntrue: b\nnull: c\n~: d\n1.10: e\n0x1F: f\n'quoted': g\n");
        assert_eq!(
            keys(&doc),
            ["200", "true", "null", "~", "1.10", "0x1F", "quoted"]
        );
    }

    #[test]
    fn keys_that_are_collections_or_given_twice_are_errors() {
        let err = parse("a: 1\n? [x, y]\n: 2\n").unwrap_err();
        assert!(
            err.contains("expected a mapping key that is a string"),
            "{err}"
        );
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err, "duplicate key `a`");
        let err = parse("a: 1\nd:\n  x: 1\n  x: 2\n").unwrap_err();
        assert_eq!(err, "d: duplicate key `x` at line 3 column 3");
    }

    #[test]
    fn exponential_alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.contains("repetition limit exceeded"), "{err}");
    }

    #[test]
    fn one_large_anchor_aliased_many_times_is_refused() {
        let items = vec!["x"; 2_000].join(", ");
        let aliases = vec!["*big"; 1_000].join(", ");
        let text = format!("big: &big [{items}]\nmany: [{aliases}]\n");
        let err = parse(&text).unwrap_err();
        assert!(err.contains("expands to too many values"), "{err}");
        // The same anchor used a few times is fine.
        parse(&format!("big: &big [{items}]\nfew: [*big, *big, *big]\n")).unwrap();
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = 100_000;
        let text = format!("a: 1\nx: {}{}\n", "[".repeat(deep), "]".repeat(deep));
        let err = parse(&text).unwrap_err();
        assert_eq!(
            err,
            "flow collections (`[`, `{`) nest more than 128 levels deep at line 2"
        );
        let open = "[".repeat(200);
        let starts = [
            format!("x: &a {}\n", "{a: ".repeat(200)),
            format!("x: !!seq {open}\n"),
            format!("- - {open}\n"),
            format!("? {open}\n"),
            format!("x: 'text' # comment\ny:\n  - z: {open}\n"),
            format!("x: |\n  text\ny: {open}\n"),
            format!("- x: |\n    text\n  y: {open}\n"),
        ];
        for text in &starts {
            let err = parse(text).unwrap_err();
            assert!(
                err.starts_with("flow collections (`[`, `{`) nest more than 128"),
                "{err}\n{text}"
            );
        }
        // At the parser's own limit, the parser's error (with line and column) remains.
        let at_limit = format!(
            "x: {}{}\n",
            "[".repeat(MAX_NESTING),
            "]".repeat(MAX_NESTING)
        );
        assert!(
            parse(&at_limit)
                .unwrap_err()
                .contains("recursion limit exceeded")
        );
    }

    #[test]
    fn brackets_in_text_do_not_count_as_nesting() {
        let many = "[{".repeat(200);
        let texts = [
            format!("a: |\n  {many}\n  more {many}\nb: 1\n"),
            format!("a: >-\n    {many}\nb: 1\n"),
            format!("list:\n  - |\n    {many}\n  - x\n"),
            format!("a: '{many}'\nb: \"{many}\"\n"),
            format!("a: 1 # {many}\n# {many}\n"),
            format!("a: see {many}\n"),
            format!("a: x{many}\n"),
            format!("a: [\"{many}\", '{many}']\n"),
        ];
        for text in &texts {
            parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        }
    }
}
