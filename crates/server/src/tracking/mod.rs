//! The tracking engine, below every handler: the job and copy model, schedules and derived
//! states (pure), executions, the ingest rules that turn a report into rows, the
//! group-commit writer and the evaluator that keeps each job's status and 3-2-1-1-0
//! verdict current. Handlers in `jobs`, `executions` and `dashboard` call into it; it
//! imports none of them.

pub mod evaluator;
pub mod execution;
pub mod ingest;
pub mod model;
pub mod schedule;
pub mod writer;
