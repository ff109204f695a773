//! Tests of `condition`.

use super::*;
