//! Tests of `lock`.

use super::*;
