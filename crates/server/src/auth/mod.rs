//! Authentication: password hashing and policy, access/refresh tokens, login sessions,
//! and the extractors that admit callers by role or API-key scope.

pub mod extract;
pub mod handlers;
pub mod password;
pub mod sessions;
pub mod tokens;
