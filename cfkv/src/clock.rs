//! Times as a person reads them: waits as `4m 12s`, clock times in the
//! local time zone, and the stamp in the names of remaining-keys files.

use std::time::Duration;

use chrono::{DateTime, Local};

/// The local date and time to the second, as `20240612-021503`: sorts by
/// time and is safe in a file name on every system.
pub fn file_stamp() -> String {
    Local::now().format("%Y%m%d-%H%M%S").to_string()
}

/// The local clock time `wait` from now, as `02:17:45`.
pub fn local_time_after(wait: Duration) -> String {
    let now = Local::now();
    let then = chrono::Duration::from_std(wait)
        .ok()
        .and_then(|wait| now.checked_add_signed(wait));
    then.map_or_else(|| "much later".to_owned(), |then| clock(&then))
}

fn clock(time: &DateTime<Local>) -> String {
    time.format("%H:%M:%S").to_string()
}

/// A wait rounded up to the second, as `4m 12s`, `1h 0m 5s` or `3s`.
pub fn human(wait: Duration) -> String {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m {seconds}s"),
        _ => format!("{hours}h {minutes}m {seconds}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_hours_minutes_and_seconds() {
        assert_eq!(human(Duration::from_millis(200)), "1s");
        assert_eq!(human(Duration::ZERO), "0s");
        assert_eq!(human(Duration::from_secs(252)), "4m 12s");
        assert_eq!(human(Duration::from_secs(3605)), "1h 0m 5s");
    }

    #[test]
    fn clock_times_have_seconds() {
        let shown = local_time_after(Duration::from_secs(60));
        assert_eq!(shown.len(), 8, "{shown}");
        assert_eq!(local_time_after(Duration::MAX), "much later");
        assert_eq!(file_stamp().len(), 15);
    }
}
