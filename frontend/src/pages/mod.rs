//! One module per screen, and the screens that load on navigation.
//!
//! Sign-in and the dashboard are in the main WASM module. Every other screen is a
//! [`LazyRoute`]: built with the `split` feature (`scripts/build-spa.sh`), its code goes
//! into its own chunk, which the router fetches the first time the screen is visited, so
//! the first load does not grow with each screen added. Without the feature (`trunk
//! serve`, the browser tests) the same routes are ordinary async views in one module.

use leptos::prelude::*;
use leptos_router::LazyRoute;

pub mod api_keys;
pub mod audit;
pub mod dashboard;
pub mod executions;
pub mod job_detail;
pub mod job_form;
pub mod jobs;
pub mod login;
pub mod users;

/// `lazy_screen!(Route, page::Component)`: a route type whose view is the component,
/// split out of the main module when the `split` feature is on.
macro_rules! lazy_screen {
    ($(#[$doc:meta])* $route:ident, $page:path) => {
        $(#[$doc])*
        pub struct $route;

        #[cfg(feature = "split")]
        #[leptos_router::lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                $page().into_any()
            }
        }

        #[cfg(not(feature = "split"))]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_screen!(
    /// `/change-password`.
    ForcedChange, login::ForcedChangePage
);
lazy_screen!(
    /// `/profile`.
    Profile, login::ProfilePage
);
lazy_screen!(
    /// `/jobs`.
    JobList, jobs::JobListPage
);
lazy_screen!(
    /// `/jobs/new`.
    NewJob, job_form::NewJobPage
);
lazy_screen!(
    /// `/jobs/:id`.
    JobDetail, job_detail::JobDetailPage
);
lazy_screen!(
    /// `/jobs/:id/edit`.
    EditJob, job_form::EditJobPage
);
lazy_screen!(
    /// `/executions`.
    Executions, executions::ExecutionsPage
);
lazy_screen!(
    /// `/admin/users`.
    Users, users::UsersPage
);
lazy_screen!(
    /// `/admin/api-keys`.
    ApiKeys, api_keys::ApiKeysPage
);
lazy_screen!(
    /// `/admin/audit`.
    Audit, audit::AuditPage
);
