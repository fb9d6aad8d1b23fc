//! Offline media over HTTP: the custody chain after a sequence of moves (and its CSV),
//! illegal moves refused with 409 naming the rule, lending with an overdue loan raising
//! its alert, runs naming their medium (and a write to a lent one warning), the CSV import
//! (whole file first, nothing stored on error, dry run), rotation calendars and labels.

use bms_types::alerts::AlertList;
use bms_types::executions::ExecutionDto;
use bms_types::media::{
    CustodyChain, MediaAction, MediaImportResult, MediaList, MediaState, MediumDto, RotationCalendarDto,
};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn medium(app: &TestApp, token: &str, body: Value) -> MediumDto {
    let reply = app.post("/api/v1/media", Some(token), &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.json_as()
}

async fn act(app: &TestApp, token: &str, id: i64, path: &str, body: Value) -> MediumDto {
    let reply = app.post(&format!("/api/v1/media/{id}/{path}"), Some(token), &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{path} {body}: {:?}", reply.body);
    reply.json_as()
}

async fn refused(app: &TestApp, token: &str, id: i64, path: &str, body: Value) -> String {
    let reply = app.post(&format!("/api/v1/media/{id}/{path}"), Some(token), &body).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{path} {body}: {:?}", reply.body);
    reply.violation().1
}

/// Waits (up to 10 s, advancing past the 5-minute task interval) for an open alert of `rule`.
async fn wait_for_system_alert(app: &TestApp, rule: &str) -> AlertList {
    app.clock.advance(Duration::minutes(6));
    for _ in 0..200 {
        let token = app.admin().await;
        let list: AlertList = app.get(&format!("/api/v1/alerts?rule={rule}&open=true"), Some(&token)).await.json_as();
        if !list.data.is_empty() {
            return list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {rule} alert fired");
}

#[tokio::test]
async fn every_move_is_a_custody_record_and_the_chain_exports_as_csv() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let operator = app.user_token(&admin, "ops", "operator").await;
    let tape = medium(
        &app,
        &operator,
        json!({"label": "TAPE-0042", "barcode": "000042L8", "media_kind": "lto", "lto_generation": 8,
               "capacity_bytes": 12_000_000_000_000_i64, "location": "サーバー室", "custodian": "佐藤"}),
    )
    .await;
    assert_eq!((tape.state, tape.allowed_actions.contains(&MediaAction::Write)), (MediaState::Available, true));
    let id = tape.id;
    act(&app, &operator, id, "move", json!({"action": "write"})).await;
    act(&app, &operator, id, "move", json!({"action": "store", "location": "金庫A", "retention_until": "2027-03-01"}))
        .await;
    act(&app, &operator, id, "move", json!({"action": "send_offsite", "location": "Iron Mountain 東京", "custodian": "courier", "handed_over_by": "佐藤", "received_by": "courier #7", "note": "bag 19"})).await;
    let lent = act(
        &app,
        &operator,
        id,
        "lend",
        json!({"borrower": "監査法人", "purpose": "annual audit", "expected_return": "2026-12-10"}),
    )
    .await;
    assert_eq!((lent.state, lent.custodian.as_str()), (MediaState::Lent, "監査法人"));
    assert_eq!(lent.loan.as_ref().map(|loan| loan.borrower.as_str()), Some("監査法人"));
    assert_eq!(lent.allowed_actions, vec![MediaAction::Return]);
    let back = act(&app, &operator, id, "return", json!({"condition": "good", "received_by": "鈴木"})).await;
    assert_eq!(
        (back.state, back.custodian.as_str(), back.loan.is_none()),
        (MediaState::Offsite, "鈴木", true),
        "back where the loan started"
    );

    let chain: CustodyChain = app.get(&format!("/api/v1/media/{id}/custody"), Some(&admin)).await.json_as();
    let moves: Vec<(MediaAction, Option<MediaState>, MediaState)> =
        chain.records.iter().map(|record| (record.action, record.from_state, record.to_state)).collect();
    use MediaState::*;
    assert_eq!(
        moves,
        vec![
            (MediaAction::Register, None, Available),
            (MediaAction::Write, Some(Available), InUse),
            (MediaAction::Store, Some(InUse), Stored),
            (MediaAction::SendOffsite, Some(Stored), Offsite),
            (MediaAction::Lend, Some(Offsite), Lent),
            (MediaAction::Return, Some(Lent), Offsite),
        ]
    );
    let courier = &chain.records[3];
    assert_eq!((courier.from_location.as_str(), courier.to_location.as_str()), ("金庫A", "Iron Mountain 東京"));
    assert_eq!(
        (courier.handed_over_by.as_str(), courier.received_by.as_str(), courier.note.as_str()),
        ("佐藤", "courier #7", "bag 19")
    );
    assert!(chain.records.iter().skip(1).all(|record| record.recorded_by == "ops"));
    assert_eq!(chain.medium.retention_until.map(|d| d.to_string()).as_deref(), Some("2027-03-01"));
    for action in
        ["medium.create", "medium.write", "medium.store", "medium.send_offsite", "medium.lend", "medium.return"]
    {
        assert_eq!(app.audit_entries(&admin, action).await.len(), 1, "{action} audited");
    }

    let csv = app
        .client
        .get(format!("{}/api/v1/media/{id}/custody.csv", app.address))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
    let bytes = csv.bytes().await.expect("bytes");
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|row| row.expect("row")).collect();
    assert_eq!(rows.len(), 6);
    assert_eq!((&rows[3][3], &rows[3][7], &rows[3][0]), ("send_offsite", "Iron Mountain 東京", "TAPE-0042"));
}

#[tokio::test]
async fn illegal_moves_are_refused_with_409_naming_the_rule_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let operator = app.user_token(&admin, "ops", "operator").await;
    let kept = medium(
        &app,
        &operator,
        json!({"label": "RDX-1", "media_kind": "rdx", "state": "stored", "retention_until": "2027-06-30"}),
    )
    .await;
    assert_eq!(
        refused(&app, &operator, kept.id, "move", json!({"action": "release"})).await,
        "retention_active",
        "reuse before the retention date"
    );
    assert_eq!(refused(&app, &operator, kept.id, "move", json!({"action": "write"})).await, "not_available");
    assert_eq!(
        refused(&app, &admin, kept.id, "destroy", json!({"method": "shredder", "certificate_ref": "D-1"})).await,
        "retention_active"
    );
    act(&app, &operator, kept.id, "lend", json!({"borrower": "dev team", "expected_return": "2026-12-31"})).await;
    assert_eq!(
        refused(&app, &operator, kept.id, "move", json!({"action": "write"})).await,
        "medium_lent",
        "write to a lent one"
    );
    assert_eq!(refused(&app, &admin, kept.id, "retire", json!({})).await, "medium_lent");
    assert_eq!(
        refused(&app, &operator, kept.id, "lend", json!({"borrower": "x", "expected_return": "2026-12-31"})).await,
        "medium_lent"
    );

    let old = medium(&app, &operator, json!({"label": "USB-7", "media_kind": "usb"})).await;
    // Retiring and destroying are for admins.
    assert_eq!(
        app.post(&format!("/api/v1/media/{}/retire", old.id), Some(&operator), &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let retired = act(&app, &admin, old.id, "retire", json!({"method": "worn out"})).await;
    assert_eq!((retired.state, retired.allowed_actions.clone()), (MediaState::Retired, vec![MediaAction::Destroy]));
    assert_eq!(
        refused(&app, &operator, old.id, "lend", json!({"borrower": "x", "expected_return": "2026-12-31"})).await,
        "medium_retired",
        "lend a retired one"
    );
    assert_eq!(refused(&app, &operator, old.id, "move", json!({"action": "write"})).await, "medium_retired");
    let missing =
        app.post(&format!("/api/v1/media/{}/destroy", old.id), Some(&admin), &json!({"method": "shredder"})).await;
    assert_eq!(
        (missing.status, missing.violation()),
        (StatusCode::BAD_REQUEST, ("certificate_ref".to_owned(), "required".to_owned()))
    );
    let destroyed =
        act(&app, &admin, old.id, "destroy", json!({"method": "shredder", "certificate_ref": "CERT-2026-118"})).await;
    assert!(destroyed.allowed_actions.is_empty());
    assert_eq!(refused(&app, &admin, old.id, "retire", json!({})).await, "medium_destroyed");
    let chain: CustodyChain = app.get(&format!("/api/v1/media/{}/custody", old.id), Some(&admin)).await.json_as();
    let last = chain.records.last().expect("record");
    assert_eq!(
        (last.action, last.note.as_str()),
        (MediaAction::Destroy, "method: shredder; certificate: CERT-2026-118")
    );
    assert_eq!(chain.records.len(), 3, "refusals write no record");
    // Retention: only admins shorten or clear it; it is set when storing, not on other moves.
    let path = format!("/api/v1/media/{}", kept.id);
    let clear =
        app.request(reqwest::Method::PATCH, &path, Some(&operator), Some(&json!({"retention_until": null}))).await;
    assert_eq!(clear.status, StatusCode::FORBIDDEN, "{:?}", clear.body);
    let extend = app
        .request(reqwest::Method::PATCH, &path, Some(&operator), Some(&json!({"retention_until": "2028-01-01"})))
        .await;
    assert_eq!(extend.status, StatusCode::OK, "extending is fine: {:?}", extend.body);
    let shorten =
        app.request(reqwest::Method::PATCH, &path, Some(&admin), Some(&json!({"retention_until": "2027-01-01"}))).await;
    assert_eq!(shorten.json_as::<MediumDto>().retention_until.map(|d| d.to_string()).as_deref(), Some("2027-01-01"));
    let on_move = app
        .post(
            &format!("/api/v1/media/{}/move", kept.id),
            Some(&operator),
            &json!({"action": "relocate", "retention_until": "2027-01-01"}),
        )
        .await;
    assert_eq!(on_move.violation(), ("retention_until".to_owned(), "store_only".to_owned()));
    let move_refusal =
        app.post(&format!("/api/v1/media/{}/move", kept.id), Some(&operator), &json!({"action": "lend"})).await;
    assert_eq!((move_refusal.status, move_refusal.violation().1.as_str()), (StatusCode::BAD_REQUEST, "move_action"));

    for (body, field, rule) in [
        (json!({"label": "bad label!", "media_kind": "lto"}), "label", "label_format"),
        (json!({"label": "T1"}), "media_kind", "required"),
        (json!({"label": "T1", "media_kind": "usb", "lto_generation": 8}), "lto_generation", "lto_only"),
        (json!({"label": "T1", "media_kind": "lto", "lto_generation": 13}), "lto_generation", "range"),
        (json!({"label": "T1", "media_kind": "lto", "state": "lent"}), "state", "initial_state"),
        (json!({"label": "rdx-1", "media_kind": "rdx"}), "label", "unique"),
        (json!({"label": "T1", "media_kind": "lto", "purchase_date": "2099-01-01"}), "purchase_date", "not_future"),
    ] {
        let reply = app.post("/api/v1/media", Some(&operator), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {:?}", reply.body);
        assert_eq!(reply.violation(), (field.to_owned(), rule.to_owned()), "{body}");
    }
}

#[tokio::test]
async fn an_overdue_loan_raises_its_alert_and_the_return_resolves_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let tape = medium(&app, &admin, json!({"label": "TAPE-7", "media_kind": "lto", "state": "stored"})).await;
    act(&app, &admin, tape.id, "lend", json!({"borrower": "DR team", "expected_return": "2026-12-01"})).await;
    app.clock.advance(Duration::days(2));
    let list = wait_for_system_alert(&app, "media_loan_overdue").await;
    assert!(list.data[0].summary.contains("TAPE-7") && list.data[0].summary.contains("DR team"), "{:?}", list.data[0]);
    let admin = app.admin().await;
    let overdue: MediaList = app.get("/api/v1/media?overdue=true", Some(&admin)).await.json_as();
    assert_eq!((overdue.meta.total, overdue.data[0].overdue), (1, true));
    act(&app, &admin, tape.id, "return", json!({"condition": "damaged", "note": "label torn"})).await;
    app.clock.advance(Duration::minutes(6));
    for _ in 0..200 {
        let token = app.admin().await;
        let open: AlertList = app.get("/api/v1/alerts?rule=media_loan_overdue&open=true", Some(&token)).await.json_as();
        if open.data.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the overdue-loan alert was not resolved by the return");
}

#[tokio::test]
async fn runs_name_their_medium_and_a_write_to_a_lent_one_warns() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let job = app.create_job(&admin, json!({"name": "fileserver", "job_type": "file", "backup_tool": "veeam"})).await;
    let offline =
        app.add_copy(&admin, job.id, json!({"copy_type": "offline", "media_type": "tape", "offline": true})).await;
    let primary = app.add_copy(&admin, job.id, json!({"copy_type": "primary", "media_type": "disk"})).await;
    let tape = medium(&app, &admin, json!({"label": "TAPE-100", "media_kind": "lto", "copy_id": offline})).await;
    let refused = app
        .post("/api/v1/media", Some(&admin), &json!({"label": "T-X", "media_kind": "lto", "copy_id": primary}))
        .await;
    assert_eq!(refused.violation(), ("copy_id".to_owned(), "offline_copy".to_owned()));
    let of_copy: MediaList = app.get(&format!("/api/v1/media?copy_id={offline}"), Some(&admin)).await.json_as();
    assert_eq!(of_copy.data.iter().map(|m| m.id).collect::<Vec<_>>(), [tape.id]);

    let run = app
        .post(
            "/api/v1/executions",
            Some(&admin),
            &json!({"job_id": job.id, "copy_id": offline, "result": "success", "medium": "tape-100"}),
        )
        .await;
    let run: ExecutionDto = run.json_as();
    assert_eq!((run.medium_id, run.medium_warning.as_deref()), (Some(tape.id), None), "by label, case-insensitive");
    let unknown = app
        .post("/api/v1/executions", Some(&admin), &json!({"job_id": job.id, "result": "success", "medium": "TAPE-404"}))
        .await;
    assert_eq!(
        (unknown.status, unknown.violation()),
        (StatusCode::BAD_REQUEST, ("medium".to_owned(), "exists".to_owned()))
    );

    act(&app, &admin, tape.id, "lend", json!({"borrower": "lab", "expected_return": "2026-12-20"})).await;
    let ping =
        app.client.get(format!("{}/ping/{}?medium=TAPE-100", app.address, job.ping_token)).send().await.expect("ping");
    assert_eq!(ping.status(), StatusCode::OK);
    let chain: CustodyChain = app.get(&format!("/api/v1/media/{}/custody", tape.id), Some(&admin)).await.json_as();
    assert_eq!(chain.executions.len(), 2);
    assert_eq!(chain.executions[0].warning.as_deref(), Some("medium_lent"), "the run is stored, with the warning");
    assert_eq!(chain.executions[1].execution_id, run.id);
    let alert = wait_for_system_alert(&app, "media_unsafe_write").await;
    assert!(
        alert.data[0].summary.contains("fileserver") && alert.data[0].summary.contains("TAPE-100"),
        "{:?}",
        alert.data[0]
    );
    let bad_ping =
        app.client.get(format!("{}/ping/{}?medium=NOPE", app.address, job.ping_token)).send().await.expect("ping");
    assert_eq!(bad_ping.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_csv_import_is_checked_whole_and_stores_nothing_on_error() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    medium(&app, &admin, json!({"label": "TAPE-EXISTS", "media_kind": "lto"})).await;
    let bad = "\u{feff}label,media_kind,lto_generation,capacity,purchase_date,state,location\n\
               TAPE-1,lto,L8,12TB,2024-04-01,stored,金庫A\n\
               TAPE-2,floppy,,,,,\n\
               TAPE-1,lto,9,18TB,2024-13-01,,\n\
               tape-exists,lto,,,,lent,\n";
    let reply = app.post_raw("/api/v1/media/import", Some(&admin), bad.as_bytes().to_vec()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    let details: Vec<(String, String)> = reply.body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| (d["field"].as_str().unwrap_or("").to_owned(), d["rule"].as_str().unwrap_or("").to_owned()))
        .collect();
    for expected in [
        ("line[3].media_kind", "unknown_value"),
        ("line[4].purchase_date", "date"),
        ("line[4].label", "duplicate"),
        ("line[5].state", "initial_state"),
        ("line[5].label", "unique"),
    ] {
        assert!(details.contains(&(expected.0.to_owned(), expected.1.to_owned())), "{expected:?} in {details:?}");
    }
    let stored: MediaList = app.get("/api/v1/media", Some(&admin)).await.json_as();
    assert_eq!(stored.meta.total, 1, "nothing stored on error");

    let good = "label,media_kind,lto_generation,capacity,encrypted,state,location,custodian\n\
                TAPE-1,lto,L8,12TB,yes,stored,金庫A,佐藤\n\
                USB-3,usb,,2TiB,no,,,\n";
    let dry = app.post_raw("/api/v1/media/import?dry_run=true", Some(&admin), good.as_bytes().to_vec()).await;
    let dry: MediaImportResult = dry.json_as();
    assert_eq!(
        (dry.dry_run, dry.rows, dry.created, dry.labels.clone()),
        (true, 2, 0, vec!["TAPE-1".to_owned(), "USB-3".to_owned()])
    );
    assert_eq!(
        app.get("/api/v1/media", Some(&admin)).await.json_as::<MediaList>().meta.total,
        1,
        "a dry run stores nothing"
    );
    let done: MediaImportResult =
        app.post_raw("/api/v1/media/import", Some(&admin), good.as_bytes().to_vec()).await.json_as();
    assert_eq!(done.created, 2);
    let all: MediaList = app.get("/api/v1/media?q=TAPE-1", Some(&admin)).await.json_as();
    let tape = &all.data[0];
    assert_eq!(
        (tape.lto_generation, tape.capacity_bytes, tape.encrypted, tape.state),
        (Some(8), Some(12_000_000_000_000), true, MediaState::Stored)
    );
    assert_eq!((tape.location.as_str(), tape.custodian.as_str()), ("金庫A", "佐藤"));
    assert_eq!(app.audit_entries(&admin, "medium.import").await.len(), 1);
    let unknown_column = app.post_raw("/api/v1/media/import", Some(&admin), b"label,colour\nX,red\n".to_vec()).await;
    assert_eq!(unknown_column.status, StatusCode::BAD_REQUEST);
    assert!(unknown_column.body.to_string().contains("unknown_column"), "{:?}", unknown_column.body);
}

#[tokio::test]
async fn rotation_calendars_follow_the_scheme_and_a_set_away_when_due_raises_an_alert() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let operator = app.user_token(&admin, "ops", "operator").await;
    // The test clock starts on 2026-11-30 (09:00 UTC, 18:00 in Tokyo).
    let body =
        json!({"name": "weekly tapes", "scheme": {"kind": "tower_of_hanoi", "sets": 4}, "start_date": "2026-11-30"});
    assert_eq!(app.post("/api/v1/media/rotations", Some(&operator), &body).await.status, StatusCode::FORBIDDEN);
    let created = app.post("/api/v1/media/rotations", Some(&admin), &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let rotation = created.body["id"].as_i64().expect("id");
    assert_eq!(created.body["sets"], json!(["A", "B", "C", "D"]));
    let duplicate = app.post("/api/v1/media/rotations", Some(&admin), &body).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let invalid = app
        .post(
            "/api/v1/media/rotations",
            Some(&admin),
            &json!({"name": "x", "scheme": {"kind": "tower_of_hanoi", "sets": 0}, "start_date": "2026-11-30"}),
        )
        .await;
    assert_eq!((invalid.status, invalid.violation().0.as_str()), (StatusCode::BAD_REQUEST, "sets"));

    let tape_a = medium(&app, &admin, json!({"label": "HANOI-A", "media_kind": "lto", "state": "offsite"})).await;
    let assign = app
        .post(
            &format!("/api/v1/media/rotations/{rotation}/assign"),
            Some(&admin),
            &json!({"medium_id": tape_a.id, "set": "A"}),
        )
        .await;
    assert_eq!(assign.status, StatusCode::OK, "{:?}", assign.body);
    let wrong = app
        .post(
            &format!("/api/v1/media/rotations/{rotation}/assign"),
            Some(&admin),
            &json!({"medium_id": tape_a.id, "set": "Z"}),
        )
        .await;
    assert_eq!(wrong.violation(), ("set".to_owned(), "rotation_set".to_owned()));

    let calendar: RotationCalendarDto = app
        .get(&format!("/api/v1/media/rotations/{rotation}/calendar?from=2026-11-30&days=16"), Some(&operator))
        .await
        .json_as();
    let sets: Vec<&str> = calendar.days.iter().map(|day| day.set.as_str()).collect();
    assert_eq!(sets.join(" "), "A B A C A B A D A B A C A B A D");
    assert_eq!(calendar.days[0].media, ["HANOI-A"]);
    assert_eq!(calendar.days[0].next_use.map(|d| d.to_string()).as_deref(), Some("2026-12-02"));

    // Set A is due today and tomorrow-but-one while its tape is off site: an alert.
    let alert = wait_for_system_alert(&app, "rotation_due").await;
    assert!(alert.data[0].summary.contains("HANOI-A"), "{:?}", alert.data[0]);
}

#[tokio::test]
async fn qr_codes_and_the_label_sheet() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let one = medium(
        &app,
        &admin,
        json!({"label": "TAPE-QR1", "media_kind": "lto", "lto_generation": 9, "barcode": "QR1L9"}),
    )
    .await;
    let qr = app
        .client
        .get(format!("{}/api/v1/media/{}/qr.svg", app.address, one.id))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("qr");
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    let svg = qr.text().await.expect("svg");
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    let sheet = app
        .client
        .get(format!("{}/api/v1/media/labels?ids={}", app.address, one.id))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("sheet");
    assert!(sheet.headers()["content-type"].to_str().expect("type").starts_with("text/html"));
    let html = sheet.text().await.expect("html");
    assert!(
        html.contains("TAPE-QR1") && html.contains("LTO-9") && html.contains("QR1L9") && html.contains("<svg"),
        "{html}"
    );
    assert!(html.contains("@page") && html.contains("A4"));
    for bad in ["", "1,x", "0"] {
        let reply = app.get(&format!("/api/v1/media/labels?ids={bad}"), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {:?}", reply.body);
    }
    assert_eq!(app.get("/api/v1/media/labels?ids=999", Some(&admin)).await.status, StatusCode::NOT_FOUND);
}
