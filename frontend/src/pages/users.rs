//! User administration (admins): create, change role, deactivate / activate, unlock, and
//! reset the password (the temporary password is shown once).

use bms_types::users::{CreateUserRequest, CreatedUserResponse, ListUsersQuery, Role, UpdateUserRequest, UserDto};
use chrono::Utc;
use leptos::prelude::*;

use crate::api;
use crate::app::use_session;
use crate::components::{
    CreateForm, Fetch, Field, FormState, SecretNotice, SelectField, Submit, action_error, confirm, enum_options,
    paged_table,
};
use crate::format;
use crate::i18n::{enum_tr, t, t_with, tr};
use crate::validate;

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|role| role.as_str()).collect()
}

/// A change to one user from the list.
#[derive(Clone, Copy)]
enum UserChange {
    Role(Role),
    /// `deactivate`, `activate` or `unlock`.
    Toggle(&'static str),
    ResetPassword,
}

/// The users screen.
#[component]
pub fn UsersPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    // The temporary password of the last created or reset account, shown once.
    let secret = RwSignal::new(None::<(String, String)>);
    let change = Submit::new(move |(id, change): &(i64, UserChange)| {
        let (id, change) = (*id, *change);
        async move {
            match change {
                UserChange::Role(role) => {
                    let request = UpdateUserRequest { role: Some(role), ..Default::default() };
                    api::update_user(id, &request).await.map(drop)
                }
                UserChange::Toggle(action) => api::user_action(id, action).await.map(drop),
                UserChange::ResetPassword => {
                    let answer = api::reset_password(id).await?;
                    if let Some(password) = answer.temporary_password {
                        secret.set(Some((answer.user.username, password)));
                    }
                    Ok(())
                }
            }
        }
    });
    // Reloaded after every change, refused ones too: after a refused role change (the last
    // administrator, say) the list shows the role that is really stored.
    let users = Fetch::new(move || {
        change.version().track();
        let query = ListUsersQuery {
            page: Some(page.get()),
            per_page: Some(50),
            q: Some(search.get()).filter(|q| !q.trim().is_empty()),
            ..Default::default()
        };
        async move { api::list_users(&query).await }
    });
    view! {
        <section>
            <div class="page-head"><h1>{tr("users.title")}</h1></div>
            {move || secret.get().map(|(username, password)| view! {
                <SecretNotice message="users.temporary_password" param="username" label=username secret=password code_id="temporary-password"/>
            })}
            {action_error(change)}
            <CreateUser on_created=Callback::new(move |created: CreatedUserResponse| {
                if let Some(password) = created.temporary_password {
                    secret.set(Some((created.user.username, password)));
                }
                users.refetch();
            })/>
            <div class="filters">
                <div class="field">
                    <label for="f-user-q">{tr("common.search")}</label>
                    <input id="f-user-q" type="search" prop:value=move || search.get() on:input=move |ev| { search.set(event_target_value(&ev)); page.set(1); }/>
                </div>
            </div>
            {move || {
                paged_table(
                    users.get().map(|r| r.map(|list| (list.data, list.meta))),
                    page,
                    "users.empty",
                    "users",
                    &["users.username", "users.full_name", "users.email", "users.role", "users.status", "users.last_login", ""],
                    move |user| view! { <UserRow user=user change=change/> },
                )
            }}
        </section>
    }
}

