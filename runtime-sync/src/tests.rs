//! Crate-wide tests: auto traits.
