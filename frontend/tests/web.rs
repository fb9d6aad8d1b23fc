//! Browser-side logic tested in headless Chromium (`wasm-bindgen-test`): catalogs and
//! lookups, error decoding, formatting, form checks, form state, chart geometry.

use bms_types::{ErrorCode, FieldViolation};
use bms_web::api::ApiError;
use bms_web::components::{FormState, Submit};
use bms_web::i18n::{self, Catalog, EN_JSON, JA_JSON, Lang};
use bms_web::{charts, format, validate};
use chrono::{FixedOffset, TimeZone, Utc};
use leptos::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn both_catalogs_parse_and_have_the_same_keys() {
    let en = Catalog::parse(EN_JSON).expect("en.json parses");
    let ja = Catalog::parse(JA_JSON).expect("ja.json parses");
    let mut en_keys: Vec<&str> = en.keys().collect();
    let mut ja_keys: Vec<&str> = ja.keys().collect();
    en_keys.sort_unstable();
    ja_keys.sort_unstable();
    assert_eq!(en_keys, ja_keys);
    assert!(en_keys.len() > 200, "catalog unexpectedly small: {}", en_keys.len());
}

#[wasm_bindgen_test]
fn lookups_translate_fall_back_and_interpolate() {
    assert_eq!(i18n::lookup(Lang::En, "nav.jobs"), "Jobs");
    assert_eq!(i18n::lookup(Lang::Ja, "nav.jobs"), "ジョブ");
    assert_eq!(i18n::lookup(Lang::Ja, "enum.state.late"), "遅延");
    // A key missing everywhere shows itself rather than an empty string.
    assert_eq!(i18n::lookup(Lang::Ja, "no.such.key"), "no.such.key");
    let text = i18n::interpolate(
        &i18n::lookup(Lang::En, "pagination.status"),
        &[("page", "2".into()), ("pages", "5".into()), ("total", "243".into())],
    );
    assert_eq!(text, "Page 2 of 5 (243 items)");
}

#[wasm_bindgen_test]
fn the_browser_language_picks_the_default() {
    assert_eq!(Lang::from_browser_languages(["ja-JP", "en-US"]), Lang::Ja);
    assert_eq!(Lang::from_browser_languages(["fr-FR", "en-GB"]), Lang::En);
    assert_eq!(Lang::from_browser_languages(["de"]), Lang::En);
    assert_eq!(Lang::from_browser_languages(["JA"]), Lang::Ja);
    assert_eq!(Lang::from_code("ja"), Some(Lang::Ja));
    assert_eq!(Lang::from_code("xx"), None);
}

#[wasm_bindgen_test]
fn api_errors_decode_into_the_persons_language() {
    let body = r#"{"error":{"code":"invalid_credentials","message":"Invalid username or password.","details":[]}}"#;
    let error = ApiError::from_body(401, body);
    assert_eq!(error.code, Some(ErrorCode::InvalidCredentials));
    assert_eq!(
        i18n::error_message_in(Lang::Ja, &error),
        "ユーザー名またはパスワードが違うか、アカウントがロックまたは無効化されています。"
    );
    assert!(i18n::error_message_in(Lang::En, &error).starts_with("Wrong username or password"));

    let validation = ApiError::from_body(
        422,
        r#"{"error":{"code":"validation_failed","message":"invalid","details":[{"field":"grace_minutes","rule":"range","message":"must be from 0 to 10080 (7 days)"}]}}"#,
    );
    assert_eq!(validation.violation("grace_minutes").map(|v| v.rule.as_str()), Some("range"));
    assert_eq!(i18n::error_message_in(Lang::En, &validation), "Some fields are not valid. (grace_minutes)");

    // Not the envelope (a proxy's HTML error page): still a status and a message.
    let proxy = ApiError::from_body(502, "<html>Bad Gateway</html>");
    assert_eq!(proxy.code, None);
    assert_eq!(i18n::error_message_in(Lang::En, &proxy), i18n::lookup(Lang::En, "error.internal_error"));
    let offline = ApiError { status: 0, code: None, message: "fetch failed".into(), details: Vec::new() };
    assert_eq!(i18n::error_message_in(Lang::Ja, &offline), i18n::lookup(Lang::Ja, "error.network"));
}

