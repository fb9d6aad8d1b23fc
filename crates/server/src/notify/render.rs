//! Messages in Japanese and English, rendered once when a delivery is made: the e-mail
//! subject, plain text and HTML; the Teams Adaptive Card; the Slack Block Kit message; the
//! generic webhook's JSON. A group of alerts is one message with the list (the first
//! `LIST_LIMIT` lines, then a count and a link to the alerts page).

use bms_types::alerts::{AlertRuleKind, AlertStatus, MessageLanguage, NotificationEvent, Severity};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Lines listed in one message; the rest are counted and linked.
pub const LIST_LIMIT: usize = 50;

/// One alert as a message shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLine {
    pub id: i64,
    pub severity: Severity,
    pub rule: AlertRuleKind,
    pub status: AlertStatus,
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub summary_en: String,
    pub summary_ja: String,
    pub fired_at: DateTime<Utc>,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject / title.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

fn severity_label(severity: Severity, lang: MessageLanguage) -> &'static str {
    match (severity, lang) {
        (Severity::Critical, MessageLanguage::En) => "CRITICAL",
        (Severity::Warning, MessageLanguage::En) => "WARNING",
        (Severity::Info, MessageLanguage::En) => "INFO",
        (Severity::Critical, MessageLanguage::Ja) => "重大",
        (Severity::Warning, MessageLanguage::Ja) => "警告",
        (Severity::Info, MessageLanguage::Ja) => "情報",
    }
}

/// A rule kind's name.
pub fn rule_label(rule: AlertRuleKind, lang: MessageLanguage) -> &'static str {
    use AlertRuleKind as K;
    match lang {
        MessageLanguage::En => match rule {
            K::RunFailed => "run failed",
            K::ConsecutiveFailures => "consecutive failures",
            K::Late => "late",
            K::Missed => "missed",
            K::RunningTooLong => "running too long",
            K::ComplianceWorse => "3-2-1-1-0 got worse",
            K::CopyStale => "copy stale",
            K::ApiKeyExpiring => "API key expiring",
            K::DiskSpaceLow => "low disk space",
            K::RestoreTestFailed => "restore test failed",
            K::RestoreTestOverdue => "restore test overdue",
            K::RestoreTestDueSoon => "restore test due soon",
            K::MediaLoanOverdue => "medium not returned",
            K::MediaUnsafeWrite => "backup written to an unsafe medium",
            K::RotationDue => "rotation set due",
        },
        MessageLanguage::Ja => match rule {
            K::RunFailed => "実行失敗",
            K::ConsecutiveFailures => "連続失敗",
            K::Late => "遅延",
            K::Missed => "未実行",
            K::RunningTooLong => "実行時間超過",
            K::ComplianceWorse => "3-2-1-1-0 の悪化",
            K::CopyStale => "コピーの鮮度切れ",
            K::ApiKeyExpiring => "API キーの期限切れ間近",
            K::DiskSpaceLow => "ディスク空き容量不足",
            K::RestoreTestFailed => "復元テスト失敗",
            K::RestoreTestOverdue => "復元テスト期限超過",
            K::RestoreTestDueSoon => "復元テスト期限間近",
            K::MediaLoanOverdue => "媒体の返却遅れ",
            K::MediaUnsafeWrite => "不適切な媒体へのバックアップ",
            K::RotationDue => "ローテーション媒体の準備",
        },
    }
}

fn event_label(event: NotificationEvent, count: usize, lang: MessageLanguage) -> String {
    match (event, lang) {
        (NotificationEvent::Fired, MessageLanguage::En) => format!("{count} alerts fired"),
        (NotificationEvent::Resolved, MessageLanguage::En) => format!("{count} alerts resolved"),
        (NotificationEvent::Reminder, MessageLanguage::En) => format!("{count} alerts still firing"),
        (NotificationEvent::Escalation, MessageLanguage::En) => format!("{count} alerts unacknowledged (escalated)"),
        (NotificationEvent::Test, MessageLanguage::En) => "test message".to_owned(),
        (NotificationEvent::Fired, MessageLanguage::Ja) => format!("{count} 件のアラートが発生"),
        (NotificationEvent::Resolved, MessageLanguage::Ja) => format!("{count} 件のアラートが解決"),
        (NotificationEvent::Reminder, MessageLanguage::Ja) => format!("{count} 件のアラートが継続中"),
        (NotificationEvent::Escalation, MessageLanguage::Ja) => {
            format!("{count} 件のアラートが未確認 (エスカレーション)")
        }
        (NotificationEvent::Test, MessageLanguage::Ja) => "テストメッセージ".to_owned(),
    }
}

