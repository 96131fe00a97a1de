//! Snapshot layer: each fixture document generates the committed expected Rust file.

use cfgen::load::Document;
use cfgen_tests::support::{assert_snapshot, workspace_root};

fn generate_all(fixture: &str) -> String {
    let path = workspace_root().join("tests/fixtures").join(fixture);
    let doc = Document::from_path(&path).expect("fixture loads");
    let settings = cfgen::Settings {
        all: true,
        ..cfgen::Settings::default()
    };
    let generated = cfgen::generate(&doc, &settings).expect("fixture generates");
    assert_eq!(generated.skipped, [], "every fixture operation generates");
    generated.code
}

#[test]
fn kitchen_sink() {
    let code = generate_all("kitchen_sink.yaml");
    assert_snapshot(
        &workspace_root().join("tests/snapshots/kitchen_sink.rs"),
        &code,
    );
}

#[test]
fn recursion() {
    let code = generate_all("recursion.yaml");
    assert_snapshot(
        &workspace_root().join("tests/snapshots/recursion.rs"),
        &code,
    );
}

#[test]
fn every_fixture_has_a_snapshot() {
    let fixtures = std::fs::read_dir(workspace_root().join("tests/fixtures")).unwrap();
    for fixture in fixtures {
        let name = fixture
            .unwrap()
            .file_name()
            .to_string_lossy()
            .replace(".yaml", ".rs");
        assert!(
            workspace_root()
                .join("tests/snapshots")
                .join(&name)
                .exists(),
            "fixture without snapshot: {name}"
        );
    }
}
