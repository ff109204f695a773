//! Tests of `rwlock`.

use super::*;
