//! The keys a run did not delete, written so that nothing is lost: streamed
//! into a temporary file beside the destination, flushed to disk, then
//! renamed into place, so a full disk, a crash or a kill never leaves half a
//! file and never touches an existing file until the new one is complete.
//!
//! The format follows [`crate::keys`]: one key per line while every key can
//! be read back from a line, otherwise a JSON array. The writer starts with
//! lines and rewrites what it has as JSON the moment a key needs it, so it
//! never holds the keys in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;

use crate::keys::{describe, looks_like_json};

/// Refuses a `--failed-out` that is the keys file itself, by whatever path
/// (`./keys.txt`, a symbolic or hard link): the run would replace its own
/// input. Checked before anything is sent.
pub fn check_not_input(keys_file: &Path, failed_out: &Path) -> Result<()> {
    if keys_file == Path::new("-") {
        return Ok(());
    }
    // An error means one of them does not exist, so they are not the same.
    if same_file::is_same_file(keys_file, failed_out).unwrap_or(false) {
        bail!(
            "--failed-out `{}` is the keys file {}: writing the keys not deleted there would \
             replace the list being read; choose another path",
            failed_out.display(),
            describe(keys_file)
        );
    }
    Ok(())
}

/// Where the keys go once they are all written.
#[derive(Debug)]
pub enum Destination {
    /// The path the user gave (`--failed-out`), replaced if it exists.
    Given(PathBuf),
    /// A new file named after the input, written only when some key
    /// remains; see [`remaining_path`].
    Remaining {
        /// The keys file (`-` for stdin).
        keys_file: PathBuf,
    },
    /// Standard output, once every key is written (`cfkv list` without
    /// `--output`); the keys wait in a temporary file until then, so that a
    /// key needing JSON late in the run still turns the whole output into
    /// JSON.
    Stdout,
}

/// A file of keys being written; see the [module docs](self).
pub struct KeysOut {
    destination: Destination,
    /// What the keys are, for error messages.
    what: &'static str,
    dir: PathBuf,
    temp: BufWriter<NamedTempFile>,
    json: bool,
    count: u64,
}

/// What [`KeysOut::finish`] wrote.
#[derive(Debug)]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// How many keys it holds.
    pub count: u64,
    /// Whether it is a JSON array rather than lines.
    pub json: bool,
}

