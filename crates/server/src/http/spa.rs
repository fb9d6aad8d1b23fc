//! The built SPA (Trunk's output in `STATIC_DIR`): files served from disk, client-side
//! routes answered with `index.html`, hashed assets cached for a year as immutable and
//! everything else revalidated (so a new release is picked up at the next load).
//! Backend paths (`/api/`, `/ping/`, `/health`...) never fall back to the SPA: an unknown
//! API route stays a JSON 404/405.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use bms_types::ErrorCode;

use crate::app::AppState;
use crate::error::ApiError;
use crate::http::middleware::{self, KnownRoutes};

/// `Cache-Control` for content-hashed files: their name changes whenever they do.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for `index.html` and unhashed files: always revalidate.
pub const REVALIDATE: &str = "no-cache";

/// Whether a file name carries Trunk's content hash (`name-<hash>.ext`,
/// `name-<hash>_bg.wasm`). The hash is a 64-bit value in hex without leading zeros, so
/// usually 16 digits and rarely fewer; 10 or more digits followed by `.` or `_` count.
pub fn is_hashed_asset(file_name: &str) -> bool {
    file_name.match_indices('-').any(|(index, _)| {
        let rest = &file_name[index + 1..];
        let digits = rest.chars().take_while(char::is_ascii_hexdigit).count();
        (10..=16).contains(&digits) && rest[digits..].starts_with(['.', '_'])
    })
}

/// The file under `root` a request path names, refusing anything that could leave `root`
/// (`..`, hidden files, backslashes, percent escapes, drive letters).
pub fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = request_path.trim_start_matches('/');
    if relative.is_empty() {
        return None;
    }
    let mut path = root.to_path_buf();
    for segment in relative.split('/') {
        let unsafe_segment = segment.is_empty() || segment.starts_with('.') || segment.contains(['\\', '%', ':', '\0']);
        if unsafe_segment {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

/// Default service: a static file, the SPA's `index.html` for client routes, or the JSON
/// 404/405 for everything else.
pub async fn serve(req: HttpRequest, routes: web::Data<KnownRoutes>, state: web::Data<AppState>) -> HttpResponse {
    let readable = req.method() == Method::GET || req.method() == Method::HEAD;
    let Some(root) =
        state.config.static_dir.as_deref().filter(|_| readable && !crate::request::is_backend_path(req.path()))
    else {
        return middleware::fallback(req, routes).await;
    };
    if let Some(file) = resolve(root, req.path()).filter(|file| file.is_file()) {
        let cache = file.file_name().and_then(|name| name.to_str()).is_some_and(is_hashed_asset);
        return send_file(&req, &file, if cache { IMMUTABLE } else { REVALIDATE }).await;
    }
    // A missing asset (`/x.js`) is a 404; an extension-less path is a client-side route.
    let last = req.path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return ApiError::new(ErrorCode::NotFound, format!("No file {}.", req.path())).error_response();
    }
    let index = root.join("index.html");
    if !index.is_file() {
        return ApiError::new(
            ErrorCode::NotFound,
            format!(
                "The web UI is not built: {} has no index.html (run scripts/build-spa.sh, or set STATIC_DIR).",
                root.display()
            ),
        )
        .error_response();
    }
    send_file(&req, &index, REVALIDATE).await
}

async fn send_file(req: &HttpRequest, path: &Path, cache_control: &'static str) -> HttpResponse {
    match NamedFile::open(path) {
        Ok(file) => {
            let mut response = file.use_etag(true).use_last_modified(true).into_response(req);
            if response.status() == StatusCode::OK || response.status() == StatusCode::NOT_MODIFIED {
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
            }
            response
        }
        Err(error) => ApiError::internal(format!("cannot read {}: {error}", path.display())).error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_paths_never_reach_the_spa() {
        for path in ["/api", "/api/v1/jobs", "/ping/abc", "/health", "/ready", "/metrics"] {
            assert!(crate::request::is_backend_path(path), "{path}");
        }
        for path in ["/", "/jobs", "/jobs/3", "/apiary", "/healthy", "/pingu"] {
            assert!(!crate::request::is_backend_path(path), "{path}");
        }
    }

    #[test]
    fn trunk_hashes_are_recognised() {
        assert!(is_hashed_asset("bms-web-774131b1efc5b09d_bg.wasm"));
        assert!(is_hashed_asset("bms-web-774131b1efc5b09d.js"));
        assert!(is_hashed_asset("style-24bde1ba2ff3f483.css"));
        assert!(!is_hashed_asset("index.html"));
        assert!(!is_hashed_asset("boot.js"));
        assert!(is_hashed_asset("bms-web-fb0394b8fac6cd1_bg.wasm"), "15 digits: a leading zero dropped");
        assert!(!is_hashed_asset("bms-web-774131.js"));
        assert!(!is_hashed_asset("bms-web-774131b1efc5b09dx.js"), "hash must end the stem");
    }

    #[test]
    fn paths_cannot_leave_the_root() {
        let root = Path::new("/srv/dist");
        assert_eq!(resolve(root, "/style.css"), Some(PathBuf::from("/srv/dist/style.css")));
        assert_eq!(resolve(root, "/a/b.js"), Some(PathBuf::from("/srv/dist/a/b.js")));
        for bad in ["/", "/../etc/passwd", "/a/../../x", "/.env", "/a//b", "/..%2fx", "/a\\..\\b", "/C:/x"] {
            assert_eq!(resolve(root, bad), None, "{bad}");
        }
    }
}