fn prefix(event: NotificationEvent, severity: Severity, lang: MessageLanguage) -> String {
    let severity = severity_label(severity, lang);
    match (event, lang) {
        (NotificationEvent::Fired, _) => severity.to_owned(),
        (NotificationEvent::Resolved, MessageLanguage::En) => "RESOLVED".to_owned(),
        (NotificationEvent::Resolved, MessageLanguage::Ja) => "解決".to_owned(),
        (NotificationEvent::Reminder, MessageLanguage::En) => format!("STILL FIRING {severity}"),
        (NotificationEvent::Reminder, MessageLanguage::Ja) => format!("継続中 {severity}"),
        (NotificationEvent::Escalation, MessageLanguage::En) => format!("ESCALATED {severity}"),
        (NotificationEvent::Escalation, MessageLanguage::Ja) => format!("エスカレーション {severity}"),
        (NotificationEvent::Test, MessageLanguage::En) => "TEST".to_owned(),
        (NotificationEvent::Test, MessageLanguage::Ja) => "テスト".to_owned(),
    }
}

fn summary(line: &AlertLine, lang: MessageLanguage) -> &str {
    match lang {
        MessageLanguage::En => &line.summary_en,
        MessageLanguage::Ja => &line.summary_ja,
    }
}

/// The link to an alert.
pub fn alert_url(public_url: &str, id: i64) -> String {
    format!("{public_url}/alerts/{id}")
}

/// The subject of a message about `alerts` (one line; `tag` names what the group shares).
pub fn subject(event: NotificationEvent, alerts: &[AlertLine], tag: Option<&str>, lang: MessageLanguage) -> String {
    let worst = alerts.iter().map(|a| a.severity).min_by_key(|s| match s {
        Severity::Critical => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    let prefix = prefix(event, worst.unwrap_or(Severity::Info), lang);
    match alerts {
        [] => format!("[bms] {prefix}: {}", event_label(event, 0, lang)),
        [one] => format!("[bms] {prefix}: {}", summary(one, lang)),
        many => {
            let mut text = format!("[bms] {prefix}: {}", event_label(event, many.len(), lang));
            let first = many[0].rule;
            if many.iter().all(|a| a.rule == first) {
                text.push_str(&format!(" — {}", rule_label(first, lang)));
            }
            if let Some(tag) = tag {
                text.push_str(&match lang {
                    MessageLanguage::En => format!(" (tag {tag})"),
                    MessageLanguage::Ja => format!(" (タグ {tag})"),
                });
            }
            text
        }
    }
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn more_text(rest: usize, public_url: &str, lang: MessageLanguage) -> String {
    match lang {
        MessageLanguage::En => format!("… and {rest} more: {public_url}/alerts"),
        MessageLanguage::Ja => format!("… ほか {rest} 件: {public_url}/alerts"),
    }
}

fn footer(lang: MessageLanguage) -> &'static str {
    match lang {
        MessageLanguage::En => "Sent by bms, the Backup Management System.",
        MessageLanguage::Ja => "bms (バックアップ管理システム) からの通知です。",
    }
}

/// The e-mail (and the plain text other kinds fall back to).
pub fn email(
    event: NotificationEvent,
    alerts: &[AlertLine],
    tag: Option<&str>,
    lang: MessageLanguage,
    public_url: &str,
) -> Rendered {
    let subject = subject(event, alerts, tag, lang);
    let shown = &alerts[..alerts.len().min(LIST_LIMIT)];
    let rest = alerts.len() - shown.len();
    let mut text = format!("{subject}\n\n");
    let mut rows = String::new();
    for line in shown {
        let url = alert_url(public_url, line.id);
        let severity = severity_label(line.severity, lang);
        let at = line.fired_at.format("%Y-%m-%d %H:%M UTC");
        text.push_str(&format!("- [{severity}] {} ({at})\n  {url}\n", summary(line, lang)));
        rows.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"{}\">{}</a></td><td>{at}</td></tr>",
            escape(severity),
            escape(&url),
            escape(summary(line, lang)),
        ));
    }
    if rest > 0 {
        text.push_str(&format!("{}\n", more_text(rest, public_url, lang)));
        rows.push_str(&format!("<tr><td colspan=\"3\">{}</td></tr>", escape(&more_text(rest, public_url, lang))));
    }
    if alerts.is_empty() {
        let note = match lang {
            MessageLanguage::En => "This is a test message: the channel works.",
            MessageLanguage::Ja => "テストメッセージです。このチャネルは正しく設定されています。",
        };
        text.push_str(note);
        text.push('\n');
        rows.push_str(&format!("<tr><td colspan=\"3\">{}</td></tr>", escape(note)));
    }
    text.push_str(&format!("\n{}\n", footer(lang)));
    let html_lang = lang.as_str();
    let html = format!(
        "<!DOCTYPE html><html lang=\"{html_lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif\"><h2>{title}</h2><table cellpadding=\"4\" border=\"1\" \
         style=\"border-collapse:collapse\">{rows}</table><p style=\"color:#666\">{footer}</p></body></html>",
        title = escape(&subject),
        footer = escape(footer(lang)),
    );
    Rendered { subject, text, html }
}

