//! What both test files of `cfkv` need: the ids, scratch folders, a hermetic
//! `cfkv` command and its output.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use testkit::MockServer;

pub const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
pub const NAMESPACE: &str = "fedcba9876543210fedcba9876543210";

/// A fresh directory for one test's files.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfkv-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// `cfkv <args>` in a hermetic environment: no Cloudflare variable of the
/// caller's, and a token and base URL pointing at `server` unless it is
/// `None`.
pub fn cfkv_command(server: Option<&MockServer>, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cfkv"));
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
    command
}

/// Runs `command` to the end; stdin is `/dev/null` unless `stdin` is given.
pub async fn run(mut command: Command, stdin: Option<String>) -> Output {
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

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Fails, showing the whole standard error, unless it contains `needle`.
#[track_caller]
pub fn assert_stderr_has(output: &Output, needle: &str) {
    let stderr = stderr(output);
    assert!(stderr.contains(needle), "no {needle:?} in:\n{stderr}");
}
