//! `read_dir`: a directory's entries as a `Stream`, read in batches on the
//! blocking pool.

use super::{asyncify, outside_runtime, FileType, Metadata};
use futures_core::Stream;
use runtime_core::RunInThread;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// How many entries one trip to the pool reads.
const BATCH: usize = 32;

/// Opens a directory for listing: a [`Stream`] of its entries (without
/// `.` and `..`), in the order the OS gives them.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// # let dir = std::env::temp_dir().join(format!("curio-readdir-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(&dir).await?;
///     curio::fs::write(dir.join("a"), "").await?;
///     curio::fs::write(dir.join("b"), "").await?;
///     let mut names = Vec::new();
///     let mut entries = curio::fs::read_dir(&dir).await?;
///     while let Some(entry) = entries.next().await {
///         names.push(entry?.file_name());
///     }
///     names.sort();
///     assert_eq!(names, ["a", "b"]);
///     curio::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Errors
///
/// As [`std::fs::read_dir`] (`NotFound`, not a directory, permission
/// denied); each entry can also be an error.
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            std,
            entries: VecDeque::new(),
            done: false,
        })),
    })
}

/// The entries of a directory, from [`read_dir`]: a
/// `Stream<Item = io::Result<DirEntry>>`, or [`next_entry`](Self::next_entry).
///
/// # Examples
///
/// ```
/// use curio::fs::ReadDir;
/// use futures::StreamExt;
/// # let dir = std::env::temp_dir().join(format!("curio-readdir-{}", std::process::id()));
/// curio::run(async move {
///     curio::fs::create_dir_all(&dir).await?;
///     curio::fs::write(dir.join("a"), b"").await?;
///     let mut entries: ReadDir = curio::fs::read_dir(&dir).await?;
///     let mut names = Vec::new();
///     while let Some(entry) = entries.next().await {
///         names.push(entry?.file_name());
///     }
///     assert_eq!(names, ["a"]);
///     curio::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
///
/// # Cancel safety
///
/// A batch being read when the caller is cancelled is kept: the next poll
/// waits for it and no entry is lost.
pub struct ReadDir {
    /// Where the listing stands.
    state: State,
}

/// A listing between trips to the pool, or during one.
enum State {
    /// No read in flight; `None` only if a trip could not be started.
    Idle(Option<Batch>),
    /// A batch is being read on the pool.
    Busy(RunInThread<Batch>),
}

/// The std iterator and the entries read ahead of the caller.
struct Batch {
    /// The open directory.
    std: std::fs::ReadDir,
    /// Entries read and not yet given.
    entries: VecDeque<io::Result<std::fs::DirEntry>>,
    /// Whether the iterator has ended.
    done: bool,
}

impl ReadDir {
    /// The next entry, or `None` at the end (tokio's spelling of
    /// `StreamExt::next`).
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async move {
    ///     let mut entries = curio::fs::read_dir("/").await?;
    ///     assert!(entries.next_entry().await?.is_some());
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// An error reading the directory.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Idle(slot) => {
                    let Some(mut batch) = slot.take() else {
                        return Poll::Ready(None);
                    };
                    if let Some(entry) = batch.entries.pop_front() {
                        this.state = State::Idle(Some(batch));
                        return Poll::Ready(Some(entry.map(DirEntry::new)));
                    }
                    if batch.done {
                        this.state = State::Idle(Some(batch));
                        return Poll::Ready(None);
                    }
                    if runtime_core::Handle::try_current().is_none() {
                        this.state = State::Idle(Some(batch));
                        return Poll::Ready(Some(Err(outside_runtime())));
                    }
                    this.state = State::Busy(runtime_core::run_in_thread(move || {
                        for _ in 0..BATCH {
                            match batch.std.next() {
                                Some(entry) => batch.entries.push_back(entry),
                                None => {
                                    batch.done = true;
                                    break;
                                }
                            }
                        }
                        batch
                    }));
                }
                State::Busy(task) => {
                    let batch = ready!(Pin::new(task).poll(cx));
                    this.state = State::Idle(Some(batch));
                }
            }
        }
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let busy = matches!(self.state, State::Busy(_));
        f.debug_struct("ReadDir").field("busy", &busy).finish()
    }
}

/// One entry of a [`ReadDir`].
///
/// # Examples
///
/// ```
/// curio::run(async move {
///     let mut entries = curio::fs::read_dir("/").await?;
///     let entry = entries.next_entry().await?.expect("/ is not empty");
///     assert_eq!(entry.path(), std::path::Path::new("/").join(entry.file_name()));
///     let _ = entry.file_type().await?;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct DirEntry {
    /// The std entry, shared with the pool for `metadata`.
    std: Arc<std::fs::DirEntry>,
}

impl DirEntry {
    /// Wraps a std entry.
    fn new(std: std::fs::DirEntry) -> DirEntry {
        DirEntry { std: Arc::new(std) }
    }

    /// The entry's full path: the directory given to [`read_dir`] joined
    /// with [`file_name`](Self::file_name).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-entry-path-{}", std::process::id()));
    /// curio::run(async move {
    ///     curio::fs::create_dir_all(&dir).await?;
    ///     curio::fs::write(dir.join("f"), b"").await?;
    ///     let entry = curio::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    ///     assert_eq!(entry.path(), dir.join("f"));
    ///     curio::fs::remove_dir_all(&dir).await
    /// })
    /// .unwrap();
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name within its directory.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-entry-name-{}", std::process::id()));
    /// curio::run(async move {
    ///     curio::fs::create_dir_all(&dir).await?;
    ///     curio::fs::write(dir.join("notes.txt"), b"").await?;
    ///     let entry = curio::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    ///     assert_eq!(entry.file_name(), "notes.txt");
    ///     curio::fs::remove_dir_all(&dir).await
    /// })
    /// .unwrap();
    /// ```
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata, not following a final symlink.
    ///
    /// # Examples
    ///
    /// ```
    /// curio::run(async move {
    ///     let mut entries = curio::fs::read_dir("/").await?;
    ///     let entry = entries.next_entry().await?.expect("/ is not empty");
    ///     let _ = entry.metadata().await?.len();
    ///     std::io::Result::Ok(())
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::fs::DirEntry::metadata`], e.g. `NotFound` if the entry was
    /// removed since it was listed.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's file type, not following a final symlink (usually known
    /// from the listing itself; otherwise one `lstat` on the pool).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("curio-entry-type-{}", std::process::id()));
    /// curio::run(async move {
    ///     curio::fs::create_dir_all(dir.join("sub")).await?;
    ///     let entry = curio::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    ///     assert!(entry.file_type().await?.is_dir());
    ///     curio::fs::remove_dir_all(&dir).await
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`std::fs::DirEntry::file_type`].
    pub async fn file_type(&self) -> io::Result<FileType> {
        let std = self.std.clone();
        asyncify(move || std.file_type()).await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.path()).finish()
    }
}
