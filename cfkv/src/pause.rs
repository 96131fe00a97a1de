//! Rate-limit pauses as the user sees them: one line on stderr when the
//! client starts a pause, and a countdown in the progress bar while it lasts,
//! so that a run waiting out Cloudflare's five-minute block does not look
//! hung.

use std::time::Duration;

use cfgen_runtime::{Client, PauseInfo, PauseReason, RateLimit};
use indicatif::ProgressBar;
use tokio::task::JoinHandle;

use crate::clock::{human, local_time_after};

/// Waits longer than this are shown as "a very long time": a `Retry-After`
/// that cannot be read stands for an endless wait.
const LONGEST_SHOWN: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The observer the client calls when a pause begins: prints one line.
pub fn observer(bar: ProgressBar, limit: &RateLimit) -> impl Fn(&PauseInfo) + Send + Sync + use<> {
    let limit = limit.to_string();
    move |pause| {
        let line = describe(pause.wait, pause.reason, &limit);
        bar.suspend(|| eprintln!("{line}"));
    }
}

/// `rate limited by Cloudflare: waiting 4m 12s (until 02:17:45)`, or what
/// else the pause is.
pub fn describe(wait: Duration, reason: PauseReason, limit: &str) -> String {
    let wait = wait_text(wait);
    match reason {
        PauseReason::WaitTooLong { .. } => format!(
            "rate limited by Cloudflare for {wait}, longer than cfkv waits: no further \
             request is sent, and the keys not deleted are written out"
        ),
        reason if reason.is_server() => format!("rate limited by Cloudflare: waiting {wait}"),
        _ => format!("pacing to --rate-limit {limit}: waiting {wait}"),
    }
}

/// `4m 12s (until 02:17:45)`.
pub fn wait_text(wait: Duration) -> String {
    if wait > LONGEST_SHOWN {
        return "a very long time".to_owned();
    }
    format!("{} (until {})", human(wait), local_time_after(wait))
}

/// Shows the pause in force, if any, in the progress bar, refreshed every
/// second, until dropped.
pub struct Countdown(JoinHandle<()>);

impl Countdown {
    /// Starts watching `client`'s pauses.
    pub fn start(client: Client, bar: ProgressBar) -> Self {
        Countdown(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut shown = false;
            loop {
                tick.tick().await;
                match client.pause() {
                    Some(pause) if pause.reason.is_server() => {
                        bar.set_message(format!(
                            "rate limited by Cloudflare: {} left",
                            human(pause.wait)
                        ));
                        shown = true;
                    }
                    _ if shown => {
                        bar.set_message("");
                        shown = false;
                    }
                    _ => {}
                }
            }
        }))
    }
}

impl Drop for Countdown {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfgen_runtime::StatusCode;

    #[test]
    fn pauses_say_who_asked_and_for_how_long() {
        let status = StatusCode::TOO_MANY_REQUESTS;
        let server = describe(
            Duration::from_secs(252),
            PauseReason::ServerAsked { status },
            "1200/5m",
        );
        assert!(
            server.starts_with("rate limited by Cloudflare: waiting 4m 12s (until "),
            "{server}"
        );
        let ours = describe(Duration::from_secs(3), PauseReason::ClientLimit, "600/5m");
        assert!(ours.starts_with("pacing to --rate-limit 600/5m: waiting 3s (until "));
        let endless = describe(Duration::MAX, PauseReason::WaitTooLong { status }, "");
        assert!(endless.starts_with("rate limited by Cloudflare for a very long time, longer"));
    }
}
