//! One module per screen, and the screens that load on navigation.
//!
//! Sign-in and the dashboard are in the main WASM module. Every other screen is a
//! [`LazyRoute`] whose view comes from one of seven `#[lazy]` groups: the job screens (with
//! the results list, which shares the job page's table), the alert screens (alerts, an alert,
//! alert rules), the notification screens (channels, routes, the delivery log), the
//! administration and operations screens (with the scheduler's tasks and the maintenance
//! windows), the account screens (with the person's notification preferences), the restore
//! test screens (list, record form, a test, the calendar, and the job page's restore and
//! media sections, fetched when a job page opens) and the offline media screens
//! (inventory, a medium, rotations, label sheets). Built
//! with the `split` feature
//! (`scripts/build-spa.sh`), each group's code is cut into its own chunk, fetched the first
//! time one of its screens is visited, so the first load does not grow with each screen
//! added. One group per kind of work rather than one per screen: wasm-split puts the code
//! that several splits share into a chunk per combination of them, and ten splits made a
//! first visit to the job list fetch 24 files; a handful keeps it at a few.
//! Without the feature (`trunk serve`, the browser tests) the groups are ordinary
//! functions in one module.
//!
//! Each group is held to 150 KiB of gzip (scripts/spa-size.sh), so the screens watch what
//! they compile: requests go through `components::{Fetch, Submit}` (Leptos' async machinery
//! compiled once, not per request type), and the restore and media screens link with plain
//! `<a>` (the router handles every same-origin link; `A` compiles a children closure per
//! link) and decide permission-dependent parts once, not in a reactive `Show`.

use leptos::prelude::*;
use leptos_router::LazyRoute;
use leptos_router::hooks::use_params;
use leptos_router::params::Params;

pub mod alert_rules;
pub mod alerts;
pub mod api_keys;
pub mod audit;
pub mod dashboard;
pub mod executions;
pub mod job_detail;
pub mod job_form;
pub mod job_restore;
pub mod jobs;
pub mod login;
pub mod maintenance;
pub mod media;
pub mod medium;
pub mod notifications;
pub mod restore_form;
pub mod restore_tests;
pub mod rotations;
pub mod tasks;
pub mod users;

/// A route's `:id`.
#[derive(Params, Clone, Debug, PartialEq)]
pub struct IdPath {
    /// The id.
    pub id: i64,
}

/// The page of `/…/:id`: `page(id)`, or "not found" when the id is not a number.
pub fn with_id<V: IntoView + 'static>(page: fn(i64) -> V) -> impl IntoView {
    let path = use_params::<IdPath>();
    move || match path.get() {
        Ok(IdPath { id }) => page(id).into_any(),
        Err(_) => crate::app::NotFound().into_any(),
    }
}

/// The job screens and the results list.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum JobScreen {
    List,
    Detail,
    New,
    Edit,
    Executions,
}

#[cfg_attr(feature = "split", leptos::lazy)]
fn job_screen(screen: JobScreen) -> AnyView {
    match screen {
        JobScreen::List => jobs::JobListPage().into_any(),
        JobScreen::Detail => job_detail::JobDetailPage().into_any(),
        JobScreen::New => job_form::NewJobPage().into_any(),
        JobScreen::Edit => job_form::EditJobPage().into_any(),
        JobScreen::Executions => executions::ExecutionsPage().into_any(),
    }
}

/// The alert screens: alerts, an alert, alert rules.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum AlertScreen {
    List,
    Detail,
    Rules,
}

#[cfg_attr(feature = "split", leptos::lazy)]
fn alert_screen(screen: AlertScreen) -> AnyView {
    match screen {
        AlertScreen::List => alerts::AlertsPage().into_any(),
        AlertScreen::Detail => alerts::AlertDetailPage().into_any(),
        AlertScreen::Rules => alert_rules::AlertRulesPage().into_any(),
    }
}

/// The notification screens: channels, routes, the delivery log.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum NotifyScreen {
    Channels,
    Routes,
    Deliveries,
}

#[cfg_attr(feature = "split", leptos::lazy)]
fn notify_screen(screen: NotifyScreen) -> AnyView {
    match screen {
        NotifyScreen::Channels => notifications::ChannelsPage().into_any(),
        NotifyScreen::Routes => notifications::RoutesPage().into_any(),
        NotifyScreen::Deliveries => notifications::DeliveriesPage().into_any(),
    }
}

/// The administration screens.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum AdminScreen {
    Users,
    ApiKeys,
    Audit,
    Tasks,
    Maintenance,
}

#[cfg_attr(feature = "split", leptos::lazy)]
fn admin_screen(screen: AdminScreen) -> AnyView {
    match screen {
        AdminScreen::Users => users::UsersPage().into_any(),
        AdminScreen::ApiKeys => api_keys::ApiKeysPage().into_any(),
        AdminScreen::Audit => audit::AuditPage().into_any(),
        AdminScreen::Tasks => tasks::TasksPage().into_any(),
        AdminScreen::Maintenance => maintenance::MaintenancePage().into_any(),
    }
}

/// The signed-in person's own screens.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum AccountScreen {
    ForcedChange,
    Profile,
    Notifications,
}

#[cfg_attr(feature = "split", leptos::lazy)]
fn account_screen(screen: AccountScreen) -> AnyView {
    match screen {
        AccountScreen::ForcedChange => login::ForcedChangePage().into_any(),
        AccountScreen::Profile => login::ProfilePage().into_any(),
        AccountScreen::Notifications => notifications::MyNotificationsPage().into_any(),
    }
}

/// The restore-test screens: the list, the record form, one test, the calendar; and the
/// job page's restore and offline-media sections.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum RestoreScreen {
    List,
    New,
    Detail,
    Calendar,
    JobSections,
}

