//! The ways in of the live hub: files (`POST /api/manifests`), floor scans (`POST /api/scans`)
//! and trucks (`/api/trucks...`). Each handler only translates: the hub's operations
//! (`hangar_service::Hub`) decide, and their answers become JSON.

use crate::app::{ApiError, Body, Caller, Shared, blocking};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hangar_service::{Hub, IntakeError, ItemProblem, Scan, ScanRefusal, TruckError};
use serde_json::json;
use std::sync::Arc;

fn hub(app: &Shared) -> Result<Arc<Hub>, ApiError> {
    app.hub.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "this server shows a finished day: run `hangar serve` for the live hub's ways in",
        )
    })
}

/// A 422 with every problem as `{item|line, field, expected, got}`.
fn problems(message: String, list: serde_json::Value) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "error": message, "problems": list })),
    )
        .into_response()
}

fn items(list: &[ItemProblem]) -> serde_json::Value {
    json!(list)
}

/// `?name=` of a file upload.
#[derive(serde::Deserialize)]
pub struct FileName {
    name: Option<String>,
}

/// Most characters of an uploaded file's name.
const MAX_FILE_NAME_CHARS: usize = 200;

/// `POST /api/manifests`.
pub async fn manifests(
    State(app): State<Shared>,
    axum::Extension(c): axum::Extension<Caller>,
    Query(q): Query<FileName>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let hub = hub(&app)?;
    let name = q.name.unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    if name.is_empty()
        || name.len() > MAX_FILE_NAME_CHARS
        || name.contains(['/', '\\'])
        || name.chars().any(char::is_control)
        || !(lower.ends_with(".csv") || lower.ends_with(".jsonl") || lower.ends_with(".ndjson"))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "name: expected the file's name in ?name= (up to {MAX_FILE_NAME_CHARS} characters, no slashes, ending .csv, .jsonl or .ndjson), got {name:?}"
            ),
        ));
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let csv = lower.ends_with(".csv");
    let fits = match ctype.as_str() {
        "text/csv" => csv,
        "application/x-ndjson" | "application/jsonl" => !csv,
        _ => false,
    };
    if !fits {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "content-type: expected {} for {name}, got {ctype:?}",
                if csv {
                    "text/csv"
                } else {
                    "application/x-ndjson"
                }
            ),
        ));
    }
    let actor = c.user.actor();
    let r = blocking(move || Ok(hub.intake(&name, &body, actor))).await?;
    match r {
        Ok(receipt) => {
            let status = if receipt.status == "skipped" {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            Ok((status, Json(json!(receipt))).into_response())
        }
        Err(IntakeError::Invalid(errors)) => {
            let list: Vec<serde_json::Value> = errors
                .errors
                .iter()
                .map(|e| {
                    let (expected, got) = split_message(&e.message);
                    json!({"line": e.line, "field": e.field, "expected": expected, "got": got})
                })
                .collect();
            Ok(problems(
                format!(
                    "{}: {} problems; nothing of the file was applied{}",
                    errors.file,
                    errors.count(),
                    if errors.more > 0 {
                        format!(" (the first {} listed)", errors.errors.len())
                    } else {
                        String::new()
                    }
                ),
                json!(list),
            ))
        }
        Err(IntakeError::Conflict(e)) => {
            let (line, field, expected, got) = match &e {
                hangar_store::StoreError::Conflict {
                    line,
                    field,
                    message,
                    ..
                } => {
                    let (x, g) = split_message(message);
                    (*line, field.to_string(), x, g)
                }
                other => (0, "file".into(), other.to_string(), String::new()),
            };
            Ok(problems(
                format!("{e}; nothing of the file was applied"),
                json!([{"line": line, "field": field, "expected": expected, "got": got}]),
            ))
        }
        Err(IntakeError::Hub(e)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{e}; nothing of the file was applied"),
        )),
    }
}

/// A parser's message `expected X, got Y` as its two halves.
fn split_message(m: &str) -> (String, String) {
    let m = m.strip_prefix("expected ").unwrap_or(m);
    match m.rsplit_once(", got ") {
        Some((x, g)) => (x.to_string(), g.to_string()),
        None => (m.to_string(), String::new()),
    }
}

