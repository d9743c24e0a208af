//! The server: shared state, the access middleware every request passes, errors, and the
//! router, built from the route table so that no route escapes its declared roles.

use crate::access::{self, Denial, Denials, DeniedNote, ReadNote};
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
use hangar_service::accounts::{Accounts, Role, User};
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
    /// The route plan in force (for carriers' routes).
    pub plan: std::sync::RwLock<Arc<hangar_sort::Plan>>,
    /// Request counters and latencies.
    pub metrics: Arc<Metrics>,
    /// Called after a declarant's decision.
    pub on_customs: Option<CustomsHook>,
    /// Refusals recorded per caller (bursts folded into counts).
    pub denials: Arc<Denials>,
    /// Called after a new version of a guarded setting is applied.
    pub on_control: Option<ControlHook>,
    /// The live hub's operations (files, scans, trucks); `None` when serving a finished day.
    pub hub: Option<Arc<hangar_service::Hub>>,
}

/// Tells whoever runs the hub that a guarded setting has a new version in force.
pub type ControlHook = Arc<dyn Fn(hangar_model::Control) + Send + Sync>;

/// Shared application state.
pub type Shared = Arc<App>;

impl App {
    /// The route plan in force.
    pub fn plan(&self) -> Arc<hangar_sort::Plan> {
        self.plan.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes up a new version of a guarded setting: the route plan here, then whoever runs the
    /// hub (the sort host) through `on_control`.
    pub fn reload(&self, control: hangar_model::Control) {
        if control == hangar_model::Control::RoutePlan {
            match hangar_service::controls::current(self.store.as_ref(), control)
                .map_err(|e| e.to_string())
                .and_then(|doc| {
                    hangar_sort::Plan::parse("route-plan (in force)", &doc)
                        .map_err(|e| e.to_string())
                }) {
                Ok(p) => *self.plan.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(p),
                Err(e) => eprintln!("warning: the new route plan could not be taken up: {e}"),
            }
        }
        if let Some(hook) = &self.on_control {
            hook(control);
        }
    }
}

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
    /// The caller asked for something outside its scope (recorded as a refusal).
    pub out_of_scope: Option<String>,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            out_of_scope: None,
        }
    }

    /// A refusal the log records (with the message as the reason).
    pub fn refused(status: StatusCode, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError {
            status,
            out_of_scope: Some(message.clone()),
            message,
        }
    }

    /// A 404 for something that exists but is not the caller's to see: the caller is not told
    /// it exists, the log records the refusal with `why`.
    pub fn out_of_scope(message: impl Into<String>, why: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            out_of_scope: Some(why.into()),
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
        if let Some(why) = self.out_of_scope {
            r.extensions_mut().insert(DeniedNote(why));
        }
        r
    }
}

impl From<hangar_store::StoreError> for ApiError {
    fn from(e: hangar_store::StoreError) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}"))
    }
}

