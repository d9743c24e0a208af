//! The JSON API of oversight: the data catalog, the declared flows, the guarded settings and
//! their changes, the auditor's report, and erasure on request.

use crate::access::ReadNote;
use crate::app::{ApiError, Body, Caller, Shared, blocking, hub_location};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use hangar_model::{Control, DataClass, S10Id, Subject};
use hangar_service::controls::{self, ControlError, Origin, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> Self {
        match e {
            ControlError::Refused(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            ControlError::Forbidden(m) => ApiError::refused(StatusCode::FORBIDDEN, m),
            ControlError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            ControlError::NoProposal(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            ControlError::Store(e) => e.into(),
            ControlError::Accounts(e) => e.into(),
        }
    }
}

/// Where and when a person's change happens now.
pub fn origin(app: &Shared) -> Origin {
    Origin {
        at: hangar_service::actions::now(),
        location: hub_location(app),
    }
}

fn control_of(name: &str) -> Result<Control, ApiError> {
    Control::parse(name).map_err(|e| ApiError::new(StatusCode::NOT_FOUND, format!("name: {e}")))
}

/// `GET /api/catalog`.
pub async fn catalog() -> Json<Value> {
    Json(json!({ "fields": hangar_oversight::Catalog::builtin().fields() }))
}

/// The declared flows in force.
pub fn flows_in_force(
    store: &dyn hangar_store::Store,
) -> Result<hangar_oversight::Flows, ApiError> {
    let doc = controls::current(store, Control::EgressFlows)?;
    hangar_oversight::Flows::parse("egress-flows", &doc, &hangar_oversight::Catalog::builtin())
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// `GET /api/flows`.
pub async fn flows(State(app): State<Shared>) -> Result<Json<Value>, ApiError> {
    let store = app.store.clone();
    let f = blocking(move || flows_in_force(store.as_ref())).await?;
    Ok(Json(json!({ "version": f.version, "flows": f.flows })))
}

fn summary(control: Control, st: &hangar_oversight::ControlState) -> Value {
    json!({
        "name": control.as_str(),
        "roles": controls::roles(control).iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "version": st.current().map(|v| v.version),
        "applied_at": st.current().map(|v| v.at.to_string()),
        "applied_by": st.current().map(|v| v.applied_by.to_string()),
        "pending": st.pending,
    })
}

/// `GET /api/controls`.
pub async fn controls_list(State(app): State<Shared>) -> Result<Json<Value>, ApiError> {
    let store = app.store.clone();
    let rows = blocking(move || {
        let mut rows = Vec::new();
        for c in Control::ALL {
            rows.push(summary(c, &controls::state(store.as_ref(), c)?));
        }
        Ok(rows)
    })
    .await?;
    Ok(Json(json!({ "controls": rows })))
}

/// `GET /api/controls/{name}`.
pub async fn control(
    State(app): State<Shared>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let control = control_of(&name)?;
    let store = app.store.clone();
    let (st, doc) = blocking(move || {
        Ok((
            controls::state(store.as_ref(), control)?,
            controls::current(store.as_ref(), control)?,
        ))
    })
    .await?;
    let mut v = summary(control, &st);
    v["versions"] = json!(st.versions);
    v["document"] = json!(if control == Control::Users {
        ""
    } else {
        doc.as_str()
    });
    Ok(Json(v))
}

/// Body of `POST /api/controls/{name}`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// The whole new document (TOML).
    pub document: String,
    /// Why (recorded).
    pub reason: String,
}

/// Body of an approval or refusal.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// Why (recorded).
    pub reason: String,
}

fn outcome_response(o: Outcome) -> Response {
    let status = match o {
        Outcome::Pending { .. } => StatusCode::ACCEPTED,
        _ => StatusCode::OK,
    };
    (status, Json(o)).into_response()
}

/// Takes up a setting's new version, if one was applied.
pub fn changed(app: &Shared, o: &Outcome, control: Option<Control>) {
    if let (Outcome::Applied { .. }, Some(c)) = (o, control) {
        app.reload(c);
    }
}

/// `POST /api/controls/{name}`.
pub async fn propose(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(name): Path<String>,
    Body(b): Body<Proposal>,
) -> Result<Response, ApiError> {
    let control = control_of(&name)?;
    let (store, o) = (app.store.clone(), origin(&app));
    let out = blocking(move || {
        Ok(controls::propose(
            store.as_ref(),
            control,
            &b.document,
            &b.reason,
            &c.user,
            o,
        )?)
    })
    .await?;
    changed(&app, &out, Some(control));
    Ok(outcome_response(out))
}

/// Approves (`true`) or refuses proposal `seq` for `c`.
pub async fn verdict(
    app: &Shared,
    c: &Caller,
    seq: u64,
    approve: bool,
    reason: String,
) -> Result<Outcome, ApiError> {
    let (store, accounts, o, user) = (
        app.store.clone(),
        app.accounts.clone(),
        origin(app),
        c.user.clone(),
    );
    let (out, control) = blocking(move || {
        let control = controls::find_proposal(store.as_ref(), seq)
            .ok()
            .map(|(c, _, _)| c);
        let out = if approve {
            controls::approve(store.as_ref(), Some(&accounts), seq, &reason, &user, o)?
        } else {
            controls::refuse(store.as_ref(), Some(&accounts), seq, &reason, &user, o)?
        };
        Ok((out, control))
    })
    .await?;
    changed(app, &out, control);
    Ok(out)
}

/// `POST /api/controls/proposals/{seq}/approve`.
pub async fn approve(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(seq): Path<u64>,
    Body(b): Body<Verdict>,
) -> Result<Response, ApiError> {
    Ok(outcome_response(
        verdict(&app, &c, seq, true, b.reason).await?,
    ))
}

/// `POST /api/controls/proposals/{seq}/refuse`.
pub async fn refuse(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(seq): Path<u64>,
    Body(b): Body<Verdict>,
) -> Result<Response, ApiError> {
    Ok(outcome_response(
        verdict(&app, &c, seq, false, b.reason).await?,
    ))
}

/// Query of the audit report.
#[derive(Deserialize)]
pub struct PeriodQuery {
    /// Start: a date or a time (default: today).
    pub from: Option<String>,
    /// End: a date (inclusive) or a time (exclusive) (default: the end of today).
    pub to: Option<String>,
}

/// The report for a period, from the server's log.
pub async fn report_for(
    app: &Shared,
    q: &PeriodQuery,
) -> Result<hangar_oversight::report::Report, ApiError> {
    let (from, to) = crate::audit::period(
        q.from.as_deref(),
        q.to.as_deref(),
        hangar_service::actions::now().date(),
    )
    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
    let log = app.log.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "this data directory has no verifiable log to report from",
        )
    })?;
    let settings = app.config.report_settings();
    blocking(move || {
        crate::audit::from_log(&log, from, to, settings)
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e))
    })
    .await
}

