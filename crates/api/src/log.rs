//! The verifiable log over HTTP, read-only, in the C2SP tlog-tiles layout, so standard tiles
//! clients and `hangar audit verify` can follow it:
//!
//! - `GET /log/checkpoint`: the latest signed checkpoint (text/plain);
//! - `GET /log/tile/<L>/<N>[.p/<W>]`: hash tiles; `GET /log/tile/entries/<N>[.p/<W>]`: entry bundles;
//! - `GET /log/proof/inclusion?index=N[&size=M]`: an entry, its inclusion proof against the
//!   latest checkpoint (or size M) and that checkpoint, as JSON.
//!
//! Every route needs `Authorization: Bearer <log reader token>` unless the log is served
//! publicly. File reads run on the blocking pool so the async workers never wait on the disk.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hangar_ledger::{Ledger, TilePath};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Who may read the log.
#[derive(Clone, Debug)]
pub enum Access {
    /// Anyone (a hub that publishes its log).
    Public,
    /// Holders of this bearer token.
    Token(String),
}

#[derive(Clone)]
struct AppState {
    log: Arc<Ledger>,
    access: Access,
}

/// The router for a log alone (what `hangar log serve` serves): the log routes and `/healthz`.
pub fn router(log: Arc<Ledger>, access: Access) -> Router {
    routes(log, access).route("/healthz", get(|| async { "ok\n" }))
}

/// The log routes, to be merged into a larger server.
pub fn routes(log: Arc<Ledger>, access: Access) -> Router {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/tile/{*path}", get(tile))
        .route("/log/proof/inclusion", get(inclusion))
        .with_state(AppState { log, access })
}

/// Errors as HTTP responses: status and a one-line reason.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.0, format!("{}\n", self.1)).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"hangar-log\""),
            );
        }
        r
    }
}

fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Access::Token(token) = &state.access else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare digests so the time taken does not depend on how much of the token matched.
    if Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "a valid bearer token is required to read this log".into(),
        ))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

async fn checkpoint(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let (_, note) = s.log.latest_checkpoint().ok_or_else(|| {
        ApiError(
            StatusCode::NOT_FOUND,
            "no checkpoint has been issued yet".into(),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        note,
    )
        .into_response())
}

async fn tile(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let t = TilePath::parse(&format!("tile/{path}")).ok_or_else(|| {
        ApiError(
            StatusCode::NOT_FOUND,
            format!("tile/{path} is not a tile path"),
        )
    })?;
    let log = s.log.clone();
    let bytes = blocking(move || {
        match t.level {
            Some(l) => log.tile(l, t.index, t.width),
            None => log.entry_bundle(t.index, t.width),
        }
        .map_err(|e| ApiError(StatusCode::NOT_FOUND, e.to_string()))
    })
    .await?;
    // Full tiles never change; partial ones are replaced as the log grows.
    let cache = if t.width == 256 {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}

/// Query of the inclusion-proof route.
#[derive(serde::Deserialize)]
struct InclusionQuery {
    index: u64,
    size: Option<u64>,
}

async fn inclusion(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    authorize(&s, &headers)?;
    let (cp, note) = s.log.latest_checkpoint().ok_or_else(|| {
        ApiError(
            StatusCode::NOT_FOUND,
            "no checkpoint has been issued yet".into(),
        )
    })?;
    let size = q.size.unwrap_or(cp.size);
    if q.index >= size {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("index {} is not below size {size}", q.index),
        ));
    }
    let log = s.log.clone();
    let (entry, proof) = blocking(move || {
        let bad = |e: hangar_ledger::LedgerError| ApiError(StatusCode::BAD_REQUEST, e.to_string());
        Ok((
            log.entry(q.index).map_err(bad)?,
            log.inclusion_proof(q.index, size).map_err(bad)?,
        ))
    })
    .await?;
    Ok(Json(serde_json::json!({
        "index": q.index,
        "size": size,
        "entry": String::from_utf8_lossy(&entry),
        "leaf_hash": B64.encode(hangar_ledger::merkle::leaf_hash(&entry)),
        "proof": proof.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
        "checkpoint": if size == cp.size { Some(note) } else { None },
    })))
}
