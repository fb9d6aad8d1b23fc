//! The sign-in flow: login with lockout, refresh, logout, `me` and password change. It
//! composes the accounts (`users`) and the session store (`sessions`); who may call what
//! is decided by `access`.

pub mod handlers;
pub mod login;
