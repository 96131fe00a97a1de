//! Mutation test: hostile variations of real documents never crash the generator.
//!
//! Each mutant is a base document changed by a few seeded random mutations: a key
//! deleted or renamed (to `²`, `self`, …), a `type` changed, a `$ref` pointed elsewhere
//! or at itself, a cycle inserted, a value swapped for one of another JSON type, text
//! truncated or given control characters, CRs or Markdown fences, a schema buried deep,
//! or the text itself cut or corrupted before it is parsed. The bases are `spec/` (with
//! its overlay) and the Workers KV part of each published Cloudflare document in
//! `../shared/cloudflare-spec/` (when present), cut once from the parsed document.
//!
//! `generate`, and `diff` both ways against the base, must return `Ok` or a clean `Err`.
//! A panic fails the test, naming the mutant; an abort (a stack overflow) kills the test
//! binary, after the batch's seeds were written to stderr.
//!
//! `CFGEN_MUTANTS` sets the number of mutants per base document: 25 by default, a few
//! seconds of work. The long form, 10,000 per base:
//!
//! ```text
//! CFGEN_MUTANTS=10000 cargo test --release -p cfgen --test mutation -- --nocapture
//! ```
//!
//! `CFGEN_MUTANT=<base>:<seed>` runs only that mutant and prints its mutations.

mod common;

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use cfgen::load::Document;
use cfgen::{Settings, WORKERS_KV_PREFIXES};
use fastrand::Rng;
use serde_json::{Map, Value, json};

/// Mutants per base document when `CFGEN_MUTANTS` is unset.
const DEFAULT_MUTANTS: u64 = 25;
/// Mutants between two progress lines on stderr.
const BATCH: u64 = 100;
/// The tag whose operations make the part of the real documents that is mutated.
const TAG: &str = "Workers KV Namespace";

/// Names that are not plain Rust identifiers, or clash with keywords and markers.
const NAMES: &[&str] = &[
    "²",
    "٣x",
    "a²b",
    "ǅemo",
    "self",
    "Self",
    "super",
    "crate",
    "type",
    "r#type",
    "fn",
    "_",
    "__",
    "",
    "1st",
    "a-b",
    "a b",
    "π",
    "日本語",
    "🦀",
    "\u{200b}",
    "<<",
    "$ref",
    "a/b",
    "{x}",
    "~1",
    "-",
    "🦀🦀",
    "Ω",
    "ß",
    "İ",
];

/// Text that tries to break out of doc comments, strings or lines.
const TEXTS: &[&str] = &[
    "\n```\nfn main() { panic!(\"ran\") }\n```\n",
    "\n~~~\nassert!(false);\n~~~\n",
    "\n   ```rust\nstd::process::exit(1);\n   ```\n",
    "\n````\nx\n````\n",
    "`\n```",
    "\r",
    "\r\n",
    "\r```\rpanic!()\r```\r",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\u{2028}",
    "\u{202e}",
    "\t",
    "\u{c}",
    "*/",
    "/*",
    "\"",
    "\\",
    "#[doc = \"x\"]",
    "{{",
    "}}",
    "\u{feff}",
    "²",
];

/// Text inserted into the raw document before it is parsed.
const TEXT_NOISE: &[&str] = &[
    "{", "[", "]", "}", "&a ", "*a", "<<: ", "\t", "\r", "\u{0}", "'", "\"", "#", "|", ">", "- ",
    ": ", "!!", "%", "@", "`", "\u{feff}", "\n", ",", "~", "&", "*",
];

/// A document to mutate, with what to generate from it.
struct Base {
    name: String,
    doc: Document,
    /// The document's text, for mutations before parsing.
    text: String,
    /// The overlay applied after loading, if any.
    overlay: Option<String>,
    settings: Settings,
}

fn settings() -> Settings {
    Settings {
        all: true,
        strip_prefixes: WORKERS_KV_PREFIXES.map(String::from).to_vec(),
        ..Settings::default()
    }
}

fn bases() -> Vec<Base> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("spec/openapi.yaml")).unwrap();
    let overlay = std::fs::read_to_string(root.join("spec/overlay.yaml")).unwrap();
    let mut bases = vec![Base {
        name: "spec".into(),
        doc: load(&text, Some(&overlay)).expect("spec/ loads"),
        text,
        overlay: Some(overlay),
        settings: settings(),
    }];
    for date in ["2023-01-03", "2024-08-07"] {
        let path = common::shared_dir().join(format!("openapi-{date}.json"));
        if !path.is_file() {
            println!("skipped: {} not found", path.display());
            continue;
        }
        let full = Document::from_path(&path).expect("the published documents load");
        let slice = slice(&full.root);
        let text = serde_json::to_string_pretty(&slice).unwrap();
        bases.push(Base {
            name: date.into(),
            doc: Document::from_text(&format!("{date}.json"), &text).unwrap(),
            text,
            overlay: None,
            settings: settings(),
        });
    }
    bases
}

