//! Crate-family layer: a document generated with `product_crates` compiles as a
//! workspace of its own (facade, product crates, shared crate), each feature compiles
//! exactly the crates it names, a type two products share compiles with either, and
//! nothing warns. The whole Cloudflare document is checked the same way by CI's
//! workspace-wide clippy; this one also has a shared type, which that document lacks.

use std::path::{Path, PathBuf};

use cfgen_tests::support::{DEV_PROFILE, offline_cargo, workspace_root};

/// Two products by component prefix that share `alpha_shared`, and two by tag.
const SPEC: &str = r##"
openapi: 3.0.3
info: {title: Family, version: '1'}
paths:
  /a:
    get:
      operationId: alpha-get
      tags: [Alpha]
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema: {$ref: '#/components/schemas/alpha_thing'}
  /b:
    get:
      operationId: beta-get
      tags: [Beta]
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema: {$ref: '#/components/schemas/beta_thing'}
  /g1:
    get:
      operationId: gamma-one
      tags: [Gamma One]
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema: {type: object, properties: {n: {type: integer}}}
  /g2:
    get:
      operationId: gamma-two
      tags: [Gamma Two]
      parameters:
        - {name: page, in: query, schema: {type: integer}}
      responses:
        '200': {description: ''}
components:
  schemas:
    alpha_thing:
      type: object
      properties: {s: {$ref: '#/components/schemas/alpha_shared'}}
    beta_thing:
      type: object
      properties: {s: {$ref: '#/components/schemas/alpha_shared'}}
    alpha_shared:
      description: Used by both products.
      type: object
      properties: {n: {type: string}}
"##;

/// The facade's hand-written part: what a project writes once.
const FACADE_LIB: &str =
    "//! The facade.\n#[rustfmt::skip]\nmod generated;\npub use generated::*;\n";

/// Writes the family into `<tmp>/family/` as a workspace of its own that takes
/// `cfgen-runtime` from this repository by path and reuses its lock file and target
/// directory.
fn write_family(tmp: &Path) -> PathBuf {
    let root = tmp.join("family");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src")).unwrap();
    let doc = cfgen::Document::from_text("family.yaml", SPEC).unwrap();
    let settings = cfgen::Settings {
        all: true,
        product_crates: Some("fam".to_string()),
        ..cfgen::Settings::default()
    };
    let generated = cfgen::generate(&doc, &settings).unwrap();
    let manifest = format!(
        "[workspace]\nmembers = [\".\", \"products/*\"]\n\n\
         [workspace.package]\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         rust-version = \"1.85\"\nlicense = \"MIT\"\npublish = false\n\n\
         [workspace.dependencies]\ncfgen-runtime = {{ path = {runtime:?} }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = {{ version = \"1\", features = [\"preserve_order\"] }}\n\n\
         [workspace.lints.rust]\nmissing_docs = \"warn\"\n\n\
         {DEV_PROFILE}\n\
         [package]\nname = \"fam\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ncfgen-runtime.workspace = true\n\n\
         {}\n{}{}\n",
        cfgen::write::FEATURES_BEGIN,
        generated.features.as_deref().unwrap(),
        cfgen::write::FEATURES_END,
        runtime = workspace_root().join("runtime"),
    );
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(root.join("src/lib.rs"), FACADE_LIB).unwrap();
    std::fs::write(root.join("src/generated.rs"), &generated.code).unwrap();
    for (path, text) in &generated.members {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    root
}

/// `cargo <args> -p fam --features <features> --offline` in the family; returns whether
/// it succeeded, and its standard output and error.
fn cargo(root: &Path, target: &Path, args: &[&str], features: &str) -> (bool, String, String) {
    let args = [args, &["-p", "fam", "--features", features]].concat();
    offline_cargo(root, target, &args)
}

/// The family's member crates in the dependency graph, from `cargo tree` output.
fn members(tree: &str) -> Vec<&str> {
    let mut crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.strip_prefix("fam-"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

#[test]
fn each_feature_compiles_its_crates_and_a_shared_type_with_any_user() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let root = write_family(&tmp);
    let target = tmp.parent().expect("the tmp dir sits in the target dir");
    let runs = [
        ("alpha", vec!["alpha", "shared"]),
        ("beta", vec!["beta", "shared"]),
        ("gamma-two", vec!["gamma-two"]),
        // The family feature of the two tag products.
        ("gamma", vec!["gamma-one", "gamma-two"]),
        (
            "full",
            vec!["alpha", "beta", "gamma-one", "gamma-two", "shared"],
        ),
    ];
    for (features, want) in runs {
        let tree = ["tree", "--prefix", "none", "-e", "normal"];
        let (ok, graph, err) = cargo(&root, target, &tree, features);
        assert!(ok, "cargo tree --features {features} failed:\n{err}");
        assert_eq!(members(&graph), want, "--features {features}:\n{graph}");
        // `beta` alone compiles the shared type with only its own feature of `shared`.
        let (ok, _, output) = cargo(&root, target, &["build"], features);
        assert!(ok, "--features {features} failed:\n{output}");
        assert!(
            !output.contains("warning"),
            "--features {features} warns:\n{output}"
        );
    }
}
