//! The JSON API's handlers. Access is checked before a handler runs (`app::guard`); carriers
//! and merchants are further limited here to their own routes and parcels. Every read of a
//! parcel's parties, goods and values is recorded as an `ACC` event.

use crate::access::ReadNote;
use crate::app::{ApiError, Body, Caller, Shared, blocking};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use hangar_model::{CustomsOutcome, Event, Parcel, S10Id};
use hangar_service::accounts::Role;
use hangar_service::actions::{ActionError, declarant_decision};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, m)
}

fn parse_id(id: &str) -> Result<S10Id, ApiError> {
    S10Id::parse(id).map_err(|e| bad(format!("id: {e}")))
}

fn not_found(id: &S10Id) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("no parcel {id}"))
}

/// The routes a carrier's scope names.
pub fn carrier_routes(c: &Caller) -> Vec<String> {
    c.user
        .scope
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether `c` may see parcel `p` (carriers: on one of their routes; merchants: sold by them).
pub fn may_see(app: &Shared, c: &Caller, p: &Parcel) -> bool {
    match c.user.role {
        Role::Carrier => {
            let routes = carrier_routes(c);
            app.live
                .read()
                .parcel(&p.id)
                .and_then(|s| s.route.clone())
                .is_some_and(|r| routes.contains(&r))
        }
        Role::Merchant => c
            .user
            .scope
            .as_deref()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case(p.consignor.name.trim())),
        _ => true,
    }
}

/// A parcel the caller may see, or 404 (a parcel out of scope is not acknowledged to exist).
async fn visible(app: &Shared, c: &Caller, id: S10Id) -> Result<Parcel, ApiError> {
    let store = app.store.clone();
    let p = blocking(move || Ok(store.parcel(&id)?))
        .await?
        .ok_or_else(|| not_found(&id))?;
    if may_see(app, c, &p) {
        Ok(p)
    } else {
        Err(ApiError::out_of_scope(
            format!("no parcel {id}"),
            format!("parcel {id} is outside the {} scope", c.user.role.as_str()),
        ))
    }
}

/// `GET /readyz`: 200 once the store answers and the screens have caught up with it.
pub async fn ready(State(app): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    let store = app.store.clone();
    let counts = blocking(move || Ok(store.counts()?)).await;
    let seq = app.live.read().seq;
    match counts {
        Ok(c) if c.events.saturating_sub(seq) < 100_000 => Ok((
            StatusCode::OK,
            Json(json!({"ready": true, "events": c.events, "shown": seq})),
        )),
        Ok(c) => Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"ready": false, "events": c.events, "shown": seq, "why": "the screens are catching up with the store"}),
            ),
        )),
        Err(e) => Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false, "why": e.message})),
        )),
    }
}

/// Query of the tracking route.
#[derive(Deserialize)]
pub struct TrackQuery {
    /// Tracking id.
    pub id: String,
    /// Destination postcode.
    pub postcode: String,
}

/// A milestone in words a consumer reads.
pub fn milestone(e: &Event) -> Option<&'static str> {
    use hangar_model::EventCode as C;
    Some(match e.code {
        C::MAN => "The sender announced your parcel.",
        C::RCF => "Your parcel arrived at the air-cargo hub and was unloaded.",
        C::CRC => "Your parcel was declared to customs.",
        C::CCD => "Customs cleared your parcel.",
        C::HLD => "Customs is checking your parcel.",
        C::RFI => "Customs asked the sender for information about your parcel.",
        C::RTS => "Customs refused your parcel; it goes back to the sender.",
        C::SRT => "Your parcel was sorted for delivery.",
        C::FOW => "Your parcel was loaded onto a truck to the carrier.",
        C::DLV => "Your parcel was handed over to the delivery company.",
        C::DIS => "There is a problem with your parcel; the hub is looking into it.",
        _ => return None,
    })
}

