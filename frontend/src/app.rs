//! The application shell: session state, route guards (signed in, password changed, role),
//! the header with navigation and language switch, the idle sign-out, and the routes.

use bms_types::permissions::Permission;
use bms_types::users::{Role, UserDto};
use leptos::prelude::*;
use leptos_router::Lazy;
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::api::{self, ApiError, SessionEnd};
use crate::components::{ErrorBox, Forbidden, Loading, every};
use crate::i18n::{self, Lang, tr};
use crate::pages;

/// Remembered "wall screen" choice: keep the session while the dashboard refreshes itself.
pub const WALL_MODE_KEY: &str = "bms.wall_mode";

/// Who is signed in, and why the last session ended.
#[derive(Clone, Copy)]
pub struct Session {
    /// The signed-in user.
    pub user: RwSignal<Option<UserDto>>,
    /// The remembered session has been resumed (or there was none).
    pub booted: RwSignal<bool>,
    /// Why the previous session ended, for the login page.
    pub ended: RwSignal<Option<SessionEnd>>,
    /// The server could not be reached while resuming.
    pub boot_error: RwSignal<Option<ApiError>>,
    /// Last keyboard or pointer activity (`Date.now()` ms).
    pub last_activity: StoredValue<f64>,
    /// Signs out, giving the reason to show on the login page.
    pub sign_out: Action<SessionEnd, ()>,
}

impl Session {
    fn new() -> Self {
        Self {
            user: RwSignal::new(None),
            booted: RwSignal::new(false),
            ended: RwSignal::new(None),
            boot_error: RwSignal::new(None),
            last_activity: StoredValue::new(js_sys::Date::now()),
            sign_out: Action::new_local(|reason: &SessionEnd| api::logout(*reason)),
        }
    }

    /// The signed-in user's role.
    pub fn role(&self) -> Option<Role> {
        self.user.with(|user| user.as_ref().map(|user| user.role))
    }

    /// Whether the signed-in user has `permission` (the server's table, `bms_types::permissions`).
    pub fn can(&self, permission: Permission) -> bool {
        self.role().is_some_and(|role| role.has(permission))
    }

    /// Change jobs, copies and keys.
    pub fn can_operate(&self) -> bool {
        self.can(Permission::Operate)
    }

    /// Manage users and delete jobs.
    pub fn is_admin(&self) -> bool {
        self.can(Permission::Administer)
    }

    /// Read the audit log.
    pub fn can_audit(&self) -> bool {
        self.can(Permission::ReadAudit)
    }
}

