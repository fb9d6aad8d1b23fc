//! Diesel table definitions, kept by hand in step with `migrations/`. Timestamps are
//! `TimestamptzSqlite` so they map to `DateTime<Utc>`.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        email -> Text,
        full_name -> Text,
        department -> Text,
        role -> Text,
        password_hash -> Text,
        is_active -> Bool,
        must_change_password -> Bool,
        failed_login_count -> Integer,
        locked_until -> Nullable<TimestamptzSqlite>,
        last_login_at -> Nullable<TimestamptzSqlite>,
        password_changed_at -> TimestamptzSqlite,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
        message_language -> Text,
        alert_email_opt_out -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> TimestamptzSqlite,
        last_seen_at -> TimestamptzSqlite,
        expires_at -> TimestamptzSqlite,
        revoked_at -> Nullable<TimestamptzSqlite>,
        revoked_reason -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        created_at -> TimestamptzSqlite,
        rotated_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> TimestamptzSqlite,
        expires_at -> Nullable<TimestamptzSqlite>,
        last_used_at -> Nullable<TimestamptzSqlite>,
        revoked_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        occurred_at -> TimestamptzSqlite,
        actor_kind -> Text,
        actor_user_id -> Nullable<BigInt>,
        actor_api_key_id -> Nullable<BigInt>,
        actor_name -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        action -> Text,
        resource_type -> Nullable<Text>,
        resource_id -> Nullable<Text>,
        outcome -> Text,
        details -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(api_keys -> users (created_by));

