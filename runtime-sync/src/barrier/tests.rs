//! Tests of `barrier`.

use super::*;
