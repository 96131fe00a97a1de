//! CLI tests: run the `cfkv` binary against the testkit mock server and
//! check exit codes, the summary line, `--failed-out` and `--dry-run`.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use testkit::{Gate, MockServer, RecordedRequest, Reply};
use tokio::sync::mpsc;

mod support;
use support::{ACCOUNT, NAMESPACE, assert_stderr_has, cfkv_command, run, scratch, stderr, stdout};

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

/// `cfkv bulk-delete` with the ids and `args`; see [`cfkv_command`].
fn command(server: Option<&MockServer>, ids: [&str; 2], args: &[&str]) -> Command {
    let ids = [
        "bulk-delete",
        "--account-id",
        ids[0],
        "--namespace-id",
        ids[1],
    ];
    cfkv_command(server, &[&ids[..], args].concat())
}

/// `cfkv bulk-delete` with the test ids; see [`command`] and [`run`].
async fn cfkv(server: Option<&MockServer>, args: &[&str], stdin: Option<String>) -> Output {
    run(command(server, [ACCOUNT, NAMESPACE], args), stdin).await
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
    // The first request fails; the keys of the others are never sent.
    assert_eq!(
        stdout(&output),
        "deleted 0 of 5 keys, 2 failed, 3 not sent\n"
    );
    assert_stderr_has(
        &output,
        "stopped sending after a request failed: workers-kv-",
    );
    assert_stderr_has(&output, "[10000] Authentication error");
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
    assert_stderr_has(
        &output,
        "no Cloudflare credentials: set CLOUDFLARE_API_TOKEN",
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
        "--rate-limit <REQUESTS/WINDOW>",
        "[default: 1200/300s]",
        "Ctrl-C",
        "130",
        "remaining-",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 test path")
}

/// Every key the server received, in order.
fn sent(server: &MockServer) -> Vec<String> {
    server.requests().iter().flat_map(body).collect()
}

/// Answers that every key sent was deleted.
fn deletes_all(request: &RecordedRequest) -> Reply {
    let count = body(request).len();
    Reply::success(json!({"successful_key_count": count, "unsuccessful_keys": []}))
}

/// Answers that no key sent was deleted.
fn deletes_none(request: &RecordedRequest) -> Reply {
    Reply::success(json!({"successful_key_count": 0, "unsuccessful_keys": body(request)}))
}

#[tokio::test]
async fn failed_out_that_is_the_keys_file_is_refused_before_anything_is_sent() {
    let dir = scratch("same");
    // Line 3 is not UTF-8: today's reader stops there, after sending lines
    // 1 and 2, and the failed-out file replaced the input with nothing.
    let input = b"a\nb\n\xFFc\nd\n";
    let keys = dir.join("same.txt");
    std::fs::write(&keys, input).unwrap();
    std::os::unix::fs::symlink(&keys, dir.join("link.txt")).unwrap();
    let server = MockServer::with_handler(deletes_all).await;
    let dotted = dir.join(".").join("same.txt");
    for failed_out in [keys.clone(), dotted, dir.join("link.txt")] {
        let args = [
            "--keys-file",
            text(&keys),
            "--failed-out",
            text(&failed_out),
            "--yes",
        ];
        let output = cfkv(Some(&server), &args, None).await;
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert_stderr_has(
            &output,
            &format!(
                "--failed-out `{}` is the keys file `{}`",
                failed_out.display(),
                keys.display()
            ),
        );
        assert_eq!(server.request_count(), 0);
        assert_eq!(std::fs::read(&keys).unwrap(), input);
    }
}

#[tokio::test]
async fn failed_out_is_never_left_half_written() {
    let dir = scratch("half");
    let keys: Vec<String> = (0..400).map(|i| format!("key-number-{i:05}")).collect();
    let file = write(&dir, "keys.txt", &keys.join("\n"));
    let failed_out = write(&dir, "failed.txt", "previous\n");
    let server = MockServer::with_handler(deletes_none).await;
    let args = [
        "--keys-file",
        text(&file),
        "--failed-out",
        text(&failed_out),
        "--max-attempts",
        "1",
        "--yes",
    ];
    // A file size limit of 2 KiB (4 blocks of 512 bytes, or 4 KiB where
    // blocks are 1 KiB) stops the 6.8 KB list part-way, as a full disk would.
    let inner = command(Some(&server), [ACCOUNT, NAMESPACE], &args);
    let mut limited = Command::new("sh");
    limited
        .args(["-c", "ulimit -f 4 && exec \"$0\" \"$@\""])
        .arg(inner.get_program())
        .args(inner.get_args());
    for (name, value) in inner.get_envs() {
        match value {
            Some(value) => limited.env(name, value),
            None => limited.env_remove(name),
        };
    }
    let output = run(limited, None).await;
    assert_ne!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(server.request_count(), 1, "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&failed_out).unwrap(), "previous\n");
}

#[tokio::test]
async fn failed_out_in_a_missing_folder_is_refused_before_sending() {
    let dir = scratch("missing-dir");
    let file = write(&dir, "keys.txt", &lines(&["a", "b"]));
    let failed_out = dir.join("missing").join("failed.txt");
    let server = MockServer::with_handler(deletes_all).await;
    let args = [
        "--keys-file",
        text(&file),
        "--failed-out",
        text(&failed_out),
        "--yes",
    ];
    let output = cfkv(Some(&server), &args, None).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_stderr_has(&output, "cannot create a file in");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_utf8_byte_order_mark_is_not_part_of_the_first_key() {
    let dir = scratch("bom");
    let lines_file = write(&dir, "keys.txt", "\u{feff}a\nb\n");
    let json_file = write(&dir, "keys.json", "\u{feff}[\"c\", {\"name\": \"d\"}]");
    for (file, expected) in [(lines_file, ["a", "b"]), (json_file, ["c", "d"])] {
        let server = MockServer::with_handler(deletes_all).await;
        let output = cfkv(Some(&server), &["--keys-file", text(&file), "--yes"], None).await;
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output), "deleted 2 of 2 keys, 0 failed\n");
        assert_eq!(sent(&server), expected);
    }
}

fn utf16(text: &str, little_endian: bool, mark: bool) -> Vec<u8> {
    let units = mark
        .then_some(0xFEFF)
        .into_iter()
        .chain(text.encode_utf16());
    units
        .flat_map(|unit| match little_endian {
            true => unit.to_le_bytes(),
            false => unit.to_be_bytes(),
        })
        .collect()
}

#[tokio::test]
async fn utf16_keys_files_are_refused_with_the_file_name() {
    let dir = scratch("utf16");
    let server = MockServer::with_handler(deletes_all).await;
    let cases = [
        (
            "le.txt",
            utf16("a\nb\n", true, true),
            "is UTF-16 little-endian text",
        ),
        (
            "be.txt",
            utf16("a\nb\n", false, true),
            "is UTF-16 big-endian text",
        ),
        (
            "json.txt",
            utf16("[\"a\"]", true, true),
            "is UTF-16 little-endian",
        ),
        (
            "bare.txt",
            utf16("key-1\nkey-2\n", true, false),
            "looks like UTF-16",
        ),
    ];
    for (name, bytes, says) in cases {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let output = cfkv(Some(&server), &["--keys-file", text(&file), "--yes"], None).await;
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let expected = format!("keys file `{}` {says}", file.display());
        assert_stderr_has(&output, &expected);
    }
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn whitespace_only_lines_are_skipped() {
    let dir = scratch("blank");
    let file = write(&dir, "keys.txt", "a\n \n\t\t\r\n\u{3000}\n b \n");
    let server = MockServer::with_handler(deletes_all).await;
    let output = cfkv(Some(&server), &["--keys-file", text(&file), "--yes"], None).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "deleted 2 of 2 keys, 0 failed\n");
    assert_eq!(sent(&server), ["a", " b "]);
}

#[tokio::test]
async fn invalid_utf8_is_reported_at_its_line() {
    let dir = scratch("utf8");
    let bytes = b"a\nb\n\xFFc\nd\n";
    let file = dir.join("keys.txt");
    std::fs::write(&file, bytes).unwrap();
    let server = MockServer::with_handler(deletes_all).await;
    // A file is checked whole before anything is sent.
    let output = cfkv(Some(&server), &["--keys-file", text(&file), "--yes"], None).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let expected = format!(
        "keys file `{}:3`: the line is not valid UTF-8 (byte 0xff at byte 1 of the line)",
        file.display()
    );
    assert_stderr_has(&output, &expected);
    assert_eq!(server.request_count(), 0);
    // Stdin is read once, as it comes: the error still names the line.
    let mut piped = command(
        Some(&server),
        [ACCOUNT, NAMESPACE],
        &["--keys-file", "-", "--yes"],
    );
    piped.stdin(std::fs::File::open(&file).unwrap());
    let output = tokio::task::spawn_blocking(move || piped.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_stderr_has(&output, "keys file <stdin>:3: the line is not valid UTF-8");
}

#[tokio::test]
async fn failed_out_reads_back_as_the_same_keys() {
    let dir = scratch("read-back");
    let awkward = [
        "[first",
        " padded ",
        "line\nbreak",
        "  ",
        "tab\tkey",
        "plain",
    ];
    let json_file = write(&dir, "keys.json", &json!(awkward).to_string());
    let lines_file = write(&dir, "keys.txt", "[first\nsecond\n");
    let cases: [(&Path, &[&str], &[&str]); 2] = [
        (&json_file, &[], &awkward),
        (&lines_file, &["--format", "lines"], &["[first", "second"]),
    ];
    for (file, format, keys) in cases {
        let failed_out = dir.join("failed.txt");
        let failing = MockServer::with_handler(deletes_none).await;
        let args = [
            &["--keys-file", text(file), "--failed-out", text(&failed_out)],
            format,
            &["--max-attempts", "1", "--yes"],
        ]
        .concat();
        let output = cfkv(Some(&failing), &args, None).await;
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert_eq!(sent(&failing), keys);

        let recovered = MockServer::with_handler(deletes_all).await;
        let resume = ["--keys-file", text(&failed_out), "--yes"];
        let output = cfkv(Some(&recovered), &resume, None).await;
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(sent(&recovered), keys);
    }
}

#[tokio::test]
async fn ids_are_checked_before_anything_even_in_a_dry_run() {
    let dir = scratch("ids");
    let file = write(&dir, "keys.txt", &lines(&["a"]));
    let server = MockServer::with_handler(deletes_all).await;
    let long = "a".repeat(33);
    let cases = [
        (
            [long.as_str(), NAMESPACE],
            "invalid --account-id: invalid input `account_id`: must be at most 32 characters long, got 33",
        ),
        (
            [ACCOUNT, ""],
            "invalid --namespace-id: invalid input `namespace_id`: must not be empty",
        ),
        (
            [ACCOUNT, ".."],
            "invalid input `namespace_id`: must not be `..`",
        ),
    ];
    for (ids, says) in cases {
        for mode in ["--dry-run", "--yes"] {
            let args = ["--keys-file", text(&file), mode];
            let output = run(command(Some(&server), ids, &args), None).await;
            assert_eq!(output.status.code(), Some(2), "{ids:?} {mode}");
            assert_stderr_has(&output, says);
        }
    }
    assert_eq!(server.request_count(), 0);
}

/// A Workers KV namespace in memory, for tests that check what is left in
/// it rather than what was sent.
#[derive(Clone, Default)]
struct Namespace(Arc<Mutex<BTreeSet<String>>>);

impl Namespace {
    fn holding(keys: &[String]) -> Self {
        Namespace(Arc::new(Mutex::new(keys.iter().cloned().collect())))
    }

    fn keys(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().cloned().collect()
    }

    /// A server for this namespace. Keys are deleted as soon as a request
    /// arrives, as on the real service; the answer waits behind `gate`.
    async fn server(&self, gate: &Gate) -> MockServer {
        let (namespace, gate) = (self.clone(), gate.clone());
        MockServer::with_handler(move |request| {
            let keys = body(request);
            let mut held = namespace.0.lock().unwrap();
            keys.iter().for_each(|key| {
                held.remove(key);
            });
            deletes_all(request).held_by(&gate)
        })
        .await
    }
}

/// An open gate: answers go out at once.
fn open_gate() -> Gate {
    let gate = Gate::new();
    gate.open();
    gate
}

/// Gives up on a wait that would otherwise hang the test run; a guard, not
/// a measurement.
const PATIENCE: Duration = Duration::from_secs(60);

/// Waits until `done` holds, checking every few milliseconds.
async fn until(what: &str, done: impl Fn() -> bool) {
    let wait = async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("gave up waiting until {what}"));
}

/// A `cfkv` still running, its stderr read line by line as it comes.
struct Running {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    stderr: String,
}

impl Running {
    fn start(mut command: Command, stdin: Stdio) -> Self {
        let mut child = command
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run cfkv");
        let (send, lines) = mpsc::unbounded_channel();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        Running {
            child,
            lines,
            stderr: String::new(),
        }
    }

    /// Reads stderr until a line contains `part`.
    async fn wait_for(&mut self, part: &str) {
        let wait = async {
            while let Some(line) = self.lines.recv().await {
                self.stderr += &line;
                self.stderr.push('\n');
                if line.contains(part) {
                    return;
                }
            }
            panic!("cfkv ended without printing {part:?}:\n{}", self.stderr);
        };
        tokio::time::timeout(PATIENCE, wait)
            .await
            .unwrap_or_else(|_| panic!("gave up waiting for {part:?}"));
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    fn press_ctrl_c(&self) {
        self.kill("-INT");
    }

    /// Sends `signal` (`-INT`, `-TERM`) with `kill`.
    fn kill(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits for the end; returns the exit code, stdout and all of stderr.
    async fn finish(mut self) -> (Option<i32>, String, String) {
        let child = self.child;
        let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        while let Some(line) = self.lines.recv().await {
            self.stderr += &line;
            self.stderr.push('\n');
        }
        (output.status.code(), stdout(&output), self.stderr)
    }
}

/// The keys of a file `cfkv` wrote, read back through `cfkv` itself: a dry
/// run with `--failed-out` writes the valid keys nowhere, so this reads the
/// file directly, as lines or as a JSON array.
fn keys_in(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    if text.trim_start().starts_with('[') {
        serde_json::from_str(&text).unwrap()
    } else {
        text.lines().map(str::to_owned).collect()
    }
}

fn numbered(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}-{i:03}")).collect()
}

#[tokio::test]
async fn ctrl_c_lets_requests_in_flight_finish_and_keeps_every_other_key() {
    let dir = scratch("ctrl-c-stop");
    let keys = numbered("stop", 50);
    let file = write(&dir, "keys.txt", &keys.join("\n"));
    let failed_out = dir.join("failed.txt");
    let namespace = Namespace::holding(&keys);
    let gate = Gate::new();
    let server = namespace.server(&gate).await;
    let args = [
        "--keys-file",
        text(&file),
        "--failed-out",
        text(&failed_out),
        "--chunk-size",
        "5",
        "--concurrency",
        "2",
        "--yes",
    ];
    let command = command(Some(&server), [ACCOUNT, NAMESPACE], &args);
    let mut cfkv = Running::start(command, Stdio::null());
    until("two requests are in flight", || server.request_count() == 2).await;
    cfkv.press_ctrl_c();
    cfkv.wait_for("interrupted: no new request will be sent")
        .await;
    gate.open();
    let (code, stdout, stderr) = cfkv.finish().await;
    assert_eq!(code, Some(130), "{stderr}");
    assert_eq!(
        stdout,
        "deleted 10 of 50 keys, 0 failed, 40 not sent\n\
         interrupted by Ctrl-C: 40 keys were not deleted\n"
    );
    assert_eq!(server.request_count(), 2, "a request started after Ctrl-C");
    let mut left = keys_in(&failed_out);
    left.sort();
    assert_eq!(left, namespace.keys(), "{stderr}");
    assert!(stderr.contains(&format!(
        "wrote 40 keys not deleted to `{}`",
        failed_out.display()
    )));

    let again = namespace.server(&open_gate()).await;
    let resume = ["--keys-file", text(&failed_out), "--yes"];
    let output = cfkv_at(&again, &resume).await;
    assert_eq!(output.status.code(), Some(0), "{}", self::stderr(&output));
    assert!(namespace.keys().is_empty());
}

async fn cfkv_at(server: &MockServer, args: &[&str]) -> Output {
    cfkv(Some(server), args, None).await
}

#[tokio::test]
async fn a_second_ctrl_c_aborts_requests_in_flight_and_keeps_their_keys() {
    let dir = scratch("ctrl-c-abort");
    let keys = numbered("abort", 20);
    let file = write(&dir, "keys.txt", &keys.join("\n"));
    let namespace = Namespace::holding(&keys);
    // Never opened: only an abort ends these requests.
    let server = namespace.server(&Gate::new()).await;
    let args = [
        "--keys-file",
        text(&file),
        "--chunk-size",
        "5",
        "--concurrency",
        "2",
        "--yes",
    ];
    let command = command(Some(&server), [ACCOUNT, NAMESPACE], &args);
    let mut cfkv = Running::start(command, Stdio::null());
    until("two requests are in flight", || server.request_count() == 2).await;
    cfkv.press_ctrl_c();
    cfkv.wait_for("press Ctrl-C again to stop waiting").await;
    cfkv.press_ctrl_c();
    let (code, stdout, stderr) = cfkv.finish().await;
    assert_eq!(code, Some(130), "{stderr}");
    assert_eq!(
        stdout,
        "deleted 0 of 20 keys, 0 failed, 10 not sent, 10 not confirmed\n\
         interrupted by Ctrl-C: 20 keys were not deleted\n"
    );
    // Without --failed-out, the keys go to a new file beside the input, and
    // the command to finish the job is printed.
    let remaining = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| text(path).contains("keys.txt.remaining-"))
        .unwrap_or_else(|| panic!("no remaining-keys file:\n{stderr}"));
    let mut left = keys_in(&remaining);
    left.sort();
    assert_eq!(left, keys);
    assert!(
        stderr.contains(&format!(
            "wrote 20 keys not deleted to `{}`",
            remaining.display()
        )),
        "{stderr}"
    );
    let rerun = format!(
        "to delete them, run: cfkv bulk-delete --account-id {ACCOUNT} --namespace-id {NAMESPACE} \
         --keys-file {}",
        text(&remaining)
    );
    assert!(stderr.contains(&rerun), "{stderr}");

    let again = namespace.server(&open_gate()).await;
    let resume = ["--keys-file", text(&remaining), "--yes"];
    let output = cfkv_at(&again, &resume).await;
    assert_eq!(output.status.code(), Some(0), "{}", self::stderr(&output));
    assert!(namespace.keys().is_empty());
}

/// SIGTERM (a service manager, a cancelled CI job) stops at once: no waiting
/// for the requests in flight, every key written out, exit code 143.
#[tokio::test]
async fn sigterm_aborts_the_requests_in_flight_and_keeps_every_key() {
    let dir = scratch("sigterm");
    let keys = numbered("term", 20);
    let file = write(&dir, "keys.txt", &keys.join("\n"));
    let failed_out = dir.join("failed.txt");
    let namespace = Namespace::holding(&keys);
    // Never opened: only an abort ends these requests.
    let server = namespace.server(&Gate::new()).await;
    let args = [
        "--keys-file",
        text(&file),
        "--failed-out",
        text(&failed_out),
        "--chunk-size",
        "5",
        "--concurrency",
        "2",
        "--yes",
    ];
    let command = command(Some(&server), [ACCOUNT, NAMESPACE], &args);
    let cfkv = Running::start(command, Stdio::null());
    until("two requests are in flight", || server.request_count() == 2).await;
    cfkv.kill("-TERM");
    let (code, stdout, stderr) = cfkv.finish().await;
    assert_eq!(code, Some(143), "{stderr}");
    assert_eq!(
        stdout,
        "deleted 0 of 20 keys, 0 failed, 10 not sent, 10 not confirmed\n\
         interrupted by SIGTERM: 20 keys were not deleted\n"
    );
    assert!(stderr.contains("terminated (SIGTERM)"), "{stderr}");
    let mut left = keys_in(&failed_out);
    left.sort();
    assert_eq!(left, keys, "{stderr}");
    assert_eq!(server.request_count(), 2, "a request started after SIGTERM");
}

#[tokio::test]
async fn ctrl_c_keeps_keys_read_but_not_yet_sent_and_the_rest_of_stdin() {
    let dir = scratch("ctrl-c-stdin");
    let keys = numbered("stdin", 13);
    let namespace = Namespace::holding(&keys);
    let gate = Gate::new();
    let server = namespace.server(&gate).await;
    let failed_out = dir.join("failed.txt");
    let args = [
        "--keys-file",
        "-",
        "--failed-out",
        text(&failed_out),
        "--chunk-size",
        "10",
        "--concurrency",
        "2",
        "--yes",
    ];
    let command = command(Some(&server), [ACCOUNT, NAMESPACE], &args);
    let mut cfkv = Running::start(command, Stdio::piped());
    let mut stdin = cfkv.child.stdin.take().unwrap();
    // Twelve keys, then the pipe stays open: the first ten go out in a
    // request, and keys 11 and 12 wait in the next chunk for more input.
    // The engine fills that chunk before it starts the first request, so
    // they are taken by the time the server sees the request.
    stdin.write_all(lines_of(&keys[..12]).as_bytes()).unwrap();
    stdin.flush().unwrap();
    until("a request is in flight", || server.request_count() == 1).await;
    cfkv.press_ctrl_c();
    cfkv.wait_for("interrupted: no new request will be sent")
        .await;
    // Keys that arrive after Ctrl-C are kept too.
    stdin.write_all(lines_of(&keys[12..]).as_bytes()).unwrap();
    drop(stdin);
    gate.open();
    let (code, stdout, stderr) = cfkv.finish().await;
    assert_eq!(code, Some(130), "{stderr}");
    assert_eq!(server.request_count(), 1);
    assert_eq!(
        stdout.lines().next(),
        Some("deleted 10 of 13 keys, 0 failed, 3 not sent")
    );
    assert_eq!(keys_in(&failed_out), keys[10..], "{stdout}{stderr}");
    assert_eq!(namespace.keys(), keys[10..]);
}

fn lines_of(keys: &[String]) -> String {
    keys.iter().map(|k| format!("{k}\n")).collect()
}

/// A Cloudflare rate-limit answer asking for a wait of `seconds`.
fn rate_limited(seconds: u32) -> Reply {
    Reply::api_error(
        429,
        971,
        "Please wait and consider throttling your request speed",
    )
    .with_header("retry-after", &seconds.to_string())
}

#[tokio::test]
async fn a_rate_limit_pause_is_announced_once_and_the_run_goes_on() {
    let dir = scratch("pause");
    let keys = numbered("pause", 4);
    let file = write(&dir, "keys.txt", &keys.join("\n"));
    let gate = Gate::new();
    let server = MockServer::with_handler(deletes_all).await;
    // Both requests in flight are told to wait: one pause for the client.
    server.push(rate_limited(2).held_by(&gate));
    server.push(rate_limited(2).held_by(&gate));
    let args = [
        "--keys-file",
        text(&file),
        "--chunk-size",
        "2",
        "--concurrency",
        "2",
        "--yes",
    ];
    let mut cfkv = Running::start(
        command(Some(&server), [ACCOUNT, NAMESPACE], &args),
        Stdio::null(),
    );
    until("two requests are in flight", || server.request_count() == 2).await;
    gate.open();
    cfkv.wait_for("rate limited by Cloudflare: waiting 2s (until ")
        .await;
    let (code, stdout, stderr) = cfkv.finish().await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "deleted 4 of 4 keys, 0 failed\n");
    assert_eq!(
        stderr.matches("rate limited by Cloudflare").count(),
        1,
        "{stderr}"
    );
    assert_eq!(server.request_count(), 4);
}

