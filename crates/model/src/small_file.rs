//! Reading the small text files a run is configured by (the pipeline file, a plan):
//! only a regular file, and only up to a size no such file comes near, so a FIFO, a
//! device or a huge file given by mistake fails at once instead of blocking or
//! exhausting the run. And the one SHA-256 of a file's bytes that every crate shows
//! (input files, the dataset's data files), read from a file or taken as it is written.

use std::io::{Read, Write};
use std::path::Path;

/// Reads `path` as UTF-8 text if it is a regular file of at most `max_bytes`; the
/// error says why not, in words for a message ("cannot read it: …"). `what` names the
/// kind of file in that message.
pub fn read_text(path: &Path, max_bytes: u64, what: &str) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    if !meta.is_file() {
        return Err("cannot read it: not a regular file (a folder, FIFO or device)".into());
    }
    if meta.len() > max_bytes {
        return Err(format!(
            "cannot read it: {} bytes, more than a {what}'s limit of {max_bytes}",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "cannot read it: more than a {what}'s limit of {max_bytes} bytes"
        ));
    }
    String::from_utf8(bytes).map_err(|e| format!("cannot read it: not UTF-8 text ({e})"))
}

/// SHA-256 of everything `reader` gives, streamed, as lowercase hex. The caller opens
/// the file the way its kind needs (only a regular file, never waited on).
pub fn sha256_hex(reader: impl Read) -> std::io::Result<String> {
    sha256_hex_with(reader, |_| {})
}

/// [`sha256_hex`], handing each piece read to `tap` as well: what else needs every
/// byte of the file learns it from the same read.
pub fn sha256_hex_with(
    mut reader: impl Read,
    mut tap: impl FnMut(&[u8]),
) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        tap(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

/// A writer that takes the SHA-256 and the length of the bytes it passes on, as
/// [`sha256_hex`] gives them for the file they end up in: the dataset's writer learns
/// a data file's checksum as it writes the file, instead of reading it back (248 MB of
/// Parquet at 100x the sample city).
pub struct Sha256Writer<W> {
    inner: W,
    hasher: sha2::Sha256,
    len: u64,
}

impl<W: Write> Sha256Writer<W> {
    pub fn new(inner: W) -> Self {
        use sha2::Digest;
        Self {
            inner,
            hasher: sha2::Sha256::new(),
            len: 0,
        }
    }

    /// The writer back, with the length and SHA-256 (lowercase hex) of what reached it.
    pub fn finish(self) -> (W, u64, String) {
        use sha2::Digest;
        (
            self.inner,
            self.len,
            format!("{:x}", self.hasher.finalize()),
        )
    }
}

impl<W: Write> Write for Sha256Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        // Only what `inner` took: a short write's rest comes again in the next call.
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod sha256_writer_tests {
    use std::io::Write;

    use super::{Sha256Writer, sha256_hex};

    /// A short write (a writer taking 3 bytes at a time) still hashes each byte once.
    #[test]
    fn the_checksum_of_what_is_written_is_that_of_the_bytes_read_back() {
        struct Short(Vec<u8>);
        impl Write for Short {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let n = buf.len().min(3);
                self.0.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut w = Sha256Writer::new(Short(Vec::new()));
        w.write_all(&bytes[..10]).unwrap();
        w.write_all(&bytes[10..]).unwrap();
        let (inner, len, sha) = w.finish();
        assert_eq!(inner.0, bytes);
        assert_eq!(len, bytes.len() as u64);
        assert_eq!(sha, sha256_hex(&bytes[..]).unwrap());
    }
}