fn open_link_label(lang: MessageLanguage) -> &'static str {
    match lang {
        MessageLanguage::En => "Open in bms",
        MessageLanguage::Ja => "bms で開く",
    }
}

fn link_for(alerts: &[AlertLine], public_url: &str) -> String {
    match alerts {
        [one] => alert_url(public_url, one.id),
        _ => format!("{public_url}/alerts"),
    }
}

/// The Teams Workflows webhook body: a message with one Adaptive Card.
pub fn teams(
    event: NotificationEvent,
    alerts: &[AlertLine],
    tag: Option<&str>,
    lang: MessageLanguage,
    public_url: &str,
) -> Value {
    let title = subject(event, alerts, tag, lang);
    let shown = &alerts[..alerts.len().min(LIST_LIMIT)];
    let mut body = vec![json!({
        "type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true,
        "color": if event == NotificationEvent::Resolved { "Good" } else { "Attention" },
    })];
    body.extend(shown.iter().map(|line| {
        json!({
            "type": "TextBlock", "wrap": true,
            "text": format!("**{}** {} ([#{}]({}))", severity_label(line.severity, lang), summary(line, lang), line.id, alert_url(public_url, line.id)),
        })
    }));
    if alerts.len() > shown.len() {
        body.push(
            json!({"type": "TextBlock", "wrap": true, "text": more_text(alerts.len() - shown.len(), public_url, lang)}),
        );
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": [{"type": "Action.OpenUrl", "title": open_link_label(lang), "url": link_for(alerts, public_url)}],
            },
        }],
    })
}

/// The Slack incoming-webhook body (Block Kit, with `text` as the notification fallback).
pub fn slack(
    event: NotificationEvent,
    alerts: &[AlertLine],
    tag: Option<&str>,
    lang: MessageLanguage,
    public_url: &str,
) -> Value {
    let title = subject(event, alerts, tag, lang);
    let mut lines = String::new();
    for line in alerts.iter().take(LIST_LIMIT) {
        let next = format!(
            "• *{}* <{}|{}>\n",
            severity_label(line.severity, lang),
            alert_url(public_url, line.id),
            summary(line, lang).replace(['<', '>', '|'], " ")
        );
        // A section's text is limited to 3,000 characters.
        if lines.chars().count() + next.chars().count() > 2_800 {
            break;
        }
        lines.push_str(&next);
    }
    let listed = lines.lines().count();
    if alerts.len() > listed {
        lines.push_str(&more_text(alerts.len() - listed, public_url, lang));
    }
    if lines.is_empty() {
        lines.push_str(&event_label(event, 0, lang));
    }
    let header: String = title.chars().take(150).collect();
    json!({
        "text": title,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": true}},
            {"type": "section", "text": {"type": "mrkdwn", "text": lines}},
            {"type": "actions", "elements": [{
                "type": "button", "text": {"type": "plain_text", "text": open_link_label(lang)},
                "url": link_for(alerts, public_url),
            }]},
        ],
    })
}

