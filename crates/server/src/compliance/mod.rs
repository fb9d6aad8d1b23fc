//! 3-2-1-1-0 compliance: the pure engine (`engine`), and (in later modules) loading the
//! facts it needs and storing its verdicts.

pub mod engine;
