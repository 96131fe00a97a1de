//! Stage 1c: products. Sorts the selected operations into products, each of which
//! becomes a Cargo feature of the generated crate, so a user compiles only what they call.
//!
//! The grouping comes from the document itself, by rules that do not depend on which
//! operations are selected:
//!
//! 1. Cloudflare prefixes every component name with its product (`workers-kv_`,
//!    `dns-records_`, `zones_`). An operation belongs to the product whose prefix its
//!    own `$ref`s name most often (ties: alphabetical order).
//! 2. An operation that refers to no component (Radar, Workers AI) belongs to the
//!    product of its first tag (`Radar Attacks` gives `radar-attacks`). Such tags that
//!    start with the same words form a family: the words every tag starting with the
//!    same word shares (`Radar Attacks` and `Radar DNS` give `radar`; `Workers AI` and
//!    `Workers AI Translation` give `workers-ai`), and the family's feature enables
//!    them all. Radar alone is a third of the API: as one crate it would be compiled
//!    by one core while the other idles.
//! 3. Without tags, the product is `untagged`.
//!
//! These rules name products well, but a spec update can still move an operation: a
//! new component prefix, a renamed tag. So the facade keeps a product table
//! (`products.toml`, [`Settings::product_table`]): the product of every operation as the
//! last generation assigned it. An operation listed there keeps its product; only
//! operations new to the table are sorted by the rules. The table is rewritten with
//! each generation, and editing a product in it moves the operation.
//!
//! Features that group a family, such as `dns` for `dns-records`, `dns-firewall` and the
//! other `dns-` products, also exist when at least [`FAMILY_MIN`] products share a first
//! word that is not itself a product. A family whose name is also a product's
//! (`workers-ai`) is one feature: it enables the product and the rest of the family.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::load::Document;
use crate::select::{Located, all_operations};
use crate::settings::Settings;

/// How many products must share a first word before that word becomes a feature that
/// enables them all: two would invent groups such as `zone` next to `zones`.
pub const FAMILY_MIN: usize = 3;

/// Names Cargo or the generated crates reserve (features, the shared crate, the
/// feature map module); a product with one of them gets `-api`.
const RESERVED: [&str; 4] = ["default", "full", "shared", "feature-map"];

/// The products of one generation: every operation's product and the family features.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Products {
    /// The product of each generated operation, by operation key.
    pub of_operation: BTreeMap<String, String>,
    /// Every product, with the tags of its operations.
    pub tags: BTreeMap<String, BTreeSet<String>>,
    /// The first tag of each operation that has one, by operation key: the product's
    /// module lists its methods under these.
    pub tag_of: BTreeMap<String, String>,
    /// Features that enable a family of products, with the products they enable.
    pub families: BTreeMap<String, BTreeSet<String>>,
}

/// Sorts `selected` into products: the product `settings.product_table` gives, else by
/// the rules in the module docs.
pub fn assign(doc: &Document, selected: &[Located], settings: &Settings) -> Products {
    let tag_family = tag_families(doc);
    let mut products = Products::default();
    let mut by_tag: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in selected {
        let (derived, family) = derived_product(doc, op, &tag_family);
        let product = match settings.product_table.get(&op.key) {
            Some(pinned) => pinned.clone(),
            None => derived,
        };
        if let Some(family) = family {
            by_tag.entry(family).or_default().insert(product.clone());
        }
        products
            .tags
            .entry(product.clone())
            .or_default()
            .extend(op.tags.iter().cloned());
        if let Some(tag) = op.tags.first() {
            products.tag_of.insert(op.key.clone(), tag.clone());
        }
        products.of_operation.insert(op.key.clone(), product);
    }
    products.families = families(products.tags.keys());
    for (family, members) in by_tag {
        if members.len() > 1 || !members.contains(&family) {
            products.families.entry(family).or_default().extend(members);
        }
    }
    for (family, members) in &mut products.families {
        members.remove(family);
    }
    products
}

/// The product the rules give `op` and, when it comes from the first tag, the tag
/// family it belongs to.
fn derived_product(
    doc: &Document,
    op: &Located,
    tag_family: &BTreeMap<String, String>,
) -> (String, Option<String>) {
    if let Some(prefix) = prefix_product(doc, op) {
        return (unreserved(prefix), None);
    }
    let by_tag = op.tags.first().and_then(|tag| {
        let product = Some(feature_name(tag)).filter(|p| !p.is_empty())?;
        let family = tag_family.get(tag)?;
        Some((unreserved(product), unreserved(family.clone())))
    });
    match by_tag {
        Some((product, family)) => (product, Some(family)),
        None => ("untagged".to_string(), None),
    }
}