/// The generic webhook body.
pub fn webhook(
    event: NotificationEvent,
    alerts: &[AlertLine],
    tag: Option<&str>,
    lang: MessageLanguage,
    public_url: &str,
    idempotency_key: &str,
) -> Value {
    json!({
        "event": event.as_str(),
        "idempotency_key": idempotency_key,
        "title": subject(event, alerts, tag, lang),
        "alerts": alerts.iter().map(|line| json!({
            "id": line.id,
            "rule": line.rule.as_str(),
            "severity": line.severity.as_str(),
            "status": line.status.as_str(),
            "job_id": line.job_id,
            "job_name": line.job_name,
            "summary": summary(line, lang),
            "fired_at": line.fired_at.to_rfc3339(),
            "url": alert_url(public_url, line.id),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn line(id: i64, severity: Severity) -> AlertLine {
        AlertLine {
            id,
            severity,
            rule: AlertRuleKind::RunFailed,
            status: AlertStatus::Firing,
            job_id: Some(id),
            job_name: Some(format!("nas-01-job-{id}")),
            summary_en: format!("Job nas-01-job-{id}: the latest run failed"),
            summary_ja: format!("ジョブ nas-01-job-{id}: 最新の実行が失敗しました"),
            fired_at: Utc.with_ymd_and_hms(2026, 12, 4, 2, 5, 0).single().expect("t"),
        }
    }

    #[test]
    fn one_alert_and_a_group_read_well_in_both_languages() {
        let one = [line(1, Severity::Critical)];
        assert_eq!(
            subject(NotificationEvent::Fired, &one, None, MessageLanguage::Ja),
            "[bms] 重大: ジョブ nas-01-job-1: 最新の実行が失敗しました"
        );
        assert_eq!(
            subject(NotificationEvent::Resolved, &one, None, MessageLanguage::En),
            "[bms] RESOLVED: Job nas-01-job-1: the latest run failed"
        );
        let many: Vec<AlertLine> =
            (1..=27).map(|id| line(id, if id == 5 { Severity::Critical } else { Severity::Warning })).collect();
        assert_eq!(
            subject(NotificationEvent::Fired, &many, Some("nas-01"), MessageLanguage::En),
            "[bms] CRITICAL: 27 alerts fired — run failed (tag nas-01)"
        );
        assert_eq!(
            subject(NotificationEvent::Fired, &many, Some("nas-01"), MessageLanguage::Ja),
            "[bms] 重大: 27 件のアラートが発生 — 実行失敗 (タグ nas-01)"
        );
    }

    #[test]
    fn a_storm_lists_fifty_lines_and_counts_the_rest() {
        let storm: Vec<AlertLine> = (1..=10_000).map(|id| line(id, Severity::Warning)).collect();
        let mail = email(NotificationEvent::Fired, &storm, None, MessageLanguage::En, "https://bms.example.com");
        assert_eq!(mail.text.matches("\n- [WARNING]").count(), LIST_LIMIT);
        assert!(mail.text.contains("… and 9950 more: https://bms.example.com/alerts"));
        assert!(mail.html.contains("href=\"https://bms.example.com/alerts/1\""));
        let card = teams(NotificationEvent::Fired, &storm, None, MessageLanguage::Ja, "https://bms.example.com");
        let body = &card["attachments"][0]["content"]["body"];
        assert_eq!(body.as_array().map(Vec::len), Some(LIST_LIMIT + 2));
        let slack = slack(NotificationEvent::Fired, &storm, None, MessageLanguage::Ja, "https://bms.example.com");
        let text = slack["blocks"][1]["text"]["text"].as_str().expect("text");
        assert!(text.chars().count() <= 3_000, "Slack limits a section to 3,000 characters");
        assert!(text.contains("ほか"));
    }

    #[test]
    fn html_is_escaped() {
        let mut evil = line(1, Severity::Info);
        evil.summary_en = "Job <script>alert(1)</script>: x".into();
        let mail = email(NotificationEvent::Fired, &[evil], None, MessageLanguage::En, "http://h");
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("&lt;script&gt;"));
    }
}
