//! Atomic file replacement and bounded file reading.
//!
//! Saving writes the whole file to a new temporary file in the target's directory, flushes
//! and `fsync`s it, renames it over the target (an atomic replacement on POSIX file systems
//! and on NTFS), then `fsync`s the directory so the rename itself is durable (Unix). Any
//! error before the rename removes the temporary file and leaves the previous file as it
//! was; a crash leaves at worst a stray temporary file (`.NAME.tmp-*`) next to an intact
//! previous file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// Adds the path to an I/O error's message (the variant stays [`Error::Io`]).
pub(crate) fn io_error(action: &str, path: &Path, e: io::Error) -> Error {
    Error::Io(io::Error::new(
        e.kind(),
        format!("{action} {}: {e}", path.display()),
    ))
}

/// Removes the temporary file on drop unless disarmed (also on panic).
struct TempGuard {
    path: Option<PathBuf>,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// Creates a new, uniquely named temporary file next to `target`.
fn create_temp(target: &Path) -> Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| Error::config("save path", target.display(), "must name a file"))?
        .to_string_lossy()
        .into_owned();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut last_err = None;
    for _ in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.tmp-{}-{nanos}-{n}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
            Err(e) => return Err(io_error("cannot create a temporary file in", &dir, e)),
        }
    }
    Err(io_error(
        "cannot create a unique temporary file in",
        &dir,
        last_err.unwrap_or_else(|| io::Error::other("name collision")),
    ))
}

/// Replaces `target` atomically with what `write` writes into the temporary file.
///
/// `write` is where the bytes go in (in tests, through a writer that fails midway), and
/// `rename` performs the final rename (`std::fs::rename` in production; a failing one in
/// tests). Returns after the directory is synced.
pub(crate) fn replace_with<F, R>(target: &Path, write: F, rename: R) -> Result<()>
where
    F: FnOnce(&mut File) -> io::Result<()>,
    R: FnOnce(&Path, &Path) -> io::Result<()>,
{
    let (mut file, tmp) = create_temp(target)?;
    let mut guard = TempGuard {
        path: Some(tmp.clone()),
    };
    write(&mut file).map_err(|e| io_error("cannot write", &tmp, e))?;
    file.flush().map_err(|e| io_error("cannot write", &tmp, e))?;
    file.sync_all().map_err(|e| io_error("cannot sync", &tmp, e))?;
    drop(file);
    rename(&tmp, target).map_err(|e| io_error("cannot rename the temporary file over", target, e))?;
    guard.path = None;
    sync_parent(target)
}

/// Makes a completed rename durable: `fsync` on the directory (Unix only; elsewhere a no-op).
fn sync_parent(target: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("cannot sync directory", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = target;
    Ok(())
}

/// Writes `bytes` to `target` atomically (see the module documentation).
pub(crate) fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    replace_with(target, |f| f.write_all(bytes), |a, b| fs::rename(a, b))
}

/// Reads a whole regular file, refusing files larger than `max` bytes before reading, and
/// allocating exactly the file's size (fallibly: an allocation failure is an error, not an
/// abort).
pub(crate) fn read_limited(path: &Path, max: Option<u64>) -> Result<Vec<u8>> {
    let fmt = |reason: String| Error::Format {
        context: path.display().to_string(),
        reason,
    };
    let file = File::open(path).map_err(|e| io_error("cannot open", path, e))?;
    let meta = file.metadata().map_err(|e| io_error("cannot stat", path, e))?;
    if !meta.is_file() {
        return Err(fmt("not a regular file".to_string()));
    }
    let len = meta.len();
    if let Some(max) = max
        && len > max
    {
        return Err(fmt(format!(
            "the file is {len} bytes, more than the limit of {max} bytes (LoadOptions::max_file_size)"
        )));
    }
    let size = usize::try_from(len).map_err(|_| fmt(format!("the file is too large ({len} bytes)")))?;
    let mut buf = Vec::new();
    buf.try_reserve_exact(size)
        .map_err(|_| fmt(format!("cannot allocate {len} bytes to read the file")))?;
    let mut reader = file.take(len);
    reader
        .read_to_end(&mut buf)
        .map_err(|e| io_error("cannot read", path, e))?;
    if buf.len() as u64 != len {
        return Err(fmt(format!(
            "the file shrank while being read ({} of {len} bytes)",
            buf.len()
        )));
    }
    let mut probe = [0u8; 1];
    if reader
        .into_inner()
        .read(&mut probe)
        .map_err(|e| io_error("cannot read", path, e))?
        != 0
    {
        return Err(fmt("the file grew while being read".to_string()));
    }
    Ok(buf)
}

/// A writer that accepts `left` bytes, then fails (a full disk, a yanked drive).
#[cfg(test)]
pub(crate) struct FailingWriter<W> {
    pub inner: W,
    pub left: usize,
}

#[cfg(test)]
impl<W: Write> Write for FailingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("injected failure: disk full"));
        }
        let n = buf.len().min(self.left);
        let n = self.inner.write(&buf[..n])?;
        self.left -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("trustnn-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_writer_failing_midway_leaves_the_previous_file_and_no_temporary_file() {
        let dir = scratch("fail-write");
        let target = dir.join("model.safetensors");
        write_atomic(&target, b"previous contents").unwrap();
        for n in [0, 1, 7, 100] {
            let err = replace_with(
                &target,
                |f| FailingWriter { inner: f, left: n }.write_all(&[42u8; 1000]),
                |a, b| fs::rename(a, b),
            )
            .unwrap_err();
            assert!(err.to_string().contains("injected failure"), "{err}");
            assert_eq!(fs::read(&target).unwrap(), b"previous contents");
            assert_eq!(entries(&dir), vec!["model.safetensors"]);
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failing_rename_leaves_the_previous_file_and_no_temporary_file() {
        let dir = scratch("fail-rename");
        let target = dir.join("m.bin");
        write_atomic(&target, b"old").unwrap();
        let err = replace_with(
            &target,
            |f| f.write_all(b"new"),
            |_, _| Err(io::Error::other("injected rename failure")),
        )
        .unwrap_err();
        assert!(err.to_string().contains("injected rename failure"), "{err}");
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(entries(&dir), vec!["m.bin"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_successful_replace_writes_all_bytes() {
        let dir = scratch("ok");
        let target = dir.join("m.bin");
        write_atomic(&target, b"old").unwrap();
        write_atomic(&target, b"new contents").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new contents");
        assert_eq!(entries(&dir), vec!["m.bin"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn read_limited_refuses_large_files_before_reading_and_non_files() {
        let dir = scratch("read");
        let target = dir.join("m.bin");
        fs::write(&target, [1u8; 100]).unwrap();
        assert_eq!(read_limited(&target, Some(100)).unwrap().len(), 100);
        assert!(matches!(
            read_limited(&target, Some(99)),
            Err(Error::Format { .. })
        ));
        assert!(matches!(read_limited(&dir, None), Err(Error::Format { .. })));
        assert!(matches!(
            read_limited(&dir.join("missing"), None),
            Err(Error::Io(_))
        ));
        fs::remove_dir_all(dir).unwrap();
    }
}
