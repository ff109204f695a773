//! Tests of `semaphore`.

use super::*;
