//! The contract of issue 11, checked from outside: a crate that is not a workspace
//! member, depends on `cloudflare-kv` by path and imports nothing, runs the bulk-delete
//! snippet from the issue against the mock Cloudflare API, and prints the envelope's
//! `result` with an integer count.
//!
//! The consumer is built with its own `[workspace]` table in the test's temporary
//! directory, offline, in the workspace's target directory and with its profile and a
//! copy of its `Cargo.lock`, so it resolves the same versions and reuses the compiled
//! dependencies.

use std::path::Path;

use cfgen_tests::support::{DEV_PROFILE, cargo_command, workspace_root};
use serde_json::json;
use testkit::{MockServer, Reply};

/// Exactly the snippet of the issue, inside an async `main`.
const MAIN: &str = r#"#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = cloudflare_kv::Client::from_env()?;
    let owned: Vec<String> = vec!["a".into(), "b".into()];
    let result = client.namespace_delete_multiple_key_value_pairs("account", "namespace", &owned).await?;
    let borrowed = ["c", "d"];
    let result = client.namespace_delete_multiple_key_value_pairs("account", "namespace", &borrowed).await?;
    println!("{result:?}"); // the envelope's `result`: successful_key_count as an integer, unsuccessful_keys
    Ok(())
}
"#;

fn manifest(generated: &Path) -> String {
    format!(
        r#"[package]
name = "contract-consumer"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
cloudflare-kv = {{ path = "{}" }}
tokio = {{ version = "1", features = ["macros", "rt"] }}

{DEV_PROFILE}
# Not a member of the cfgen workspace.
[workspace]
"#,
        generated.display()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outside_crate_gets_the_result_with_an_integer_count() {
    let server = MockServer::with_replies([
        Reply::success(json!({"successful_key_count": 2, "unsuccessful_keys": []})),
        Reply::success(json!({"successful_key_count": 2.0, "unsuccessful_keys": []})),
    ])
    .await;
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.join("contract-consumer");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let root = workspace_root();
    std::fs::write(dir.join("Cargo.toml"), manifest(&root.join("generated"))).unwrap();
    std::fs::write(dir.join("src/main.rs"), MAIN).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let target = tmp.parent().expect("the tmp dir sits in the target dir");
    let output = cargo_command(&dir, target, &["run", "--quiet"])
        .env("CLOUDFLARE_API_TOKEN", "contract-token")
        .env("CLOUDFLARE_BASE_URL", server.url())
        .env_remove("CLOUDFLARE_EMAIL")
        .env_remove("CLOUDFLARE_API_KEY")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.trim(),
        "Some(NamespaceDeleteMultipleKeyValuePairsResult { successful_key_count: Some(2), unsuccessful_keys: Some([]) })"
    );
    let bodies: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(bodies, [json!(["a", "b"]), json!(["c", "d"])]);
}