/// What the tracking page and route show: milestones only, nothing personal.
pub async fn track(app: &Shared, id: &str, postcode: &str) -> Result<Value, ApiError> {
    let nope = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no parcel with this tracking number and postcode",
        )
    };
    let id = S10Id::parse(id.trim()).map_err(|_| nope())?;
    let store = app.store.clone();
    let (p, events) = blocking(move || {
        let p = store.parcel(&id)?;
        let e = if p.is_some() {
            store.parcel_events(&id)?
        } else {
            Vec::new()
        };
        Ok((p, e))
    })
    .await?;
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase()
    };
    let p = p.ok_or_else(nope)?;
    let want = p.consignee.postcode.map(|c| norm(&c.to_string()));
    if want.is_none()
        || want.as_deref() != Some(norm(postcode).as_str())
        || norm(postcode).is_empty()
    {
        return Err(nope());
    }
    let mut out: Vec<Value> = Vec::new();
    let mut last: Option<&str> = None;
    for e in &events {
        if let Some(m) = milestone(e)
            && last != Some(m)
        {
            out.push(json!({"at": e.at.to_string(), "what": m}));
            last = Some(m);
        }
    }
    Ok(json!({
        "id": p.id.to_string(),
        "destination": p.consignee.country.name(),
        "milestones": out,
    }))
}

/// `GET /api/tracking?id=&postcode=`.
pub async fn tracking(
    State(app): State<Shared>,
    Query(q): Query<TrackQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(track(&app, &q.id, &q.postcode).await?))
}

/// `GET /api/me`.
pub async fn me(Extension(c): Extension<Caller>) -> Json<hangar_service::accounts::User> {
    Json(c.user)
}

/// Body of `POST /api/tokens`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (shown in listings).
    pub label: String,
}

/// `POST /api/tokens`.
pub async fn create_token(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Body(b): Body<NewToken>,
) -> Result<impl IntoResponse, ApiError> {
    let accounts = app.accounts.clone();
    let token = blocking(move || Ok(accounts.create_token(&c.user.login, &b.label)?)).await?;
    Ok((StatusCode::CREATED, Json(json!({"token": token}))))
}

/// Body of `POST /api/login`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Login.
    pub login: String,
    /// Password.
    pub password: String,
    /// What the token is for (a token with the same label is replaced).
    pub label: String,
}

/// `POST /api/login`: a person signs in with their own login and password and receives an
/// API token for the command line (`hangar login`). A wrong login or password is refused
/// after the same time as a right one, and recorded.
pub async fn sign_in(
    State(app): State<Shared>,
    peer: Option<Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Body(b): Body<SignIn>,
) -> Result<impl IntoResponse, ApiError> {
    let accounts = app.accounts.clone();
    let login = b.login.trim().to_string();
    let got = blocking(move || {
        let signed_in = accounts.sign_in_token(&login, &b.password, &b.label)?;
        // A refusal names the login only when it is a user's (a password typed into the
        // login field must not end up in the log).
        let known = signed_in.is_none() && accounts.users()?.iter().any(|u| u.login == login);
        Ok((signed_in, known.then_some(login)))
    })
    .await?;
    match got {
        (Some((user, token)), _) => Ok((
            StatusCode::CREATED,
            Json(json!({"token": token, "login": user.login, "role": user.role})),
        )),
        (None, known) => {
            let d = crate::access::Denial {
                actor: crate::access::anonymous(),
                query: "POST /api/login".into(),
                classes: Vec::new(),
                why: match known {
                    Some(l) => format!("sign-in as {l}: wrong password"),
                    None => "sign-in: no such login".into(),
                },
                peer: peer.map(|Extension(c)| c.0.ip()),
            };
            crate::app::record_denial(&app, d).await;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong login or password",
            ))
        }
    }
}

/// `GET /api/live`.
pub async fn live(State(app): State<Shared>) -> Json<Value> {
    let l = app.live.read();
    Json(json!({
        "now": l.now.map(|t| t.to_string()),
        "events": l.events,
        "parcels": l.parcels(),
        "by_stage": l.by_stage,
        "decisions": l.decisions,
        "holds": l.holds.len(),
        "hold_reasons": l.hold_reasons,
        "discharges": l.discharges,
        "chutes": l.chutes,
    }))
}

/// `GET /api/flights`.
pub async fn flights(State(app): State<Shared>) -> Json<Value> {
    let l = app.live.read();
    Json(json!({ "flights": l.flights.values().collect::<Vec<_>>() }))
}