#[wasm_bindgen_test]
fn field_violations_use_the_servers_words_in_english_and_the_catalog_in_japanese() {
    let violation = FieldViolation {
        field: "new_password".into(),
        rule: "common_password".into(),
        message: Some("is too common; choose a less predictable password".into()),
    };
    assert_eq!(i18n::violation_message(Lang::En, &violation), "is too common; choose a less predictable password");
    assert_eq!(
        i18n::violation_message(Lang::Ja, &violation),
        "よく使われるパスワードです。推測されにくいものにしてください。"
    );
    let unknown =
        FieldViolation { field: "x".into(), rule: "brand_new_rule".into(), message: Some("server words".into()) };
    assert_eq!(i18n::violation_message(Lang::Ja, &unknown), "server words");
}

#[wasm_bindgen_test]
fn times_show_the_offset_and_sizes_durations_and_rates_read_well() {
    let instant = Utc.with_ymd_and_hms(2026, 11, 30, 15, 5, 0).single().expect("valid");
    let tokyo = FixedOffset::east_opt(9 * 3600).expect("offset");
    let new_york = FixedOffset::west_opt(5 * 3600).expect("offset");
    let india = FixedOffset::east_opt(5 * 3600 + 1800).expect("offset");
    assert_eq!(format::datetime_at(instant, tokyo), "2026-12-01 00:05 +09:00");
    assert_eq!(format::datetime_at(instant, new_york), "2026-11-30 10:05 -05:00");
    assert_eq!(format::datetime_at(instant, india), "2026-11-30 20:35 +05:30");
    assert_eq!(format::duration(3723), "1h 02m 03s");
    assert_eq!(format::duration(245), "4m 05s");
    assert_eq!(format::duration(7), "7s");
    assert_eq!(format::bytes(512), "512 B");
    assert_eq!(format::bytes(1536), "1.5 KiB");
    assert_eq!(format::bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    assert_eq!(format::percent(Some(66.66)), "66.7 %");
    assert_eq!(format::percent(None), "—");
    assert!(!format::local_zone_name().is_empty());
    assert_eq!(format::one_decimal(99.96), "100.0");
    assert_eq!(format::one_decimal(0.04), "0.0");
    assert_eq!(format::px(12.5), "13");
    let start = format::local_day_start("2026-11-30", 0).expect("a day");
    let end = format::local_day_start("2026-11-30", 1).expect("the next day");
    assert_eq!((end - start).num_hours(), 24);
    assert_eq!(format::local_day_start("30/11/2026", 0), None);
}

#[wasm_bindgen_test]
fn form_checks_mirror_the_server_rules() {
    assert_eq!(validate::required("  ").map(|c| c.key), Some("check.required"));
    assert_eq!(validate::required("x"), None);
    assert_eq!(validate::username("ab").map(|c| c.key), Some("check.username_length"));
    assert_eq!(validate::username("j.doe_1-x"), None);
    assert_eq!(validate::username("j doe").map(|c| c.key), Some("check.username_charset"));
    assert_eq!(validate::email("ops@example.co.jp"), None);
    assert!(validate::email("ops@example").is_some());
    assert!(validate::email("no-at-sign").is_some());
    let short = validate::new_password("short", "admin").expect("too short");
    assert_eq!((short.key, short.params.clone()), ("check.min_length", vec![("min", "12".to_owned())]));
    assert_eq!(
        validate::new_password("my-Admin-password-2026", "admin").map(|c| c.key),
        Some("check.contains_username")
    );
    assert_eq!(validate::new_password("Tr1cky-Backup-Passphrase!", "admin"), None);
    assert_eq!(validate::confirmation("a", "b").map(|c| c.key), Some("check.mismatch"));
    assert_eq!(validate::cron(""), None, "empty = manual job");
    assert_eq!(validate::cron("0 2 * * *"), None);
    assert_eq!(validate::cron("0 2 * *").map(|c| c.key), Some("check.cron_fields"));
    assert_eq!(validate::cron("0 2 * * $").map(|c| c.key), Some("check.cron_chars"));
    assert_eq!(validate::number("-5", 0, 10_080).map(|c| c.key), Some("check.range"));
    assert_eq!(validate::number("", 0, 10_080).map(|c| c.key), Some("check.required"));
    assert_eq!(validate::optional_number("", 1, 20), None);
    assert_eq!(validate::optional_number("2.5", 1, 20).map(|c| c.key), Some("check.range"));
    assert_eq!(validate::split_tags(" prod, ,db ,"), vec!["prod".to_owned(), "db".to_owned()]);
    assert_eq!(validate::tags(&"t,".repeat(21)).map(|c| c.key), Some("check.tag_count"));
    assert_eq!(validate::split_list("a@x.jp, b@x.jp\n\nc@x.jp"), vec!["a@x.jp", "b@x.jp", "c@x.jp"]);
    assert_eq!(validate::split_ids("12, #15\n3"), Some(vec![12, 15, 3]));
    assert_eq!(validate::ids("12, x").map(|c| c.key), Some("check.ids"));
    assert_eq!(validate::ids(""), None);
    assert_eq!(validate::optional_time("22:00"), None);
    assert_eq!(validate::optional_time("24:00").map(|c| c.key), Some("check.time"));
    assert_eq!(validate::optional_time("7:00").map(|c| c.key), Some("check.time"));
    assert_eq!(
        validate::parse_headers("Authorization: Bearer x\n\nX-Env:prod"),
        Some(vec![("Authorization".to_owned(), "Bearer x".to_owned()), ("X-Env".to_owned(), "prod".to_owned())])
    );
    assert_eq!(validate::headers("no colon").map(|c| c.key), Some("check.headers"));
    // The message carries the parameter in the person's language.
    i18n::set_lang(Lang::Ja);
    assert_eq!(short.message(), "12文字以上で入力してください。");
    i18n::set_lang(Lang::En);
}

#[wasm_bindgen_test]
fn job_id_lists_parse_strictly() {
    use bms_web::pages::api_keys::parse_job_ids;
    assert_eq!(parse_job_ids(""), Some(vec![]));
    assert_eq!(parse_job_ids("3, 7,"), Some(vec![3, 7]));
    assert_eq!(parse_job_ids("3, x"), None);
    assert_eq!(parse_job_ids("0"), None);
}

#[wasm_bindgen_test]
fn chart_lines_break_at_missing_days_and_stay_inside_the_plot() {
    let path = charts::line_path(&[Some(100.0), Some(50.0), None, Some(0.0)], 100.0);
    let segments: Vec<&str> = path.split_whitespace().collect();
    assert_eq!(segments.len(), 3);
    assert!(segments[0].starts_with('M') && segments[1].starts_with('L') && segments[2].starts_with('M'));
    assert!(charts::y_at(100.0, 100.0) < charts::y_at(0.0, 100.0), "higher values are drawn higher");
    assert_eq!(charts::y_at(150.0, 100.0), charts::y_at(100.0, 100.0), "clamped to the axis");
    assert!(charts::x_at(0, 30) < charts::x_at(29, 30));
}

/// Starts Leptos' task executor, as mounting the app does.
fn start_tasks() {
    use wasm_bindgen::JsCast;
    let host = document().create_element("div").expect("a div");
    leptos::mount::mount_to(host.unchecked_into(), || ()).forget();
}

/// Lets the tasks an action spawned finish.
async fn settle() {
    gloo_timers::future::TimeoutFuture::new(20).await;
}

#[wasm_bindgen_test]
async fn a_forms_state_follows_the_request_that_submits_it() {
    start_tasks();
    let owner = Owner::new();
    owner.set();
    let refusal = ApiError::from_body(
        422,
        r#"{"error":{"code":"validation_failed","message":"invalid","details":[{"field":"name","rule":"required","message":"is required"}]}}"#,
    );
    // What the stand-in for the server answers next.
    let answer = RwSignal::new(Err::<(), ApiError>(refusal));
    let save = Submit::new(move |_: &()| {
        let result = answer.get_untracked();
        async move { result }
    });
    let form = FormState::new(save);
    assert!(!form.attempted() && !form.busy());

    form.attempt();
    assert!(form.attempted(), "a submit attempt shows the checks of untouched fields");
    save.dispatch_local(());
    assert!(form.busy(), "in flight");
    settle().await;
    assert!(!form.busy());
    assert_eq!(form.server_error("name").as_deref(), Some("is required"));
    assert_eq!(form.general_error(), None, "a field violation is shown at its field");
    assert!(form.attempted(), "still attempted after a refusal");
    form.clear_field("name");
    assert_eq!(form.server_error("name"), None, "editing the field hides the server's complaint");

    // The same complaint again: shown again, since it is a new answer.
    form.attempt();
    save.dispatch_local(());
    settle().await;
    assert_eq!(form.server_error("name").as_deref(), Some("is required"));

    answer.set(Ok(()));
    form.attempt();
    save.dispatch_local(());
    settle().await;
    assert!(!form.attempted(), "a successful save starts the form afresh");
    assert_eq!(form.server_error("name"), None);
    owner.unset();
}

#[wasm_bindgen_test]
fn usernames_are_checked_with_the_servers_table() {
    // The same table the server's rule is tested on (bms_types::rules::USERNAME_CASES):
    // the browser refuses exactly what the server refuses, with the matching message.
    for (value, rule) in bms_types::rules::USERNAME_CASES {
        let expected = rule.map(|rule| match rule {
            "length" => "check.username_length",
            "charset" => "check.username_charset",
            other => panic!("no catalog key for the rule {other}"),
        });
        assert_eq!(validate::username(value).map(|check| check.key), expected, "{value:?}");
    }
}

#[wasm_bindgen_test]
fn the_permission_table_decides_what_each_role_sees() {
    use bms_types::permissions::Permission;
    use bms_types::users::Role;
    assert!(Role::Operator.has(Permission::Operate) && !Role::Viewer.has(Permission::Operate));
    assert!(Role::Auditor.has(Permission::ReadAudit) && !Role::Operator.has(Permission::ReadAudit));
    assert_eq!(Permission::Administer.roles(), &[Role::Admin]);
}

#[wasm_bindgen_test]
fn dates_and_capacities_are_read_as_typed() {
    use chrono::NaiveDate;
    assert_eq!(format::parse_date("2026-12-06"), NaiveDate::from_ymd_opt(2026, 12, 6));
    assert_eq!(format::parse_date(" 2026-02-28 "), NaiveDate::from_ymd_opt(2026, 2, 28));
    for bad in ["2026-02-30", "2026-2-3", "26-12-06", "2026-12-06-01", "2026/12/06", "", "+026-12-06"] {
        assert_eq!(format::parse_date(bad), None, "{bad:?}");
    }
    // A datetime-local value and back, in the viewer's zone.
    let instant = Utc.with_ymd_and_hms(2026, 11, 30, 15, 5, 0).single().expect("valid");
    assert_eq!(format::parse_local(&format::local_input(instant)), Some(instant));
    assert_eq!(format::parse_local("2026-11-30T25:00"), None);
    assert_eq!(format::parse_local("2026-11-30 10:00"), None);

    assert_eq!(validate::parse_capacity("18000000000000"), Some(18_000_000_000_000));
    assert_eq!(validate::parse_capacity("18 TB"), Some(18_000_000_000_000));
    assert_eq!(validate::parse_capacity("12TiB"), Some(12 * 1024_i64.pow(4)));
    assert_eq!(validate::parse_capacity("2.5 tb"), Some(2_500_000_000_000));
    assert_eq!(validate::parse_capacity("500 GB"), Some(500_000_000_000));
    for bad in ["", "TB", "-5 GB", "5 XB", "1.2.3 TB", "0", "99999999999 PB"] {
        assert_eq!(validate::parse_capacity(bad), None, "{bad:?}");
    }
    assert_eq!(validate::capacity("").map(|c| c.key), None, "empty is allowed");
    assert_eq!(validate::capacity("lots").map(|c| c.key), Some("check.capacity"));
}

#[wasm_bindgen_test]
fn a_refused_move_is_explained_by_its_rule_in_both_languages() {
    let refusal = ApiError::from_body(
        409,
        r#"{"error":{"code":"conflict","message":"the medium is lent","details":[{"field":"action","rule":"medium_lent","message":"the medium is lent: take it back first"}]}}"#,
    );
    assert_eq!(i18n::error_message_in(Lang::En, &refusal), "The medium is lent out: take it back first.");
    assert_eq!(i18n::error_message_in(Lang::Ja, &refusal), "このメディアは貸出中です。先に返却してください。");
    // A conflict whose rule the catalogs do not know keeps the general message.
    let unknown = ApiError::from_body(
        409,
        r#"{"error":{"code":"conflict","message":"x","details":[{"field":"a","rule":"brand_new"}]}}"#,
    );
    assert_eq!(i18n::error_message_in(Lang::En, &unknown), i18n::lookup(Lang::En, "error.conflict"));
}
