//! Notifications: the channels (e-mail, Teams, Slack, webhook; admins edit, secrets are
//! write-only), the routes (which alerts go where), the delivery log, and the signed-in
//! person's own preferences.

use bms_types::alerts::{
    AlertRuleKind, ChannelDto, ChannelKind, ChannelRequest, DeliveryStatus, EmailSecurity, EmailSettingsDto,
    ListDeliveriesQuery, MessageLanguage, NotificationPreferencesDto, QuietHoursDto, RouteDto, RouteRequest, Severity,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query;
use leptos_router::params::Params;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::components::{
    CheckField, Empty, EnumBadge, Fetch, Field, FormError, FormState, MultiCheck, Pagination, SelectField, Submit,
    TextAreaField, action_error, confirm, enum_options, loaded, wire_names,
};
use crate::format;
use crate::i18n::{enum_label, t, t_with, tr};
use crate::validate;

/// Channels, routes, the delivery log and the alert rules, as tabs.
#[component]
pub fn NotificationTabs() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label=tr("nav.notifications")>
            <A href="/notifications/channels">{tr("channels.title")}</A>
            <A href="/notifications/routes">{tr("routes.title")}</A>
            <A href="/notifications/deliveries">{tr("deliveries.title")}</A>
            <A href="/alerts/rules" attr:data-testid="nav-alert-rules">{tr("nav.alert_rules")}</A>
        </nav>
    }
}

fn yes_no(value: bool) -> impl Fn() -> String {
    move || t(if value { "common.yes" } else { "common.no" })
}

// ---- channels ----

/// The fields the channel form shows.
const CHANNEL_FIELDS: &[&str] = &[
    "name",
    "kind",
    "language",
    "email.host",
    "email.port",
    "email.security",
    "email.username",
    "password",
    "email.from_address",
    "email.to_addresses",
    "email.ca_certificate_pem",
    "url",
    "signing_secret",
    "headers",
];

/// The fields the route form shows.
const ROUTE_FIELDS: &[&str] = &[
    "name",
    "tags",
    "job_ids",
    "severities",
    "rule_kinds",
    "channel_ids",
    "escalate_after_minutes",
    "renotify_hours",
    "escalation_channel_ids",
    "group_wait_seconds",
    "group_interval_seconds",
    "quiet_hours.start",
    "quiet_hours.end",
    "quiet_hours.timezone",
];

/// What the channel form is doing: `Some(None)` adds a channel, `Some(Some(c))` edits one.
type ChannelEditing = RwSignal<Option<Option<ChannelDto>>>;

/// A change to the channels.
#[derive(Clone)]
enum ChannelChange {
    Save(Option<i64>, ChannelRequest),
    Delete(i64),
}