/// Query of the parcel list.
#[derive(Deserialize)]
pub struct ListQuery {
    /// Board stage (`held`, `at_chute`, `handed_over`, ...).
    pub stage: Option<String>,
    /// Carrier route id.
    pub route: Option<String>,
    /// Most rows.
    pub limit: Option<usize>,
    /// Each parcel whole, with its parties, goods and values (a recorded read).
    pub full: Option<bool>,
    /// Why (recorded; the access layer reads it).
    pub purpose: Option<String>,
}

/// `GET /api/parcels`: ids and stages (operational), or with `full=true` the parcels whole (a
/// recorded read of personal and commercial data).
pub async fn parcels(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ListQuery>,
) -> Result<axum::response::Response, ApiError> {
    let rows = parcel_rows(&app, &c, &q).await?;
    if q.full != Some(true) {
        return Ok(noting(
            ReadNote {
                subject: hangar_model::Subject::Hub,
                records: rows.len() as u64,
                classes: Vec::new(),
                what: "parcel ids and stages".into(),
            },
            Json(json!({ "parcels": rows })),
        ));
    }
    let ids: Vec<S10Id> = rows
        .iter()
        .filter_map(|r| r["id"].as_str().and_then(|s| S10Id::parse(s).ok()))
        .collect();
    let store = app.store.clone();
    let docs = blocking(move || {
        let mut v = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(p) = store.parcel(&id)? {
                v.push(p);
            }
        }
        Ok(v)
    })
    .await?;
    let carrier = c.user.role == Role::Carrier;
    let full: Vec<Value> = docs
        .iter()
        .zip(&rows)
        .map(|(p, r)| {
            let parcel = if carrier { delivery_view(p) } else { json!(p) };
            json!({"id": p.id.to_string(), "stage": r["stage"], "parcel": parcel})
        })
        .collect();
    Ok(noting(
        ReadNote {
            subject: hangar_model::Subject::Hub,
            records: full.len() as u64,
            classes: if carrier {
                vec![hangar_model::DataClass::Personal]
            } else {
                vec![
                    hangar_model::DataClass::Personal,
                    hangar_model::DataClass::Commercial,
                ]
            },
            what: format!(
                "parcels whole ({}): parties, goods and values",
                q.stage
                    .as_deref()
                    .or(q.route.as_deref())
                    .unwrap_or("by scope")
            ),
        },
        Json(json!({ "parcels": full })),
    ))
}

async fn parcel_rows(app: &Shared, c: &Caller, q: &ListQuery) -> Result<Vec<Value>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, app.config.max_page);
    let rows: Vec<Value> = match c.user.role {
        Role::Merchant => {
            let seller = c.user.scope.clone().unwrap_or_default();
            let store = app.store.clone();
            let ids = blocking(move || {
                let mut ids = Vec::new();
                store.for_each_parcel(&mut |p| {
                    if ids.len() < limit
                        && p.consignor.name.trim().eq_ignore_ascii_case(seller.trim())
                    {
                        ids.push(p.id);
                    }
                })?;
                Ok(ids)
            })
            .await?;
            let l = app.live.read();
            ids.iter()
                .map(|id| json!({"id": id.to_string(), "stage": l.parcel(id).map(|s| s.board_stage())}))
                .collect()
        }
        role => {
            let l = app.live.read();
            let mine = carrier_routes(c);
            let route = q.route.clone();
            if role == Role::Carrier && route.as_ref().is_some_and(|r| !mine.contains(r)) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "route: not one of your routes",
                ));
            }
            match (route, q.stage.as_deref()) {
                (Some(r), _) => l
                    .on_routes(&[r.as_str()], limit)
                    .into_iter()
                    .map(|(id, s)| json!({"id": id.to_string(), "stage": s}))
                    .collect(),
                (None, _) if role == Role::Carrier => {
                    let routes: Vec<&str> = mine.iter().map(String::as_str).collect();
                    l.on_routes(&routes, limit)
                        .into_iter()
                        .map(|(id, s)| json!({"id": id.to_string(), "stage": s}))
                        .collect()
                }
                (None, Some(stage)) => l
                    .in_stage(stage, limit)
                    .into_iter()
                    .map(|id| json!({"id": id.to_string(), "stage": stage}))
                    .collect(),
                (None, None) => return Err(bad("stage or route: expected one of them")),
            }
        }
    };
    Ok(rows)
}

