//! The `#[curio::main]` and `#[curio::test]` attributes.
//!
//! Use them through the facade, as `curio::main` and `curio::test`; this crate
//! is an implementation detail of `curio`. The functions here are thin: the
//! parsing and the expansion live in `entry.rs`.
//!
//! # Examples
//!
//! ```
//! #[curio::main(workers = 2)]
//! async fn main() {
//!     let kid = curio::spawn(async { 1 + 1 });
//!     assert_eq!(kid.await.unwrap(), 2);
//! }
//! ```
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

use proc_macro::TokenStream;

mod entry;

/// Runs an `async fn main` on a curio runtime.
///
/// The function becomes a plain `fn main` that builds a runtime, runs the
/// body as the main task, shuts the runtime down (cancelling any task still
/// alive) and returns the body's output. Attributes, visibility and the
/// return type are kept, so `main` may return a `Result`.
///
/// # Arguments
///
/// - `workers = N`: the number of worker threads, a positive integer
///   literal. Without it the runtime picks its default (one worker per core,
///   or `CURIO_WORKERS`).
/// - `crate = "path"`: where the `curio` crate is found, for code that reaches
///   it through a re-export or under another name. Defaults to `::curio`.
///
/// The body runs as a task, so it and its output must be `Send + 'static`; an
/// error type in the return type needs `Send`, as in
/// `Box<dyn Error + Send + Sync>`.
///
/// # Examples
///
/// ```
/// #[curio::main]
/// async fn main() {
///     let answer = async { 6 * 7 }.await;
///     assert_eq!(answer, 42);
/// }
/// ```
///
/// A fixed number of workers and a fallible `main`:
///
/// ```
/// use std::error::Error;
///
/// #[curio::main(workers = 4)]
/// async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
///     let n: u32 = "42".parse()?;
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
///
/// Through a re-export:
///
/// ```
/// mod rt {
///     pub use curio::*;
/// }
///
/// #[rt::main(crate = "crate::rt")]
/// async fn main() {}
/// ```
///
/// # Errors
///
/// Compilation fails, pointing at the offending tokens, when the function is
/// not `async`, takes parameters or is generic, or when an argument is
/// unknown, repeated or has a bad value.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a fresh curio runtime.
///
/// The function becomes a `#[test]` function that builds a runtime for this
/// test alone, runs the body as its main task and shuts the runtime down.
/// Other attributes such as `#[should_panic]` or `#[ignore]` are kept, and the
/// test may return a `Result`. Do not add `#[test]` yourself: the attribute
/// already does.
///
/// # Arguments
///
/// - `workers = N`: the number of worker threads, a positive integer
///   literal. `workers = 1` makes a test deterministic with respect to
///   parallelism. Without it the runtime picks its default.
/// - `crate = "path"`: where the `curio` crate is found, for code that reaches
///   it through a re-export or under another name. Defaults to `::curio`.
///
/// The body runs as a task, so it and its output must be `Send + 'static`.
///
/// # Examples
///
/// ```
/// #[curio::test]
/// async fn adds() {
///     assert_eq!(async { 2 + 2 }.await, 4);
/// }
///
/// #[curio::test(workers = 1)]
/// async fn parses() -> Result<(), std::num::ParseIntError> {
///     assert_eq!("7".parse::<u8>()?, 7);
///     Ok(())
/// }
///
/// #[curio::test]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     panic!("boom");
/// }
/// ```
///
/// # Errors
///
/// Compilation fails, pointing at the offending tokens, when the function is
/// not `async`, takes parameters, is generic or already carries `#[test]`, or
/// when an argument is unknown, repeated or has a bad value.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Test, args.into(), item.into()).into()
}
