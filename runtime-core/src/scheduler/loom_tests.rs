//! Loom models of parking and notification.
