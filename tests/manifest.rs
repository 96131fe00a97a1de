//! Workspace hygiene: every dependency the workspace declares is used by a member, so
//! none lingers in `[workspace.dependencies]` after the code that needed it is gone.

use cfgen_tests::support::workspace_root;

/// The lines of the `[section]` table of a manifest, comments and blank lines dropped.
fn section<'a>(manifest: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!("[{name}]");
    manifest
        .lines()
        .skip_while(|line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty())
        .collect()
}

/// The key of a `key = value` or `key.workspace = true` line.
fn key(line: &str) -> &str {
    line.split(['=', '.']).next().unwrap_or_default().trim()
}

fn members(manifest: &str) -> Vec<String> {
    let list = section(manifest, "workspace")
        .into_iter()
        .find(|line| key(line) == "members")
        .expect("the workspace lists its members");
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_workspace_dependency_is_used_by_a_member() {
    let root = workspace_root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let used: Vec<String> = members(&manifest)
        .iter()
        .flat_map(|m| match m.strip_suffix("/*") {
            // A glob member (`cloudflare-typed/products/*`): every folder in it.
            Some(dir) => std::fs::read_dir(root.join(dir))
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .collect(),
            None => vec![root.join(m)],
        })
        .map(|dir| std::fs::read_to_string(dir.join("Cargo.toml")).unwrap())
        .collect();
    let inherits = |name: &str| {
        used.iter().flat_map(|m| m.lines()).any(|line| {
            let line = line.trim();
            line.starts_with(&format!("{name}.workspace = true"))
                || (key(line) == name && line.contains("workspace = true"))
        })
    };
    let unused: Vec<&str> = section(&manifest, "workspace.dependencies")
        .into_iter()
        .map(key)
        .filter(|name| !inherits(name))
        .collect();
    assert_eq!(unused, Vec::<&str>::new(), "declared but used by no member");
}