#[component]
fn UserRow(user: UserDto, change: Submit<(i64, UserChange), ()>) -> impl IntoView {
    let session = use_session();
    let id = user.id;
    let is_self = session.user.with_untracked(|me| me.as_ref().is_some_and(|me| me.id == id));
    let stored_role = user.role.as_str();
    let locked = user.locked_until.is_some_and(|until| until > Utc::now());
    let run = move |action: &'static str| {
        change.dispatch_local((id, UserChange::Toggle(action)));
    };
    let username = user.username.clone();
    let reset = move |_| {
        if confirm(&t_with("users.confirm_reset", &[("username", username.clone())])) {
            change.dispatch_local((id, UserChange::ResetPassword));
        }
    };
    let change_role = move |ev| {
        if let Some(role) = Role::parse(&event_target_value(&ev)) {
            change.dispatch_local((id, UserChange::Role(role)));
        }
    };
    let status_key = if !user.is_active {
        "users.inactive"
    } else if locked {
        "users.locked"
    } else {
        "users.active"
    };
    let active = user.is_active;
    view! {
        <tr>
            <td>{user.username.clone()}</td>
            <td>{user.full_name.clone()}</td>
            <td>{user.email.clone()}</td>
            <td>
                {if is_self {
                    view! { <span>{enum_tr("role", stored_role)}</span> }.into_any()
                } else {
                    view! {
                        <select aria-label=tr("users.role") on:change=change_role>
                            {role_names().into_iter().map(|name| view! {
                                <option value=name selected=stored_role == name>{enum_tr("role", name)}</option>
                            }).collect_view()}
                        </select>
                    }.into_any()
                }}
            </td>
            <td>{move || t(status_key)}</td>
            <td>{format::maybe_datetime(user.last_login_at)}</td>
            <td class="actions">
                {(!is_self).then(|| view! {
                    {if active {
                        view! { <button type="button" class="secondary" on:click=move |_| run("deactivate")>{tr("users.deactivate")}</button> }.into_any()
                    } else {
                        view! { <button type="button" class="secondary" on:click=move |_| run("activate")>{tr("users.activate")}</button> }.into_any()
                    }}
                    {locked.then(|| view! { <button type="button" class="secondary" on:click=move |_| run("unlock")>{tr("users.unlock")}</button> })}
                    <button type="button" class="secondary" on:click=reset.clone()>{tr("users.reset_password")}</button>
                })}
            </td>
        </tr>
    }
}

#[component]
fn CreateUser(on_created: Callback<CreatedUserResponse>) -> impl IntoView {
    let open = RwSignal::new(false);
    let username = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let full_name = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let role = RwSignal::new("viewer".to_owned());
    let create = Submit::new(move |request: &CreateUserRequest| {
        let request = request.clone();
        async move {
            let created = api::create_user(&request).await?;
            for field in [username, email, full_name, department] {
                field.set(String::new());
            }
            open.set(false);
            on_created.run(created.clone());
            Ok(created)
        }
    });
    let form = FormState::new(create);
    let username_check = Signal::derive(move || validate::username(&username.get()).map(|c| c.message()));
    let email_check = Signal::derive(move || validate::email(&email.get()).map(|c| c.message()));
    let name_check = Signal::derive(move || validate::max_length(&full_name.get(), 200).map(|c| c.message()));
    let department_check = Signal::derive(move || validate::max_length(&department.get(), 200).map(|c| c.message()));
    let submit = move |_: leptos::ev::SubmitEvent| {
        form.attempt();
        if [username_check, email_check, name_check, department_check].iter().any(|c| c.get_untracked().is_some()) {
            return;
        }
        let Some(role) = Role::parse(&role.get_untracked()) else { return };
        let request = CreateUserRequest {
            username: username.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            full_name: Some(full_name.get_untracked()),
            department: Some(department.get_untracked()),
            role,
            password: None,
            must_change_password: Some(true),
        };
        create.dispatch_local(request);
    };
    view! {
        <CreateForm open=open button_id="new-user" form_id="user-form" title="users.new" form=form on_submit=Callback::new(submit)>
            <div class="form-grid">
                <Field label="users.username" name="username" value=username form=form check=username_check required=true/>
                <Field label="users.email" name="email" value=email form=form check=email_check kind="email" required=true/>
                <Field label="users.full_name" name="full_name" value=full_name form=form check=name_check/>
                <Field label="users.department" name="department" value=department form=form check=department_check/>
                <SelectField label="users.role" name="role" value=role form=form options=enum_options("role", role_names())/>
            </div>
            <p class="muted">{tr("users.temporary_hint")}</p>
        </CreateForm>
    }
}