/// The read note of a report: it names the people who read, changed and were refused.
pub fn report_note(r: &hangar_oversight::report::Report) -> ReadNote {
    ReadNote {
        subject: Subject::Hub,
        records: (r.reads.len() + r.refused.len() + r.changes.len()) as u64,
        classes: vec![DataClass::Personal],
        what: format!(
            "audit report {} to {}: readers, refusals, changes",
            r.from, r.to
        ),
    }
}

/// `GET /api/audit/report`.
pub async fn report(
    State(app): State<Shared>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let r = report_for(&app, &q).await?;
    Ok(crate::json::noting(report_note(&r), Json(&r)))
}

/// Body of `POST /api/parcels/{id}/erase`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// Why: the request (recorded).
    pub reason: String,
}

/// `POST /api/parcels/{id}/erase`.
pub async fn erase(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Body(b): Body<Erase>,
) -> Result<Json<Value>, ApiError> {
    let id = S10Id::parse(&id)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("id: {e}")))?;
    let (store, actor, loc) = (app.store.clone(), c.user.actor(), hub_location(&app));
    let n = blocking(move || {
        hangar_service::actions::erase_on_request(store.as_ref(), &[id], &b.reason, actor, loc)
            .map_err(|e| match e {
                hangar_service::actions::ActionError::Refused(m) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m)
                }
                hangar_service::actions::ActionError::NoParcel(id) => {
                    ApiError::new(StatusCode::NOT_FOUND, format!("no parcel {id}"))
                }
                hangar_service::actions::ActionError::Store(e) => e.into(),
            })
    })
    .await?;
    Ok(Json(json!({ "parcel": id.to_string(), "erased": n == 1 })))
}
