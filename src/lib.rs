//! curio
