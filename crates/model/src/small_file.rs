//! Reading the small text files a run is configured by (the pipeline file, a plan):
//! only a regular file, and only up to a size no such file comes near, so a FIFO, a
//! device or a huge file given by mistake fails at once instead of blocking or
//! exhausting the run. And the one SHA-256 of a file's bytes that every crate shows
//! (input files, the dataset's data files).

use std::io::Read;
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
pub fn sha256_hex(mut reader: impl Read) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}
