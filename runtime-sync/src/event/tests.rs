//! Tests of `event`.

use super::*;