#[cfg_attr(feature = "split", leptos::lazy)]
fn restore_screen(screen: RestoreScreen) -> AnyView {
    match screen {
        RestoreScreen::List => restore_tests::RestoreTestsPage().into_any(),
        RestoreScreen::New => restore_form::RecordRestoreTestPage().into_any(),
        RestoreScreen::Detail => restore_tests::RestoreTestPage().into_any(),
        RestoreScreen::Calendar => restore_tests::RestoreCalendarPage().into_any(),
        RestoreScreen::JobSections => job_restore::JobRestoreSections().into_any(),
    }
}

/// The job page's restore and offline-media sections, loaded with the restore screens: they
/// carry the restore and media types, which in the job group put it 50 KiB over its budget.
#[cfg(feature = "split")]
pub async fn job_restore_sections() -> AnyView {
    restore_screen(RestoreScreen::JobSections).await
}

/// The job page's restore and offline-media sections (one module: nothing to load).
#[cfg(not(feature = "split"))]
pub async fn job_restore_sections() -> AnyView {
    restore_screen(RestoreScreen::JobSections)
}

/// The offline media screens: the inventory, a medium, rotations, label sheets.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum MediaScreen {
    List,
    Detail,
    Rotations,
    Rotation,
    Labels,
}

#[cfg_attr(feature = "split", leptos::lazy)]
fn media_screen(screen: MediaScreen) -> AnyView {
    match screen {
        MediaScreen::List => media::MediaPage().into_any(),
        MediaScreen::Detail => medium::MediumPage().into_any(),
        MediaScreen::Rotations => rotations::RotationsPage().into_any(),
        MediaScreen::Rotation => rotations::RotationPage().into_any(),
        MediaScreen::Labels => media::LabelsPage().into_any(),
    }
}

/// `lazy_screen!(Route, group, Screen)`: a route type whose view is `group(Screen)`,
/// awaited when the group is split out.
macro_rules! lazy_screen {
    ($(#[$doc:meta])* $route:ident, $group:ident($screen:expr)) => {
        $(#[$doc])*
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            #[cfg(feature = "split")]
            async fn view(_: Self) -> AnyView {
                $group($screen).await
            }

            #[cfg(not(feature = "split"))]
            async fn view(_: Self) -> AnyView {
                $group($screen)
            }
        }
    };
}

lazy_screen!(
    /// `/jobs`.
    JobList, job_screen(JobScreen::List)
);
lazy_screen!(
    /// `/jobs/:id`.
    JobDetail, job_screen(JobScreen::Detail)
);
lazy_screen!(
    /// `/jobs/new`.
    NewJob, job_screen(JobScreen::New)
);
lazy_screen!(
    /// `/jobs/:id/edit`.
    EditJob, job_screen(JobScreen::Edit)
);
lazy_screen!(
    /// `/executions`.
    Executions, job_screen(JobScreen::Executions)
);
lazy_screen!(
    /// `/alerts`.
    Alerts, alert_screen(AlertScreen::List)
);
lazy_screen!(
    /// `/alerts/rules`.
    AlertRules, alert_screen(AlertScreen::Rules)
);
lazy_screen!(
    /// `/alerts/:id`.
    AlertDetail, alert_screen(AlertScreen::Detail)
);
lazy_screen!(
    /// `/notifications/channels`.
    Channels, notify_screen(NotifyScreen::Channels)
);
lazy_screen!(
    /// `/notifications/routes`.
    Routes, notify_screen(NotifyScreen::Routes)
);
lazy_screen!(
    /// `/notifications/deliveries`.
    Deliveries, notify_screen(NotifyScreen::Deliveries)
);
lazy_screen!(
    /// `/maintenance`.
    Maintenance, admin_screen(AdminScreen::Maintenance)
);
lazy_screen!(
    /// `/system/tasks`.
    Tasks, admin_screen(AdminScreen::Tasks)
);
lazy_screen!(
    /// `/admin/users`.
    Users, admin_screen(AdminScreen::Users)
);
lazy_screen!(
    /// `/admin/api-keys`.
    ApiKeys, admin_screen(AdminScreen::ApiKeys)
);
lazy_screen!(
    /// `/admin/audit`.
    Audit, admin_screen(AdminScreen::Audit)
);
lazy_screen!(
    /// `/change-password`.
    ForcedChange, account_screen(AccountScreen::ForcedChange)
);
lazy_screen!(
    /// `/profile`.
    Profile, account_screen(AccountScreen::Profile)
);
lazy_screen!(
    /// `/me/notifications`.
    MyNotifications, account_screen(AccountScreen::Notifications)
);
lazy_screen!(
    /// `/restore-tests`.
    RestoreTests, restore_screen(RestoreScreen::List)
);
lazy_screen!(
    /// `/restore-tests/new?job_id=N`.
    RecordRestoreTest, restore_screen(RestoreScreen::New)
);
lazy_screen!(
    /// `/restore-tests/:id`.
    RestoreTest, restore_screen(RestoreScreen::Detail)
);
lazy_screen!(
    /// `/restore-tests/calendar`.
    RestoreCalendar, restore_screen(RestoreScreen::Calendar)
);
lazy_screen!(
    /// `/media`.
    Media, media_screen(MediaScreen::List)
);
lazy_screen!(
    /// `/media/:id`.
    Medium, media_screen(MediaScreen::Detail)
);
lazy_screen!(
    /// `/media/rotations`.
    Rotations, media_screen(MediaScreen::Rotations)
);
lazy_screen!(
    /// `/media/rotations/:id`.
    Rotation, media_screen(MediaScreen::Rotation)
);
lazy_screen!(
    /// `/media/labels?ids=1,2,3`.
    MediaLabels, media_screen(MediaScreen::Labels)
);