/// The session from context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Mounts the app.
#[component]
pub fn App() -> impl IntoView {
    i18n::init();
    let session = Session::new();
    provide_context(session);
    api::on_session_end(move |reason| {
        session.user.set(None);
        session.ended.set(Some(reason));
    });
    leptos::task::spawn_local(async move {
        match api::resume().await {
            Ok(user) => session.user.set(user),
            Err(error) => session.boot_error.set(Some(error)),
        }
        session.booted.set(true);
    });
    watch_idle(session);
    view! {
        <Router>
            <Header/>
            <main id="main">
                {move || session.boot_error.get().map(|error| view! { <ErrorBox error=error/> })}
                // The guard of a parent route applies to all its children; sign-in and the
                // dashboard are in the main module, every other screen loads on navigation
                // (see `pages`). Operator routes come first: `/jobs/new` is not a job id.
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/login") view=pages::login::LoginPage/>
                    <Route path=path!("/") view=|| guarded(&[], pages::dashboard::DashboardPage)/>
                    <ParentRoute path=path!("") view=|| guarded(Permission::Operate.roles(), Outlet)>
                        <Route path=path!("/jobs/new") view={Lazy::<pages::NewJob>::new()}/>
                        <Route path=path!("/jobs/:id/edit") view={Lazy::<pages::EditJob>::new()}/>
                        <Route path=path!("/admin/api-keys") view={Lazy::<pages::ApiKeys>::new()}/>
                    </ParentRoute>
                    <ParentRoute path=path!("") view=|| guarded(Permission::Report.roles(), Outlet)>
                        <Route path=path!("/restore-tests/new") view={Lazy::<pages::RecordRestoreTest>::new()}/>
                    </ParentRoute>
                    <ParentRoute path=path!("") view=|| guarded(Permission::Administer.roles(), Outlet)>
                        <Route path=path!("/admin/users") view={Lazy::<pages::Users>::new()}/>
                    </ParentRoute>
                    <ParentRoute path=path!("") view=|| guarded(Permission::ReadAudit.roles(), Outlet)>
                        <Route path=path!("/admin/audit") view={Lazy::<pages::Audit>::new()}/>
                    </ParentRoute>
                    <ParentRoute path=path!("") view=|| guarded(&[], Outlet)>
                        <Route path=path!("/change-password") view={Lazy::<pages::ForcedChange>::new()}/>
                        <Route path=path!("/jobs") view={Lazy::<pages::JobList>::new()}/>
                        <Route path=path!("/jobs/:id") view={Lazy::<pages::JobDetail>::new()}/>
                        <Route path=path!("/executions") view={Lazy::<pages::Executions>::new()}/>
                        <Route path=path!("/profile") view={Lazy::<pages::Profile>::new()}/>
                        <Route path=path!("/me/notifications") view={Lazy::<pages::MyNotifications>::new()}/>
                        <Route path=path!("/alerts") view={Lazy::<pages::Alerts>::new()}/>
                        // Before `/alerts/:id`: the first route that matches wins, and `rules` is not an id.
                        <Route path=path!("/alerts/rules") view={Lazy::<pages::AlertRules>::new()}/>
                        <Route path=path!("/alerts/:id") view={Lazy::<pages::AlertDetail>::new()}/>
                        <Route path=path!("/notifications/channels") view={Lazy::<pages::Channels>::new()}/>
                        <Route path=path!("/notifications/routes") view={Lazy::<pages::Routes>::new()}/>
                        <Route path=path!("/notifications/deliveries") view={Lazy::<pages::Deliveries>::new()}/>
                        <Route path=path!("/notifications") view=|| view! { <Redirect path="/notifications/channels"/> }/>
                        <Route path=path!("/maintenance") view={Lazy::<pages::Maintenance>::new()}/>
                        <Route path=path!("/system/tasks") view={Lazy::<pages::Tasks>::new()}/>
                        <Route path=path!("/restore-tests") view={Lazy::<pages::RestoreTests>::new()}/>
                        // Fixed names before the `:id` routes, as for the alerts.
                        <Route path=path!("/restore-tests/calendar") view={Lazy::<pages::RestoreCalendar>::new()}/>
                        <Route path=path!("/restore-tests/:id") view={Lazy::<pages::RestoreTest>::new()}/>
                        <Route path=path!("/media") view={Lazy::<pages::Media>::new()}/>
                        <Route path=path!("/media/rotations") view={Lazy::<pages::Rotations>::new()}/>
                        <Route path=path!("/media/rotations/:id") view={Lazy::<pages::Rotation>::new()}/>
                        <Route path=path!("/media/labels") view={Lazy::<pages::MediaLabels>::new()}/>
                        <Route path=path!("/media/:id") view={Lazy::<pages::Medium>::new()}/>
                    </ParentRoute>
                </Routes>
            </main>
            <footer class="footer">
                {move || i18n::t_with("footer.zone", &[("zone", crate::format::local_zone_name())])}
            </footer>
        </Router>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Booting,
    SignedOut,
    MustChangePassword,
    Denied,
    Granted,
}

/// Wraps a page: sign-in first, then the forced password change, then the role check.
fn guarded<V: IntoView + 'static>(roles: &'static [Role], page: fn() -> V) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let access = Memo::new(move |_| {
        if !session.booted.get() {
            return Access::Booting;
        }
        session.user.with(|user| match user {
            None => Access::SignedOut,
            Some(user) if user.must_change_password && location.pathname.get() != "/change-password" => {
                Access::MustChangePassword
            }
            Some(user) if !roles.is_empty() && !roles.contains(&user.role) => Access::Denied,
            Some(_) => Access::Granted,
        })
    });
    move || match access.get() {
        Access::Booting => view! { <Loading/> }.into_any(),
        Access::SignedOut => view! { <Redirect path="/login"/> }.into_any(),
        Access::MustChangePassword => view! { <Redirect path="/change-password"/> }.into_any(),
        Access::Denied => view! { <Forbidden/> }.into_any(),
        Access::Granted => page().into_any(),
    }
}