impl KeysOut {
    /// Creates the temporary file now, so that a folder that cannot be
    /// written is reported before anything is deleted.
    pub fn create(destination: Destination) -> Result<Self> {
        let dirs = match &destination {
            Destination::Given(path) => {
                if path.is_dir() {
                    bail!("--failed-out `{}` is a folder", path.display());
                }
                vec![parent(path)]
            }
            // Beside the input first; the current folder when that one is
            // read-only, so that the keys are never lost for want of a place.
            Destination::Remaining { keys_file } => vec![parent(keys_file), PathBuf::from(".")],
            Destination::Stdout => vec![std::env::temp_dir()],
        };
        let mut last_error = None;
        for dir in dirs {
            match temp_in(&dir) {
                Ok(temp) => {
                    return Ok(KeysOut {
                        destination,
                        what: "the keys not deleted",
                        dir,
                        temp: BufWriter::new(temp),
                        json: false,
                        count: 0,
                    });
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("no folder to write keys to")))
    }

    /// Names what the keys are in error messages (`the keys not deleted`
    /// unless set).
    pub fn describing(mut self, what: &'static str) -> Self {
        self.what = what;
        self
    }

    /// Appends a key.
    pub fn push(&mut self, key: &str) -> Result<()> {
        if !self.json && !fits_a_line(key, self.count == 0) {
            self.switch_to_json()?;
        }
        let written = if self.json {
            let separator = if self.count == 0 { "[\n  " } else { ",\n  " };
            let quoted = serde_json::to_string(key).context("cannot encode a key as JSON")?;
            write!(self.temp, "{separator}{quoted}")
        } else {
            writeln!(self.temp, "{key}")
        };
        written.with_context(|| self.write_error())?;
        self.count += 1;
        Ok(())
    }

    /// Rewrites the lines written so far as the start of a JSON array, in a
    /// new temporary file; the old one is removed when dropped.
    fn switch_to_json(&mut self) -> Result<()> {
        let json = BufWriter::new(temp_in(&self.dir)?);
        let lines = std::mem::replace(&mut self.temp, json);
        let lines = lines.into_inner().map_err(|e| e.into_error());
        let lines = lines.with_context(|| self.write_error())?;
        let (count, mut file) = (self.count, lines.as_file());
        self.json = true;
        self.count = 0;
        file.seek(SeekFrom::Start(0))
            .with_context(|| self.write_error())?;
        for line in BufReader::new(file).split(b'\n').take(count as usize) {
            let line = line.with_context(|| self.write_error())?;
            // Only keys this writer wrote are there, and they are strings.
            let key = String::from_utf8_lossy(&line);
            self.push(&key)?;
        }
        Ok(())
    }

    /// Flushes the keys to disk and renames the file into place. Returns
    /// `None` when the destination is [`Destination::Remaining`] and no key
    /// remains (nothing is written then).
    pub fn finish(mut self) -> Result<Option<Written>> {
        if self.json {
            let end = if self.count == 0 { "[]\n" } else { "\n]\n" };
            self.temp
                .write_all(end.as_bytes())
                .with_context(|| self.write_error())?;
        }
        let error = self.write_error();
        let temp = self.temp.into_inner().map_err(|e| e.into_error());
        let temp = temp.with_context(|| error.clone())?;
        let path = match self.destination {
            Destination::Given(path) => {
                sync(&temp).with_context(|| error.clone())?;
                temp.persist(&path).map_err(|e| e.error).context(error)?;
                path
            }
            Destination::Remaining { .. } if self.count == 0 => return Ok(None),
            Destination::Remaining { keys_file } => {
                sync(&temp).with_context(|| error.clone())?;
                persist_new(temp, &self.dir, &keys_file).context(error)?
            }
            Destination::Stdout => {
                copy_to_stdout(temp).context(error)?;
                PathBuf::from("-")
            }
        };
        sync_dir(&self.dir);
        Ok(Some(Written {
            path,
            count: self.count,
            json: self.json,
        }))
    }

    fn write_error(&self) -> String {
        let what = self.what;
        match &self.destination {
            Destination::Given(path) => format!("cannot write {what} to `{}`", path.display()),
            Destination::Remaining { .. } => {
                format!("cannot write {what} to a file in `{}`", self.dir.display())
            }
            Destination::Stdout => format!("cannot write {what} to stdout"),
        }
    }
}

/// Copies the finished temporary file to standard output.
fn copy_to_stdout(temp: NamedTempFile) -> std::io::Result<()> {
    let mut file = temp.into_file();
    file.seek(SeekFrom::Start(0))?;
    let mut stdout = std::io::stdout().lock();
    std::io::copy(&mut file, &mut stdout)?;
    stdout.flush()
}

/// Whether a key reads back from a line of its own as exactly itself, in
/// the first line of a file when `first`: not blank (blank lines are
/// skipped), no line break, no NUL (a file full of them is taken for
/// UTF-16), and at the start of the file, nothing that `--format auto` would
/// take for JSON or a byte-order mark.
fn fits_a_line(key: &str, first: bool) -> bool {
    let plain = !key.trim().is_empty() && !key.contains(['\n', '\r', '\0']);
    let ambiguous_start = first && (looks_like_json(key.as_bytes()) || key.starts_with('\u{feff}'));
    plain && !ambiguous_start
}

/// The folder of `path`, `.` for a bare file name.
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn temp_in(dir: &Path) -> Result<NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".cfkv-keys-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in `{}`", dir.display()))
}

fn sync(temp: &NamedTempFile) -> std::io::Result<()> {
    temp.as_file().sync_all()
}

