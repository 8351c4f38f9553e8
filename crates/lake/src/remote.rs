//! A dataset on S3-compatible object storage (`s3://bucket/prefix`, the `delta`
//! feature): the same files under the same names as in a dataset folder, with a local
//! copy the program works on.
//!
//! Object storage cannot rename a file or hold a lock, so the two things the folder's
//! protocol builds on are replaced:
//!
//! - *The commit point* is a conditional write of the version file (`PutMode::Create`,
//!   `If-None-Match: *`): the data files a version adds are uploaded first, then its
//!   `_log/<v>.json` is created only if no other writer created it. Two writers that
//!   read the same version cannot both publish the next one; the loser gets
//!   [`LakeError::Raced`] (exit 75, as for the folder's lock) and nothing it wrote is
//!   named by any version.
//! - *The lock* is that conditional write; the local copy is also locked, so one machine
//!   runs one writer.
//!
//! The local copy (see [`cache_dir`]) holds the files of the versions read: before
//! every read or write the program downloads what it lacks ([`Remote::pull`]), and a
//! version is written to the copy only after it is published remotely. Data files of
//! a remote dataset carry a random part in their names, so that a writer that lost a
//! race (or died) can never overwrite a file a published version names; their
//! uploads are left unreferenced, as Delta Lake leaves a failed writer's files.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use url::Url;

use crate::{LakeError, Result, Table, io_at, layout};

/// The largest version file, checkpoint or marker taken from the server. A
/// checkpoint of 30,000 data files is about 10 MB; anything far larger under such a
/// name is not the dataset's, and is refused rather than read into memory.
const MAX_LOG_FILE: u64 = 256 << 20;

/// The dataset's location on object storage and a client for it.
pub(crate) struct Remote {
    url: Url,
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("url", &self.url.as_str())
            .finish()
    }
}

/// Where the local copy of the dataset at `url` lives: `CLUSTERKPI_LAKE_CACHE` if set,
/// else the user's cache folder (`$XDG_CACHE_HOME` or `~/.cache`), under
/// `clusterkpi/lakes/<bucket>-<hash of the URL>`.
pub(crate) fn cache_dir(url: &str) -> PathBuf {
    let base = std::env::var_os("CLUSTERKPI_LAKE_CACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("clusterkpi/lakes"))
        })
        .or_else(|| {
            std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/clusterkpi/lakes"))
        })
        .unwrap_or_else(|| std::env::temp_dir().join("clusterkpi-lakes"));
    let bucket: String = url
        .trim_start_matches("s3://")
        .split('/')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        .collect();
    let hash = clusterkpi_model::small_file::sha256_hex(url.as_bytes()).unwrap_or_default();
    base.join(format!("{bucket}-{}", &hash[..16.min(hash.len())]))
}

impl Remote {
    /// A client for the dataset at `url`, with the endpoint, region and credentials of
    /// the usual `AWS_*` variables (`AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP` for a server
    /// without TLS).
    pub(crate) fn new(url: &str) -> Result<Self> {
        let bad = |message: String| LakeError::Corrupt {
            path: PathBuf::from(url),
            message,
        };
        let parsed = Url::parse(&format!("{url}/")).map_err(|e| bad(format!("not a URL: {e}")))?;
        let store = AmazonS3Builder::from_env()
            .with_url(url)
            .build()
            .map_err(|e| bad(format!("cannot use this object store: {e}")))?;
        let prefix = ObjectPath::from(parsed.path().trim_matches('/'));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(io_at(Path::new(url)))?;
        Ok(Self {
            url: parsed,
            store: Arc::new(store),
            prefix,
            runtime,
        })
    }