fn load(text: &str, overlay: Option<&str>) -> cfgen::Result<Document> {
    let mut doc = Document::from_text("spec.yaml", text)?;
    if let Some(overlay) = overlay {
        cfgen::overlay::apply(&mut doc, "overlay.yaml", overlay)?;
    }
    Ok(doc)
}

/// The paths with an operation tagged [`TAG`], and every component they reach.
fn slice(root: &Value) -> Value {
    let mut out = json!({"openapi": root["openapi"], "info": root["info"], "paths": {}});
    for (path, item) in root["paths"].as_object().unwrap() {
        let tagged = item.as_object().unwrap().values().any(|op| {
            op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == TAG))
        });
        if tagged {
            out["paths"][path] = item.clone();
        }
    }
    let mut todo = vec![out.clone()];
    while let Some(value) = todo.pop() {
        for target in refs(&value) {
            let segments: Vec<&str> = target.trim_start_matches("#/").split('/').collect();
            let keep = if segments[0] == "components" { 3 } else { 2 };
            let Some(top) = segments.get(..keep) else {
                continue;
            };
            let pointer = format!("/{}", top.join("/"));
            if out.pointer(&pointer).is_none() {
                if let Some(found) = root.pointer(&pointer) {
                    insert(&mut out, top, found.clone());
                    todo.push(found.clone());
                }
            }
        }
    }
    out
}

/// Every local `$ref` in `value`.
fn refs(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![value];
    while let Some(value) = todo.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    if r.starts_with("#/") {
                        found.push(r.clone());
                    }
                }
                todo.extend(map.values());
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    found
}

/// Puts `value` at the path of escaped pointer tokens `tokens`, making objects on the way.
fn insert(root: &mut Value, tokens: &[&str], value: Value) {
    let mut node = root;
    for (i, token) in tokens.iter().enumerate() {
        let key = token.replace("~1", "/").replace("~0", "~");
        let map = node.as_object_mut().expect("an object on the way");
        node = if i + 1 == tokens.len() {
            map.insert(key, value);
            return;
        } else {
            map.entry(key).or_insert_with(|| json!({}))
        };
    }
}

/// Every JSON pointer in `root`, the root's own (`""`) first.
fn pointers(root: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![(String::new(), root)];
    while let Some((at, value)) = todo.pop() {
        match value {
            Value::Object(map) => todo.extend(map.iter().map(|(k, v)| {
                (
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    v,
                )
            })),
            Value::Array(items) => todo.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{at}/{i}"), v)),
            ),
            _ => {}
        }
        found.push(at);
    }
    found
}

/// One random node's pointer among those `keep` accepts.
fn pick(rng: &mut Rng, root: &Value, keep: impl Fn(&Value) -> bool) -> Option<String> {
    let all: Vec<String> = pointers(root)
        .into_iter()
        .filter(|p| root.pointer(p).is_some_and(&keep))
        .collect();
    (!all.is_empty()).then(|| all[rng.usize(..all.len())].clone())
}

fn one<'a>(rng: &mut Rng, list: &[&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

/// A random char boundary of `text`.
fn boundary(rng: &mut Rng, text: &str) -> usize {
    let cuts: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    cuts[rng.usize(..cuts.len())]
}

/// A value of another JSON type than `old`.
fn other_type(rng: &mut Rng, old: &Value) -> Value {
    let choices = [
        Value::Null,
        json!(true),
        json!(42),
        json!(-1.5),
        json!("text"),
        json!([]),
        json!({}),
        json!([1, "a", null]),
        json!({"a": {"b": []}}),
    ];
    let differs: Vec<Value> = choices
        .into_iter()
        .filter(|c| std::mem::discriminant(c) != std::mem::discriminant(old))
        .collect();
    differs[rng.usize(..differs.len())].clone()
}

/// Applies one random mutation to `root`; returns what it did.
fn mutate(rng: &mut Rng, root: &mut Value) -> String {
    match rng.usize(..12) {
        0 => delete_key(rng, root),
        1 => change_type(rng, root),
        2 => retarget_ref(rng, root),
        3 => self_ref(rng, root),
        4 => cycle(rng, root),
        5 => swap_value(rng, root),
        6 => edit_text(rng, root),
        7 => rename_key(rng, root),
        8 => set_name(rng, root),
        9 => bury(rng, root),
        10 => odd_number(rng, root),
        _ => copy_subtree(rng, root),
    }
}

