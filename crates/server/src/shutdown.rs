//! Process signals and systemd notifications: SIGTERM / Ctrl-C stop the server gracefully
//! (stop accepting, finish in-flight requests; every acknowledged result is already
//! committed), SIGHUP reopens the log file, and under systemd `Type=notify` the service
//! reports READY=1 once it listens and STOPPING=1 when it begins to stop.

use actix_web::dev::ServerHandle;

/// Tells systemd the service is ready (no-op outside systemd).
pub fn notify_ready() {
    #[cfg(unix)]
    if let Err(error) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
        log::warn!("could not notify systemd: {error}");
    }
}

fn notify_stopping() {
    #[cfg(unix)]
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
}

async fn stop(handle: ServerHandle, signal: &str) {
    log::info!("{signal} received: finishing in-flight requests, then stopping");
    notify_stopping();
    handle.stop(true).await;
}

/// Spawns the signal watchers on the current actix system. The server must be built with
/// actix's own signal handling disabled.
pub fn install(handle: ServerHandle) -> std::io::Result<()> {
    let on_ctrl_c = handle.clone();
    actix_web::rt::spawn(async move {
        if actix_web::rt::signal::ctrl_c().await.is_ok() {
            stop(on_ctrl_c, "SIGINT").await;
        }
    });
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        actix_web::rt::spawn(async move {
            if terminate.recv().await.is_some() {
                stop(handle, "SIGTERM").await;
            }
        });
        let mut hangup = signal(SignalKind::hangup())?;
        actix_web::rt::spawn(async move {
            while hangup.recv().await.is_some() {
                if let Err(error) = crate::logging::reopen() {
                    log::error!("could not reopen the log file: {error}");
                }
            }
        });
    }
    #[cfg(not(unix))]
    drop(handle);
    Ok(())
}