#[tokio::test]
async fn a_wait_longer_than_cfkv_accepts_ends_the_run_and_keeps_the_keys() {
    let dir = scratch("too-long");
    let keys = numbered("long", 6);
    let file = write(&dir, "keys.txt", &keys.join("\n"));
    let failed_out = dir.join("failed.txt");
    let server = MockServer::with_handler(deletes_all).await;
    server.push(rate_limited(3600));
    let args = [
        "--keys-file",
        text(&file),
        "--failed-out",
        text(&failed_out),
        "--chunk-size",
        "2",
        "--concurrency",
        "1",
        "--yes",
    ];
    let output = cfkv(Some(&server), &args, None).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "deleted 0 of 6 keys, 2 failed, 4 not sent\n"
    );
    let stderr = stderr(&output);
    for says in [
        "rate limited by Cloudflare for 1h 0m 0s (until ",
        "stopped sending: Cloudflare asked to wait 1h 0m 0s (until ",
        "wrote 6 keys not deleted to",
    ] {
        assert!(stderr.contains(says), "{says:?} missing from:\n{stderr}");
    }
    // One request: the keys not sent are not burned one chunk at a time.
    assert_eq!(server.request_count(), 1);
    assert_eq!(keys_in(&failed_out), keys);
}

#[tokio::test]
async fn rate_limit_option_paces_the_run_and_refuses_nonsense() {
    let dir = scratch("rate-limit");
    let file = write(&dir, "keys.txt", &lines(&["a", "b"]));
    let server = MockServer::with_handler(deletes_all).await;
    let args = ["--keys-file", text(&file), "--rate-limit", "600", "--yes"];
    let output = cfkv(Some(&server), &args, None).await;
    assert_eq!(output.status.code(), Some(2));
    assert_stderr_has(&output, "invalid rate limit `600`");
    assert_eq!(server.request_count(), 0);

    // One request per 2 s: the second request waits, and says so.
    let args = [
        "--keys-file",
        text(&file),
        "--rate-limit",
        "1/2s",
        "--chunk-size",
        "1",
        "--concurrency",
        "1",
        "--yes",
    ];
    let output = cfkv(Some(&server), &args, None).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_stderr_has(&output, "pacing to --rate-limit 1/2s: waiting ");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_keys_file_that_starts_like_json_but_is_not_is_refused() {
    let dir = scratch("not-json");
    let file = write(&dir, "keys.txt", "[abc\nxyz\n");
    let server = MockServer::with_handler(deletes_all).await;
    let output = cfkv(Some(&server), &["--keys-file", text(&file), "--yes"], None).await;
    assert_eq!(output.status.code(), Some(2));
    let expected = format!("keys file `{}` is not a JSON array", file.display());
    for says in [&expected, "pass --format lines", "at line 1 column 2"] {
        assert_stderr_has(&output, says);
    }
    assert_eq!(server.request_count(), 0);
    let lines = ["--keys-file", text(&file), "--format", "lines", "--yes"];
    let output = cfkv(Some(&server), &lines, None).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(sent(&server), ["[abc", "xyz"]);
}
