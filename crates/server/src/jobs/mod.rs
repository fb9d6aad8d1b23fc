//! The HTTP face of backup jobs and their copies: CRUD, the 3-2-1-1-0 verdict, state
//! changes and the schedule preview. The model, schedules and the evaluator they call are
//! in `tracking`.

pub mod handlers;
pub mod queries;