    /// The dataset's URL, ending in `/`.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    fn key(&self, rel: &str) -> ObjectPath {
        let mut key = self.prefix.clone();
        for part in rel.split('/') {
            key = key.join(part);
        }
        key
    }

    fn store_err(&self, rel: &str, e: &object_store::Error) -> LakeError {
        let mut message = e.to_string();
        if std::env::var_os("AWS_ENDPOINT_URL").is_none()
            && std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
        {
            message.push_str(
                " (the server and credentials are read from AWS_ENDPOINT_URL, AWS_REGION, \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, none of which is set)",
            );
        }
        self.store_err_msg(rel, message)
    }

    /// Downloads into `cache` the dataset's files it lacks: the marker, the version
    /// log, the data files and the saved scorecards (always, as they are replaced).
    /// Only names the dataset itself writes are taken (see `layout`), so nothing on
    /// the server can write elsewhere. A version in the copy that the server does not
    /// have means the copy is of another dataset: an error naming it.
    pub(crate) fn pull(&self, cache: &Path) -> Result<()> {
        let listed: Vec<object_store::ObjectMeta> = self
            .runtime
            .block_on(self.store.list(Some(&self.prefix)).try_collect())
            .map_err(|e| self.store_err("", &e))?;
        let mut remote_versions = std::collections::BTreeSet::new();
        for meta in listed {
            let Some(rel) = meta
                .location
                .prefix_match(&self.prefix)
                .map(|parts| parts.map(|p| p.as_ref().to_string()).collect::<Vec<_>>())
            else {
                continue;
            };
            let Some(replaced) = pulled(&rel) else {
                continue;
            };
            let rel = rel.join("/");
            if let Some(v) = rel
                .strip_prefix("_log/")
                .and_then(layout::parse_version_name)
            {
                remote_versions.insert(v);
            }
            let local = cache.join(&rel);
            let have = fs::metadata(&local).is_ok_and(|m| m.len() == meta.size);
            if have && !replaced {
                continue;
            }
            if !rel.ends_with(".parquet") && meta.size > MAX_LOG_FILE {
                return Err(self.store_err_msg(
                    &rel,
                    format!(
                        "{} bytes, more than a log file of any dataset ({MAX_LOG_FILE}); not read",
                        meta.size
                    ),
                ));
            }
            self.download(&meta.location, &rel, &local)?;
        }
        let log = cache.join(layout::LOG);
        if let Ok(rd) = fs::read_dir(&log) {
            for e in rd.flatten() {
                let name = e.file_name();
                if let Some(v) = layout::parse_version_name(&name.to_string_lossy())
                    && !remote_versions.contains(&v)
                {
                    return Err(LakeError::Corrupt {
                        path: e.path(),
                        message: format!(
                            "the local copy of {} has version {v}, which the dataset on the \
                             server does not: it is a copy of another dataset; remove {}",
                            self.url,
                            cache.display()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Streams one object into the local copy: aside, then renamed, so a download cut
    /// short is never taken for the file. Data files are checked against their
    /// recorded size and checksum when read, as in a folder.
    fn download(&self, key: &ObjectPath, rel: &str, path: &Path) -> Result<()> {
        use std::io::Write;
        let dir = path.parent().expect("under the cache folder");
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        let tmp = dir.join(format!(
            ".{}.{}.pull",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            std::process::id()
        ));
        let mut file = fs::File::create(&tmp).map_err(io_at(&tmp))?;
        self.runtime
            .block_on(async {
                let mut stream = self.store.get(key).await?.into_stream();
                while let Some(chunk) = stream.try_next().await? {
                    file.write_all(&chunk)
                        .map_err(|e| object_store::Error::Generic {
                            store: "local copy",
                            source: Box::new(e),
                        })?;
                }
                Ok::<_, object_store::Error>(())
            })
            .map_err(|e| self.store_err(rel, &e))?;
        drop(file);
        fs::rename(&tmp, path).map_err(io_at(path))
    }

    fn store_err_msg(&self, rel: &str, message: String) -> LakeError {
        LakeError::Remote {
            url: format!("{}{rel}", self.url),
            message,
        }
    }

    /// Uploads the local copy's file `rel` under the same name.
    pub(crate) fn push(&self, cache: &Path, rel: &str) -> Result<()> {
        let local = cache.join(rel);
        let bytes = fs::read(&local).map_err(io_at(&local))?;
        self.runtime
            .block_on(self.store.put(&self.key(rel), PutPayload::from(bytes)))
            .map_err(|e| self.store_err(rel, &e))?;
        Ok(())
    }

    /// Creates `rel` with `bytes` only if it does not exist: the commit point. False
    /// if another writer created it first.
    pub(crate) fn create(&self, rel: &str, bytes: &[u8]) -> Result<bool> {
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        let payload = PutPayload::from(bytes.to_vec());
        match self
            .runtime
            .block_on(self.store.put_opts(&self.key(rel), payload, options))
        {
            Ok(_) => Ok(true),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(false),
            Err(e) => Err(self.store_err(rel, &e)),
        }
    }
}

/// Whether a name on the server is one the dataset writes, and if so whether it is
/// replaced in place (a saved scorecard) rather than immutable. None: not taken.
fn pulled(parts: &[String]) -> Option<bool> {
    match parts {
        [name] if name == layout::MARKER => Some(false),
        [dir, name] if dir == layout::LOG => (layout::parse_version_name(name).is_some()
            || layout::parse_checkpoint_name(name).is_some())
        .then_some(false),
        [dir, name] if dir == "kpis" => {
            let stem = name.strip_suffix(".parquet")?;
            stem.parse::<clusterkpi_model::Period>().ok().map(|_| true)
        }
        [dir, name] if Table::by_name(dir).is_some() => {
            layout::parse_data_name(name).map(|_| false)
        }
        _ => None,
    }
}

/// A random part for the names of a remote dataset's data files (hex, so the names
/// stay `v<N>-<hex>.parquet`).
pub(crate) fn nonce() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{t}-{}-{:p}", std::process::id(), &t);
    let hash = clusterkpi_model::small_file::sha256_hex(seed.as_bytes()).unwrap_or_default();
    hash[..8.min(hash.len())].to_string()
}
