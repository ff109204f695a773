//! Files and directories on the runtime's blocking pool (curio's `aopen`
//! and `tokio::fs` in one).
//!
//! Operating systems have no readiness model for regular files, so every
//! call here runs the matching `std::fs` call on the bounded pool behind
//! [`run_in_thread`](runtime_core::run_in_thread) and awaits it: a worker
//! never blocks on the disk. [`File`] keeps at most one call in flight and a
//! buffer that the call fills or drains, like `tokio::fs::File`.
//!
//! Users reach this module as `curio::fs`. For curio's line-oriented reads
//! on a file, wrap it: `SocketStream::new(File::open(path).await?)` gives
//! `readline` / `readlines` / `read_all`.
//!
//! # Examples
//!
//! ```
//! use curio::fs;
//!
//! curio::run(async {
//!     let dir = std::env::temp_dir().join(format!("curio-fs-doc-{}", std::process::id()));
//!     fs::create_dir_all(&dir).await?;
//!     let path = dir.join("hello.txt");
//!     fs::write(&path, "hello\nworld\n").await?;
//!     assert_eq!(fs::read_to_string(&path).await?, "hello\nworld\n");
//!
//!     let mut lines = curio::net::SocketStream::new(fs::File::open(&path).await?);
//!     assert_eq!(lines.readline().await?, b"hello\n");
//!     assert_eq!(lines.readlines().await?, vec![b"world\n".to_vec()]);
//!
//!     fs::remove_dir_all(&dir).await
//! })
//! .unwrap();
//! ```

mod file;
mod open_options;
mod read_dir;

pub use file::File;
pub use open_options::OpenOptions;
pub use read_dir::{read_dir, DirEntry, ReadDir};

pub use std::fs::{FileType, Metadata, Permissions};

use std::io;
use std::path::{Path, PathBuf};

/// Runs `f` on the current runtime's blocking pool and gives its result.
///
/// Outside a curio runtime this is an error, not a panic.
pub(crate) async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    if runtime_core::Handle::try_current().is_none() {
        return Err(outside_runtime());
    }
    runtime_core::run_in_thread(f).await
}

/// The error of a file operation started outside a curio runtime.
pub(crate) fn outside_runtime() -> io::Error {
    io::Error::other("curio::fs needs a curio runtime: call it from a task")
}

/// Reads a whole file into a vector (`std::fs::read` on the blocking pool).
///
/// # Examples
///
/// ```
/// # let path = std::env::temp_dir().join(format!("curio-fs-read-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::write(&path, [1, 2, 3]).await?;
///     assert_eq!(curio::fs::read(&path).await?, [1, 2, 3]);
///     curio::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::read`], and an error outside a curio runtime.
///
/// # Cancel safety
///
/// Cancelling the caller drops the data; the read itself finishes on its
/// thread. The same holds for every free function of this module.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads a whole file into a string (`std::fs::read_to_string` on the
/// blocking pool).
///
/// # Examples
///
/// ```
/// # let path = std::env::temp_dir().join(format!("curio-fs-rts-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::write(&path, "text").await?;
///     assert_eq!(curio::fs::read_to_string(&path).await?, "text");
///     curio::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::read_to_string`]: `InvalidData` if the file is not UTF-8.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Writes `contents` as the whole file, creating or truncating it
/// (`std::fs::write` on the blocking pool).
///
/// # Examples
///
/// ```
/// # let path = std::env::temp_dir().join(format!("curio-fs-write-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::write(&path, b"bytes").await?;
///     assert_eq!(curio::fs::metadata(&path).await?.len(), 5);
///     curio::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::write`].
///
/// # Cancel safety
///
/// Once started, the write runs to its end even if the caller is
/// cancelled: the file may be written after the caller has gone.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Copies the contents and permissions of `from` to `to` and gives the
/// number of bytes copied (`std::fs::copy`).
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-fs-copy-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(&dir).await?;
///     curio::fs::write(dir.join("a"), "abc").await?;
///     assert_eq!(curio::fs::copy(dir.join("a"), dir.join("b")).await?, 3);
///     assert_eq!(curio::fs::read(dir.join("b")).await?, b"abc");
///     curio::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::copy`].
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// Removes a file (`std::fs::remove_file`).
///
/// # Examples
///
/// ```
/// # let path = std::env::temp_dir().join(format!("curio-fs-rm-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::write(&path, "x").await?;
///     curio::fs::remove_file(&path).await?;
///     assert!(!curio::fs::try_exists(&path).await?);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::remove_file`]: `NotFound` if there is no such file.
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Renames a file or directory, replacing `to` if it exists
/// (`std::fs::rename`).
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-fs-mv-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(&dir).await?;
///     curio::fs::write(dir.join("old"), "x").await?;
///     curio::fs::rename(dir.join("old"), dir.join("new")).await?;
///     assert_eq!(curio::fs::read(dir.join("new")).await?, b"x");
///     curio::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::rename`].
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Creates a directory (`std::fs::create_dir`); its parent must exist.
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-fs-mkdir-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir(&dir).await?;
///     assert!(curio::fs::metadata(&dir).await?.is_dir());
///     curio::fs::remove_dir(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::create_dir`]: `AlreadyExists` if it exists.
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates a directory and every missing parent (`std::fs::create_dir_all`).
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-fs-mkdirs-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(dir.join("a/b/c")).await?;
///     assert!(curio::fs::metadata(dir.join("a/b/c")).await?.is_dir());
///     curio::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::create_dir_all`].
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// Removes an empty directory (`std::fs::remove_dir`).
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-fs-rmdir-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir(&dir).await?;
///     curio::fs::remove_dir(&dir).await?;
///     assert!(!curio::fs::try_exists(&dir).await?);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::remove_dir`]: an error if the directory is not empty.
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it (`std::fs::remove_dir_all`).
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-fs-rmall-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(dir.join("sub")).await?;
///     curio::fs::write(dir.join("sub/f"), "x").await?;
///     curio::fs::remove_dir_all(&dir).await?;
///     assert!(!curio::fs::try_exists(&dir).await?);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::remove_dir_all`].
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// The metadata of a path, following symlinks (`std::fs::metadata`).
///
/// # Examples
///
/// ```
/// curio::run(async move {
///     let meta = curio::fs::metadata(std::env::temp_dir()).await?;
///     assert!(meta.is_dir());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::metadata`]: `NotFound` if there is no such path.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// The metadata of a path without following a final symlink
/// (`std::fs::symlink_metadata`).
///
/// # Examples
///
/// ```
/// curio::run(async move {
///     let meta = curio::fs::symlink_metadata(std::env::temp_dir()).await?;
///     assert!(meta.is_dir() || meta.file_type().is_symlink());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::symlink_metadata`].
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}

