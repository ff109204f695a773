//! Tests of `universal`.

use super::*;
