//! `OpenOptions`: how a [`File`] is opened, as `std::fs::OpenOptions`, with
//! the open itself on the blocking pool.

use super::{asyncify, File};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Options for opening a [`File`]: the flags of `std::fs::OpenOptions`,
/// opened on the blocking pool.
///
/// # Examples
///
/// ```
/// use curio::fs::OpenOptions;
/// use futures::AsyncWriteExt;
/// # let path = std::env::temp_dir().join(format!("curio-oo-{}", std::process::id()));
/// curio::run(async move {
///     let mut log = OpenOptions::new().create(true).append(true).open(&path).await?;
///     log.write_all(b"one\n").await?;
///     log.flush().await?;
///     drop(log);
///     let mut log = OpenOptions::new().append(true).open(&path).await?;
///     log.write_all(b"two\n").await?;
///     log.flush().await?;
///     assert_eq!(curio::fs::read_to_string(&path).await?, "one\ntwo\n");
///     curio::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// The flags, applied by `std` on the pool thread.
    std: std::fs::OpenOptions,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl OpenOptions {
    /// Options with every flag off (set at least `read`, `write` or
    /// `append` before opening).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = curio::fs::OpenOptions::new();
    /// options.read(true);
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions {
            std: std::fs::OpenOptions::new(),
        }
    }

    /// Opens for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async move {
    ///     let file = curio::fs::OpenOptions::new().read(true).open("/dev/null").await?;
    ///     assert_eq!(file.metadata().await?.len(), 0);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.std.read(read);
        self
    }

    /// Opens for writing (at the start of the file, over what is there
    /// unless `truncate` or `append` is set).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = curio::fs::OpenOptions::new();
    /// options.write(true).truncate(true);
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.std.write(write);
        self
    }

    /// Opens for appending: every write goes to the end of the file.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::AsyncWriteExt;
    /// # let path = std::env::temp_dir().join(format!("curio-append-{}", std::process::id()));
    /// curio::run(async move {
    ///     curio::fs::write(&path, b"one ").await?;
    ///     let mut file = curio::fs::OpenOptions::new().append(true).open(&path).await?;
    ///     file.write_all(b"two").await?;
    ///     file.flush().await?;
    ///     assert_eq!(curio::fs::read(&path).await?, b"one two");
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.std.append(append);
        self
    }

    /// Truncates the file to length 0 on open (needs `write`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = curio::fs::OpenOptions::new();
    /// options.write(true).truncate(true);
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.std.truncate(truncate);
        self
    }

    /// Creates the file if it does not exist (needs `write` or `append`).
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("curio-create-opt-{}", std::process::id()));
    /// curio::run(async move {
    ///     let file = curio::fs::OpenOptions::new()
    ///         .write(true)
    ///         .create(true)
    ///         .open(&path)
    ///         .await?;
    ///     drop(file);
    ///     assert!(curio::fs::metadata(&path).await?.is_file());
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.std.create(create);
        self
    }

    /// Creates the file, failing with `AlreadyExists` if it exists (atomic;
    /// `create` and `truncate` are then ignored).
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("curio-oo-new-{}", std::process::id()));
    /// curio::run(async move {
    ///     let mut options = curio::fs::OpenOptions::new();
    ///     options.write(true).create_new(true);
    ///     options.open(&path).await?;
    ///     let again = options.open(&path).await.unwrap_err();
    ///     assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
    ///     curio::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.std.create_new(create_new);
        self
    }

    /// The permission bits of a file this open creates (before the umask;
    /// default `0o666`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = curio::fs::OpenOptions::new();
    /// options.write(true).create(true).mode(0o600);
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.std.mode(mode);
        self
    }

    /// Extra `open(2)` flags, e.g. `O_NOFOLLOW` (the access mode bits are
    /// ignored).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = curio::fs::OpenOptions::new();
    /// options.read(true).custom_flags(0);
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.std.custom_flags(flags);
        self
    }

    /// Opens `path` with these options on the blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("curio-open-opt-{}", std::process::id()));
    /// curio::run(async move {
    ///     let missing = curio::fs::OpenOptions::new().read(true).open(&path).await;
    ///     assert_eq!(missing.unwrap_err().kind(), std::io::ErrorKind::NotFound);
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::fs::OpenOptions::open`] (`NotFound`, `PermissionDenied`,
    /// `AlreadyExists`, `InvalidInput` for a contradictory set of flags),
    /// and an error outside a curio runtime.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let options = self.std.clone();
        let std = asyncify(move || options.open(path)).await?;
        Ok(File::from_std(std))
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(std: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions { std }
    }
}