fn delete_key(rng: &mut Rng, root: &mut Value) -> String {
    let Some(at) = pick(rng, root, |v| v.as_object().is_some_and(|m| !m.is_empty())) else {
        return "nothing to delete".into();
    };
    let map = root.pointer_mut(&at).unwrap().as_object_mut().unwrap();
    let key = map.keys().nth(rng.usize(..map.len())).unwrap().clone();
    map.shift_remove(&key);
    format!("delete {at}/{key}")
}

fn change_type(rng: &mut Rng, root: &mut Value) -> String {
    let Some(at) = pick(rng, root, |v| v.get("type").is_some()) else {
        return "no type to change".into();
    };
    let types = [
        json!("string"),
        json!("integer"),
        json!("number"),
        json!("boolean"),
        json!("object"),
        json!("array"),
        json!("null"),
        json!("bogus"),
        json!(7),
        json!(["string", "null"]),
    ];
    let new = types[rng.usize(..types.len())].clone();
    root.pointer_mut(&at).unwrap()["type"] = new.clone();
    format!("type of {at} = {new}")
}

fn retarget_ref(rng: &mut Rng, root: &mut Value) -> String {
    let Some(at) = pick(rng, root, |v| v.get("$ref").is_some()) else {
        return "no $ref to retarget".into();
    };
    let all = pointers(root);
    let elsewhere = format!("#{}", all[rng.usize(..all.len())]);
    let targets = [
        elsewhere.as_str(),
        "#/components/schemas/nope",
        "other.yaml#/components/schemas/x",
        "#",
        "",
        "#/",
        "#/paths",
        "https://example.com/x.json#/y",
        "#/components/schemas/~2bad",
        "#/components/schemas//x",
    ];
    let target = one(rng, &targets).to_string();
    root.pointer_mut(&at).unwrap()["$ref"] = json!(target);
    format!("$ref at {at} = {target:?}")
}

fn self_ref(rng: &mut Rng, root: &mut Value) -> String {
    let Some(at) = pick(rng, root, Value::is_object) else {
        return "no object".into();
    };
    let own = format!("#{at}");
    let node = root.pointer_mut(&at).unwrap();
    let how = rng.usize(..3);
    match how {
        0 => *node = json!({"$ref": own}),
        1 => *node = json!({"type": "array", "items": {"$ref": own}}),
        _ => *node = json!({"allOf": [{"$ref": own}, {"type": "object"}]}),
    }
    format!("{at} refers to itself ({how})")
}

fn cycle(rng: &mut Rng, root: &mut Value) -> String {
    let schema = |v: &Value| v.get("type").is_some() || v.get("properties").is_some();
    let (Some(a), Some(b)) = (pick(rng, root, schema), pick(rng, root, schema)) else {
        return "no schemas for a cycle".into();
    };
    let (ra, rb) = (format!("#{a}"), format!("#{b}"));
    let back = [
        json!({"allOf": [{"$ref": ra}]}),
        json!({"type": "array", "items": {"$ref": ra}}),
        json!({"type": "object", "properties": {"x": {"$ref": ra}}}),
        json!({"oneOf": [{"$ref": ra}]}),
        json!({"anyOf": [{"$ref": ra}, {"$ref": ra}]}),
        json!({"type": "object", "additionalProperties": {"$ref": ra}}),
    ];
    let how = rng.usize(..back.len());
    if let Some(node) = root.pointer_mut(&a) {
        *node = json!({"allOf": [{"$ref": rb}]});
    }
    if let Some(node) = root.pointer_mut(&b) {
        *node = back[how].clone();
    }
    format!("cycle {a} -> {b} -> ({how})")
}

fn swap_value(rng: &mut Rng, root: &mut Value) -> String {
    let Some(at) = pick(rng, root, |_| true).filter(|at| !at.is_empty()) else {
        return "nothing to swap".into();
    };
    let node = root.pointer_mut(&at).unwrap();
    *node = other_type(rng, node);
    format!("{at} = {node}")
}

fn edit_text(rng: &mut Rng, root: &mut Value) -> String {
    let Some(at) = pick(rng, root, Value::is_string) else {
        return "no text".into();
    };
    let Value::String(text) = root.pointer_mut(&at).unwrap() else {
        unreachable!()
    };
    let cut = boundary(rng, text);
    if rng.bool() {
        text.truncate(cut);
        format!("truncate {at} at {cut}")
    } else {
        let insert = one(rng, TEXTS);
        text.insert_str(cut, insert);
        format!("insert {insert:?} into {at} at {cut}")
    }
}