/// What a carrier sees of a parcel: where it goes, not who sold what at what value.
fn delivery_view(p: &Parcel) -> Value {
    json!({"id": p.id, "mawb": p.mawb, "consignee": p.consignee, "weight_grams": p.weight().0})
}

/// A response that tells the access layer what it read.
pub fn noting(note: ReadNote, r: impl IntoResponse) -> axum::response::Response {
    let mut r = r.into_response();
    r.extensions_mut().insert(note);
    r
}

/// `GET /api/parcels/{id}`: the parcel with its parties and goods; the read is recorded.
pub async fn parcel(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let id = parse_id(&id)?;
    let p = visible(&app, &c, id).await?;
    let followed = app.live.read().parcel(&id).cloned();
    let state = match followed {
        Some(s) => Some(s),
        // Handed over (or not yet followed): its events, folded.
        None => {
            let store = app.store.clone();
            let mut events = blocking(move || Ok(store.parcel_events(&id)?)).await?;
            (!events.is_empty()).then(|| hangar_model::ParcelState::fold(&mut events))
        }
    };
    if c.user.role == Role::Carrier {
        // A carrier delivers: where the parcel goes, not who sold what at what value.
        return Ok(noting(
            ReadNote {
                subject: hangar_model::Subject::Parcel(id),
                records: 1,
                classes: vec![hangar_model::DataClass::Personal],
                what: "parcel: delivery view (buyer, weight)".into(),
            },
            Json(json!({
                "parcel": delivery_view(&p),
                "state": state,
            })),
        ));
    }
    Ok(noting(
        ReadNote {
            subject: hangar_model::Subject::Parcel(id),
            records: 1,
            classes: vec![
                hangar_model::DataClass::Personal,
                hangar_model::DataClass::Commercial,
            ],
            what: "parcel: parties, goods and values".into(),
        },
        Json(json!({ "parcel": p, "state": state })),
    ))
}

/// `GET /api/parcels/{id}/events`.
pub async fn parcel_events(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    visible(&app, &c, id).await?;
    let store = app.store.clone();
    // The hub's own people also see the consignment's and flight's events, numbered; carriers
    // and merchants the parcel's own.
    let staff = !matches!(c.user.role, Role::Carrier | Role::Merchant);
    let (events, history) = blocking(move || {
        Ok((
            store.parcel_events(&id)?,
            if staff {
                store.history(&id)?
            } else {
                Vec::new()
            },
        ))
    })
    .await?;
    let history: Vec<Value> = history
        .into_iter()
        .map(|r| json!({ "seq": r.seq, "event": r.event }))
        .collect();
    Ok(Json(json!({ "events": events, "history": history })))
}

/// Query of list routes.
#[derive(Deserialize)]
pub struct LimitQuery {
    /// Most rows.
    pub limit: Option<usize>,
}

/// `GET /api/customs/holds`.
pub async fn holds(State(app): State<Shared>, Query(q): Query<LimitQuery>) -> Json<Value> {
    let limit = q.limit.unwrap_or(100).clamp(1, app.config.max_page);
    let l = app.live.read();
    let rows: Vec<&crate::live::Hold> = l.holds.values().take(limit).collect();
    Json(json!({ "total": l.holds.len(), "holds": rows }))
}

/// `GET /api/customs/decisions/{id}`.
pub async fn decisions(
    State(app): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let store = app.store.clone();
    let events = blocking(move || {
        if store.parcel(&id)?.is_none() {
            return Err(not_found(&id));
        }
        Ok(store.parcel_events(&id)?)
    })
    .await?;
    let decisions: Vec<&Event> = events
        .iter()
        .filter(|e| CustomsOutcome::of(e.code).is_some())
        .collect();
    Ok(Json(json!({ "decisions": decisions })))
}

/// Body of `POST /api/customs/{id}/release`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The declarant's reason (recorded).
    pub reason: String,
}

/// Body of `POST /api/customs/{id}/hold`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hold {
    /// The declarant's reason (recorded).
    pub reason: String,
    /// `hold` (default), `request_info` or `refuse`.
    #[serde(default)]
    pub outcome: Option<CustomsOutcome>,
}

