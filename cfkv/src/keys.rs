//! Keys files: one key per line (streamed), or a JSON array of strings or of
//! objects with a `name` field (the format `wrangler kv bulk delete` takes).

use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use futures::Stream;
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, BufReader};

/// How the keys file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON when the first non-blank character is `[`, lines otherwise.
    Auto,
    /// One key per line; blank lines are skipped, a trailing `\r` removed.
    Lines,
    /// A JSON array of strings, or of objects with a string `name`.
    Json,
}

/// The keys, ready to stream into a bulk delete.
pub struct Keys {
    /// The keys in file order.
    pub stream: Pin<Box<dyn Stream<Item = String> + Send>>,
    /// How many keys there are, when known before reading them all.
    pub total: Option<u64>,
    /// Where a read error that ended the stream early is left.
    pub error: ReadError,
}

/// A read error that ended a key stream early. A stream of keys has no room
/// for errors, so the line reader leaves it here and ends; the command
/// checks it after the run.
#[derive(Debug, Clone, Default)]
pub struct ReadError(Arc<Mutex<Option<anyhow::Error>>>);

impl ReadError {
    /// The error, if reading stopped early.
    pub fn take(&self) -> Option<anyhow::Error> {
        self.lock().take()
    }

    fn set(&self, error: anyhow::Error) {
        *self.lock() = Some(error);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<anyhow::Error>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type Reader = Box<dyn AsyncBufRead + Unpin + Send>;

/// Opens `path` (`-` for stdin). JSON is read whole; lines are streamed, so
/// a file of millions of keys is never held in memory at once.
pub async fn open(path: &Path, format: Format) -> Result<Keys> {
    let name = describe(path);
    let mut reader: Reader = if path == Path::new("-") {
        Box::new(BufReader::new(tokio::io::stdin()))
    } else {
        let file = tokio::fs::File::open(path)
            .await
            .with_context(|| format!("cannot open keys file {name}"))?;
        Box::new(BufReader::with_capacity(64 * 1024, file))
    };
    let json = match format {
        Format::Json => true,
        Format::Lines => false,
        Format::Auto => starts_like_json(&mut reader)
            .await
            .with_context(|| format!("cannot read keys file {name}"))?,
    };
    if json {
        return read_json(reader, &name).await;
    }
    let total = count_lines(path).with_context(|| format!("cannot read keys file {name}"))?;
    Ok(stream_lines(reader, name, total))
}

/// The path given, for messages that name it.
pub fn describe(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        format!("`{}`", path.display())
    }
}

/// Peeks (without consuming) at the first buffered bytes: JSON when the
/// first non-blank one is `[`.
async fn starts_like_json(reader: &mut Reader) -> std::io::Result<bool> {
    let buffer = reader.fill_buf().await?;
    Ok(buffer.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'['))
}

async fn read_json(mut reader: Reader, name: &str) -> Result<Keys> {
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .await
        .with_context(|| format!("cannot read keys file {name}"))?;
    let items: Vec<Value> = serde_json::from_str(&text).with_context(|| {
        format!("keys file {name} is not a JSON array (use --format lines for one key per line)")
    })?;
    let keys = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| json_key(item, index, name))
        .collect::<Result<Vec<String>>>()?;
    Ok(Keys {
        total: Some(keys.len() as u64),
        stream: Box::pin(futures::stream::iter(keys)),
        error: ReadError::default(),
    })
}

fn json_key(item: Value, index: usize, name: &str) -> Result<String> {
    match item {
        Value::String(key) => Ok(key),
        Value::Object(mut object) => match object.remove("name") {
            Some(Value::String(key)) => Ok(key),
            _ => bail!("keys file {name}: item /{index} is an object without a string `name`"),
        },
        _ => {
            bail!("keys file {name}: item /{index} is neither a string nor an object with a `name`")
        }
    }
}

