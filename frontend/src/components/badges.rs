//! Coloured badges for job states, compliance statuses, rule outcomes and run results, and
//! one generic badge for the other wire enums (severities, alert and delivery statuses...).

use bms_types::jobs::{ComplianceStatusDto, JobStateDto, RuleOutcomeDto};
use leptos::prelude::*;

use crate::i18n::enum_tr;

/// A job's state as a coloured badge.
#[component]
pub fn StateBadge(state: JobStateDto) -> impl IntoView {
    let value = state.as_str();
    view! { <span class=format!("badge state-{value}")>{enum_tr("state", value)}</span> }
}

/// A compliance status as a coloured badge.
#[component]
pub fn ComplianceBadge(status: ComplianceStatusDto) -> impl IntoView {
    let value = status.as_str();
    view! { <span class=format!("badge compliance-{value}")>{enum_tr("compliance", value)}</span> }
}

/// A rule outcome as a coloured badge.
#[component]
pub fn OutcomeBadge(outcome: RuleOutcomeDto) -> impl IntoView {
    let value = outcome.as_str();
    view! { <span class=format!("badge outcome-{value}")>{enum_tr("outcome", value)}</span> }
}

/// A result (success, failed...) as a coloured badge.
#[component]
pub fn ResultBadge(result: &'static str) -> impl IntoView {
    view! { <span class=format!("badge result-{result}")>{enum_tr("result", result)}</span> }
}

/// Any wire enum's label as a badge, coloured by the class `{kind}-{value}` (e.g.
/// `severity-critical`, `alert_status-firing`).
#[component]
pub fn EnumBadge(kind: &'static str, value: &'static str) -> impl IntoView {
    view! { <span class=format!("badge {kind}-{value}") data-value=value>{enum_tr(kind, value)}</span> }
}
