//! Sign-in, the forced first password change, and the profile page (details, language,
//! password change).

use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_navigate;

use crate::api::{self, SessionEnd};
use crate::app::use_session;
use crate::components::{Field, FormError, FormState, Submit};
use crate::i18n::{self, Lang, tr};
use crate::{format, validate};

/// Username and password; says why the previous session ended.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login = Submit::new(move |(name, secret): &(String, String)| {
        let (name, secret) = (name.clone(), secret.clone());
        let navigate = navigate.clone();
        async move {
            match api::login(name, secret).await {
                Ok(user) => {
                    session.ended.set(None);
                    session.boot_error.set(None);
                    session.last_activity.set_value(js_sys::Date::now());
                    let target = if user.must_change_password { "/change-password" } else { "/" };
                    session.user.set(Some(user));
                    navigate(target, Default::default());
                    Ok(())
                }
                Err(error) => {
                    // Keep the username, clear the password: the usual sign-in convention.
                    password.set(String::new());
                    Err(error)
                }
            }
        }
    });
    let form = FormState::new(login);
    let username_check = Signal::derive(move || validate::required(&username.get()).map(|c| c.message()));
    let password_check = Signal::derive(move || validate::required(&password.get()).map(|c| c.message()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        if username_check.get_untracked().is_some() || password_check.get_untracked().is_some() {
            return;
        }
        login.dispatch_local((username.get_untracked(), password.get_untracked()));
    };
    let ended = move || {
        session.ended.get().map(|reason| {
            let key = match reason {
                SessionEnd::LoggedOut => "login.ended_logout",
                SessionEnd::Idle => "login.ended_idle",
                SessionEnd::Expired => "login.ended_expired",
            };
            view! { <div class="notice" role="status">{tr(key)}</div> }
        })
    };
    view! {
        // Already signed in (a reload, or the sign-in just succeeded): go on.
        {move || {
            session.user.with(|user| user.as_ref().map(|user| user.must_change_password)).map(|must_change| {
                view! { <Redirect path=if must_change { "/change-password" } else { "/" }/> }
            })
        }}
        <section class="panel narrow">
            <h1>{tr("login.title")}</h1>
            {ended}
            <form on:submit=submit novalidate=true>
                <Field label="login.username" name="username" value=username form=form check=username_check autocomplete="username" required=true/>
                <Field label="login.password" name="password" value=password form=form check=password_check kind="password" autocomplete="current-password" required=true/>
                <FormError form=form/>
                <button type="submit" disabled=move || form.busy()>{tr("login.submit")}</button>
            </form>
        </section>
    }
}

/// The password form shared by the forced change and the profile page.
#[component]
fn ChangePasswordForm(
    /// Where to go afterwards (`None` = stay and say it worked).
    after: Option<&'static str>,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let change = Submit::new(move |(old, chosen): &(String, String)| {
        let (old, chosen) = (old.clone(), chosen.clone());
        let navigate = navigate.clone();
        async move {
            let user = api::change_password(old, chosen).await?;
            session.user.set(Some(user));
            for field in [current, new, repeat] {
                field.set(String::new());
            }
            if let Some(target) = after {
                navigate(target, Default::default());
            }
            Ok(())
        }
    });
    let form = FormState::new(change);
    // "Changed" shows after a successful change, until the next submit.
    let done = move || !form.attempted() && matches!(change.value(), Some(Ok(())));
    let username = move || session.user.with(|user| user.as_ref().map(|u| u.username.clone()).unwrap_or_default());
    let current_check = Signal::derive(move || validate::required(&current.get()).map(|c| c.message()));
    let new_check = Signal::derive(move || validate::new_password(&new.get(), &username()).map(|c| c.message()));
    let repeat_check = Signal::derive(move || validate::confirmation(&new.get(), &repeat.get()).map(|c| c.message()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        if [current_check, new_check, repeat_check].iter().any(|check| check.get_untracked().is_some()) {
            return;
        }
        change.dispatch_local((current.get_untracked(), new.get_untracked()));
    };
    view! {
        <form on:submit=submit novalidate=true>
            <Field label="password.current" name="current_password" value=current form=form check=current_check kind="password" autocomplete="current-password" required=true/>
            <Field label="password.new" name="new_password" value=new form=form check=new_check kind="password" autocomplete="new-password" hint="password.hint" required=true/>
            <Field label="password.repeat" name="repeat_password" value=repeat form=form check=repeat_check kind="password" autocomplete="new-password" required=true/>
            <FormError form=form/>
            <Show when=done>
                <div class="notice" role="status">{tr("password.changed")}</div>
            </Show>
            <button type="submit" disabled=move || form.busy()>{tr("password.submit")}</button>
        </form>
    }
}

/// Shown until the first password (or one set by an administrator) is replaced.
#[component]
pub fn ForcedChangePage() -> impl IntoView {
    let session = use_session();
    view! {
        <section class="panel narrow">
            <h1>{tr("password.forced_title")}</h1>
            <Show when=move || session.user.with(|u| u.as_ref().is_some_and(|u| u.must_change_password))>
                <p>{tr("password.forced_body")}</p>
            </Show>
            <ChangePasswordForm after=Some("/")/>
            <button type="button" class="link" on:click=move |_| { session.sign_out.dispatch_local(SessionEnd::LoggedOut); }>
                {tr("nav.logout")}
            </button>
        </section>
    }
}

/// The signed-in person's details, language and password.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = use_session();
    let details = move || {
        session.user.get().map(|user| {
            let role = user.role.as_str();
            view! {
                <dl class="details">
                    <dt>{tr("users.username")}</dt><dd>{user.username.clone()}</dd>
                    <dt>{tr("users.full_name")}</dt><dd>{user.full_name.clone()}</dd>
                    <dt>{tr("users.email")}</dt><dd>{user.email.clone()}</dd>
                    <dt>{tr("users.role")}</dt><dd>{move || i18n::enum_label("role", role)}</dd>
                    <dt>{tr("users.last_login")}</dt><dd>{format::maybe_datetime(user.last_login_at)}</dd>
                </dl>
            }
        })
    };
    view! {
        <section class="panel narrow">
            <h1>{tr("profile.title")}</h1>
            {details}
            <h2>{tr("nav.language")}</h2>
            <div class="button-row">
                {Lang::ALL
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <button
                                type="button"
                                class:secondary=move || i18n::current() != lang
                                aria-pressed=move || if i18n::current() == lang { "true" } else { "false" }
                                on:click=move |_| i18n::set_lang(lang)
                            >
                                {lang.native_name()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <h2>{tr("my_notifications.title")}</h2>
            <p><A href="/me/notifications">{tr("my_notifications.link")}</A></p>
            <h2>{tr("password.title")}</h2>
            <ChangePasswordForm after=None/>
        </section>
    }
}