/// The number of keys in a regular file of lines, counted in one streaming
/// pass so the progress bar can show a total; `None` for stdin and pipes.
fn count_lines(path: &Path) -> std::io::Result<Option<u64>> {
    use std::io::BufRead;
    if path == Path::new("-") || !std::fs::metadata(path)?.is_file() {
        return Ok(None);
    }
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, std::fs::File::open(path)?);
    let (mut count, mut line) = (0, Vec::new());
    while reader.read_until(b'\n', &mut line)? > 0 {
        count += u64::from(!line_key(&line).is_empty());
        line.clear();
    }
    Ok(Some(count))
}

/// A line without its line ending (`\n`, `\r\n`).
fn line_key(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

struct LineState {
    reader: Reader,
    name: String,
    line_number: u64,
    error: ReadError,
}

fn stream_lines(reader: Reader, name: String, total: Option<u64>) -> Keys {
    let error = ReadError::default();
    let state = LineState {
        reader,
        name,
        line_number: 0,
        error: error.clone(),
    };
    let stream = futures::stream::unfold(state, |mut state| async move {
        let key = state.next_key().await?;
        Some((key, state))
    });
    Keys {
        stream: Box::pin(stream),
        total,
        error,
    }
}

impl LineState {
    /// The next non-blank line; on a read error, records it and ends.
    async fn next_key(&mut self) -> Option<String> {
        let mut line = Vec::new();
        loop {
            line.clear();
            match self.reader.read_until(b'\n', &mut line).await {
                Ok(0) => return None,
                Ok(_) => self.line_number += 1,
                Err(error) => return self.fail(anyhow::Error::new(error)),
            }
            let key = line_key(&line);
            if key.is_empty() {
                continue;
            }
            return match String::from_utf8(key.to_vec()) {
                Ok(key) => Some(key),
                Err(_) => self.fail(anyhow::anyhow!("it is not valid UTF-8")),
            };
        }
    }

    fn fail(&mut self, error: anyhow::Error) -> Option<String> {
        let error = error.context(format!(
            "cannot read line {} of keys file {}",
            self.line_number + 1,
            self.name
        ));
        self.error.set(error);
        None
    }
}

/// Writes `keys` to `path` so a later run can read them back: one per line,
/// or a JSON array when a key holds a line break (or is empty) and lines
/// could not carry it. Returns whether JSON was used.
pub fn write_keys<'k>(path: &Path, keys: impl Iterator<Item = &'k str> + Clone) -> Result<bool> {
    let json = keys
        .clone()
        .any(|k| k.is_empty() || k.contains(['\n', '\r']));
    let text = if json {
        let keys: Vec<&str> = keys.collect();
        serde_json::to_string_pretty(&keys).context("cannot encode failed keys as JSON")? + "\n"
    } else {
        keys.fold(String::new(), |mut text, key| {
            text.push_str(key);
            text.push('\n');
            text
        })
    };
    std::fs::write(path, text)
        .with_context(|| format!("cannot write failed keys to `{}`", path.display()))?;
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_are_removed() {
        assert_eq!(line_key(b"key\r\n"), b"key");
        assert_eq!(line_key(b" key \n"), b" key ");
        assert_eq!(line_key(b"last"), b"last");
        assert_eq!(line_key(b"\n"), b"");
    }

    #[test]
    fn json_items_are_strings_or_named_objects() {
        let key = |v| json_key(v, 3, "`k.json`").map_err(|e| e.to_string());
        assert_eq!(key(serde_json::json!("a")), Ok("a".to_owned()));
        assert_eq!(
            key(serde_json::json!({"name": "b", "value": "x"})),
            Ok("b".to_owned())
        );
        assert_eq!(
            key(serde_json::json!({"key": "c"})),
            Err("keys file `k.json`: item /3 is an object without a string `name`".to_owned())
        );
        assert_eq!(
            key(serde_json::json!(7)),
            Err(
                "keys file `k.json`: item /3 is neither a string nor an object with a `name`"
                    .to_owned()
            )
        );
    }
}
