//! API keys for scripts and tools: create with scopes, an optional job restriction and
//! expiry (the key is shown once, with a copy button), list, revoke.

use bms_types::api_keys::{ApiKeyScope, CreateApiKeyRequest, CreatedApiKeyResponse, ListApiKeysQuery};
use chrono::{TimeZone, Utc};
use leptos::prelude::*;

use crate::api;
use crate::components::{
    CheckField, CreateForm, Fetch, Field, FormState, SecretNotice, Submit, action_error, confirm, paged_table,
};
use crate::format;
use crate::i18n::{enum_label, t, t_with, tr};
use crate::validate::{self, Check};

/// Parses "3, 7" into job ids; `None` when any part is not a positive whole number.
pub fn parse_job_ids(value: &str) -> Option<Vec<i64>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.parse::<i64>().ok().filter(|id| *id > 0))
        .collect()
}

/// The API keys screen.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let include_revoked = RwSignal::new(false);
    let page = RwSignal::new(1u32);
    // The last created key, shown once.
    let created = RwSignal::new(None::<(String, String)>);
    let revoke = Submit::new(|id: &i64| api::revoke_api_key(*id));
    let keys = Fetch::new(move || {
        revoke.version().track();
        let query = ListApiKeysQuery {
            page: Some(page.get()),
            per_page: Some(50),
            include_revoked: Some(include_revoked.get()),
        };
        async move { api::list_api_keys(&query).await }
    });
    view! {
        <section>
            <div class="page-head"><h1>{tr("keys.title")}</h1></div>
            {move || created.get().map(|(name, key)| view! {
                <SecretNotice message="keys.created" param="name" label=name secret=key code_id="new-api-key"/>
            })}
            {action_error(revoke)}
            <CreateKey on_created=Callback::new(move |answer: CreatedApiKeyResponse| {
                created.set(Some((answer.api_key.name, answer.key)));
                keys.refetch();
            })/>
            <CheckField label="keys.include_revoked" name="include_revoked" value=include_revoked resets_page=page/>
            {move || {
                paged_table(
                    keys.get().map(|r| r.map(|list| (list.data, list.meta))),
                    page,
                    "keys.empty",
                    "keys",
                    &["keys.name", "keys.prefix", "keys.scopes", "keys.jobs", "keys.owner", "keys.last_used", "keys.expires", ""],
                    move |key| {
                                    let id = key.id;
                                    let name = key.name.clone();
                                    let scopes: Vec<&'static str> = key.scopes.iter().map(|s| s.as_str()).collect();
                                    let ask_revoke = move |_| {
                                        if confirm(&t_with("keys.confirm_revoke", &[("name", name.clone())])) {
                                            revoke.dispatch_local(id);
                                        }
                                    };
                                    let revoked = key.revoked_at;
                                    view! {
                                        <tr class:revoked=revoked.is_some()>
                                            <td>{key.name.clone()}</td>
                                            <td><code>{key.prefix.clone()} "…"</code></td>
                                            <td>{move || scopes.iter().map(|s| enum_label("scope", s)).collect::<Vec<_>>().join(", ")}</td>
                                            <td>{if key.job_ids.is_empty() { t("keys.all_jobs") } else { key.job_ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(", ") }}</td>
                                            <td>{key.created_by_username.clone().unwrap_or_default()}</td>
                                            <td>{format::maybe_datetime(key.last_used_at)}</td>
                                            <td>{format::maybe_datetime(key.expires_at)}</td>
                                            <td class="actions">
                                                {match revoked {
                                                    Some(at) => view! { <span class="muted">{move || t_with("keys.revoked_at", &[("time", format::datetime(at))])}</span> }.into_any(),
                                                    None => view! { <button type="button" class="danger" on:click=ask_revoke>{tr("keys.revoke")}</button> }.into_any(),
                                                }}
                                            </td>
                                        </tr>
                                    }
                                },
                )
            }}
        </section>
    }
}

#[component]
fn CreateKey(on_created: Callback<CreatedApiKeyResponse>) -> impl IntoView {
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let read = RwSignal::new(false);
    let ingest = RwSignal::new(true);
    let maintenance = RwSignal::new(false);
    let jobs = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let create = Submit::new(move |request: &CreateApiKeyRequest| {
        let request = request.clone();
        async move {
            let answer = api::create_api_key(&request).await?;
            name.set(String::new());
            jobs.set(String::new());
            open.set(false);
            on_created.run(answer.clone());
            Ok(answer)
        }
    });
    let form = FormState::new(create);
    let name_check = Signal::derive(move || validate::required_text(&name.get(), 100).map(|c| c.message()));
    let jobs_check = Signal::derive(move || parse_job_ids(&jobs.get()).is_none().then(|| t("check.job_ids")));
    let scope_missing = move || !read.get() && !ingest.get() && !maintenance.get();
    let submit = move |_: leptos::ev::SubmitEvent| {
        form.attempt();
        if name_check.get_untracked().is_some() || jobs_check.get_untracked().is_some() || scope_missing() {
            return;
        }
        let mut scopes = Vec::new();
        if read.get_untracked() {
            scopes.push(ApiKeyScope::Read);
        }
        if ingest.get_untracked() {
            scopes.push(ApiKeyScope::Ingest);
        }
        if maintenance.get_untracked() {
            scopes.push(ApiKeyScope::Maintenance);
        }
        let job_ids = parse_job_ids(&jobs.get_untracked()).unwrap_or_default();
        let expires_at = format::parse_date(&expires.get_untracked())
            .and_then(|day| day.and_hms_opt(23, 59, 59))
            .and_then(|end| chrono::Local.from_local_datetime(&end).earliest())
            .map(|local| local.with_timezone(&Utc));
        let request = CreateApiKeyRequest {
            name: name.get_untracked().trim().to_owned(),
            scopes,
            expires_at,
            job_ids: (!job_ids.is_empty()).then_some(job_ids),
        };
        create.dispatch_local(request);
    };
    view! {
        <CreateForm open=open button_id="new-key" form_id="key-form" title="keys.new" form=form on_submit=Callback::new(submit)>
            <div class="form-grid">
                <Field label="keys.name" name="name" value=name form=form check=name_check required=true/>
                <Field label="keys.jobs" name="job_ids" value=jobs form=form check=jobs_check hint="keys.jobs_hint" placeholder="3, 7"/>
                <Field label="keys.expires" name="expires_at" value=expires form=form kind="date"/>
            </div>
            <fieldset>
                <legend>{tr("keys.scopes")}</legend>
                <CheckField label="enum.scope.read" name="scope_read" value=read/>
                <CheckField label="enum.scope.ingest" name="scope_ingest" value=ingest/>
                <CheckField label="enum.scope.maintenance" name="scope_maintenance" value=maintenance/>
                <small class="hint" data-testid="scope-maintenance-hint">{tr("keys.maintenance_hint")}</small>
                <small class="field-error" aria-live="polite">
                    {move || (form.attempted() && scope_missing()).then(|| Check { key: "check.scopes", params: Vec::new() }.message())}
                </small>
            </fieldset>
        </CreateForm>
    }
}