impl From<hangar_service::accounts::AccountError> for ApiError {
    fn from(e: hangar_service::accounts::AccountError) -> Self {
        match e {
            hangar_service::accounts::AccountError::Invalid(m) => {
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
        let refused = |status: StatusCode, text: String| {
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "body: larger than this server accepts (max_body_bytes)".to_string()
            } else {
                format!("body: {text}")
            };
            ApiError::new(status, message)
        };
        if !is_json(req.headers()) {
            // Refused as not JSON, in axum's words.
            return match Json::<T>::from_request(req, state).await {
                Ok(Json(v)) => Ok(Body(v)),
                Err(rej) => Err(refused(rej.status(), rej.body_text())),
            };
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rej| refused(rej.status(), rej.body_text()))?;
        // The plain parser first (a scan batch is 1,000 items); only a body it refuses is read
        // again to name the path of what is wrong.
        match serde_json::from_slice::<T>(&bytes) {
            Ok(v) => Ok(Body(v)),
            Err(_) => match Json::<T>::from_bytes(&bytes) {
                Ok(Json(v)) => Ok(Body(v)),
                Err(rej) => Err(refused(rej.status(), rej.body_text())),
            },
        }
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/...+json`).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
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

/// Where people's actions at this hub are recorded (the configured airport).
pub fn hub_location(app: &App) -> hangar_model::Location {
    hangar_model::Location::parse(&app.config.hub)
        .unwrap_or_else(|_| hangar_model::Location::parse("LGG").expect("location"))
}

/// Records a refusal (rate-limited per caller) on the blocking pool; a failure to record is
/// reported on standard error, the refusal stands either way.
pub(crate) async fn record_denial(app: &Shared, d: Denial) {
    let app2 = app.clone();
    let r = blocking(move || {
        Ok(app2
            .denials
            .record(app2.store.as_ref(), hub_location(&app2), d)?)
    })
    .await;
    if let Err(e) = r {
        eprintln!("warning: could not record a refused request: {}", e.message);
    }
}

/// The access middleware: finds the route in the table, identifies the caller, checks the role,
/// the network of administrators and the CSRF token of session-authenticated API writes; records
/// every refusal, and every successful read of sensitive data before its answer leaves; counts
/// the request.
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
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let query = format!(
        "{} {}",
        req.method(),
        req.uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let purpose = access::purpose(req.headers(), req.uri().query());
    let denied = |status: StatusCode, message: &str| -> Response {
        match spec.kind {
            Kind::Page | Kind::Form => crate::web::error_page(status, message),
            _ => ApiError::new(status, message).into_response(),
        }
    };
    let denial = |actor: hangar_model::Actor, why: &str| Denial {
        actor,
        query: query.clone(),
        classes: spec.reads.to_vec(),
        why: why.to_string(),
        peer,
    };
    let mut caller: Option<Caller> = None;
    let mut response = match spec.allow {
        Allow::Public | Allow::LogReader => next.run(req).await,
        Allow::Anyone | Allow::Roles(_) => match identify(&app, req.headers()) {
            Err(e) => {
                record_denial(&app, denial(access::anonymous(), &e.message)).await;
                e.into_response()
            }
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
            Ok(None) => {
                let why = "sign in or send Authorization: Bearer <token>";
                record_denial(&app, denial(access::anonymous(), why)).await;
                denied(StatusCode::UNAUTHORIZED, why)
            }
            Ok(Some(c)) if !spec.allow.admits(c.user.role) => {
                let why = format!(
                    "the {} role may not use {} {}",
                    c.user.role.as_str(),
                    spec.method,
                    spec.path
                );
                record_denial(&app, denial(c.user.actor(), &why)).await;
                denied(StatusCode::FORBIDDEN, &why)
            }
            Ok(Some(c)) if c.user.role == Role::Admin && !app.config.admin_allowed(peer) => {
                let why = format!(
                    "remote administration: administrators are served only from {} (admin_networks), not from {}",
                    app.config.admin_networks.join(", "),
                    peer.map(|p| p.to_string())
                        .unwrap_or_else(|| "an unknown address".into())
                );
                record_denial(&app, denial(c.user.actor(), &why)).await;
                denied(StatusCode::FORBIDDEN, &why)
            }
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
                    caller = Some(c.clone());
                    req.extensions_mut().insert(c);
                    next.run(req).await
                } else {
                    let why = "x-csrf-token: expected the session's CSRF token";
                    record_denial(&app, denial(c.user.actor(), why)).await;
                    denied(StatusCode::FORBIDDEN, why)
                }
            }
        },
    };
    if let Some(c) = &caller {
        response = recorded(&app, spec, c, &query, purpose, peer, response).await;
    }
    harden(&mut response, Some(spec));
    app.metrics
        .observe(spec, response.status().as_u16(), start.elapsed());
    response
}

/// Records what a signed-in caller's request read or was refused, before the answer leaves;
/// refuses reads of many sensitive records without a declared purpose.
async fn recorded(
    app: &Shared,
    spec: &RouteSpec,
    c: &Caller,
    query: &str,
    purpose: Option<String>,
    peer: Option<std::net::IpAddr>,
    response: Response,
) -> Response {
    if let Some(why) = response.extensions().get::<DeniedNote>() {
        let d = Denial {
            actor: c.user.actor(),
            query: query.to_string(),
            classes: spec.reads.to_vec(),
            why: why.0.clone(),
            peer,
        };
        record_denial(app, d).await;
        return response;
    }
    if spec.reads.is_empty() || !response.status().is_success() {
        return response;
    }
    let note = response
        .extensions()
        .get::<ReadNote>()
        .cloned()
        .unwrap_or_else(|| ReadNote {
            subject: hangar_model::Subject::Hub,
            records: 1,
            classes: spec.reads.to_vec(),
            what: spec.summary.to_string(),
        });
    if note.classes.is_empty() {
        return response;
    }
    let page = matches!(spec.kind, Kind::Page | Kind::Form);
    if note.records > access::BULK_RECORDS && purpose.is_none() {
        let why = format!(
            "purpose: this query returns {} records of {} data; reads of more than {} need a declared purpose (?purpose=... or the {} header)",
            note.records,
            note.classes
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(" and "),
            access::BULK_RECORDS,
            access::PURPOSE_HEADER
        );
        let d = Denial {
            actor: c.user.actor(),
            query: query.to_string(),
            classes: note.classes.clone(),
            why: why.clone(),
            peer,
        };
        record_denial(app, d).await;
        return if page {
            crate::web::error_page(StatusCode::BAD_REQUEST, &why)
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, why).into_response()
        };
    }
    let purpose = purpose.unwrap_or_else(|| {
        if page {
            "dashboard".to_string()
        } else {
            "not stated".to_string()
        }
    });
    let (app2, actor, query) = (app.clone(), c.user.actor(), query.to_string());
    let r = blocking(move || {
        let read = access::Read {
            subject: note.subject,
            what: &note.what,
            classes: &note.classes,
            records: note.records,
            query: &query,
            purpose: &purpose,
        };
        Ok(access::record_read(
            app2.store.as_ref(),
            actor,
            hub_location(&app2),
            &read,
        )?)
    })
    .await;
    match r {
        Ok(_) => response,
        // Unrecorded, the data does not leave.
        Err(e) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the read could not be recorded, so it is not answered: {}",
                e.message
            ),
        )
        .into_response(),
    }
}

/// The handler of one declared route.
fn handler(spec: &RouteSpec) -> MethodRouter<Shared> {
    use crate::{floor, json, metrics, openapi, oversee, oversight_pages, web};
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
        ("POST", "/api/login") => post(json::sign_in),
        ("GET", "/api/live") => get(json::live),
        ("GET", "/api/flights") => get(json::flights),
        ("GET", "/api/parcels") => get(json::parcels),
        ("GET", "/api/parcels/{id}") => get(json::parcel),
        ("GET", "/api/parcels/{id}/events") => get(json::parcel_events),
        ("GET", "/api/customs/holds") => get(json::holds),
        ("GET", "/api/customs/decisions/{id}") => get(json::decisions),
        ("POST", "/api/customs/{id}/release") => post(json::release),
        ("POST", "/api/customs/{id}/hold") => post(json::hold),
        ("POST", "/api/manifests") => post(floor::manifests).layer(
            axum::extract::DefaultBodyLimit::max(hangar_service::MAX_UPLOAD_BYTES),
        ),
        ("POST", "/api/scans") => post(floor::scans).layer(axum::extract::DefaultBodyLimit::max(
            hangar_service::MAX_SCAN_BATCH_BYTES,
        )),
        ("GET", "/api/trucks") => get(floor::trucks),
        ("POST", "/api/trucks") => post(floor::open_truck),
        ("POST", "/api/trucks/{id}/load") => post(floor::load_truck),
        ("POST", "/api/trucks/{id}/close") => post(floor::close_truck),
        ("GET", "/api/routes") => get(json::routes),
        ("GET", "/api/log/checkpoint") => get(json::checkpoint),
        ("GET", "/api/users") => get(json::users),
        ("POST", "/api/users") => post(json::add_user),
        ("GET", "/api/catalog") => get(oversee::catalog),
        ("GET", "/api/flows") => get(oversee::flows),
        ("GET", "/api/controls") => get(oversee::controls_list),
        ("GET", "/api/controls/{name}") => get(oversee::control),
        ("POST", "/api/controls/{name}") => post(oversee::propose),
        ("POST", "/api/controls/proposals/{seq}/approve") => post(oversee::approve),
        ("POST", "/api/controls/proposals/{seq}/refuse") => post(oversee::refuse),
        ("GET", "/controls") => get(oversight_pages::controls_page),
        ("POST", "/controls/proposals/{seq}/decide") => post(oversight_pages::decide),
        ("GET", "/api/audit/report") => get(oversee::report),
        ("GET", "/audit") => get(oversight_pages::audit_page),
        ("POST", "/api/parcels/{id}/erase") => post(oversee::erase),
        ("POST", "/api/exports") => post(floor::export),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_body_is_one_that_says_so() {
        let with = |ct: Option<&str>| {
            let mut h = HeaderMap::new();
            if let Some(ct) = ct {
                h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
            }
            is_json(&h)
        };
        assert!(with(Some("application/json")));
        assert!(with(Some("Application/JSON; charset=utf-8")));
        assert!(with(Some("application/merge-patch+json")));
        assert!(!with(Some("text/json")));
        assert!(!with(Some("text/csv")));
        assert!(!with(Some("application/jsonx")));
        assert!(!with(None));
    }
}
