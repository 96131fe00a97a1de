//! `cfkv bulk-delete --prefix` / `--all-keys` and `cfkv list`, run as a
//! binary against the mock Workers KV namespace of `testkit`: exactly the
//! matching keys go, whatever the faults, and nothing goes on a dry run.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use testkit::{Gate, KvNamespace, MockServer, Route};

mod support;
use support::{ACCOUNT, NAMESPACE, assert_stderr_has, cfkv_command, run, scratch, stderr, stdout};

/// Keys that share bytes with `user:` without starting with it, or start
/// with it and look odd.
const NEAR_MISSES: [&str; 6] = ["user", "User:1", "usér:1", "xuser:1", "user :1", " user:1"];

/// `cfkv bulk-delete` with the test ids and `args`.
async fn bulk_delete(server: &MockServer, args: &[&str]) -> Output {
    let ids = [
        "bulk-delete",
        "--account-id",
        ACCOUNT,
        "--namespace-id",
        NAMESPACE,
    ];
    run(cfkv_command(Some(server), &[&ids[..], args].concat()), None).await
}

async fn list(server: &MockServer, args: &[&str]) -> Output {
    let ids = ["list", "--account-id", ACCOUNT, "--namespace-id", NAMESPACE];
    run(cfkv_command(Some(server), &[&ids[..], args].concat()), None).await
}

/// 120,000 keys under `user:` and 30,000 others, the near misses included.
fn big_namespace() -> (KvNamespace, Vec<String>) {
    let users = (0..120_000).map(|i| format!("user:{i:06}"));
    let mut others: Vec<String> = (0..30_000 - NEAR_MISSES.len())
        .map(|i| format!("session:{i:05}"))
        .chain(NEAR_MISSES.map(String::from))
        .collect();
    others.sort();
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE)
        .with_keys(users)
        .with_keys(others.clone());
    (kv, others)
}

