//! 3-2-1-1-0 compliance: the pure engine (`engine`) and the restore-test facts its "0" rule
//! reads (`restore`).

pub mod engine;
pub mod restore;
