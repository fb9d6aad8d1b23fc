//! Backup jobs: the model and CRUD of jobs and their copies, schedule expectations and
//! derived state, and the evaluator that keeps each job's status current.

pub mod handlers;
pub mod model;
pub mod schedule;
pub mod status;
