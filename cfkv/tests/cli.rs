//! CLI tests: run the `cfkv` binary against the testkit mock server and
//! check exit codes, the summary line, `--failed-out` and `--dry-run`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::json;
use testkit::{MockServer, RecordedRequest, Reply};

const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
const NAMESPACE: &str = "fedcba9876543210fedcba9876543210";

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfkv-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

fn lines(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("{k}\n")).collect()
}

fn body(request: &RecordedRequest) -> Vec<String> {
    serde_json::from_slice(&request.body).expect("a JSON array of keys")
}

/// Answers that every key was deleted except `k-stuck`.
fn deletes_all_but_stuck(request: &RecordedRequest) -> Reply {
    let sent = body(request);
    let stuck: Vec<&String> = sent.iter().filter(|k| *k == "k-stuck").collect();
    Reply::success(
        json!({"successful_key_count": sent.len() - stuck.len(), "unsuccessful_keys": stuck}),
    )
}

/// `cfkv bulk-delete` with the ids, a hermetic environment pointing at
/// `server` (no token when `None`), and `args`; stdin is `/dev/null` unless
/// `stdin` is given.
async fn cfkv(server: Option<&MockServer>, args: &[&str], stdin: Option<String>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cfkv"));
    command.args([
        "bulk-delete",
        "--account-id",
        ACCOUNT,
        "--namespace-id",
        NAMESPACE,
    ]);
    command.args(args);
    for var in [
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_EMAIL",
        "CLOUDFLARE_API_KEY",
        "CLOUDFLARE_BASE_URL",
    ] {
        command.env_remove(var);
    }
    if let Some(server) = server {
        command
            .env("CLOUDFLARE_API_TOKEN", "cli-token")
            .env("CLOUDFLARE_BASE_URL", server.url());
    }
    command.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    // The mock server runs on this test's runtime, so wait off its thread.
    tokio::task::spawn_blocking(move || {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run cfkv");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .expect("write stdin");
        }
        child.wait_with_output().expect("wait for cfkv")
    })
    .await
    .expect("cfkv runner")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn deletes_every_key_and_exits_zero() {
    let dir = scratch("all");
    let keys: Vec<String> = (0..25).map(|i| format!("k{i}")).collect();
    let file = write(
        &dir,
        "keys.txt",
        &lines(&keys.iter().map(String::as_str).collect::<Vec<_>>()),
    );
    let server = MockServer::with_handler(deletes_all_but_stuck).await;
    let output = cfkv(
        Some(&server),
        &[
            "--keys-file",
            file.to_str().unwrap(),
            "--chunk-size",
            "10",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 25 of 25 keys, 0 failed\n");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer cli-token")
    );
    let mut sent: Vec<String> = requests.iter().flat_map(body).collect();
    sent.sort();
    let mut expected = keys;
    expected.sort();
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn failed_keys_exit_one_and_can_be_resumed_from_failed_out() {
    let dir = scratch("resume");
    let file = write(&dir, "keys.txt", &lines(&["a", "k-stuck", "b", "", "c"]));
    let failed_out = dir.join("failed.txt");
    let server = MockServer::with_handler(deletes_all_but_stuck).await;
    let args = [
        "--keys-file",
        file.to_str().unwrap(),
        "--failed-out",
        failed_out.to_str().unwrap(),
    ];
    let output = cfkv(
        Some(&server),
        &[&args[..], &["--yes", "--max-attempts", "1"]].concat(),
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    // The blank line is not a key in the line format.
    assert_eq!(stdout(&output), "deleted 3 of 4 keys, 1 failed\n");
    assert!(
        stderr(&output)
            .contains("failed: \"k-stuck\": listed in `unsuccessful_keys` by all 1 answers")
    );
    assert_eq!(std::fs::read_to_string(&failed_out).unwrap(), "k-stuck\n");

    let recovered = MockServer::with_handler(|request| {
        Reply::success(
            json!({"successful_key_count": body(request).len(), "unsuccessful_keys": []}),
        )
    })
    .await;
    let resume = ["--keys-file", failed_out.to_str().unwrap(), "--yes"];
    let output = cfkv(Some(&recovered), &resume, None).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 1 of 1 keys, 0 failed\n");
    assert_eq!(body(&recovered.requests()[0]), ["k-stuck"]);
}

#[tokio::test]
async fn refuses_without_yes_when_stdin_is_not_a_terminal() {
    let dir = scratch("refuse");
    let file = write(&dir, "keys.txt", &lines(&["a"]));
    let server = MockServer::start().await;
    let output = cfkv(
        Some(&server),
        &["--keys-file", file.to_str().unwrap()],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("stdin is not a terminal; pass --yes"),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn reads_keys_from_stdin_with_yes() {
    let server = MockServer::with_handler(deletes_all_but_stuck).await;
    let stdin = Some("x\r\ny\r\n".to_owned());
    let output = cfkv(Some(&server), &["--keys-file", "-", "--yes"], stdin.clone()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 2 of 2 keys, 0 failed\n");
    assert_eq!(body(&server.requests()[0]), ["x", "y"]);
    let refused = cfkv(Some(&server), &["--keys-file", "-"], stdin).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("the keys come from stdin"));
}

#[tokio::test]
async fn dry_run_shows_the_requests_and_sends_nothing() {
    let dir = scratch("dry");
    let long = "x".repeat(600);
    let items = json!(["a", {"name": "b", "value": "ignored"}, "c", long, "a"]);
    let file = write(&dir, "keys.json", &items.to_string());
    let failed_out = dir.join("invalid.txt");
    let server = MockServer::start().await;
    let args = [
        "--keys-file",
        file.to_str().unwrap(),
        "--chunk-size",
        "2",
        "--dry-run",
        "--failed-out",
        failed_out.to_str().unwrap(),
    ];
    // No credentials: a dry run needs none.
    let output = cfkv(None, &args, None).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "request 1: 2 keys\nrequest 2: 2 keys\n\
         dry run: would send 4 keys in 2 requests; 1 invalid, 0 repeated keys skipped\n"
    );
    assert!(stderr(&output).contains("must be at most 512 bytes long, got 600"));
    assert_eq!(
        std::fs::read_to_string(&failed_out).unwrap(),
        format!("{long}\n")
    );
    assert_eq!(server.request_count(), 0);

    let valid = write(&dir, "valid.txt", &lines(&["a", "b", "c"]));
    let output = cfkv(
        None,
        &["--keys-file", valid.to_str().unwrap(), "--dry-run"],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).ends_with(
        "dry run: would send 3 keys in 1 requests; 0 invalid, 0 repeated keys skipped\n"
    ));
}

#[tokio::test]
async fn auth_errors_fail_every_key_after_one_request() {
    let dir = scratch("auth");
    let file = write(&dir, "keys.txt", &lines(&["a", "b", "c", "d", "e"]));
    let server =
        MockServer::with_handler(|_| Reply::api_error(403, 10000, "Authentication error")).await;
    let args = [
        "--keys-file",
        file.to_str().unwrap(),
        "--chunk-size",
        "2",
        "--concurrency",
        "1",
        "--yes",
    ];
    let output = cfkv(Some(&server), &args, None).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "deleted 0 of 5 keys, 5 failed\n");
    assert!(
        stderr(&output).contains("[10000] Authentication error"),
        "{}",
        stderr(&output)
    );
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn rate_limited_requests_are_retried() {
    let dir = scratch("retry");
    let file = write(&dir, "keys.txt", &lines(&["a", "b"]));
    let server = MockServer::with_replies([
        Reply::api_error(429, 10000, "rate limited").with_header("retry-after", "0"),
        Reply::success(json!({"successful_key_count": 2, "unsuccessful_keys": []})),
    ])
    .await;
    let args = [
        "--keys-file",
        file.to_str().unwrap(),
        "--max-attempts",
        "2",
        "--yes",
    ];
    let output = cfkv(Some(&server), &args, None).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 2 of 2 keys, 0 failed\n");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn missing_credentials_and_files_exit_two_with_a_reason() {
    let dir = scratch("setup");
    let file = write(&dir, "keys.txt", &lines(&["a"]));
    let output = cfkv(
        None,
        &["--keys-file", file.to_str().unwrap(), "--yes"],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no Cloudflare credentials: set CLOUDFLARE_API_TOKEN"),
        "{}",
        stderr(&output)
    );
    let server = MockServer::start().await;
    let missing = dir.join("missing.txt");
    let output = cfkv(
        Some(&server),
        &["--keys-file", missing.to_str().unwrap(), "--yes"],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: cannot open keys file `"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn help_lists_the_options() {
    let output = tokio::task::spawn_blocking(|| {
        Command::new(env!("CARGO_BIN_EXE_cfkv"))
            .args(["bulk-delete", "--help"])
            .output()
            .expect("run cfkv --help")
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    for option in [
        "--account-id",
        "--namespace-id",
        "--keys-file",
        "--base-url",
        "--concurrency",
        "--dry-run",
        "--yes",
        "--failed-out",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}
