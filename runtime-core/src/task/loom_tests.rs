//! Loom models of the task state machine (filled below).
