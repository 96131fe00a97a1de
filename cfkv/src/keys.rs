//! Keys files: one key per line (streamed), or a JSON array of strings or of
//! objects with a `name` field (the format `wrangler kv bulk delete` takes).
//!
//! The rules, which [`crate::failed_out`] mirrors so that what it writes
//! reads back as exactly the same keys:
//!
//! - the text is UTF-8; a UTF-8 byte-order mark is dropped, UTF-16 and
//!   UTF-32 (a byte-order mark, or a start of text full of NUL bytes) are
//!   refused, never read as keys;
//! - with `--format auto`, the file is JSON when its first character other
//!   than JSON whitespace (space, tab, CR, LF) is `[`, lines otherwise; a
//!   file that starts like JSON but does not parse is an error, never read
//!   as lines;
//! - in the line format, a line ending (`\n` or `\r\n`) is removed, a line
//!   holding only whitespace is skipped, and every other line is one key,
//!   spaces included.

use std::io::Cursor;
use std::path::Path;
use std::pin::Pin;
use std::str::Utf8Error;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use futures::Stream;
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};

/// How the keys file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON when the first character other than whitespace is `[`, lines
    /// otherwise.
    Auto,
    /// One key per line; lines of only whitespace are skipped, a trailing
    /// `\r` removed.
    Lines,
    /// A JSON array of strings, or of objects with a string `name`.
    Json,
}

/// A stream of keys in file order.
pub type KeyStream = Pin<Box<dyn Stream<Item = String> + Send>>;

/// The keys, ready to stream into a bulk delete.
pub struct Keys {
    /// The keys in file order.
    pub stream: KeyStream,
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

/// The UTF-8 byte-order mark some editors (Notepad, Excel's "CSV UTF-8")
/// put in front of the text. It is never part of a key.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The most of the start that the share of NUL bytes is judged on.
const NUL_SAMPLE: usize = 512;

/// Enough of the start to see any byte-order mark.
const HEAD_MIN: usize = 4;

/// How far the look for the first character other than whitespace goes
/// before the file is taken for lines.
const HEAD_MAX: usize = 64 * 1024;

/// Opens `path` (`-` for stdin). JSON is read whole; lines are streamed, so
/// a file of millions of keys is never held in memory at once. A regular
/// file of lines is read once beforehand to count its keys and to find an
/// invalid line before anything is deleted.
pub async fn open(path: &Path, format: Format) -> Result<Keys> {
    let name = describe(path);
    let raw: Box<dyn AsyncRead + Unpin + Send> = if path == Path::new("-") {
        Box::new(tokio::io::stdin())
    } else {
        let file = tokio::fs::File::open(path)
            .await
            .with_context(|| format!("cannot open keys file {name}"))?;
        Box::new(file)
    };
    let mut raw = BufReader::with_capacity(HEAD_MAX, raw);
    let mut head = read_head(&mut raw)
        .await
        .with_context(|| format!("cannot read keys file {name}"))?;
    check_encoding(&head, &name)?;
    let had_bom = head.starts_with(UTF8_BOM);
    if had_bom {
        head.drain(..UTF8_BOM.len());
    }
    let json = match format {
        Format::Json => true,
        Format::Lines => false,
        Format::Auto => looks_like_json(&head),
    };
    let reader: Reader = Box::new(Cursor::new(head).chain(raw));
    if json {
        return read_json(reader, &name).await;
    }
    let total = scan_lines(path)?;
    Ok(stream_lines(reader, path, total))
}

/// The path given, for messages that name it.
pub fn describe(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        format!("`{}`", path.display())
    }
}

/// A line of the keys file, as `file:line` for messages.
fn describe_line(path: &Path, line: u64) -> String {
    if path == Path::new("-") {
        format!("<stdin>:{line}")
    } else {
        format!("`{}:{line}`", path.display())
    }
}