/// Makes the rename itself durable. Best effort: some file systems refuse
/// to sync a folder, and the file's contents are already on disk.
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Renames `temp` to a new file named after the keys file (see
/// [`remaining_path`]), never replacing an existing one.
fn persist_new(mut temp: NamedTempFile, dir: &Path, keys_file: &Path) -> Result<PathBuf> {
    let stamp = crate::clock::file_stamp();
    for attempt in 1..=100 {
        let path = remaining_path(dir, keys_file, &stamp, attempt);
        match temp.persist_noclobber(&path) {
            Ok(_) => return Ok(path),
            Err(error) if error.error.kind() == std::io::ErrorKind::AlreadyExists => {
                temp = error.file;
            }
            Err(error) => return Err(error.error.into()),
        }
    }
    bail!(
        "every name for the remaining keys is taken in `{}`",
        dir.display()
    )
}

/// `<keys file>.remaining-<stamp>.txt` in `dir` (`cfkv-remaining-…` for
/// stdin), with `-<attempt>` added from the second attempt on.
pub fn remaining_path(dir: &Path, keys_file: &Path, stamp: &str, attempt: u32) -> PathBuf {
    let base = match keys_file.file_name() {
        Some(name) if keys_file != Path::new("-") => name.to_string_lossy().into_owned(),
        _ => "cfkv".to_owned(),
    };
    let suffix = if attempt > 1 {
        format!("-{attempt}")
    } else {
        String::new()
    };
    dir.join(format!("{base}.remaining-{stamp}{suffix}.txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_a_line_carries_exactly_are_written_as_lines() {
        for key in ["a", " padded ", "tab\tkey", "x[", "€"] {
            assert!(fits_a_line(key, true), "{key:?}");
        }
        for key in ["", "  ", "\u{3000}", "a\nb", "a\r", "a\0"] {
            assert!(!fits_a_line(key, false), "{key:?}");
        }
        for key in ["[a", " [a", "\u{feff}a"] {
            assert!(!fits_a_line(key, true), "{key:?}");
            assert!(fits_a_line(key, false), "{key:?}");
        }
    }

    #[test]
    fn remaining_files_are_named_after_the_input() {
        let dir = Path::new("dir");
        assert_eq!(
            remaining_path(dir, Path::new("in/keys.txt"), "20240101-020304", 1),
            Path::new("dir/keys.txt.remaining-20240101-020304.txt")
        );
        assert_eq!(
            remaining_path(dir, Path::new("-"), "s", 3),
            Path::new("dir/cfkv.remaining-s-3.txt")
        );
    }

    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cfkv-out-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    async fn read_back(path: &Path) -> Vec<String> {
        use futures::StreamExt;
        let keys = crate::keys::open(path, crate::keys::Format::Auto)
            .await
            .unwrap();
        let read: Vec<String> = keys.stream.collect().await;
        assert!(keys.error.take().is_none());
        read
    }

    #[tokio::test]
    async fn what_is_written_reads_back_as_the_same_keys() {
        let dir = scratch("round-trip");
        let path = dir.join("out.txt");
        let cases: [(&[&str], bool); 9] = [
            (&["a", "b"], false),
            (&[" padded ", "tab\tkey", "[later"], false),
            (&["[first", "b"], true),
            (&[" \t[first"], true),
            (&["a", "b", "line\nbreak", "c"], true),
            (&["a", "  ", "b"], true),
            (&["\u{feff}bom", "x"], true),
            (&["a", "", "nul\0"], true),
            (&[], false),
        ];
        for (keys, json) in cases {
            let mut out = KeysOut::create(Destination::Given(path.clone())).unwrap();
            keys.iter().try_for_each(|key| out.push(key)).unwrap();
            let written = out.finish().unwrap().unwrap();
            assert_eq!((written.count, written.json), (keys.len() as u64, json));
            assert_eq!(read_back(&path).await, keys, "{keys:?}");
            assert_eq!(names(&dir), ["out.txt"], "temporary files are left");
        }
    }

    #[test]
    fn an_unfinished_file_leaves_the_destination_untouched() {
        let dir = scratch("unfinished");
        let path = dir.join("failed.txt");
        std::fs::write(&path, "previous\n").unwrap();
        let mut out = KeysOut::create(Destination::Given(path.clone())).unwrap();
        for i in 0..100_000 {
            out.push(&format!("key-{i}")).unwrap();
        }
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous\n");
        assert_eq!(names(&dir), ["failed.txt"]);
    }

    #[test]
    fn remaining_keys_get_a_new_file_only_when_some_remain() {
        let dir = scratch("remaining");
        let keys_file = dir.join("keys.txt");
        let destination = || Destination::Remaining {
            keys_file: keys_file.clone(),
        };
        let none = KeysOut::create(destination()).unwrap().finish().unwrap();
        assert!(none.is_none());
        assert!(names(&dir).is_empty());
        let mut paths = Vec::new();
        for _ in 0..2 {
            let mut out = KeysOut::create(destination()).unwrap();
            out.push("k").unwrap();
            paths.push(out.finish().unwrap().unwrap().path);
        }
        assert_ne!(paths[0], paths[1], "an earlier file was replaced");
        let name = paths[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("keys.txt.remaining-"), "{name}");
        assert_eq!(std::fs::read_to_string(&paths[1]).unwrap(), "k\n");
    }

    #[test]
    fn the_keys_file_itself_is_refused_by_any_path() {
        let dir = scratch("same");
        let keys = dir.join("same.txt");
        std::fs::write(&keys, "a\n").unwrap();
        std::fs::hard_link(&keys, dir.join("hard.txt")).unwrap();
        let dotted = dir.join(".").join("same.txt");
        for other in [keys.clone(), dotted, dir.join("hard.txt")] {
            let error = check_not_input(&keys, &other).unwrap_err().to_string();
            assert!(error.contains("is the keys file"), "{error}");
        }
        assert!(check_not_input(&keys, &dir.join("other.txt")).is_ok());
        assert!(check_not_input(Path::new("-"), &keys).is_ok());
    }
}