/// The channels screen.
#[component]
pub fn ChannelsPage() -> impl IntoView {
    let session = use_session();
    let editing: ChannelEditing = RwSignal::new(None);
    let change = Submit::new(move |change: &ChannelChange| {
        let change = change.clone();
        async move {
            match change {
                ChannelChange::Save(id, request) => api::save_channel(id, &request).await.map(drop)?,
                ChannelChange::Delete(id) => api::delete_channel(id).await?,
            }
            editing.set(None);
            Ok::<_, ApiError>(())
        }
    });
    let test = Submit::new(|id: &i64| api::test_channel(*id));
    let channels = Fetch::new(move || {
        change.version().track();
        api::list_channels()
    });
    let open_form = move |channel: Option<ChannelDto>| {
        change.clear();
        editing.set(Some(channel));
    };
    view! {
        <section>
            <div class="page-head"><h1>{tr("nav.notifications")}</h1></div>
            <NotificationTabs/>
            {move || test.value().and_then(Result::ok).map(|delivery| view! {
                <div class="notice ok" role="status" data-testid="channel-test-queued">
                    {move || t_with("channels.test_queued", &[("channel", delivery.channel_name.clone()), ("id", delivery.id.to_string())])}
                    " " <A href=format!("/notifications/deliveries?channel_id={}", delivery.channel_id)>{tr("deliveries.title")}</A>
                </div>
            })}
            {action_error(test)}
            {move || editing.with(Option::is_none).then(|| action_error(change))}
            {move || loaded(channels.get(), move |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="channels.empty"/> }.into_any();
                }
                let rows = list.data.into_iter().map(|channel| {
                    let id = channel.id;
                    let kind = channel.kind.as_str();
                    let language = channel.language.as_str();
                    let settings = match &channel.email {
                        Some(email) => format!("{}:{} → {}", email.host, email.port, email.to_addresses.join(", ")),
                        None => channel.header_names.join(", "),
                    };
                    let secrets = channel.secrets_set.clone();
                    let managed = channel.managed_by_env;
                    let name = channel.name.clone();
                    let edit = channel.clone();
                    let remove = move |_| {
                        if confirm(&t_with("channels.confirm_delete", &[("name", name.clone())])) {
                            change.dispatch_local(ChannelChange::Delete(id));
                        }
                    };
                    view! {
                        <tr data-channel-id=id.to_string()>
                            <td>
                                {channel.name.clone()}
                                {managed.then(|| view! { " " <span class="badge" title=tr("channels.managed_by_env")>"MAIL_*"</span> })}
                            </td>
                            <td><EnumBadge kind="channel_kind" value=kind/></td>
                            <td>{move || enum_label("message_language", language)}</td>
                            <td>{yes_no(channel.enabled)}</td>
                            <td class="message">{settings}</td>
                            <td>{move || secrets.iter().map(|secret| t(&format!("channels.secret_{secret}"))).collect::<Vec<_>>().join(", ")}</td>
                            <td class="actions">
                                <Show when=move || session.is_admin()>
                                    <button type="button" class="secondary" data-testid="channel-test" disabled=move || test.pending().get()
                                        on:click=move |_| { test.dispatch_local(id); }>{tr("channels.test")}</button>
                                    {(!managed).then(|| {
                                        let edit = edit.clone();
                                        view! {
                                            <button type="button" class="secondary" on:click=move |_| open_form(Some(edit.clone()))>{tr("common.edit")}</button>
                                            <button type="button" class="danger" on:click=remove.clone()>{tr("common.delete")}</button>
                                        }
                                    })}
                                </Show>
                            </td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <div class="table-wrap">
                        <table class="channels" data-testid="channels-table">
                            <thead>
                                <tr>
                                    <th>{tr("channels.name")}</th>
                                    <th>{tr("channels.kind")}</th>
                                    <th>{tr("channels.language")}</th>
                                    <th>{tr("channels.enabled")}</th>
                                    <th>{tr("channels.settings")}</th>
                                    <th>{tr("channels.secrets")}</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            })}
            <p class="muted">{tr("channels.managed_note")}</p>
            <Show when=move || session.is_admin() && editing.with(Option::is_none)>
                <button type="button" id="new-channel" on:click=move |_| open_form(None)>{tr("channels.new")}</button>
            </Show>
            {move || editing.get().map(|channel| view! { <ChannelForm channel=channel editing=editing change=change/> })}
        </section>
    }
}