/// Whether `name` can be a product: a feature name (see [`feature_name`]) that Cargo
/// and the generated crates do not reserve.
pub fn is_product_name(name: &str) -> bool {
    !name.is_empty() && feature_name(name) == name && !RESERVED.contains(&name)
}

/// The product prefix that the operation's own `$ref`s name most often.
fn prefix_product(doc: &Document, op: &Located) -> Option<String> {
    let node = doc.root.pointer(op.pointer.trim_start_matches('#'))?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    collect_prefixes(node, &mut counts);
    // Highest count first; among equal counts the alphabetically first.
    let best = counts
        .iter()
        .map(|(p, n)| (*n, p))
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))?;
    Some(best.1.clone())
}

/// Counts the product prefixes of every `$ref` under `node`. Iterative, so a deep
/// document cannot overflow the stack.
fn collect_prefixes(node: &Value, counts: &mut BTreeMap<String, usize>) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                if let Some(prefix) = map.get("$ref").and_then(Value::as_str).and_then(ref_prefix) {
                    *counts.entry(prefix).or_default() += 1;
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// The product prefix of a component `$ref`: `#/components/schemas/dns-records_ttl`
/// gives `dns-records`. `None` when the name has no prefix that makes a feature name.
fn ref_prefix(reference: &str) -> Option<String> {
    let name = reference.strip_prefix("#/components/")?.split('/').nth(1)?;
    let (prefix, _) = name.split_once('_')?;
    let feature = feature_name(prefix);
    (!feature.is_empty()).then_some(feature)
}

/// A Cargo feature name: lowercase ASCII letters and digits, words joined by `-`.
pub fn feature_name(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The product of each tag carried by an operation without component `$ref`s: the
/// words shared by every such tag that starts with the same word. Computed over the
/// whole document, so the selection does not change a name.
fn tag_families(doc: &Document) -> BTreeMap<String, String> {
    let mut by_first: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in all_operations(doc) {
        if op.tags.is_empty() || prefix_product(doc, &op).is_some() {
            continue;
        }
        let tag = op.tags[0].clone();
        let first = tag.split_whitespace().next().unwrap_or("").to_lowercase();
        by_first.entry(first).or_default().insert(tag);
    }
    let mut family = BTreeMap::new();
    for tags in by_first.values() {
        let shared = shared_words(tags);
        for tag in tags {
            let name = feature_name(&shared);
            let name = if name.is_empty() {
                feature_name(tag)
            } else {
                name
            };
            family.insert(tag.clone(), name);
        }
    }
    family
}

/// The leading words that every tag shares, compared without case.
fn shared_words(tags: &BTreeSet<String>) -> String {
    let split: Vec<Vec<&str>> = tags
        .iter()
        .map(|t| t.split_whitespace().collect())
        .collect();
    let first = split.first().cloned().unwrap_or_default();
    let len = (0..first.len())
        .take_while(|&i| {
            split.iter().all(|words| {
                words
                    .get(i)
                    .is_some_and(|w| w.eq_ignore_ascii_case(first[i]))
            })
        })
        .count();
    first[..len].join(" ")
}

/// `product`, or `product-api` when Cargo or the crate reserve the name.
fn unreserved(product: String) -> String {
    if RESERVED.contains(&product.as_str()) {
        format!("{product}-api")
    } else {
        product
    }
}

/// Family features: a first word that at least [`FAMILY_MIN`] products share and that is
/// not a product itself.
fn families<'a>(products: impl Iterator<Item = &'a String>) -> BTreeMap<String, BTreeSet<String>> {
    let products: BTreeSet<&String> = products.collect();
    let mut by_word: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for product in &products {
        if let Some((word, _)) = product.split_once('-') {
            by_word
                .entry(word.to_string())
                .or_default()
                .insert((*product).clone());
        }
    }
    by_word.retain(|word, members| {
        members.len() >= FAMILY_MIN
            && !products.contains(word)
            && !RESERVED.contains(&word.as_str())
    });
    by_word
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Document {
        Document::from_text("t.json", json).unwrap()
    }

    const SPEC: &str = r##"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
      "/a":{"get":{"operationId":"a","tags":["DNS Records"],"responses":{"200":{"description":"","content":{"application/json":{"schema":{"$ref":"#/components/schemas/dns-records_a"}}}}}}},
      "/b":{"get":{"operationId":"b","tags":["DNS Firewall"],"parameters":[{"$ref":"#/components/parameters/dns-firewall_id"}],"responses":{"200":{"description":"","content":{"application/json":{"schema":{"$ref":"#/components/schemas/dns-firewall_b"}}}}}}},
      "/c":{"get":{"operationId":"c","tags":["DNS Analytics"],"responses":{"200":{"description":"","content":{"application/json":{"schema":{"$ref":"#/components/schemas/dns-analytics_c"}}}}}}},
      "/r1":{"get":{"operationId":"r1","tags":["Radar Attacks"],"responses":{"200":{"description":""}}}},
      "/r2":{"get":{"operationId":"r2","tags":["Radar DNS"],"responses":{"200":{"description":""}}}},
      "/w":{"get":{"operationId":"w","tags":["Workers AI"],"responses":{"200":{"description":""}}}},
      "/w2":{"get":{"operationId":"w2","tags":["Workers AI Translation"],"responses":{"200":{"description":""}}}},
      "/f":{"get":{"operationId":"f","tags":["Full"],"responses":{"200":{"description":""}}}},
      "/u":{"get":{"operationId":"u","responses":{"200":{"description":""}}}}
    }}"##;

    #[test]
    fn products_come_from_prefixes_then_tag_families() {
        let doc = doc(SPEC);
        let products = assign(&doc, &all_operations(&doc), &Settings::default());
        let got: Vec<(&str, &str)> = products
            .of_operation
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "dns-records"),
                ("b", "dns-firewall"),
                ("c", "dns-analytics"),
                ("f", "full-api"),
                ("r1", "radar-attacks"),
                ("r2", "radar-dns"),
                ("u", "untagged"),
                ("w", "workers-ai"),
                ("w2", "workers-ai-translation"),
            ]
        );
        let families: Vec<(&str, Vec<&str>)> = products
            .families
            .iter()
            .map(|(f, m)| (f.as_str(), m.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            families,
            [
                ("dns", vec!["dns-analytics", "dns-firewall", "dns-records"]),
                ("radar", vec!["radar-attacks", "radar-dns"]),
                // Also a product: its feature enables the product and the rest.
                ("workers-ai", vec!["workers-ai-translation"]),
            ]
        );
    }

    #[test]
    fn a_selection_does_not_rename_a_product() {
        let doc = doc(SPEC);
        let one: Vec<Located> = all_operations(&doc)
            .into_iter()
            .filter(|op| op.id == "w")
            .collect();
        assert_eq!(
            assign(&doc, &one, &Settings::default()).of_operation["w"],
            "workers-ai"
        );
        let two: Vec<Located> = all_operations(&doc)
            .into_iter()
            .filter(|op| op.id == "r2")
            .collect();
        assert_eq!(
            assign(&doc, &two, &Settings::default()).of_operation["r2"],
            "radar-dns"
        );
    }

    #[test]
    fn the_product_table_wins_and_pinned_products_join_their_families() {
        let doc = doc(SPEC);
        let settings = Settings {
            product_table: [("a", "dns-legacy"), ("r1", "radar-old"), ("gone", "zzz")]
                .into_iter()
                .map(|(op, product)| (op.to_string(), product.to_string()))
                .collect(),
            ..Settings::default()
        };
        let products = assign(&doc, &all_operations(&doc), &settings);
        assert_eq!(products.of_operation["a"], "dns-legacy");
        assert_eq!(products.of_operation["r1"], "radar-old");
        // Not in the table: the rules.
        assert_eq!(products.of_operation["b"], "dns-firewall");
        // A table entry for an operation the document lacks makes no product.
        assert!(!products.tags.contains_key("zzz"));
        assert!(products.families["dns"].contains("dns-legacy"));
        assert!(products.families["radar"].contains("radar-old"));
    }

    #[test]
    fn a_tag_without_letters_or_digits_is_untagged_not_an_empty_name() {
        let doc = doc(
            r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
              "/x":{"get":{"operationId":"x","tags":["!!"],"responses":{"200":{"description":""}}}}}}"#,
        );
        let products = assign(&doc, &all_operations(&doc), &Settings::default());
        assert_eq!(products.of_operation["x"], "untagged");
    }

    #[test]
    fn product_names_are_feature_names_cargo_does_not_reserve() {
        assert!(is_product_name("workers-kv"));
        for bad in [
            "", "Workers", "a--b", "-a", "a/b", "../x", "full", "shared", "a_b",
        ] {
            assert!(!is_product_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn feature_names_are_plain_kebab_case() {
        assert_eq!(feature_name("Workers AI"), "workers-ai");
        assert_eq!(
            feature_name("tls-certificates-and-hostnames"),
            "tls-certificates-and-hostnames"
        );
        assert_eq!(feature_name("Zero Trust  (beta)"), "zero-trust-beta");
        assert_eq!(feature_name("Überwachung"), "uberwachung");
        assert_eq!(feature_name("__"), "");
    }
}