/// `POST /api/scans`.
pub async fn scans(
    State(app): State<Shared>,
    axum::Extension(c): axum::Extension<Caller>,
    Body(batch): Body<Vec<Scan>>,
) -> Result<Response, ApiError> {
    let hub = hub(&app)?;
    let actor = c.user.actor();
    let r = blocking(move || Ok(hub.scans(&batch, actor))).await?;
    match r {
        Ok(receipt) => Ok((StatusCode::CREATED, Json(json!(receipt))).into_response()),
        Err(ScanRefusal::Items(list)) => Ok(problems(
            format!(
                "{} scans refused; nothing of the batch was applied",
                list.len()
            ),
            items(&list),
        )),
        Err(ScanRefusal::Batch(m)) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m)),
        Err(e @ ScanRefusal::Replayed) => Err(ApiError::new(StatusCode::CONFLICT, e.to_string())),
        Err(ScanRefusal::Hub(e)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{e}; nothing of the batch was applied"),
        )),
    }
}

fn truck_error(e: TruckError) -> Response {
    match e {
        TruckError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        TruckError::Closed(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
        TruckError::Invalid { .. } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
        }
        TruckError::Items(list) => {
            return problems(
                format!("{} parcels refused; nothing was loaded", list.len()),
                items(&list),
            );
        }
        TruckError::Hub(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{e}; nothing was applied"),
        ),
    }
    .into_response()
}

/// `GET /api/trucks`.
pub async fn trucks(State(app): State<Shared>) -> Result<Json<serde_json::Value>, ApiError> {
    let hub = hub(&app)?;
    Ok(Json(json!({ "trucks": hub.trucks() })))
}

/// `POST /api/trucks`.
pub async fn open_truck(
    State(app): State<Shared>,
    axum::Extension(c): axum::Extension<Caller>,
    Body(req): Body<hangar_service::OpenTruck>,
) -> Result<Response, ApiError> {
    let hub = hub(&app)?;
    let actor = c.user.actor();
    Ok(
        match blocking(move || Ok(hub.open_truck(&req, actor))).await? {
            Ok(t) => (StatusCode::CREATED, Json(json!(t))).into_response(),
            Err(e) => truck_error(e),
        },
    )
}

/// The body of a load.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    parcels: Vec<String>,
}

/// `POST /api/trucks/{id}/load`.
pub async fn load_truck(
    State(app): State<Shared>,
    axum::Extension(c): axum::Extension<Caller>,
    Path(id): Path<String>,
    Body(req): Body<Load>,
) -> Result<Response, ApiError> {
    let hub = hub(&app)?;
    let actor = c.user.actor();
    Ok(
        match blocking(move || Ok(hub.load_truck(&id, &req.parcels, actor))).await? {
            Ok(r) => Json(json!(r)).into_response(),
            Err(e) => truck_error(e),
        },
    )
}

/// `POST /api/trucks/{id}/close`.
pub async fn close_truck(
    State(app): State<Shared>,
    axum::Extension(c): axum::Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let hub = hub(&app)?;
    let actor = c.user.actor();
    Ok(
        match blocking(move || Ok(hub.close_truck(&id, actor))).await? {
            Ok(r) => Json(json!(r)).into_response(),
            Err(e) => truck_error(e),
        },
    )
}

/// `POST /api/exports`: parcels' fields sent along a declared flow through the egress gate,
/// as the caller.
pub async fn export(
    State(app): State<Shared>,
    axum::Extension(c): axum::Extension<Caller>,
    Body(r): Body<hangar_service::ExportRequest>,
) -> Result<Response, ApiError> {
    use hangar_service::ExportFailure;
    let hub = hub(&app)?;
    let actor = c.user.actor();
    let got = blocking(move || Ok(hub.export(&r, actor))).await?;
    Ok(match got {
        Ok(receipt) => (StatusCode::CREATED, Json(json!(receipt))).into_response(),
        Err(e @ ExportFailure::Invalid { .. }) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response()
        }
        Err(ExportFailure::NoGate) => ApiError::new(
            StatusCode::CONFLICT,
            "this hub has no egress gate: nothing can leave",
        )
        .into_response(),
        Err(ExportFailure::Gate { sent, error }) => {
            let status = match error {
                hangar_service::ExportError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
                hangar_service::ExportError::Failed { .. } => StatusCode::BAD_GATEWAY,
                hangar_service::ExportError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (
                status,
                Json(json!({ "error": error.to_string(), "sent": sent })),
            )
                .into_response()
        }
        Err(ExportFailure::Hub(e)) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{e}; nothing was sent"),
        )
        .into_response(),
    })
}