/// Records a declarant's decision and tells the hub.
pub async fn decide(
    app: &Shared,
    c: &Caller,
    id: S10Id,
    outcome: CustomsOutcome,
    reason: String,
) -> Result<Event, ApiError> {
    let store = app.store.clone();
    let actor = c.user.actor();
    let e = blocking(move || {
        declarant_decision(store.as_ref(), &id, outcome, &reason, actor).map_err(|e| match e {
            ActionError::Refused(m) => ApiError::new(StatusCode::CONFLICT, m),
            ActionError::NoParcel(id) => not_found(&id),
            ActionError::Store(e) => e.into(),
        })
    })
    .await?;
    if let Some(hook) = &app.on_customs {
        hook(id, outcome == CustomsOutcome::Release);
    }
    // The screens show it without waiting for the next poll of the store.
    let store = app.store.clone();
    let live = app.live.clone();
    let _ = blocking(move || Ok(live.catch_up(store.as_ref())?)).await;
    Ok(e)
}

/// `POST /api/customs/{id}/release`.
pub async fn release(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Body(b): Body<Release>,
) -> Result<Json<Event>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(
        decide(&app, &c, id, CustomsOutcome::Release, b.reason).await?,
    ))
}

/// `POST /api/customs/{id}/hold`.
pub async fn hold(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Body(b): Body<Hold>,
) -> Result<Json<Event>, ApiError> {
    let id = parse_id(&id)?;
    let outcome = b.outcome.unwrap_or(CustomsOutcome::Hold);
    if outcome == CustomsOutcome::Release {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "outcome: expected hold, request_info or refuse (release has its own route)",
        ));
    }
    Ok(Json(decide(&app, &c, id, outcome, b.reason).await?))
}

/// `GET /api/routes`.
pub async fn routes(State(app): State<Shared>, Extension(c): Extension<Caller>) -> Json<Value> {
    let mine = carrier_routes(&c);
    let plan = app.plan();
    let routes: Vec<&hangar_sort::Route> = plan
        .routes()
        .iter()
        .filter(|r| c.user.role != Role::Carrier || mine.contains(&r.id))
        .collect();
    Json(json!({ "routes": routes, "special": plan.special() }))
}

/// `GET /api/log/checkpoint`.
pub async fn checkpoint(State(app): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    let log = app.log.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "this data directory has no verifiable log",
        )
    })?;
    let (_, note) = log
        .latest_checkpoint()
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no checkpoint has been issued yet"))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note))
}

/// `GET /api/users`.
pub async fn users(State(app): State<Shared>) -> Result<axum::response::Response, ApiError> {
    let accounts = app.accounts.clone();
    let users = blocking(move || Ok(accounts.users()?)).await?;
    Ok(noting(
        ReadNote {
            subject: hangar_model::Subject::Hub,
            records: users.len() as u64,
            classes: vec![hangar_model::DataClass::Personal],
            what: "users: logins and roles".into(),
        },
        Json(json!({ "users": users })),
    ))
}

/// Body of `POST /api/users`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login.
    pub login: String,
    /// Role.
    pub role: Role,
    /// Routes (carrier) or seller name (merchant).
    #[serde(default)]
    pub scope: Option<String>,
    /// Password, at least 12 characters.
    pub password: String,
}

/// `POST /api/users`: adds a user, recorded as a change of the `users` setting; a new
/// administrator waits for a second administrator's approval (202).
pub async fn add_user(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Body(b): Body<NewUser>,
) -> Result<axum::response::Response, ApiError> {
    let (store, accounts, o) = (
        app.store.clone(),
        app.accounts.clone(),
        crate::oversee::origin(&app),
    );
    let (user, outcome) = blocking(move || {
        Ok(hangar_service::controls::add_user(
            store.as_ref(),
            &accounts,
            &b.login,
            b.role,
            b.scope.as_deref(),
            &b.password,
            Some(&c.user),
            c.user.actor(),
            o,
        )?)
    })
    .await?;
    let status = match outcome {
        hangar_service::controls::Outcome::Pending { .. } => StatusCode::ACCEPTED,
        _ => StatusCode::CREATED,
    };
    Ok((status, Json(json!({ "user": user, "change": outcome }))).into_response())
}