diesel::table! {
    jobs (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        job_type -> Text,
        backup_tool -> Text,
        target_server -> Text,
        target_path -> Text,
        owner -> Text,
        is_active -> Bool,
        retention_days -> Nullable<Integer>,
        external_ref -> Nullable<Text>,
        cron_expression -> Nullable<Text>,
        timezone -> Text,
        grace_minutes -> Integer,
        max_duration_minutes -> Nullable<Integer>,
        min_copies -> Nullable<Integer>,
        min_media_types -> Nullable<Integer>,
        min_offsite -> Nullable<Integer>,
        min_offline -> Nullable<Integer>,
        ping_token -> Text,
        last_run_id -> Nullable<BigInt>,
        last_run_result -> Nullable<Text>,
        last_run_started_at -> Nullable<TimestamptzSqlite>,
        last_run_at -> Nullable<TimestamptzSqlite>,
        last_success_at -> Nullable<TimestamptzSqlite>,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    job_tags (job_id, tag) {
        job_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    job_copies (id) {
        id -> BigInt,
        job_id -> BigInt,
        copy_type -> Text,
        media_type -> Text,
        location -> Text,
        storage_path -> Text,
        is_offsite -> Bool,
        is_offline -> Bool,
        is_immutable -> Bool,
        is_encrypted -> Bool,
        freshness_hours -> Nullable<Integer>,
        last_success_id -> Nullable<BigInt>,
        last_success_at -> Nullable<TimestamptzSqlite>,
        last_run_id -> Nullable<BigInt>,
        last_run_at -> Nullable<TimestamptzSqlite>,
        last_run_failed -> Nullable<Bool>,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    executions (id) {
        id -> BigInt,
        job_id -> BigInt,
        copy_id -> Nullable<BigInt>,
        result -> Text,
        started_at -> Nullable<TimestamptzSqlite>,
        finished_at -> Nullable<TimestamptzSqlite>,
        size_bytes -> Nullable<BigInt>,
        file_count -> Nullable<BigInt>,
        error_message -> Nullable<Text>,
        tool_version -> Nullable<Text>,
        source -> Text,
        external_id -> Nullable<Text>,
        run_id -> Nullable<Text>,
        log -> Nullable<Text>,
        api_key_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        received_at -> TimestamptzSqlite,
        medium_id -> Nullable<BigInt>,
        medium_warning -> Nullable<Text>,
    }
}

diesel::table! {
    job_status (job_id) {
        job_id -> BigInt,
        state -> Text,
        state_since -> TimestamptzSqlite,
        next_expected_at -> Nullable<TimestamptzSqlite>,
        last_result -> Nullable<Text>,
        last_run_at -> Nullable<TimestamptzSqlite>,
        last_success_at -> Nullable<TimestamptzSqlite>,
        compliance_status -> Text,
        compliance -> Text,
        evaluated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    job_state_flips (id) {
        id -> BigInt,
        job_id -> BigInt,
        from_state -> Nullable<Text>,
        to_state -> Text,
        flipped_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    compliance_daily (job_id, day) {
        job_id -> BigInt,
        day -> Text,
        status -> Text,
    }
}

diesel::table! {
    scheduler_tasks (name) {
        name -> Text,
        next_run_at -> TimestamptzSqlite,
        last_started_at -> Nullable<TimestamptzSqlite>,
        last_finished_at -> Nullable<TimestamptzSqlite>,
        last_duration_ms -> Nullable<BigInt>,
        last_outcome -> Nullable<Text>,
        last_error -> Nullable<Text>,
        runs -> BigInt,
        failures -> BigInt,
    }
}

diesel::table! {
    scheduler_lease (id) {
        id -> BigInt,
        holder -> Text,
        expires_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    audit_chain_head (id) {
        id -> BigInt,
        last_id -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    execution_daily_counts (day, result) {
        day -> Text,
        result -> Text,
        count -> BigInt,
    }
}

diesel::table! {
    execution_hourly_counts (hour, result) {
        hour -> Text,
        result -> Text,
        count -> BigInt,
    }
}

diesel::table! {
    api_key_jobs (api_key_id, job_id) {
        api_key_id -> BigInt,
        job_id -> BigInt,
    }
}

diesel::table! {
    alert_rules (kind) {
        kind -> Text,
        enabled -> Bool,
        severity -> Text,
        threshold -> Nullable<BigInt>,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    alert_rule_overrides (id) {
        id -> BigInt,
        kind -> Text,
        job_id -> Nullable<BigInt>,
        tag -> Nullable<Text>,
        enabled -> Nullable<Bool>,
        severity -> Nullable<Text>,
        threshold -> Nullable<BigInt>,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    alerts (id) {
        id -> BigInt,
        dedup_key -> Text,
        rule_kind -> Text,
        severity -> Text,
        status -> Text,
        job_id -> Nullable<BigInt>,
        copy_id -> Nullable<BigInt>,
        api_key_id -> Nullable<BigInt>,
        subject -> Nullable<Text>,
        summary -> Text,
        summary_ja -> Text,
        evidence -> Nullable<Text>,
        occurrence -> Text,
        fired_at -> TimestamptzSqlite,
        last_occurred_at -> TimestamptzSqlite,
        occurrences -> BigInt,
        silenced -> Bool,
        acknowledged_by -> Nullable<Text>,
        acknowledged_at -> Nullable<TimestamptzSqlite>,
        acknowledge_note -> Nullable<Text>,
        resolved_at -> Nullable<TimestamptzSqlite>,
        resolved_by -> Nullable<Text>,
        resolve_note -> Nullable<Text>,
        escalated_at -> Nullable<TimestamptzSqlite>,
        last_notified_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    alert_events (id) {
        id -> BigInt,
        alert_id -> BigInt,
        at -> TimestamptzSqlite,
        kind -> Text,
        actor -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    notification_channels (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        language -> Text,
        enabled -> Bool,
        managed_by_env -> Bool,
        settings -> Text,
        secrets -> Nullable<Text>,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    notification_routes (id) {
        id -> BigInt,
        name -> Text,
        enabled -> Bool,
        severities -> Text,
        rule_kinds -> Text,
        tags -> Text,
        job_ids -> Text,
        channel_ids -> Text,
        notify_staff -> Bool,
        escalate_after_minutes -> Nullable<BigInt>,
        escalation_channel_ids -> Text,
        renotify_hours -> Nullable<BigInt>,
        group_wait_seconds -> BigInt,
        group_interval_seconds -> BigInt,
        quiet_hours -> Nullable<Text>,
        managed_by_env -> Bool,
        last_batch_at -> Nullable<TimestamptzSqlite>,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    route_subscriptions (route_id, user_id) {
        route_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    maintenance_windows (id) {
        id -> BigInt,
        scope -> Text,
        tags -> Text,
        job_ids -> Text,
        starts_at -> TimestamptzSqlite,
        ends_at -> TimestamptzSqlite,
        reason -> Text,
        weekly -> Nullable<Text>,
        created_by -> Text,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    notification_queue (id) {
        id -> BigInt,
        route_id -> BigInt,
        alert_id -> BigInt,
        event -> Text,
        created_at -> TimestamptzSqlite,
        not_before -> TimestamptzSqlite,
        batched_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        channel_id -> BigInt,
        route_id -> Nullable<BigInt>,
        event -> Text,
        alert_ids -> Text,
        recipients -> Text,
        subject -> Text,
        payload -> Text,
        idempotency_key -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Nullable<TimestamptzSqlite>,
        created_at -> TimestamptzSqlite,
        delivered_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    delivery_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        at -> TimestamptzSqlite,
        ok -> Bool,
        status -> Nullable<Text>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    restore_requirements (job_id) {
        job_id -> BigInt,
        interval_days -> Nullable<Integer>,
        rto_target_minutes -> Nullable<Integer>,
        counting_types -> Text,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    restore_tests (id) {
        id -> BigInt,
        job_id -> BigInt,
        copy_id -> Nullable<BigInt>,
        test_type -> Text,
        result -> Text,
        started_at -> Nullable<TimestamptzSqlite>,
        finished_at -> TimestamptzSqlite,
        tester -> Text,
        recorded_via -> Text,
        user_id -> Nullable<BigInt>,
        api_key_id -> Nullable<BigInt>,
        target_environment -> Text,
        bytes_restored -> Nullable<BigInt>,
        files_restored -> Nullable<BigInt>,
        rto_achieved_minutes -> Nullable<BigInt>,
        rto_target_minutes -> Nullable<BigInt>,
        issues_found -> Text,
        notes -> Text,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    restore_attachments (id) {
        id -> BigInt,
        restore_test_id -> BigInt,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_name -> Text,
        uploaded_by -> Text,
        uploaded_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    media_rotations (id) {
        id -> BigInt,
        name -> Text,
        scheme -> Text,
        start_date -> Date,
        copy_id -> Nullable<BigInt>,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    media (id) {
        id -> BigInt,
        label -> Text,
        barcode -> Nullable<Text>,
        media_kind -> Text,
        lto_generation -> Nullable<Integer>,
        capacity_bytes -> Nullable<BigInt>,
        serial -> Text,
        purchase_date -> Nullable<Date>,
        encrypted -> Bool,
        retention_until -> Nullable<Date>,
        state -> Text,
        location -> Text,
        custodian -> Text,
        notes -> Text,
        copy_id -> Nullable<BigInt>,
        rotation_id -> Nullable<BigInt>,
        rotation_set -> Nullable<Text>,
        disposed_at -> Nullable<TimestamptzSqlite>,
        disposed_by -> Nullable<Text>,
        disposal_method -> Nullable<Text>,
        certificate_ref -> Nullable<Text>,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    media_custody (id) {
        id -> BigInt,
        medium_id -> BigInt,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Text,
        from_location -> Text,
        to_location -> Text,
        from_custodian -> Text,
        to_custodian -> Text,
        handed_over_by -> Text,
        received_by -> Text,
        recorded_by -> Text,
        occurred_at -> TimestamptzSqlite,
        note -> Text,
    }
}

diesel::table! {
    media_loans (id) {
        id -> BigInt,
        medium_id -> BigInt,
        borrower -> Text,
        purpose -> Text,
        lent_from -> Text,
        lent_at -> TimestamptzSqlite,
        expected_return -> Date,
        returned_at -> Nullable<TimestamptzSqlite>,
        return_condition -> Nullable<Text>,
        lent_by -> Text,
        returned_by -> Nullable<Text>,
    }
}

diesel::joinable!(restore_requirements -> jobs (job_id));
diesel::joinable!(restore_tests -> jobs (job_id));
diesel::joinable!(restore_attachments -> restore_tests (restore_test_id));
diesel::joinable!(media_custody -> media (medium_id));
diesel::joinable!(media_loans -> media (medium_id));
diesel::joinable!(media -> media_rotations (rotation_id));
diesel::joinable!(executions -> media (medium_id));
diesel::joinable!(alert_events -> alerts (alert_id));
diesel::joinable!(alerts -> jobs (job_id));
diesel::joinable!(notification_queue -> alerts (alert_id));
diesel::joinable!(notification_queue -> notification_routes (route_id));
diesel::joinable!(deliveries -> notification_channels (channel_id));
diesel::joinable!(delivery_attempts -> deliveries (delivery_id));
diesel::joinable!(route_subscriptions -> users (user_id));
diesel::joinable!(route_subscriptions -> notification_routes (route_id));
diesel::joinable!(job_tags -> jobs (job_id));
diesel::joinable!(job_copies -> jobs (job_id));
diesel::joinable!(executions -> jobs (job_id));
diesel::joinable!(job_status -> jobs (job_id));
diesel::joinable!(job_state_flips -> jobs (job_id));
diesel::joinable!(api_key_jobs -> jobs (job_id));
diesel::joinable!(api_key_jobs -> api_keys (api_key_id));

diesel::allow_tables_to_appear_in_same_query!(
    jobs,
    job_tags,
    job_copies,
    executions,
    job_status,
    job_state_flips,
    compliance_daily,
    execution_daily_counts,
    execution_hourly_counts,
    api_key_jobs,
    api_keys,
    users,
    sessions,
    refresh_tokens,
    audit_log,
    audit_chain_head,
    scheduler_tasks,
    scheduler_lease,
    alert_rules,
    alert_rule_overrides,
    alerts,
    alert_events,
    notification_channels,
    notification_routes,
    route_subscriptions,
    maintenance_windows,
    notification_queue,
    deliveries,
    delivery_attempts,
    restore_requirements,
    restore_tests,
    restore_attachments,
    media_rotations,
    media,
    media_custody,
    media_loans,
);