fn rename_key(rng: &mut Rng, root: &mut Value) -> String {
    let Some(at) = pick(rng, root, |v| v.as_object().is_some_and(|m| !m.is_empty())) else {
        return "no key to rename".into();
    };
    let name = match rng.bool() {
        true => one(rng, NAMES).to_string(),
        false => format!("a{}b", one(rng, TEXTS)),
    };
    let map = root.pointer_mut(&at).unwrap().as_object_mut().unwrap();
    let i = rng.usize(..map.len());
    let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    let old = entries[i].0.clone();
    *map = entries
        .into_iter()
        .enumerate()
        .map(|(j, (k, v))| if i == j { (name.clone(), v) } else { (k, v) })
        .collect::<Map<_, _>>();
    format!("rename {at}/{old} to {name:?}")
}

/// Sets an operationId, a parameter name or an enum value to an awkward name.
fn set_name(rng: &mut Rng, root: &mut Value) -> String {
    let named = |v: &Value| v.get("name").is_some() || v.get("operationId").is_some();
    let enums = |v: &Value| v.get("enum").is_some_and(Value::is_array);
    let name = one(rng, NAMES);
    if let Some(at) = pick(rng, root, named).filter(|_| rng.bool()) {
        let node = root.pointer_mut(&at).unwrap();
        let key = if node.get("name").is_some() {
            "name"
        } else {
            "operationId"
        };
        node[key] = json!(name);
        return format!("{key} of {at} = {name:?}");
    }
    let Some(at) = pick(rng, root, enums) else {
        return "no name to set".into();
    };
    let values = root.pointer_mut(&at).unwrap()["enum"]
        .as_array_mut()
        .unwrap();
    values.push(json!(name));
    format!("enum of {at} gains {name:?}")
}

/// Wraps a schema in many levels of arrays, `allOf`s or properties.
fn bury(rng: &mut Rng, root: &mut Value) -> String {
    let Some(at) = pick(rng, root, |v| v.get("type").is_some()) else {
        return "no schema to bury".into();
    };
    let levels = rng.usize(1..=80);
    let how = rng.usize(..3);
    let node = root.pointer_mut(&at).unwrap();
    for _ in 0..levels {
        let inner = node.take();
        *node = match how {
            0 => json!({"type": "array", "items": inner}),
            1 => json!({"allOf": [inner]}),
            _ => json!({"type": "object", "properties": {"n": inner}}),
        };
    }
    format!("bury {at} {levels} levels deep ({how})")
}