#[tokio::test]
async fn prefix_deletes_exactly_the_matching_keys_despite_faults() {
    let (kv, others) = big_namespace();
    kv.fail_every(Route::BulkDelete, 3, 500);
    kv.fail_request(Route::ListKeys, 7, 502);
    kv.keep_unsuccessful(1_001, 1);
    kv.linger_deleted(1);
    let server = kv.serve().await;
    let output = bulk_delete(&server, &["--prefix", "user:", "--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 120000 of 120000 keys, 0 failed\n");
    assert_eq!(kv.names(), others, "exactly the other keys are left");
    // The second listing still saw the keys just deleted and deleted them again.
    assert_stderr_has(
        &output,
        "120000 keys deleted a moment before were still listed",
    );
    assert!(kv.stats().injected_failures > 0);
}

#[tokio::test]
async fn dry_run_lists_counts_and_deletes_nothing() {
    let (kv, _) = big_namespace();
    let server = kv.serve().await;
    let output = bulk_delete(&server, &["--prefix", "user:", "--dry-run"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("\"user:000000\"\n\"user:000001\"\n"),
        "{out}"
    );
    assert!(out.contains("... and 119990 more\n"), "{out}");
    assert!(
        out.ends_with("dry run: 120000 keys match prefix \"user:\"; nothing was deleted\n"),
        "{out}"
    );
    assert_eq!(kv.len(), 150_000);
    assert_eq!(kv.stats().delete_requests, 0);
}

#[tokio::test]
async fn all_keys_empties_the_namespace() {
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE)
        .with_keys((0..2_500).map(|i| format!("k{i}")))
        .with_keys(NEAR_MISSES);
    let server = kv.serve().await;
    let output = bulk_delete(&server, &["--all-keys", "--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 2506 of 2506 keys, 0 failed\n");
    assert!(kv.is_empty());
}

#[tokio::test]
async fn sources_exclude_each_other_and_an_empty_prefix_is_refused() {
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(["a"]);
    let server = kv.serve().await;
    let cases: [(&[&str], &str); 4] = [
        (
            &["--prefix", "a", "--keys-file", "keys.txt"],
            "the argument '--prefix <PREFIX>' cannot be used with '--keys-file <PATH>'",
        ),
        (
            &["--all-keys", "--prefix", "a"],
            "the argument '--all-keys' cannot be used with '--prefix <PREFIX>'",
        ),
        (
            &["--prefix", ""],
            "an empty prefix matches every key; to empty the namespace, pass --all-keys",
        ),
        (
            &[],
            "the following required arguments were not provided:\n  --keys-file <PATH>",
        ),
    ];
    for (args, message) in cases {
        let output = bulk_delete(&server, &[args, &["--yes"][..]].concat()).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn without_yes_and_without_a_terminal_nothing_is_listed_or_deleted() {
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(["user:1"]);
    let server = kv.serve().await;
    let output = bulk_delete(&server, &["--prefix", "user:"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("stdin is not a terminal; pass --yes"),
        "{}",
        stderr(&output)
    );
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_listing_that_fails_part_way_deletes_what_it_listed_and_exits_one() {
    let kv =
        KvNamespace::new(ACCOUNT, NAMESPACE).with_keys((0..25_000).map(|i| format!("user:{i:05}")));
    // The fourth page fails on every attempt (five by default).
    for index in 3..8 {
        kv.fail_request(Route::ListKeys, index, 500);
    }
    let server = kv.serve().await;
    let output = bulk_delete(&server, &["--prefix", "user:", "--yes"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 3000 of 3000 keys, 0 failed\n");
    assert_stderr_has(&output, "the listing stopped after 3000 keys");
    assert_stderr_has(&output, "run the same command again");
    assert_eq!(kv.len(), 22_000);
}

#[tokio::test]
async fn keys_that_stay_are_written_out_with_the_command_that_deletes_them() {
    let dir = scratch("stay");
    let kv =
        KvNamespace::new(ACCOUNT, NAMESPACE).with_keys((0..500).map(|i| format!("user:{i:03}")));
    kv.stick((0..10).map(|i| format!("user:{:03}", i * 50)));
    let server = kv.serve().await;
    let failed_out = dir.join("failed.txt");
    let args = [
        "--prefix",
        "user:",
        "--yes",
        "--failed-out",
        failed_out.to_str().unwrap(),
    ];
    let output = bulk_delete(&server, &args).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 490 of 500 keys, 10 failed\n");
    let left = std::fs::read_to_string(&failed_out).unwrap();
    assert_eq!(left.lines().count(), 10);
    assert_eq!(kv.len(), 10);
    assert_stderr_has(&output, "--keys-file");
}

#[tokio::test]
async fn list_writes_the_keys_file_format_and_bulk_delete_reads_it_back() {
    let dir = scratch("list");
    let odd = ["user:line\nbreak", "user: spaced ", "user:[json]", "user:é"];
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE)
        .with_keys((0..1_500).map(|i| format!("user:{i:04}")))
        .with_keys(odd)
        .with_keys(NEAR_MISSES);
    let server = kv.serve().await;
    let file = dir.join("keys.json");
    let output = list(
        &server,
        &["--prefix", "user:", "--output", file.to_str().unwrap()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_stderr_has(&output, "listed 1504 keys to");
    let written: Vec<String> = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
        .expect("a key with a line break makes the file a JSON array");
    assert_eq!(written.len(), 1504);
    let output = bulk_delete(&server, &["--keys-file", file.to_str().unwrap(), "--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut left = kv.names();
    left.sort();
    let mut expected = NEAR_MISSES.map(String::from).to_vec();
    expected.sort();
    assert_eq!(left, expected);
}

#[tokio::test]
async fn list_writes_lines_to_stdout_and_nothing_when_the_listing_fails() {
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(["b", "a", "c d"]);
    let server = kv.serve().await;
    let output = list(&server, &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "a\nb\nc d\n");

    let dir = scratch("list-fails");
    let file = dir.join("keys.txt");
    std::fs::write(&file, "old\n").unwrap();
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys((0..3_000).map(|i| format!("k{i}")));
    for index in 1..6 {
        kv.fail_request(Route::ListKeys, index, 500);
    }
    let server = kv.serve().await;
    let output = list(&server, &["--output", file.to_str().unwrap()]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("the listing stopped after 1000 keys; nothing was written"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "old\n");
    assert_no_temp_files(&dir);
}

fn assert_no_temp_files(dir: &Path) {
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["keys.txt"]);
}

/// Ctrl-C while the first chunk is in flight: no new request, the listed keys
/// not deleted are written out, and the way to finish is said.
#[tokio::test]
async fn ctrl_c_writes_the_listed_keys_not_deleted_and_says_how_to_finish() {
    let dir = scratch("ctrl-c");
    let keys: Vec<String> = (0..25).map(|i| format!("user:{i:02}")).collect();
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(keys.clone());
    let gate = Gate::new();
    let server = {
        let (kv, gate) = (kv.clone(), gate.clone());
        MockServer::with_handler(move |request| match request.method.as_str() {
            "POST" => kv.handle(request).held_by(&gate),
            _ => kv.handle(request),
        })
        .await
    };
    let failed_out = dir.join("failed.txt");
    let args = [
        "bulk-delete",
        "--account-id",
        ACCOUNT,
        "--namespace-id",
        NAMESPACE,
        "--prefix",
        "user:",
        "--chunk-size",
        "10",
        "--concurrency",
        "1",
        "--yes",
        "--failed-out",
        failed_out.to_str().unwrap(),
    ];
    let mut child = cfkv_command(Some(&server), &args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cfkv");
    let (send, mut lines) = tokio::sync::mpsc::unbounded_channel();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    until(|| kv.stats().delete_requests == 1).await;
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut seen = String::new();
    while !seen.contains("interrupted: no new request will be sent") {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.recv())
            .await
            .unwrap();
        seen += &line.expect("cfkv prints that it was interrupted");
        seen.push('\n');
    }
    gate.open();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    while let Some(line) = lines.recv().await {
        seen += &line;
        seen.push('\n');
    }
    assert_eq!(output.status.code(), Some(130), "{seen}");
    assert_eq!(
        stdout(&output).lines().next(),
        Some("deleted 10 of 25 keys, 0 failed, 15 not sent")
    );
    assert!(seen.contains("run the same command again"), "{seen}");
    let written = std::fs::read_to_string(&failed_out).unwrap();
    assert_eq!(written.lines().collect::<Vec<_>>(), keys[10..]);
    assert_eq!(kv.names(), keys[10..]);
    assert_eq!(kv.stats().delete_requests, 1);
}

async fn until(condition: impl Fn() -> bool) {
    for _ in 0..3000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("gave up waiting");
}
