//! Tests of the queue family.

use super::*;
