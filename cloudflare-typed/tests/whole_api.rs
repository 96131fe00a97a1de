//! Freshness and consumer layer of `cloudflare-typed`: its committed code, the generated
//! tables of its `Cargo.toml`, its product table (`products.toml`) and its product
//! crates (`products/`) equal what `cfgen --config cloudflare-typed/cfgen.toml generate`
//! writes from the real document, and a crate outside the workspace that enables two products compiles, calls one
//! operation of each against the mock server, and cannot call a third.
//!
//! These tests live in the crate they check, unlike `generated/`'s freshness test,
//! because with its default features (none) the crate compiles none of the generated
//! code: a stale or broken `generated.rs` cannot stop the test that rewrites it.

use std::path::{Path, PathBuf};

#[path = "../../tests/outside_crate.rs"]
mod outside_crate;
use outside_crate::{DEV_PROFILE, offline_cargo};

/// The workspace root.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate sits in the workspace")
        .to_path_buf()
}

/// A unified diff, committed `-` and fresh `+`.
fn unified_diff(committed: &str, fresh: &str) -> String {
    similar::TextDiff::from_lines(committed, fresh)
        .unified_diff()
        .context_radius(3)
        .header("committed", "fresh")
        .to_string()
}

const REGENERATE: &str = "cargo run -p cfgen -- --config cloudflare-typed/cfgen.toml generate";

/// The crate's config, or `None` after a `skipped:` line when the document it names
/// (beside the repository, in `../shared/cloudflare-spec/`) is absent.
fn config() -> Option<cfgen::Config> {
    let file = workspace_root().join("cloudflare-typed/cfgen.toml");
    let config = cfgen::Config::from_path(&file).expect("cloudflare-typed/cfgen.toml reads");
    if config.spec.is_file() {
        Some(config)
    } else {
        println!(
            "skipped: {} not found (the shared Cloudflare documents are absent)",
            config.spec.display()
        );
        None
    }
}

