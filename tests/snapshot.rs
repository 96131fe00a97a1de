//! Snapshot layer: each fixture document in `fixtures/` generates the committed Rust file
//! of the same name in `snapshots/`, and `lib.rs` compiles that file. One loop covers
//! every fixture, so a new fixture without a snapshot fails.

use cfgen::Document;
use cfgen_tests::support::{assert_snapshot, workspace_root};

fn generate_all(path: &std::path::Path) -> String {
    let doc = Document::from_path(path).expect("fixture loads");
    let settings = cfgen::Settings {
        all: true,
        ..cfgen::Settings::default()
    };
    let generated = cfgen::generate(&doc, &settings).expect("fixture generates");
    assert_eq!(generated.skipped, [], "every fixture operation generates");
    generated.code
}

#[test]
fn every_fixture_matches_its_compiled_snapshot() {
    let lib = std::fs::read_to_string(workspace_root().join("tests/lib.rs")).unwrap();
    let mut fixtures: Vec<_> = std::fs::read_dir(workspace_root().join("tests/fixtures"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty());
    for fixture in fixtures {
        let name = fixture.file_stem().unwrap().to_string_lossy().into_owned() + ".rs";
        assert_snapshot(&name, &generate_all(&fixture));
        assert!(
            lib.contains(&format!("#[path = \"{name}\"]")),
            "tests/lib.rs does not compile snapshots/{name}"
        );
    }
}
