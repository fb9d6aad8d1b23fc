//! Backup jobs: schedule expectations and derived state.

pub mod schedule;