/// Compares one committed file with its fresh contents; rewrites it when stale and
/// returns the diff.
fn stale(path: &Path, fresh: &str) -> Option<String> {
    if cfgen::write::is_fresh(path, fresh) {
        return None;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    cfgen::write::write_if_changed(path, fresh).expect("rewrite the stale file");
    Some(format!(
        "{}:\n{}",
        path.display(),
        unified_diff(&committed, fresh)
    ))
}

#[test]
fn committed_whole_api_is_fresh() {
    let Some(mut config) = config() else { return };
    let doc = cfgen::Document::from_path(&config.spec).expect("the document loads");
    let out = config.out.clone().expect("the config names the crate");
    config.settings.product_table =
        cfgen::read_product_table(&out).expect("the product table reads");
    assert!(
        !config.settings.product_table.is_empty(),
        "the product table is committed"
    );
    let generated = cfgen::generate(&doc, &config.settings).expect("the document generates");
    let out = out.as_path();
    let files = cfgen::write::files(out, generated)
        .expect("the crate's files (Cargo.toml has the feature markers)");
    assert!(
        files.len() > 100,
        "every product is a crate: {} files",
        files.len()
    );
    let retired = cfgen::write::retired_members(out, files.iter().map(|(p, _)| p.as_path()))
        .expect("list products/");
    assert!(
        retired.is_empty(),
        "product crates the document no longer has: {retired:?}; `{REGENERATE}` removes them"
    );
    let diffs: Vec<String> = files
        .iter()
        .filter_map(|(path, text)| stale(path, text))
        .collect();
    assert!(
        diffs.is_empty(),
        "cloudflare-typed was stale and has been rewritten: regenerate with `{REGENERATE}` \
         and commit. What changed (committed `-`, fresh `+`):\n{}",
        diffs.join("\n")
    );
}

/// A binary crate outside the workspace that depends on `cloudflare-typed` with the
/// given features and has `main` as its `src/main.rs`. It reuses the workspace's lock
/// file and target directory, so nothing is fetched and dependencies are not rebuilt.
fn consumer(tmp: &Path, features: &[&str], main: &str) -> PathBuf {
    let root = tmp.join("whole-api-consumer");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src")).expect("create the consumer crate");
    let workspace = workspace_root();
    let manifest = format!(
        "[package]\nname = \"whole-api-consumer\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[dependencies]\n\
         cloudflare-typed = {{ path = {krate:?}, features = {features:?} }}\n\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n\n\
         {DEV_PROFILE}\n[workspace]\n",
        krate = workspace.join("cloudflare-typed"),
    );
    std::fs::write(root.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    std::fs::write(root.join("src/main.rs"), main).expect("write src/main.rs");
    std::fs::copy(workspace.join("Cargo.lock"), root.join("Cargo.lock")).expect("copy Cargo.lock");
    root
}

/// Runs `cargo <args> --offline` in `root` with the target directory that holds `tmp`;
/// returns whether it succeeded, and its standard output and error, joined.
fn cargo(root: &Path, tmp: &Path, args: &[&str]) -> (bool, String) {
    let target = tmp.parent().expect("tmp sits in the target dir");
    let (ok, out, err) = offline_cargo(root, target, args);
    (ok, format!("{out}{err}"))
}

/// Calls one Workers KV and one DNS operation against the base URL it is given.
const CALLS: &str = r#"
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), cloudflare_typed::Error> {
    let base_url = std::env::args().nth(1).expect("the base URL");
    let client = cloudflare_typed::Client::builder()
        .api_token("consumer-token")
        .base_url(base_url)
        .build()?;
    let namespace = client
        .workers_kv()
        .workers_kv_namespace_get_a_namespace("acc", "ns")
        .await?
        .expect("a namespace");
    println!("namespace title: {}", namespace.title);
    let record = client
        .dns_records()
        .dns_records_for_a_zone_dns_record_details("zone", "rec")
        .await?;
    println!("record: {record:?}");
    Ok(())
}
"#;

/// A method of a product the consumer did not enable.
const DISABLED: &str = r#"
fn main() {
    let client = cloudflare_typed::Client::builder().api_token("t").build().unwrap();
    let _ = client.zones().zones_0_get("zone");
}
"#;

fn reply(request: &testkit::RecordedRequest) -> testkit::Reply {
    let result = if request.path_only().contains("/storage/kv/namespaces/") {
        serde_json::json!({"id": "ns", "title": "sessions", "supports_url_encoding": true})
    } else {
        serde_json::json!({
            "id": "rec", "type": "A", "name": "www.example.com",
            "content": "198.51.100.4", "proxied": false, "ttl": 300
        })
    };
    testkit::Reply::success(result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_with_two_products_calls_both_and_nothing_else() {
    if config().is_none() {
        return;
    }
    let server = testkit::MockServer::with_handler(reply).await;
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let url = server.url();
    let (ok, out) = tokio::task::spawn_blocking(move || {
        let root = consumer(&tmp, &["workers-kv", "dns"], CALLS);
        let run = cargo(&root, &tmp, &["run", "--quiet", "--", &url]);
        std::fs::write(root.join("src/main.rs"), DISABLED).expect("write src/main.rs");
        let disabled = cargo(&root, &tmp, &["check", "--quiet"]);
        (run, disabled)
    })
    .await
    .expect("the cargo runs finish");
    let (ran, output) = ok;
    assert!(ran, "the consumer failed:\n{output}");
    assert!(output.contains("namespace title: sessions"), "{output}");
    assert!(output.contains("198.51.100.4"), "{output}");
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path_only()))
        .collect();
    assert_eq!(
        paths,
        [
            "GET /accounts/acc/storage/kv/namespaces/ns",
            "GET /zones/zone/dns_records/rec"
        ]
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer consumer-token")),
        "every request carries the token"
    );
    let (checked, output) = out;
    assert!(
        !checked,
        "a method of a disabled product compiled:\n{output}"
    );
    assert!(output.contains("no method named `zones`"), "{output}");
}