#[component]
fn ChannelForm(
    channel: Option<ChannelDto>,
    editing: ChannelEditing,
    change: Submit<ChannelChange, ()>,
) -> impl IntoView {
    let existing = channel.as_ref().map(|channel| channel.id);
    let secret_set = {
        let secrets = channel.as_ref().map(|c| c.secrets_set.clone()).unwrap_or_default();
        move |name: &str| secrets.iter().any(|secret| secret == name)
    };
    let email = channel.as_ref().and_then(|c| c.email.clone());
    let name = RwSignal::new(channel.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let kind = RwSignal::new(channel.as_ref().map_or("email", |c| c.kind.as_str()).to_owned());
    let language = RwSignal::new(channel.as_ref().map_or("ja", |c| c.language.as_str()).to_owned());
    let enabled = RwSignal::new(channel.as_ref().is_none_or(|c| c.enabled));
    let host = RwSignal::new(email.as_ref().map(|e| e.host.clone()).unwrap_or_default());
    let port = RwSignal::new(email.as_ref().map_or(587, |e| e.port).to_string());
    let security = RwSignal::new(email.as_ref().map_or("starttls", |e| e.security.as_str()).to_owned());
    let username = RwSignal::new(email.as_ref().and_then(|e| e.username.clone()).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let from = RwSignal::new(email.as_ref().map(|e| e.from_address.clone()).unwrap_or_default());
    let to = RwSignal::new(email.as_ref().map(|e| e.to_addresses.join("\n")).unwrap_or_default());
    let ca = RwSignal::new(email.as_ref().and_then(|e| e.ca_certificate_pem.clone()).unwrap_or_default());
    let webhook_url = RwSignal::new(String::new());
    let signing_secret = RwSignal::new(String::new());
    let headers = RwSignal::new(String::new());
    let form = FormState::new(change);
    let is_email = move || kind.get() == "email";
    let is_webhook = move || kind.get() == "webhook";
    let name_check = Signal::derive(move || validate::required_text(&name.get(), 100).map(|c| c.message()));
    let host_check = Signal::derive(move || {
        is_email().then(|| validate::required_text(&host.get(), 255)).flatten().map(|c| c.message())
    });
    let port_check = Signal::derive(move || {
        is_email().then(|| validate::number(&port.get(), 1, 65_535)).flatten().map(|c| c.message())
    });
    let from_check =
        Signal::derive(move || is_email().then(|| validate::email(&from.get())).flatten().map(|c| c.message()));
    let url_check = Signal::derive(move || {
        (!is_email() && existing.is_none())
            .then(|| validate::required(&webhook_url.get()))
            .flatten()
            .map(|c| c.message())
    });
    let headers_check =
        Signal::derive(move || is_webhook().then(|| validate::headers(&headers.get())).flatten().map(|c| c.message()));
    let secret = |value: RwSignal<String>| Some(value.get_untracked()).filter(|v| !v.trim().is_empty());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        if [name_check, host_check, port_check, from_check, url_check, headers_check]
            .iter()
            .any(|check| check.get_untracked().is_some())
        {
            return;
        }
        let Some(channel_kind) = ChannelKind::parse(&kind.get_untracked()) else { return };
        let email_kind = channel_kind == ChannelKind::Email;
        let webhook = channel_kind == ChannelKind::Webhook;
        let request = ChannelRequest {
            name: name.get_untracked().trim().to_owned(),
            kind: channel_kind,
            language: MessageLanguage::parse(&language.get_untracked()),
            enabled: Some(enabled.get_untracked()),
            email: email_kind.then(|| EmailSettingsDto {
                host: host.get_untracked().trim().to_owned(),
                port: port.get_untracked().trim().parse().unwrap_or(587),
                security: EmailSecurity::parse(&security.get_untracked()).unwrap_or(EmailSecurity::Starttls),
                username: Some(username.get_untracked().trim().to_owned()).filter(|u| !u.is_empty()),
                from_address: from.get_untracked().trim().to_owned(),
                to_addresses: validate::split_list(&to.get_untracked()),
                ca_certificate_pem: Some(ca.get_untracked().trim().to_owned()).filter(|pem| !pem.is_empty()),
            }),
            password: secret(password).filter(|_| email_kind),
            url: secret(webhook_url).filter(|_| !email_kind),
            signing_secret: secret(signing_secret).filter(|_| webhook),
            headers: secret(headers)
                .filter(|_| webhook)
                .and_then(|text| validate::parse_headers(&text))
                .map(|pairs| pairs.into_iter().collect()),
        };
        change.dispatch_local(ChannelChange::Save(existing, request));
    };
    let secret_hint =
        move |name: &str| if secret_set(name) { "channels.secret_is_set" } else { "channels.secret_not_set" };
    let password_hint = secret_hint("password");
    let url_hint = secret_hint("url");
    let signing_hint = secret_hint("signing_secret");
    let headers_hint = secret_hint("headers");
    let header_names = StoredValue::new(channel.as_ref().map(|c| c.header_names.join(", ")).unwrap_or_default());
    view! {
            <form class="panel inset" id="channel-form" on:submit=submit novalidate=true>
                <h2>{move || if existing.is_some() { t("channels.edit") } else { t("channels.new") }}</h2>
                <div class="form-grid">
                    <Field label="channels.name" name="name" value=name form=form check=name_check required=true/>
                    {if existing.is_some() {
                        let value = kind.get_untracked();
                        view! {
                            <div class="field"><label>{tr("channels.kind")}</label><span>{move || enum_label("channel_kind", &value)}</span></div>
                        }.into_any()
                    } else {
                        view! {
                            <SelectField label="channels.kind" name="kind" value=kind form=form
                                options=enum_options("channel_kind", wire_names(ChannelKind::ALL, ChannelKind::as_str))/>
                        }.into_any()
                    }}
                    <SelectField label="channels.language" name="language" value=language form=form
                        options=enum_options("message_language", wire_names(MessageLanguage::ALL, MessageLanguage::as_str))/>
                </div>
                <CheckField label="channels.enabled" name="enabled" value=enabled/>
                <Show when=is_email>
                    <fieldset>
                        <legend>{tr("channels.smtp")}</legend>
                        <div class="form-grid">
                            <Field label="channels.host" name="email.host" value=host form=form check=host_check placeholder="smtp.example.co.jp" required=true/>
                            <Field label="channels.port" name="email.port" value=port form=form check=port_check kind="number" required=true/>
                            <SelectField label="channels.security" name="email.security" value=security form=form
                                options=enum_options("email_security", wire_names(EmailSecurity::ALL, EmailSecurity::as_str))/>
                            <Field label="channels.username" name="email.username" value=username form=form autocomplete="off"/>
                            <Field label="channels.password" name="password" value=password form=form kind="password" autocomplete="new-password" hint=password_hint/>
                            <Field label="channels.from" name="email.from_address" value=from form=form check=from_check kind="email" placeholder="bms@example.co.jp" required=true/>
                        </div>
                        <TextAreaField label="channels.to" name="email.to_addresses" value=to form=form hint="channels.to_hint" placeholder="ops@example.co.jp"/>
                        <TextAreaField label="channels.ca_certificate" name="email.ca_certificate_pem" value=ca form=form hint="channels.ca_hint" placeholder="-----BEGIN CERTIFICATE-----" rows=4/>
                    </fieldset>
                </Show>
                <Show when=move || !is_email()>
                    <fieldset>
                        <legend>{tr("channels.webhook")}</legend>
                        <Field label="channels.url" name="url" value=webhook_url form=form check=url_check kind="password" autocomplete="off" hint=url_hint placeholder="https://"/>
                        <Show when=is_webhook>
                            <Field label="channels.signing_secret" name="signing_secret" value=signing_secret form=form kind="password" autocomplete="new-password" hint=signing_hint/>
                            <TextAreaField label="channels.headers" name="headers" value=headers form=form hint=headers_hint placeholder="Authorization: Bearer …"/>
                            {move || {
                                let names = header_names.get_value();
                                (!names.is_empty()).then(||
    view! { <p class="muted">{tr("channels.header_names")} ": " {names}</p> })
                            }}
                            <small class="field-error">{move || headers_check.get().filter(|_| form.attempted()).unwrap_or_default()}</small>
                        </Show>
                    </fieldset>
                </Show>
                <FormError form=form placed=CHANNEL_FIELDS/>
                <div class="button-row">
                    <button type="submit" disabled=move || form.busy()>{tr("common.save")}</button>
                    <button type="button" class="secondary" on:click=move |_| editing.set(None)>{tr("common.cancel")}</button>
                </div>
            </form>
        }
}

// ---- routes ----

type RouteEditing = RwSignal<Option<Option<RouteDto>>>;

#[derive(Clone)]
enum RouteChange {
    Save(Option<i64>, RouteRequest),
    Delete(i64),
}

fn channel_names(channels: &[ChannelDto], ids: &[i64]) -> String {
    ids.iter()
        .map(|id| channels.iter().find(|c| c.id == *id).map_or_else(|| format!("#{id}"), |c| c.name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The routes screen.
#[component]
pub fn RoutesPage() -> impl IntoView {
    let session = use_session();
    let editing: RouteEditing = RwSignal::new(None);
    let change = Submit::new(move |change: &RouteChange| {
        let change = change.clone();
        async move {
            match change {
                RouteChange::Save(id, request) => api::save_route(id, &request).await.map(drop)?,
                RouteChange::Delete(id) => api::delete_route(id).await?,
            }
            editing.set(None);
            Ok::<_, ApiError>(())
        }
    });
    let routes = Fetch::new(move || {
        change.version().track();
        api::list_routes()
    });
    let channels = Fetch::new(api::list_channels);
    let channel_list =
        Signal::derive(move || channels.get().and_then(Result::ok).map(|list| list.data).unwrap_or_default());
    let open_form = move |route: Option<RouteDto>| {
        change.clear();
        editing.set(Some(route));
    };
    view! {
        <section>
            <div class="page-head"><h1>{tr("nav.notifications")}</h1></div>
            <NotificationTabs/>
            {move || editing.with(Option::is_none).then(|| action_error(change))}
            {move || loaded(routes.get(), move |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="routes.empty"/> }.into_any();
                }
                let rows = list.data.into_iter().map(|route| {
                    let id = route.id;
                    let names = move |ids: Vec<i64>| move || channel_list.with(|channels| channel_names(channels, &ids));
                    let severities = route.severities.clone();
                    let kinds = route.rule_kinds.clone();
                    let matches = move || {
                        let mut parts = Vec::new();
                        if !severities.is_empty() {
                            parts.push(severities.iter().map(|s| enum_label("severity", s.as_str())).collect::<Vec<_>>().join("/"));
                        }
                        if !kinds.is_empty() {
                            parts.push(kinds.iter().map(|k| enum_label("alert_rule", k.as_str())).collect::<Vec<_>>().join(", "));
                        }
                        if parts.is_empty() { t("routes.all_alerts") } else { parts.join(" · ") }
                    };
                    let scope = [
                        (!route.tags.is_empty()).then(|| route.tags.join(", ")),
                        (!route.job_ids.is_empty()).then(|| route.job_ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(", ")),
                    ].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                    let escalation = route.escalate_after_minutes.map(|minutes| (minutes, route.escalation_channel_ids.clone()));
                    let quiet = route.quiet_hours.clone().map(|q| format!("{}–{} {}", q.start, q.end, q.timezone)).unwrap_or_else(|| "—".to_owned());
                    let managed = route.managed_by_env;
                    let name = route.name.clone();
                    let edit = route.clone();
                    let remove = move |_| {
                        if confirm(&t_with("routes.confirm_delete", &[("name", name.clone())])) {
                            change.dispatch_local(RouteChange::Delete(id));
                        }
                    };
                    view! {
                        <tr data-route-id=id.to_string()>
                            <td>
                                {route.name.clone()}
                                {managed.then(|| view! { " " <span class="badge" title=tr("routes.managed_by_env")>"MAIL_*"</span> })}
                                {(!route.enabled).then(|| view! { <span class="muted">" · " {tr("routes.disabled")}</span> })}
                            </td>
                            <td>{matches} {(!scope.is_empty()).then(|| view! { <br/><span class="muted">{scope}</span> })}</td>
                            <td>
                                {names(route.channel_ids.clone())}
                                {route.notify_staff.then(|| view! { <br/><span class="muted">{tr("routes.notify_staff")}</span> })}
                            </td>
                            <td>
                                {escalation.map(|(minutes, ids)| view! {
                                    {move || t_with("routes.escalate_summary", &[("minutes", minutes.to_string())])} " → " {names(ids)}
                                })}
                            </td>
                            <td>{route.renotify_hours.map_or_else(|| "—".to_owned(), |h| format!("{h} h"))}</td>
                            <td>{format!("{} s / {} s", route.group_wait_seconds, route.group_interval_seconds)}</td>
                            <td>{quiet}</td>
                            <td>{route.subscriber_count}</td>
                            <td class="actions">
                                <Show when=move || session.is_admin() && !managed>
                                    <button type="button" class="secondary" on:click={
                                        let edit = edit.clone();
                                        move |_| open_form(Some(edit.clone()))
                                    }>{tr("common.edit")}</button>
                                    <button type="button" class="danger" on:click=remove.clone()>{tr("common.delete")}</button>
                                </Show>
                            </td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <div class="table-wrap">
                        <table class="routes" data-testid="routes-table">
                            <thead>
                                <tr>
                                    <th>{tr("routes.name")}</th>
                                    <th>{tr("routes.matches")}</th>
                                    <th>{tr("routes.channels")}</th>
                                    <th>{tr("routes.escalation")}</th>
                                    <th>{tr("routes.renotify_hours")}</th>
                                    <th>{tr("routes.grouping")}</th>
                                    <th>{tr("routes.quiet_hours")}</th>
                                    <th>{tr("routes.subscribers")}</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            })}
            <p class="muted">{tr("routes.managed_note")}</p>
            <Show when=move || session.is_admin() && editing.with(Option::is_none)>
                <button type="button" id="new-route" on:click=move |_| open_form(None)>{tr("routes.new")}</button>
            </Show>
            {move || editing.get().map(|route| view! { <RouteForm route=route editing=editing change=change channels=channel_list/> })}
        </section>
    }
}

fn joined_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

fn optional_text(value: Option<i64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

#[component]
fn RouteForm(
    route: Option<RouteDto>,
    editing: RouteEditing,
    change: Submit<RouteChange, ()>,
    channels: Signal<Vec<ChannelDto>>,
) -> impl IntoView {
    let existing = route.as_ref().map(|route| route.id);
    let r = route.as_ref();
    let name = RwSignal::new(r.map(|r| r.name.clone()).unwrap_or_default());
    let enabled = RwSignal::new(r.is_none_or(|r| r.enabled));
    let severities = RwSignal::new(
        r.map(|r| r.severities.iter().map(|s| s.as_str().to_owned()).collect::<Vec<String>>()).unwrap_or_default(),
    );
    let rule_kinds = RwSignal::new(
        r.map(|r| r.rule_kinds.iter().map(|k| k.as_str().to_owned()).collect::<Vec<String>>()).unwrap_or_default(),
    );
    let tags = RwSignal::new(r.map(|r| r.tags.join(", ")).unwrap_or_default());
    let job_ids = RwSignal::new(r.map(|r| joined_ids(&r.job_ids)).unwrap_or_default());
    let channel_ids =
        RwSignal::new(r.map(|r| r.channel_ids.iter().map(i64::to_string).collect::<Vec<String>>()).unwrap_or_default());
    let notify_staff = RwSignal::new(r.is_some_and(|r| r.notify_staff));
    let escalate = RwSignal::new(optional_text(r.and_then(|r| r.escalate_after_minutes)));
    let escalation_ids = RwSignal::new(
        r.map(|r| r.escalation_channel_ids.iter().map(i64::to_string).collect::<Vec<String>>()).unwrap_or_default(),
    );
    let renotify = RwSignal::new(optional_text(r.and_then(|r| r.renotify_hours)));
    let group_wait = RwSignal::new(r.map_or(30, |r| r.group_wait_seconds).to_string());
    let group_interval = RwSignal::new(r.map_or(300, |r| r.group_interval_seconds).to_string());
    let quiet = r.and_then(|r| r.quiet_hours.clone());
    let quiet_start = RwSignal::new(quiet.as_ref().map(|q| q.start.clone()).unwrap_or_default());
    let quiet_end = RwSignal::new(quiet.as_ref().map(|q| q.end.clone()).unwrap_or_default());
    let quiet_zone = RwSignal::new(quiet.as_ref().map_or_else(format::local_zone_name, |q| q.timezone.clone()));
    let form = FormState::new(change);
    let name_check = Signal::derive(move || validate::required_text(&name.get(), 100).map(|c| c.message()));
    let tags_check = Signal::derive(move || validate::tags(&tags.get()).map(|c| c.message()));
    let jobs_check = Signal::derive(move || validate::ids(&job_ids.get()).map(|c| c.message()));
    let escalate_check =
        Signal::derive(move || validate::optional_number(&escalate.get(), 1, 10_080).map(|c| c.message()));
    let renotify_check =
        Signal::derive(move || validate::optional_number(&renotify.get(), 1, 168).map(|c| c.message()));
    let wait_check = Signal::derive(move || validate::number(&group_wait.get(), 0, 3_600).map(|c| c.message()));
    let interval_check =
        Signal::derive(move || validate::number(&group_interval.get(), 0, 86_400).map(|c| c.message()));
    let start_check = Signal::derive(move || validate::optional_time(&quiet_start.get()).map(|c| c.message()));
    let end_check = Signal::derive(move || validate::optional_time(&quiet_end.get()).map(|c| c.message()));
    let channel_options = Signal::derive(move || {
        channels.with(|list| {
            list.iter()
                .map(|c| (c.id.to_string(), format!("{} ({})", c.name, enum_label("channel_kind", c.kind.as_str()))))
                .collect::<Vec<_>>()
        })
    });
    let ids_of = |values: Vec<String>| values.iter().filter_map(|v| v.parse().ok()).collect::<Vec<i64>>();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        let checks = [
            name_check,
            tags_check,
            jobs_check,
            escalate_check,
            renotify_check,
            wait_check,
            interval_check,
            start_check,
            end_check,
        ];
        if checks.iter().any(|check| check.get_untracked().is_some()) {
            return;
        }
        let (start, end) = (quiet_start.get_untracked().trim().to_owned(), quiet_end.get_untracked().trim().to_owned());
        let request = RouteRequest {
            name: name.get_untracked().trim().to_owned(),
            enabled: Some(enabled.get_untracked()),
            severities: severities.get_untracked().iter().filter_map(|s| Severity::parse(s)).collect(),
            rule_kinds: rule_kinds.get_untracked().iter().filter_map(|k| AlertRuleKind::parse(k)).collect(),
            tags: validate::split_tags(&tags.get_untracked()),
            job_ids: validate::split_ids(&job_ids.get_untracked()).unwrap_or_default(),
            channel_ids: ids_of(channel_ids.get_untracked()),
            notify_staff: notify_staff.get_untracked(),
            escalate_after_minutes: validate::parse_optional(&escalate.get_untracked()),
            escalation_channel_ids: ids_of(escalation_ids.get_untracked()),
            renotify_hours: validate::parse_optional(&renotify.get_untracked()),
            group_wait_seconds: validate::parse_optional(&group_wait.get_untracked()),
            group_interval_seconds: validate::parse_optional(&group_interval.get_untracked()),
            quiet_hours: (!start.is_empty() || !end.is_empty()).then(|| QuietHoursDto {
                start,
                end,
                timezone: quiet_zone.get_untracked().trim().to_owned(),
            }),
        };
        change.dispatch_local(RouteChange::Save(existing, request));
    };
    view! {
        <form class="panel inset" id="route-form" on:submit=submit novalidate=true>
            <h2>{move || if existing.is_some() { t("routes.edit") } else { t("routes.new") }}</h2>
            <div class="form-grid">
                <Field label="routes.name" name="name" value=name form=form check=name_check required=true/>
                <Field label="routes.tags" name="tags" value=tags form=form check=tags_check hint="routes.empty_any" placeholder="prod, db"/>
                <Field label="routes.job_ids" name="job_ids" value=job_ids form=form check=jobs_check hint="routes.empty_any" placeholder="12, 15"/>
            </div>
            <CheckField label="routes.enabled" name="enabled" value=enabled/>
            <MultiCheck label="routes.severities" name="severities" value=severities form=form hint="routes.empty_all"
                options=enum_options("severity", wire_names(Severity::ALL, Severity::as_str))/>
            <MultiCheck label="routes.rule_kinds" name="rule_kinds" value=rule_kinds form=form hint="routes.empty_all"
                options=enum_options("alert_rule", wire_names(AlertRuleKind::ALL, AlertRuleKind::as_str))/>
            <MultiCheck label="routes.channels" name="channel_ids" value=channel_ids form=form options=channel_options/>
            <CheckField label="routes.notify_staff" name="notify_staff" value=notify_staff/>
            <fieldset>
                <legend>{tr("routes.escalation")}</legend>
                <div class="form-grid">
                    <Field label="routes.escalate_after_minutes" name="escalate_after_minutes" value=escalate form=form check=escalate_check kind="number" hint="routes.escalate_hint"/>
                    <Field label="routes.renotify_hours" name="renotify_hours" value=renotify form=form check=renotify_check kind="number" hint="routes.renotify_hint"/>
                </div>
                <MultiCheck label="routes.escalation_channels" name="escalation_channel_ids" value=escalation_ids form=form options=channel_options/>
            </fieldset>
            <fieldset>
                <legend>{tr("routes.grouping")}</legend>
                <div class="form-grid">
                    <Field label="routes.group_wait_seconds" name="group_wait_seconds" value=group_wait form=form check=wait_check kind="number"/>
                    <Field label="routes.group_interval_seconds" name="group_interval_seconds" value=group_interval form=form check=interval_check kind="number"/>
                </div>
            </fieldset>
            <fieldset>
                <legend>{tr("routes.quiet_hours")}</legend>
                <div class="form-grid">
                    <Field label="routes.quiet_start" name="quiet_hours.start" value=quiet_start form=form check=start_check placeholder="22:00"/>
                    <Field label="routes.quiet_end" name="quiet_hours.end" value=quiet_end form=form check=end_check placeholder="07:00"/>
                    <Field label="routes.timezone" name="quiet_hours.timezone" value=quiet_zone form=form placeholder="Asia/Tokyo"/>
                </div>
                <small class="hint">{tr("routes.quiet_hint")}</small>
            </fieldset>
            <FormError form=form placed=ROUTE_FIELDS/>
            <div class="button-row">
                <button type="submit" disabled=move || form.busy()>{tr("common.save")}</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(None)>{tr("common.cancel")}</button>
            </div>
        </form>
    }
}

// ---- the delivery log ----

/// Filters a link may set (`/notifications/deliveries?alert_id=7`).
#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct DeliveriesUrl {
    /// A delivery status's wire name.
    pub status: Option<String>,
    /// Only this channel.
    pub channel_id: Option<i64>,
    /// Only deliveries about this alert.
    pub alert_id: Option<i64>,
}

/// The delivery log.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let url = use_query::<DeliveriesUrl>().get_untracked().unwrap_or_default();
    let status = RwSignal::new(url.status.unwrap_or_default());
    let channel = RwSignal::new(url.channel_id.map(|id| id.to_string()).unwrap_or_default());
    let alert = RwSignal::new(url.alert_id);
    let page = RwSignal::new(1u32);
    let channels = Fetch::new(api::list_channels);
    let channel_options = Signal::derive(move || {
        channels
            .get()
            .and_then(Result::ok)
            .map(|list| list.data.into_iter().map(|c| (c.id.to_string(), c.name)).collect())
            .unwrap_or_default()
    });
    let deliveries = Fetch::new(move || {
        let query = ListDeliveriesQuery {
            page: Some(page.get()),
            per_page: Some(50),
            status: DeliveryStatus::parse(&status.get()),
            channel_id: channel.get().parse().ok(),
            alert_id: alert.get(),
        };
        async move { api::list_deliveries(&query).await }
    });
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("nav.notifications")}</h1>
                <button type="button" class="secondary" on:click=move |_| deliveries.refetch()>{tr("common.refresh")}</button>
            </div>
            <NotificationTabs/>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <SelectField label="deliveries.status" name="status" value=status blank="common.any" resets_page=page
                    options=enum_options("delivery_status", wire_names(DeliveryStatus::ALL, DeliveryStatus::as_str))/>
                <SelectField label="deliveries.channel" name="channel_id" value=channel blank="common.any" resets_page=page options=channel_options/>
                {move || alert.get().map(|id| view! {
                    <div class="field">
                        <span>{move || t_with("deliveries.for_alert", &[("id", id.to_string())])}</span>
                        <button type="button" class="link" on:click=move |_| { alert.set(None); page.set(1); }>{tr("deliveries.all_alerts")}</button>
                    </div>
                })}
            </form>
            {move || loaded(deliveries.get(), move |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="deliveries.empty"/> }.into_any();
                }
                let meta = list.meta;
                let rows = list.data.into_iter().map(|delivery| {
                    let status = delivery.status.as_str();
                    let event = delivery.event.as_str();
                    let kind = delivery.channel_kind.as_str();
                    let last_error = delivery.attempt_log.last().and_then(|attempt| {
                        let status = attempt.status.clone().map(|s| format!("[{s}] ")).unwrap_or_default();
                        attempt.error.clone().map(|error| format!("{status}{error}"))
                    });
                    let alerts = delivery.alert_ids.iter().map(|id| { let id = *id; view! { <A href=format!("/alerts/{id}")>"#" {id}</A> " " } }).collect_view();
                    view! {
                        <tr data-delivery-id=delivery.id.to_string() data-status=status>
                            <td>{format::datetime(delivery.created_at)}</td>
                            <td>{delivery.channel_name.clone()} " " <span class="muted">{move || enum_label("channel_kind", kind)}</span></td>
                            <td>{move || enum_label("notification_event", event)}</td>
                            <td class="message">{delivery.subject.clone()} <br/> {alerts}</td>
                            <td><EnumBadge kind="delivery_status" value=status/></td>
                            <td>{delivery.attempts}</td>
                            <td>{format::maybe_datetime(delivery.next_attempt_at)}</td>
                            <td class="message">{last_error.unwrap_or_else(|| "—".to_owned())}</td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <div class="table-wrap">
                        <table class="deliveries" data-testid="deliveries-table">
                            <thead>
                                <tr>
                                    <th>{tr("deliveries.time")}</th>
                                    <th>{tr("deliveries.channel")}</th>
                                    <th>{tr("deliveries.event")}</th>
                                    <th>{tr("deliveries.subject")}</th>
                                    <th>{tr("deliveries.status")}</th>
                                    <th>{tr("deliveries.attempts")}</th>
                                    <th>{tr("deliveries.next_attempt")}</th>
                                    <th>{tr("deliveries.last_error")}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    <Pagination meta=meta page=page/>
                }.into_any()
            })}
        </section>
    }
}