/// Reads the start of the input: what the first reads give, at least
/// [`HEAD_MIN`] bytes and on until a character other than whitespace
/// appears, [`HEAD_MAX`] bytes or the end. It waits for no more than that,
/// so a pipe that delivers keys slowly is not held up.
async fn read_head(reader: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    loop {
        let enough = head.len() >= HEAD_MIN && head.iter().any(|b| !is_json_space(*b));
        if enough || head.len() >= HEAD_MAX {
            return Ok(head);
        }
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(head);
        }
        let take = buffer.len().min(HEAD_MAX - head.len());
        head.extend_from_slice(&buffer[..take]);
        reader.consume(take);
    }
}

/// Refuses text that is not UTF-8: a UTF-16 or UTF-32 byte-order mark, or a
/// start in which at least a quarter of the bytes are NUL (ASCII written as
/// UTF-16 without a mark is half NUL). Read as UTF-8, such a file would
/// yield keys that do not exist, and the run would report them deleted.
fn check_encoding(head: &[u8], name: &str) -> Result<()> {
    const MARKS: [(&[u8], &str); 4] = [
        (b"\xFF\xFE\0\0", "UTF-32 little-endian"),
        (b"\0\0\xFE\xFF", "UTF-32 big-endian"),
        (b"\xFF\xFE", "UTF-16 little-endian"),
        (b"\xFE\xFF", "UTF-16 big-endian"),
    ];
    let advice = "cfkv reads UTF-8 only; convert it first, for example with \
                  `iconv -f UTF-16 -t UTF-8 IN > OUT`";
    if let Some((mark, encoding)) = MARKS.iter().find(|(mark, _)| head.starts_with(mark)) {
        bail!(
            "keys file {name} is {encoding} text (it starts with the byte-order mark {}); {advice}",
            hex(mark)
        );
    }
    let sample = &head[..head.len().min(NUL_SAMPLE)];
    let nuls = sample.iter().filter(|b| **b == 0).count();
    if nuls > 0 && nuls * 4 >= sample.len() {
        bail!(
            "keys file {name} looks like UTF-16 or UTF-32 text ({nuls} of its first {} bytes are NUL); \
             {advice}",
            sample.len()
        );
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    hex.join(" ")
}

/// The whitespace JSON allows between tokens.
fn is_json_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether `--format auto` reads text starting with `start` as JSON: its
/// first byte other than JSON whitespace is `[`.
pub fn looks_like_json(start: &[u8]) -> bool {
    start.iter().find(|b| !is_json_space(**b)) == Some(&b'[')
}

async fn read_json(mut reader: Reader, name: &str) -> Result<Keys> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .await
        .with_context(|| format!("cannot read keys file {name}"))?;
    // From bytes, not a string, so that invalid UTF-8 is reported with its
    // line and column.
    let items: Vec<Value> = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "keys file {name} is not a JSON array (a file whose first character other than \
             whitespace is `[` is read as JSON; pass --format lines if it holds one key per line)"
        )
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

/// What one line of the line format holds.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    /// A key.
    Key(&'a str),
    /// Nothing but whitespace: skipped.
    Blank,
}

/// Reads one line (line ending included, as `read_until` returns it).
fn parse_line(line: &[u8]) -> Result<Line<'_>, Utf8Error> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = std::str::from_utf8(line)?;
    Ok(if text.trim().is_empty() {
        Line::Blank
    } else {
        Line::Key(text)
    })
}

/// The error for a line that is not UTF-8, naming the file, the line and
/// the first bad byte.
fn utf8_error(path: &Path, line_number: u64, line: &[u8], error: Utf8Error) -> anyhow::Error {
    let at = error.valid_up_to();
    anyhow::anyhow!(
        "keys file {}: the line is not valid UTF-8 (byte {:#04x} at byte {} of the line); \
         save the file as UTF-8",
        describe_line(path, line_number),
        line.get(at).copied().unwrap_or_default(),
        at + 1
    )
}

