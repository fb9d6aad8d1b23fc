//! The dashboard: a summary (jobs by state, compliance, recent results, success rates,
//! jobs needing attention) and daily chart series. Everything is read from stored
//! aggregates (`job_status`, `execution_daily_counts`, `compliance_daily`) so the cost
//! does not grow with the number of executions. Rates are computed by one function and
//! are always within 0–100.

pub mod handlers;
pub mod queries;

use bms_types::dashboard::ResultCounts;
use bms_types::executions::ExecutionResult;

/// The last computed summary, reused for `DASHBOARD_CACHE_SECONDS` of wall-clock time.
#[derive(Debug, Clone, Default)]
pub struct SummaryCache {
    latest: std::sync::Arc<std::sync::Mutex<Option<(std::time::Instant, bms_types::dashboard::DashboardSummary)>>>,
}

impl SummaryCache {
    /// The cached summary when younger than `ttl`.
    pub fn get(&self, ttl: std::time::Duration) -> Option<bms_types::dashboard::DashboardSummary> {
        let latest = self.latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        latest.as_ref().filter(|(at, _)| at.elapsed() < ttl).map(|(_, summary)| summary.clone())
    }

    /// Keeps a freshly computed summary.
    pub fn put(&self, summary: bms_types::dashboard::DashboardSummary) {
        *self.latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((std::time::Instant::now(), summary));
    }
}

/// `part` as a percentage of `whole`, rounded to one decimal; `None` when `whole` is 0.
pub fn percentage(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let part = part.min(whole);
    #[allow(clippy::cast_precision_loss)]
    let raw = part as f64 * 100.0 / whole as f64;
    Some((raw * 10.0).round() / 10.0)
}

/// Success rate of a set of runs: success and warning over all finished runs.
pub fn success_rate(counts: &ResultCounts) -> Option<f64> {
    percentage(counts.success + counts.warning, counts.success + counts.warning + counts.failed)
}

/// Adds `count` runs of `result` to a set of counters (other results are not counted).
pub fn add_count(counts: &mut ResultCounts, result: &str, count: u64) {
    match ExecutionResult::parse(result) {
        Some(ExecutionResult::Success) => counts.success += count,
        Some(ExecutionResult::Warning) => counts.warning += count,
        Some(ExecutionResult::Failed) => counts.failed += count,
        Some(ExecutionResult::Running | ExecutionResult::Log) | None => {}
    }
}

/// Sums `(result, count)` rows from the counter tables.
pub fn tally(rows: impl IntoIterator<Item = (String, i64)>) -> ResultCounts {
    let mut counts = ResultCounts::default();
    for (result, count) in rows {
        add_count(&mut counts, &result, count.unsigned_abs());
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_stay_within_bounds_and_round() {
        assert_eq!(percentage(0, 0), None);
        assert_eq!(percentage(1, 3), Some(33.3));
        assert_eq!(percentage(2, 3), Some(66.7));
        assert_eq!(percentage(5, 5), Some(100.0));
        assert_eq!(percentage(7, 5), Some(100.0), "never above 100");
        assert_eq!(success_rate(&ResultCounts { success: 6, warning: 2, failed: 2 }), Some(80.0));
    }
}