/// Whether a path exists; unlike `metadata(..).is_ok()`, errors other than
/// `NotFound` are reported (`Path::try_exists`).
///
/// # Examples
///
/// ```
/// curio::run(async move {
///     assert!(curio::fs::try_exists(std::env::temp_dir()).await?);
///     assert!(!curio::fs::try_exists("/no/such/curio/path").await?);
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// When existence cannot be decided (e.g. permission denied on a parent).
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}

/// The target of a symbolic link (`std::fs::read_link`).
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-fs-link-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(&dir).await?;
///     curio::fs::symlink("target", dir.join("link")).await?;
///     assert_eq!(curio::fs::read_link(dir.join("link")).await?, std::path::Path::new("target"));
///     curio::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::read_link`]: `InvalidInput` if the path is not a link.
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_link(path)).await
}

/// Creates a symbolic link at `link` pointing to `original`
/// (`std::os::unix::fs::symlink`).
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-symlink-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(&dir).await?;
///     curio::fs::write(dir.join("target"), b"data").await?;
///     curio::fs::symlink(dir.join("target"), dir.join("link")).await?;
///     assert_eq!(curio::fs::read(dir.join("link")).await?, b"data");
///     curio::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::os::unix::fs::symlink`]: `AlreadyExists` if `link` exists.
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::os::unix::fs::symlink(original, link)).await
}

/// Creates a hard link `link` to the file `original` (`std::fs::hard_link`).
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("curio-fs-hard-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(&dir).await?;
///     curio::fs::write(dir.join("a"), "x").await?;
///     curio::fs::hard_link(dir.join("a"), dir.join("b")).await?;
///     assert_eq!(curio::fs::read(dir.join("b")).await?, b"x");
///     curio::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::hard_link`].
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::fs::hard_link(original, link)).await
}

/// The absolute path with every symlink and `.`/`..` resolved
/// (`std::fs::canonicalize`).
///
/// # Examples
///
/// ```
/// curio::run(async move {
///     let here = curio::fs::canonicalize(".").await?;
///     assert!(here.is_absolute());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::canonicalize`]: `NotFound` if the path does not exist.
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::canonicalize(path)).await
}

/// Sets the permissions of a path (`std::fs::set_permissions`).
///
/// # Examples
///
/// ```
/// use std::os::unix::fs::PermissionsExt;
/// # let path = std::env::temp_dir().join(format!("curio-fs-perm-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::write(&path, "x").await?;
///     curio::fs::set_permissions(&path, curio::fs::Permissions::from_mode(0o600)).await?;
///     let mode = curio::fs::metadata(&path).await?.permissions().mode();
///     assert_eq!(mode & 0o777, 0o600);
///     curio::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::set_permissions`].
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}
