//! The server: shared state, the access middleware every request passes, errors, and the
//! router, built from the route table so that no route escapes its declared roles.

use crate::accounts::{Accounts, User};
use crate::config::Config;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::routes::{self, Allow, Kind, RouteSpec};
use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use hangar_ledger::Ledger;
use hangar_model::S10Id;
use hangar_store::Store;
use std::sync::Arc;
use std::time::Instant;

/// Tells the sort host (or whoever runs the hub) that customs released (`true`) or stopped
/// (`false`) a parcel.
pub type CustomsHook = Arc<dyn Fn(S10Id, bool) + Send + Sync>;

/// Everything a request handler may use.
pub struct App {
    /// The hub's store.
    pub store: Arc<dyn Store>,
    /// Users, tokens, sessions.
    pub accounts: Arc<Accounts>,
    /// The folded events the screens show.
    pub live: Arc<Live>,
    /// The verifiable log, when the data directory has one.
    pub log: Option<Arc<Ledger>>,
    /// Who may read the log's tiles.
    pub log_access: crate::log::Access,
    /// Configuration.
    pub config: Config,
    /// The route plan (for carriers' routes).
    pub plan: Arc<hangar_sort::Plan>,
    /// Request counters and latencies.
    pub metrics: Arc<Metrics>,
    /// Called after a declarant's decision.
    pub on_customs: Option<CustomsHook>,
}

/// Shared application state.
pub type Shared = Arc<App>;

/// Who is calling, once the middleware has checked.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// The session's CSRF token, when signed in through the dashboard (not with an API token).
    pub csrf: Option<String>,
}

/// An error as the JSON API answers it: a status and `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong, for the caller.
    pub message: String,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"hangar\""),
            );
        }
        r
    }
}

impl From<hangar_store::StoreError> for ApiError {
    fn from(e: hangar_store::StoreError) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}"))
    }
}

impl From<crate::accounts::AccountError> for ApiError {
    fn from(e: crate::accounts::AccountError) -> Self {
        match e {
            crate::accounts::AccountError::Invalid(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m)
            }
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

/// A JSON request body whose problems come back as JSON errors naming what was wrong (400
/// malformed, 413 too large, 415 not JSON, 422 wrong shape).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(rej) => {
                let status = rej.status();
                let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "body: larger than this server accepts (max_body_bytes)".to_string()
                } else {
                    format!("body: {}", rej.body_text())
                };
                Err(ApiError::new(status, message))
            }
        }
    }
}

/// Runs a blocking closure (store, accounts) off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hangar_session";

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn identify(app: &App, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "authorization: expected Bearer <token>",
                )
            })?;
        return match app.accounts.user_for_token(token.trim())? {
            Some(user) => Ok(Some(Caller { user, csrf: None })),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "authorization: unknown or revoked token",
            )),
        };
    }
    if let Some(id) = cookie(headers, SESSION_COOKIE) {
        return Ok(app.accounts.session(id)?.map(|(user, csrf)| Caller {
            user,
            csrf: Some(csrf),
        }));
    }
    Ok(None)
}

/// Security headers on every response; scripts and styles only from this server.
fn harden(r: &mut Response, spec: Option<&RouteSpec>) {
    let h = r.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    // The API docs viewer styles itself inline; every other page needs nothing inline.
    let csp = if spec.is_some_and(|s| s.path == "/docs") {
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    } else {
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    };
    h.insert("content-security-policy", HeaderValue::from_static(csp));
}