/// Ends the session after the server's idle timeout without keyboard or pointer input,
/// unless the wall-screen mode is on (then the dashboard's refreshes keep it alive up to
/// the server's maximum session lifetime).
fn watch_idle(session: Session) {
    let touch = move || session.last_activity.set_value(js_sys::Date::now());
    let keydown = window_event_listener(leptos::ev::keydown, move |_| touch());
    let pointer = window_event_listener(leptos::ev::pointerdown, move |_| touch());
    on_cleanup(move || {
        keydown.remove();
        pointer.remove();
    });
    every(std::time::Duration::from_secs(15), move || {
        let signed_in = session.user.with_untracked(Option::is_some);
        let wall_mode = api::stored(WALL_MODE_KEY).as_deref() == Some("1");
        let idle = js_sys::Date::now() - session.last_activity.get_value();
        if signed_in && !wall_mode && idle > api::idle_timeout_ms() {
            session.sign_out.dispatch_local(SessionEnd::Idle);
        }
    });
}

#[component]
fn Header() -> impl IntoView {
    let session = use_session();
    let signed_in = move || session.user.with(|user| user.as_ref().is_some_and(|u| !u.must_change_password));
    view! {
        <header class="topbar">
            <a class="skip" href="#main">{tr("nav.skip")}</a>
            <A href="/" attr:class="brand">"bms"</A>
            <Show when=signed_in>
                <nav class="nav" aria-label=tr("nav.label")>
                    <A href="/" exact=true>{tr("nav.dashboard")}</A>
                    <A href="/jobs">{tr("nav.jobs")}</A>
                    <A href="/executions">{tr("nav.executions")}</A>
                    <A href="/restore-tests">{tr("nav.restore_tests")}</A>
                    <A href="/media">{tr("nav.media")}</A>
                    <A href="/alerts">{tr("nav.alerts")}</A>
                    <A href="/notifications">{tr("nav.notifications")}</A>
                    <A href="/maintenance">{tr("nav.maintenance")}</A>
                    <Show when=move || session.is_admin()>
                        <A href="/admin/users">{tr("nav.users")}</A>
                    </Show>
                    <Show when=move || session.can_operate()>
                        <A href="/admin/api-keys">{tr("nav.api_keys")}</A>
                    </Show>
                    <Show when=move || session.can_audit()>
                        <A href="/admin/audit">{tr("nav.audit")}</A>
                    </Show>
                    <A href="/system/tasks">{tr("nav.tasks")}</A>
                </nav>
            </Show>
            <div class="topbar-end">
                <label class="lang">
                    <span class="sr-only">{tr("nav.language")}</span>
                    <select
                        id="language"
                        aria-label=tr("nav.language")
                        on:change=move |ev| {
                            if let Some(lang) = Lang::from_code(&event_target_value(&ev)) {
                                i18n::set_lang(lang);
                            }
                        }
                    >
                        {Lang::ALL
                            .into_iter()
                            .map(|lang| {
                                view! {
                                    <option value=lang.code() selected=move || i18n::current() == lang>
                                        {lang.native_name()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                {move || {
                    session
                        .user
                        .get()
                        .map(|user| {
                            view! {
                                <A href="/profile" attr:class="user">
                                    {user.username.clone()}
                                    " ("
                                    {move || i18n::enum_label("role", user.role.as_str())}
                                    ")"
                                </A>
                                <A href="/me/notifications" attr:class="user" attr:data-testid="my-notifications-link">
                                    {tr("nav.my_notifications")}
                                </A>
                                <button
                                    type="button"
                                    class="secondary"
                                    on:click=move |_| {
                                        session.sign_out.dispatch_local(SessionEnd::LoggedOut);
                                    }
                                >
                                    {tr("nav.logout")}
                                </button>
                            }
                        })
                }}
            </div>
        </header>
    }
}

/// The page for an address that names no screen.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="panel">
            <h1>{tr("notfound.title")}</h1>
            <p>{tr("notfound.body")}</p>
            <A href="/">{tr("nav.dashboard")}</A>
        </section>
    }
}