/// Counts the keys of a regular file of lines in one streaming pass, so the
/// progress bar can show a total and the confirmation a count, and fails at
/// the first line that is not UTF-8 before anything is deleted. `None` for
/// stdin and pipes, which can be read only once.
fn scan_lines(path: &Path) -> Result<Option<u64>> {
    use std::io::BufRead;
    let name = describe(path);
    let is_file = path != Path::new("-")
        && std::fs::metadata(path)
            .with_context(|| format!("cannot read keys file {name}"))?
            .is_file();
    if !is_file {
        return Ok(None);
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open keys file {name}"))?;
    let mut reader = std::io::BufReader::with_capacity(HEAD_MAX, file);
    let (mut count, mut line_number, mut line) = (0, 0, Vec::new());
    while reader
        .read_until(b'\n', &mut line)
        .with_context(|| format!("cannot read keys file {name}"))?
        > 0
    {
        line_number += 1;
        let bytes = match line_number {
            1 => line.strip_prefix(UTF8_BOM).unwrap_or(&line),
            _ => &line,
        };
        match parse_line(bytes) {
            Ok(Line::Key(_)) => count += 1,
            Ok(Line::Blank) => {}
            Err(error) => return Err(utf8_error(path, line_number, bytes, error)),
        }
        line.clear();
    }
    Ok(Some(count))
}

struct LineState {
    reader: Reader,
    path: std::path::PathBuf,
    line_number: u64,
    error: ReadError,
}

fn stream_lines(reader: Reader, path: &Path, total: Option<u64>) -> Keys {
    let error = ReadError::default();
    let state = LineState {
        reader,
        path: path.to_owned(),
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
    /// The next key; on a read error, records it and ends.
    async fn next_key(&mut self) -> Option<String> {
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = self.reader.read_until(b'\n', &mut line).await;
            self.line_number += 1;
            match read {
                Ok(0) => return None,
                Ok(_) => {}
                Err(error) => {
                    let error = anyhow::Error::new(error).context(format!(
                        "cannot read keys file {}",
                        describe_line(&self.path, self.line_number)
                    ));
                    return self.fail(error);
                }
            }
            match parse_line(&line) {
                Ok(Line::Key(key)) => return Some(key.to_owned()),
                Ok(Line::Blank) => {}
                Err(error) => {
                    return self.fail(utf8_error(&self.path, self.line_number, &line, error));
                }
            }
        }
    }

    fn fail(&mut self, error: anyhow::Error) -> Option<String> {
        self.error.set(error);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_their_ending_and_blank_lines_are_skipped() {
        assert_eq!(parse_line(b"key\r\n"), Ok(Line::Key("key")));
        assert_eq!(parse_line(b" key \n"), Ok(Line::Key(" key ")));
        assert_eq!(parse_line(b"last"), Ok(Line::Key("last")));
        assert_eq!(parse_line(b"a\rb\n"), Ok(Line::Key("a\rb")));
        assert_eq!(parse_line(b"\n"), Ok(Line::Blank));
        assert_eq!(parse_line(b" \t\r\n"), Ok(Line::Blank));
        assert_eq!(parse_line("\u{a0}\u{3000}\n".as_bytes()), Ok(Line::Blank));
        assert!(parse_line(b"a\xFFb\n").is_err());
    }

    #[test]
    fn json_is_recognised_by_its_first_character() {
        assert!(looks_like_json(b" \r\n\t[\"a\"]"));
        assert!(looks_like_json(b"[abc\n"));
        assert!(!looks_like_json(b"a[\n"));
        assert!(!looks_like_json(b"\x0c[\n"));
        assert!(!looks_like_json(b""));
    }

    #[test]
    fn utf16_and_utf32_are_refused() {
        let refused = |head: &[u8]| {
            check_encoding(head, "`k.txt`")
                .map_err(|e| e.to_string())
                .unwrap_err()
        };
        assert!(refused(b"\xFF\xFEa\0").starts_with(
            "keys file `k.txt` is UTF-16 little-endian text (it starts with the byte-order mark FF FE)"
        ));
        assert!(refused(b"\xFE\xFF\0a").contains("UTF-16 big-endian"));
        assert!(refused(b"\xFF\xFE\0\0a\0\0\0").contains("UTF-32 little-endian"));
        assert!(
            refused(b"a\0b\0\n\0").contains("looks like UTF-16 or UTF-32 text (3 of its first 6")
        );
        assert!(check_encoding(b"a\0bcdefgh\n", "`k.txt`").is_ok());
        assert!(check_encoding(b"\xEF\xBB\xBFa\n", "`k.txt`").is_ok());
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