// ---- my preferences ----

/// The signed-in person's notification preferences (`/me/notifications`).
#[component]
pub fn MyNotificationsPage() -> impl IntoView {
    let preferences = Fetch::new(api::my_notifications);
    let routes = Fetch::new(api::list_routes);
    view! {
        <section class="panel narrow wide">
            <h1>{tr("my_notifications.title")}</h1>
            <p class="muted">{tr("my_notifications.intro")}</p>
            {move || loaded(preferences.get(), move |current| {
                let route_options = Signal::derive(move || {
                    routes
                        .get()
                        .and_then(Result::ok)
                        .map(|list| list.data.into_iter().filter(|r| r.enabled).map(|r| (r.id.to_string(), r.name)).collect())
                        .unwrap_or_default()
                });
                view! { <PreferencesForm current=current routes=route_options/> }
            })}
        </section>
    }
}

#[component]
fn PreferencesForm(current: NotificationPreferencesDto, routes: Signal<Vec<(String, String)>>) -> impl IntoView {
    let language = RwSignal::new(current.language.as_str().to_owned());
    let opt_out = RwSignal::new(current.email_opt_out);
    let subscribed = RwSignal::new(current.subscribed_route_ids.iter().map(i64::to_string).collect::<Vec<_>>());
    let save = Submit::new(|preferences: &NotificationPreferencesDto| {
        let preferences = preferences.clone();
        async move { api::save_my_notifications(&preferences).await }
    });
    let form = FormState::new(save);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        let preferences = NotificationPreferencesDto {
            language: MessageLanguage::parse(&language.get_untracked()).unwrap_or(MessageLanguage::Ja),
            email_opt_out: opt_out.get_untracked(),
            subscribed_route_ids: subscribed.get_untracked().iter().filter_map(|id| id.parse().ok()).collect(),
        };
        save.dispatch_local(preferences);
    };
    view! {
        <form id="notification-preferences" on:submit=submit novalidate=true>
            <SelectField label="my_notifications.language" name="language" value=language form=form
                options=enum_options("message_language", wire_names(MessageLanguage::ALL, MessageLanguage::as_str))/>
            <CheckField label="my_notifications.email_opt_out" name="email_opt_out" value=opt_out/>
            <p class="hint">{tr("my_notifications.opt_out_hint")}</p>
            <MultiCheck label="my_notifications.routes" name="subscribed_route_ids" value=subscribed form=form options=routes
                hint="my_notifications.routes_hint"/>
            <FormError form=form/>
            {move || save.value().and_then(Result::ok).filter(|_| !save.pending().get()).map(|_| view! {
                <div class="notice ok" role="status">{tr("my_notifications.saved")}</div>
            })}
            <button type="submit" disabled=move || form.busy()>{tr("common.save")}</button>
        </form>
    }
}