fn odd_number(rng: &mut Rng, root: &mut Value) -> String {
    let keys = [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
    ];
    let Some(at) = pick(rng, root, |v| v.get("type").is_some()) else {
        return "no schema for a number".into();
    };
    let numbers = [
        json!(-1),
        json!(0),
        json!(1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!("10"),
    ];
    let key = one(rng, &keys);
    let number = numbers[rng.usize(..numbers.len())].clone();
    root.pointer_mut(&at).unwrap()[key] = number.clone();
    format!("{key} of {at} = {number}")
}

fn copy_subtree(rng: &mut Rng, root: &mut Value) -> String {
    let (Some(from), Some(to)) = (pick(rng, root, |_| true), pick(rng, root, Value::is_object))
    else {
        return "nothing to copy".into();
    };
    let value = root.pointer(&from).unwrap().clone();
    let key = one(rng, NAMES).to_string();
    root.pointer_mut(&to).unwrap()[&key] = value;
    format!("copy {from} to {to}/{key}")
}

/// Cuts, corrupts or pads the text of the document.
fn mutate_text(rng: &mut Rng, text: &mut String) -> String {
    let at = boundary(rng, text);
    match rng.usize(..3) {
        0 => {
            text.truncate(at);
            format!("text cut at {at}")
        }
        1 => {
            let noise = one(rng, TEXT_NOISE);
            text.insert_str(at, noise);
            format!("text gains {noise:?} at {at}")
        }
        _ => {
            let end = (at + rng.usize(..200)).min(text.len());
            let end = (end..=text.len())
                .find(|&e| text.is_char_boundary(e))
                .unwrap();
            text.replace_range(at..end, "");
            format!("text loses {at}..{end}")
        }
    }
}

/// Builds the mutant of `base` for `seed`: `None` when its text no longer loads (a
/// clean error is all that is asked of loading), with the mutations applied.
fn build(base: &Base, seed: u64) -> (Option<Document>, Vec<String>) {
    let mut rng = Rng::with_seed(seed);
    let mut log = Vec::new();
    let mut doc = if rng.usize(..4) == 0 {
        let mut text = base.text.clone();
        log.push(mutate_text(&mut rng, &mut text));
        match load(&text, base.overlay.as_deref()) {
            Ok(doc) => doc,
            Err(err) => {
                log.push(format!("load: {err}"));
                return (None, log);
            }
        }
    } else {
        base.doc.clone()
    };
    for _ in 0..rng.usize(1..=4) {
        log.push(mutate(&mut rng, &mut doc.root));
    }
    (Some(doc), log)
}

/// Generates from the mutant and compares it with the base both ways; a panic is the
/// only failure.
fn check(base: &Base, mutant: &Document, strict: bool) -> Result<Vec<String>, String> {
    let settings = Settings {
        strict,
        ..base.settings.clone()
    };
    let run = || {
        let generated = cfgen::generate(mutant, &settings).map(|_| ());
        let forward = cfgen::diff::diff(&base.doc, mutant, &settings).map(|_| ());
        let backward = cfgen::diff::diff(mutant, &base.doc, &settings).map(|_| ());
        [generated, forward, backward]
            .into_iter()
            .filter_map(Result::err)
            .map(|e| e.to_string())
            .collect()
    };
    catch_unwind(AssertUnwindSafe(run)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// What one run found.
#[derive(Default)]
struct Tally {
    mutants: u64,
    unloadable: u64,
    errors: u64,
    internal: Vec<String>,
    panics: Vec<String>,
}

fn run_one(base: &Base, seed: u64, tally: &mut Tally) {
    let (mutant, log) = build(base, seed);
    tally.mutants += 1;
    let Some(mutant) = mutant else {
        tally.unloadable += 1;
        return;
    };
    match check(base, &mutant, seed % 4 == 0) {
        Ok(errors) => {
            tally.errors += u64::from(!errors.is_empty());
            for err in errors.iter().filter(|e| e.contains("internal error")) {
                tally
                    .internal
                    .push(format!("{}:{seed}: {err}; {log:?}", base.name));
            }
        }
        Err(panic) => tally
            .panics
            .push(format!("{}:{seed}: panicked: {panic}; {log:?}", base.name)),
    }
}

fn count() -> u64 {
    std::env::var("CFGEN_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_MUTANTS)
}

/// The seed of mutant `i` of base number `b`: fixed, so every run tests the same
/// mutants and any failure reproduces.
fn seed(b: usize, i: u64) -> u64 {
    (b as u64 + 1) * 1_000_000_007 + i
}

#[test]
fn mutants_never_crash_generate_or_diff() {
    let bases = bases();
    for base in &bases {
        assert!(
            cfgen::generate(&base.doc, &base.settings).is_ok_and(|g| g.skipped.is_empty()),
            "base {} does not generate cleanly",
            base.name
        );
    }
    if let Ok(one) = std::env::var("CFGEN_MUTANT") {
        return rerun(&bases, &one);
    }
    let mut tally = Tally::default();
    for (b, base) in bases.iter().enumerate() {
        for start in (0..count()).step_by(BATCH as usize) {
            let end = (start + BATCH).min(count());
            // Straight to stderr, past the test harness's capture, so that the seeds
            // are on screen even when a stack overflow aborts the process.
            let _ = writeln!(
                std::io::stderr(),
                "mutation: {} seeds {}..{}",
                base.name,
                seed(b, start),
                seed(b, end)
            );
            for i in start..end {
                run_one(base, seed(b, i), &mut tally);
            }
        }
    }
    println!(
        "{} mutants: {} did not load, {} gave errors, {} internal errors, {} panics",
        tally.mutants,
        tally.unloadable,
        tally.errors,
        tally.internal.len(),
        tally.panics.len()
    );
    let failures = [tally.panics, tally.internal].concat();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Runs the one mutant `spec` (`<base>:<seed>`) names and prints what it did.
fn rerun(bases: &[Base], spec: &str) {
    let (name, seed) = spec.split_once(':').expect("CFGEN_MUTANT is <base>:<seed>");
    let base = bases.iter().find(|b| b.name == name).expect("a known base");
    let seed: u64 = seed.parse().expect("a numeric seed");
    let (mutant, log) = build(base, seed);
    println!("mutations: {log:#?}");
    if let Some(mutant) = mutant {
        println!("errors: {:#?}", check(base, &mutant, seed % 4 == 0));
    }
}
