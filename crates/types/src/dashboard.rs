//! Dashboard summary and chart series.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::jobs::{ComplianceStatusDto, JobStateDto};

/// Count of jobs in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateCount {
    /// The state.
    pub state: JobStateDto,
    /// Jobs in it.
    pub count: u64,
}

/// Compliance counts over active jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceSummary {
    /// Compliant jobs.
    pub compliant: u64,
    /// Jobs with warnings.
    pub warning: u64,
    /// Non-compliant jobs.
    pub non_compliant: u64,
    /// Compliant share of evaluated active jobs, 0–100 (absent when there are none).
    pub compliance_rate: Option<f64>,
}

/// Finished runs by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultCounts {
    /// Successful runs.
    pub success: u64,
    /// Runs with warnings.
    pub warning: u64,
    /// Failed runs.
    pub failed: u64,
}

/// A job that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttentionItem {
    /// Job id.
    pub job_id: i64,
    /// Job name.
    pub name: String,
    /// Its state (late, missed, failed, overdue_running).
    pub state: JobStateDto,
    /// Since when.
    pub state_since: DateTime<Utc>,
    /// Its compliance status.
    pub compliance_status: ComplianceStatusDto,
}

/// The dashboard's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardSummary {
    /// All jobs.
    pub total_jobs: u64,
    /// Active jobs.
    pub active_jobs: u64,
    /// Jobs per state (every state listed, zeros included).
    pub jobs_by_state: Vec<StateCount>,
    /// Compliance of active jobs.
    pub compliance: ComplianceSummary,
    /// Runs finished in the last 24 hours (counted in whole UTC hours: the current hour and
    /// the 23 before it).
    pub last_24h: ResultCounts,
    /// Success rate (success + warning over all finished runs) of the last 7 days, 0–100.
    pub success_rate_7d: Option<f64>,
    /// The same over 30 days.
    pub success_rate_30d: Option<f64>,
    /// Late, missed, failed and overdue jobs (up to 50, most urgent first).
    pub attention: Vec<AttentionItem>,
    /// When the summary was computed.
    pub generated_at: DateTime<Utc>,
}

/// One day of the chart series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyPoint {
    /// The day in the server's `DEFAULT_TIMEZONE`.
    pub day: NaiveDate,
    /// Runs finished that day.
    pub results: ResultCounts,
    /// Success share of those runs, 0–100 (absent with no runs).
    pub success_rate: Option<f64>,
    /// Compliant share of the jobs evaluated that day, 0–100 (absent with none).
    pub compliance_rate: Option<f64>,
}

/// Chart series over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardSeries {
    /// Window length in days (7, 30 or 90).
    pub days: u32,
    /// One point per day, oldest first.
    pub points: Vec<DailyPoint>,
}

/// Parameters of the series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct SeriesQuery {
    /// 7, 30 (default) or 90.
    pub days: Option<u32>,
}
