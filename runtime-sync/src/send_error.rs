//! The error every channel's send returns when nobody can receive.

use std::fmt;

/// The error of a channel's send ([`mpsc`](crate::mpsc),
/// [`broadcast`](crate::broadcast), [`watch`](crate::watch)): no receiver
/// is left (or the receiver closed the channel); the value comes back.
///
/// # Examples
///
/// ```
/// # curio::run(async {
/// let (tx, rx) = curio::sync::mpsc::channel(1);
/// drop(rx);
/// let err = tx.send(7).await.unwrap_err();
/// assert_eq!(err.0, 7);
/// assert_eq!(err.to_string(), "channel closed");
///
/// let (tx, rx) = curio::sync::broadcast::channel(1);
/// drop(rx);
/// assert_eq!(tx.send(3).unwrap_err().0, 3);
///
/// let (tx, rx) = curio::sync::watch::channel(0);
/// drop(rx);
/// assert_eq!(tx.send(5).unwrap_err().0, 5);
/// # });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T> std::error::Error for SendError<T> {}