/// The access middleware: finds the route in the table, identifies the caller, checks the role
/// (and the CSRF token of session-authenticated API writes), counts the request.
async fn guard(
    State(app): State<Shared>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let spec = matched
        .as_ref()
        .and_then(|m| routes::find(req.method().as_str(), m.as_str()));
    let Some(spec) = spec else {
        // Unknown path or method: axum answers 404/405.
        let mut r = next.run(req).await;
        harden(&mut r, None);
        return r;
    };
    let denied = |status: StatusCode, message: &str| -> Response {
        match spec.kind {
            Kind::Page | Kind::Form => crate::web::error_page(status, message),
            _ => ApiError::new(status, message).into_response(),
        }
    };
    let mut response = match spec.allow {
        Allow::Public | Allow::LogReader => next.run(req).await,
        Allow::Anyone | Allow::Roles(_) => match identify(&app, req.headers()) {
            Err(e) => e.into_response(),
            Ok(None) if spec.kind == Kind::Page => {
                let next_path = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Redirect::to(&format!(
                    "/login?next={}",
                    crate::web::url_encode(next_path)
                ))
                .into_response()
            }
            Ok(None) => denied(
                StatusCode::UNAUTHORIZED,
                "sign in or send Authorization: Bearer <token>",
            ),
            Ok(Some(c)) if !spec.allow.admits(c.user.role) => denied(
                StatusCode::FORBIDDEN,
                &format!(
                    "the {} role may not use {} {}",
                    c.user.role.as_str(),
                    spec.method,
                    spec.path
                ),
            ),
            Ok(Some(c)) => {
                let csrf_needed =
                    spec.kind == Kind::Api && req.method() != Method::GET && c.csrf.is_some();
                let csrf_ok = !csrf_needed
                    || req
                        .headers()
                        .get("x-csrf-token")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| Some(v) == c.csrf.as_deref());
                if csrf_ok {
                    req.extensions_mut().insert(c);
                    next.run(req).await
                } else {
                    denied(
                        StatusCode::FORBIDDEN,
                        "x-csrf-token: expected the session's CSRF token",
                    )
                }
            }
        },
    };
    harden(&mut response, Some(spec));
    app.metrics
        .observe(spec, response.status().as_u16(), start.elapsed());
    response
}

/// The handler of one declared route.
fn handler(spec: &RouteSpec) -> MethodRouter<Shared> {
    use crate::{json, metrics, openapi, web};
    match (spec.method, spec.path) {
        ("GET", "/healthz") => get(|| async { "ok\n" }),
        ("GET", "/readyz") => get(json::ready),
        ("GET", "/login") => get(web::login_page),
        ("POST", "/login") => post(web::login),
        ("POST", "/logout") => post(web::logout),
        ("GET", "/track") => get(web::track_page),
        ("GET", "/api/tracking") => get(json::tracking),
        ("GET", "/assets/{name}") => get(web::asset),
        ("GET", "/") => get(web::control_room),
        ("GET", "/ui/summary") => get(web::summary),
        ("GET", "/ui/throughput.svg") => get(web::throughput_svg),
        ("GET", "/ui/flights.svg") => get(web::flights_svg),
        ("GET", "/ui/sorters") => get(web::sorters),
        ("GET", "/ui/holds") => get(web::holds_fragment),
        ("GET", "/ui/exceptions") => get(web::exceptions),
        ("GET", "/customs") => get(web::customs_page),
        ("POST", "/customs/{id}/decide") => post(web::decide),
        ("GET", "/parcels") => get(web::search),
        ("GET", "/parcels/{id}") => get(web::parcel_page),
        ("GET", "/docs") => get(openapi::docs_page),
        ("GET", "/openapi.json") => get(openapi::document),
        ("GET", "/metrics") => get(metrics::render),
        ("GET", "/api/me") => get(json::me),
        ("POST", "/api/tokens") => post(json::create_token),
        ("GET", "/api/live") => get(json::live),
        ("GET", "/api/flights") => get(json::flights),
        ("GET", "/api/parcels") => get(json::parcels),
        ("GET", "/api/parcels/{id}") => get(json::parcel),
        ("GET", "/api/parcels/{id}/events") => get(json::parcel_events),
        ("GET", "/api/customs/holds") => get(json::holds),
        ("GET", "/api/customs/decisions/{id}") => get(json::decisions),
        ("POST", "/api/customs/{id}/release") => post(json::release),
        ("POST", "/api/customs/{id}/hold") => post(json::hold),
        ("GET", "/api/routes") => get(json::routes),
        ("GET", "/api/log/checkpoint") => get(json::checkpoint),
        ("GET", "/api/users") => get(json::users),
        ("POST", "/api/users") => post(json::add_user),
        (m, p) => panic!("route {m} {p} is declared but has no handler"),
    }
}

/// The whole server for `app`.
pub fn app(app: App) -> Router {
    let shared = Arc::new(app);
    let mut router: Router<Shared> = Router::new();
    for spec in routes::ROUTES
        .iter()
        .filter(|s| s.allow != Allow::LogReader)
    {
        router = router.route(spec.path, handler(spec));
    }
    let mut router = router.with_state(shared.clone());
    if let Some(log) = &shared.log {
        router = router.merge(crate::log::routes(log.clone(), shared.log_access.clone()));
    }
    router
        .layer(axum::middleware::from_fn_with_state(shared.clone(), guard))
        .layer(axum::extract::DefaultBodyLimit::max(
            shared.config.max_body_bytes,
        ))
}
