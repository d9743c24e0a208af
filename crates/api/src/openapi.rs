//! The OpenAPI 3.1 document, generated from the route table (so it cannot drift from what the
//! server serves and whom it admits), and the docs page (RapiDoc, vendored).

use crate::app::Shared;
use crate::routes::{Allow, Kind, ROUTES, RouteSpec};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

fn schemas() -> Value {
    let s = |v: Value| v;
    let str_ = json!({"type": "string"});
    json!({
        "Error": s(json!({"type": "object", "required": ["error"], "properties": {"error": str_}})),
        "Ready": s(json!({"type": "object", "properties": {"ready": {"type": "boolean"}, "events": {"type": "integer"}, "shown": {"type": "integer"}, "why": str_}})),
        "Tracking": s(json!({"type": "object", "properties": {"id": str_, "destination": str_, "milestones": {"type": "array", "items": {"type": "object", "properties": {"at": str_, "what": str_}}}}})),
        "User": s(json!({"type": "object", "required": ["login", "role"], "properties": {"login": str_, "role": {"$ref": "#/components/schemas/Role"}, "scope": {"type": ["string", "null"]}}})),
        "Users": s(json!({"type": "object", "properties": {"users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}})),
        "Role": s(json!({"type": "string", "enum": ["operator", "customs", "carrier", "merchant", "auditor", "admin", "device"]})),
        "NewUser": s(json!({"type": "object", "required": ["login", "role", "password"], "additionalProperties": false, "properties": {"login": str_, "role": {"$ref": "#/components/schemas/Role"}, "scope": {"type": ["string", "null"], "description": "a carrier's route ids (comma-separated) or a merchant's seller name"}, "password": {"type": "string", "minLength": 12}}})),
        "NewToken": s(json!({"type": "object", "required": ["label"], "additionalProperties": false, "properties": {"label": str_}})),
        "Token": s(json!({"type": "object", "properties": {"token": {"type": "string", "description": "shown once; send as Authorization: Bearer <token>"}}})),
        "Live": s(json!({"type": "object", "description": "the control room's figures", "properties": {"now": str_, "events": {"type": "integer"}, "parcels": {"type": "integer"}, "by_stage": {"type": "object", "additionalProperties": {"type": "integer"}}, "decisions": {"type": "object", "additionalProperties": {"type": "integer"}}, "holds": {"type": "integer"}, "hold_reasons": {"type": "object", "additionalProperties": {"type": "integer"}}, "discharges": {"type": "object", "additionalProperties": {"type": "integer"}}, "chutes": {"type": "object", "additionalProperties": {"type": "integer"}}}})),
        "Flights": s(json!({"type": "object", "properties": {"flights": {"type": "array", "items": {"type": "object", "properties": {"flight": str_, "origin": str_, "sta": str_, "ata": {"type": ["string", "null"]}}}}}})),
        "ParcelList": s(json!({"type": "object", "properties": {"parcels": {"type": "array", "items": {"type": "object", "properties": {"id": str_, "stage": {"type": ["string", "null"]}}}}}})),
        "Parcel": s(json!({"type": "object", "properties": {"parcel": {"type": "object", "description": "the parcel as manifested: ids, parties, goods, values"}, "state": {"type": ["object", "null"], "description": "where it is, derived from its events"}}})),
        "Event": s(json!({"type": "object", "required": ["subject", "code", "at", "actor", "location", "detail"], "properties": {"subject": {"type": "object"}, "code": str_, "at": str_, "actor": str_, "location": str_, "detail": {"type": "object"}}})),
        "ManifestFile": s(json!({"type": "string", "description": "the file's bytes: a schedule CSV, a CSV manifest or a JSON Lines manifest (docs/manifest-format.md)"})),
        "IntakeReceipt": s(json!({"type": "object", "required": ["status", "file", "digest", "kind"], "properties": {"status": {"type": "string", "enum": ["ingested", "skipped"]}, "file": str_, "digest": str_, "kind": {"type": "string", "enum": ["schedule", "manifest_csv", "manifest_jsonl"]}, "rows": {"type": "integer"}, "flights": {"type": "integer"}, "parcels": {"type": "integer"}, "unchanged": {"type": "integer"}, "customs": {"type": "object", "properties": {"release": {"type": "integer"}, "request_info": {"type": "integer"}, "hold": {"type": "integer"}, "refuse": {"type": "integer"}}}, "first_ingested_as": str_}})),
        "Scan": s(json!({"type": "object", "required": ["code", "at", "location", "device"], "additionalProperties": false, "properties": {"code": {"type": "string", "enum": ["ARR", "DEP", "RCF", "DIS", "FOW"]}, "flight": str_, "uld": str_, "bag": str_, "parcel": str_, "at": {"type": "string", "description": "RFC 3339, UTC"}, "location": str_, "device": str_, "what": {"type": "string", "enum": ["missing", "found", "damaged"]}, "truck": str_}})),
        "Scans": s(json!({"type": "array", "minItems": 1, "maxItems": hangar_service::MAX_SCAN_ITEMS, "items": {"$ref": "#/components/schemas/Scan"}})),
        "ScanReceipt": s(json!({"type": "object", "properties": {"items": {"type": "integer"}, "events": {"type": "integer"}, "last_seq": {"type": "integer"}}})),
        "OpenTruck": s(json!({"type": "object", "required": ["route", "dock", "departs"], "additionalProperties": false, "properties": {"route": str_, "dock": str_, "departs": {"type": "string", "description": "RFC 3339, UTC"}}})),
        "Truck": s(json!({"type": "object", "properties": {"id": str_, "route": str_, "carrier": str_, "dock": str_, "departs": str_, "opened_at": str_, "parcels": {"type": "integer"}, "status": {"type": "string", "enum": ["open", "closed"]}}})),
        "Trucks": s(json!({"type": "object", "properties": {"trucks": {"type": "array", "items": {"$ref": "#/components/schemas/Truck"}}}})),
        "LoadTruck": s(json!({"type": "object", "required": ["parcels"], "additionalProperties": false, "properties": {"parcels": {"type": "array", "minItems": 1, "maxItems": hangar_service::MAX_LOAD_PARCELS, "items": str_}}})),
        "LoadReceipt": s(json!({"type": "object", "properties": {"truck": str_, "loaded": {"type": "integer"}, "parcels": {"type": "integer"}}})),
        "TruckReceipt": s(json!({"type": "object", "properties": {"truck": {"$ref": "#/components/schemas/Truck"}, "handed_over": {"type": "integer"}, "manifest": {"type": "object", "properties": {"status": {"type": "string", "enum": ["sent", "refused", "not_sent"]}, "flow": str_, "records": {"type": "integer"}, "why": str_}}}})),
        "Events": s(json!({"type": "object", "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}, "decisions": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}})),
        "Holds": s(json!({"type": "object", "properties": {"total": {"type": "integer"}, "holds": {"type": "array", "items": {"type": "object", "properties": {"parcel": str_, "outcome": str_, "at": str_, "by": str_, "reasons": {"type": "array", "items": str_}}}}}})),
        "Release": s(json!({"type": "object", "required": ["reason"], "additionalProperties": false, "properties": {"reason": {"type": "string", "maxLength": 500}}})),
        "Hold": s(json!({"type": "object", "required": ["reason"], "additionalProperties": false, "properties": {"reason": {"type": "string", "maxLength": 500}, "outcome": {"type": "string", "enum": ["hold", "request_info", "refuse"]}}})),
        "Routes": s(json!({"type": "object", "properties": {"routes": {"type": "array", "items": {"type": "object"}}, "special": {"type": "object"}}})),
        "DataClass": s(json!({"type": "string", "enum": ["personal", "commercial", "operational", "public"]})),
        "Catalog": s(json!({"type": "object", "properties": {"fields": {"type": "array", "items": {"type": "object", "required": ["name", "class", "about", "stored"], "properties": {"name": str_, "class": {"$ref": "#/components/schemas/DataClass"}, "about": str_, "stored": {"type": "array", "items": str_}}}}}})),
        "Flows": s(json!({"type": "object", "properties": {"version": str_, "flows": {"type": "array", "items": {"type": "object", "properties": {"id": str_, "kind": str_, "recipient": str_, "endpoint": str_, "jurisdiction": str_, "legal_basis": str_, "transfer_basis": {"type": ["string", "null"]}, "purpose": str_, "fields": {"type": "array", "items": str_}, "max_records_per_day": {"type": "integer"}, "min_group": {"type": "integer"}}}}}})),
        "Controls": s(json!({"type": "object", "properties": {"controls": {"type": "array", "items": {"$ref": "#/components/schemas/Control"}}}})),
        "Control": s(json!({"type": "object", "properties": {"name": str_, "roles": {"type": "array", "items": str_}, "version": {"type": ["integer", "null"]}, "applied_at": {"type": ["string", "null"]}, "applied_by": {"type": ["string", "null"]}, "pending": {"type": "array", "items": {"type": "object"}}, "versions": {"type": "array", "items": {"type": "object"}}, "document": str_}})),
        "Proposal": s(json!({"type": "object", "required": ["document", "reason"], "additionalProperties": false, "properties": {"document": {"type": "string", "description": "the whole new document (TOML)"}, "reason": {"type": "string", "maxLength": 500}}})),
        "Verdict": s(json!({"type": "object", "required": ["reason"], "additionalProperties": false, "properties": {"reason": {"type": "string", "maxLength": 500}}})),
        "ChangeOutcome": s(json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["applied", "pending", "unchanged", "refused"]}, "version": {"type": "integer"}, "seq": {"type": "integer"}, "proposal": {"type": "integer"}, "changes": {"type": "array", "items": str_}, "weakening": {"type": "array", "items": str_}}})),
        "Report": s(json!({"type": "object", "description": "the auditor's report (docs/auditor-guide.md)", "properties": {"from": str_, "to": str_, "entries": {"type": "integer"}, "egress": {"type": "array", "items": {"type": "object"}}, "egress_by_jurisdiction": {"type": "object"}, "blocked": {"type": "array", "items": {"type": "object"}}, "reads": {"type": "object"}, "reads_by_class": {"type": "object"}, "refused": {"type": "object"}, "changes": {"type": "array", "items": {"type": "object"}}, "erasures": {"type": "object"}, "alerts": {"type": "array", "items": {"type": "object", "properties": {"kind": str_, "at": str_, "actor": str_, "what": str_, "seq": {"type": "integer"}}}}}})),
        "SignIn": s(json!({"type": "object", "required": ["login", "password", "label"], "additionalProperties": false, "properties": {"login": str_, "password": {"type": "string", "format": "password"}, "label": {"type": "string", "description": "what the token is for, e.g. `hangar login on ops-laptop-3`"}}})),
        "SignedIn": s(json!({"type": "object", "properties": {"token": {"type": "string", "description": "shown once; send as Authorization: Bearer <token>"}, "login": str_, "role": str_}})),
        "ExportRequest": s(json!({"type": "object", "required": ["flow", "fields"], "additionalProperties": false, "properties": {"flow": str_, "stage": {"type": "string", "enum": hangar_model::ParcelState::BOARD_STAGES}, "fields": {"type": "array", "minItems": 1, "maxItems": 64, "items": str_}, "limit": {"type": "integer", "minimum": 1, "maximum": hangar_service::MAX_EXPORT_PARCELS}}})),
        "ExportReceipt": s(json!({"type": "object", "properties": {"flow": str_, "records": {"type": "integer"}, "batches": {"type": "array", "items": {"type": "object", "properties": {"flow": str_, "endpoint": str_, "records": {"type": "integer"}, "removed": {"type": "array", "items": str_}, "suppressed": {"type": "integer"}, "digest": str_, "seq": {"type": "integer"}}}}}})),
        "Erase": s(json!({"type": "object", "required": ["reason"], "additionalProperties": false, "properties": {"reason": {"type": "string", "maxLength": 500, "description": "the request the erasure answers"}}})),
    })
}

fn operation(r: &RouteSpec) -> Value {
    let mut op = Map::new();
    op.insert("summary".into(), json!(r.summary));
    let id = format!(
        "{}{}",
        r.method.to_lowercase(),
        r.path.replace(['/', '{', '}', '*', '.'], "_")
    );
    op.insert("operationId".into(), json!(id));
    let who = match r.allow {
        Allow::Public => "anyone (no sign-in)".to_string(),
        Allow::Anyone => "any signed-in user".to_string(),
        Allow::LogReader => "holders of the log reader token".to_string(),
        Allow::Roles(rs) => rs.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
    };
    op.insert(
        "description".into(),
        json!(format!("{} Who may call it: {who}.", r.summary)),
    );
    if let Allow::Roles(rs) = r.allow {
        op.insert(
            "x-roles".into(),
            json!(rs.iter().map(|r| r.as_str()).collect::<Vec<_>>()),
        );
    }
    op.insert(
        "security".into(),
        match r.allow {
            Allow::Public => json!([]),
            Allow::LogReader => json!([{"logToken": []}]),
            _ => json!([{"bearerToken": []}, {"session": []}]),
        },
    );
    let params: Vec<Value> = r
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let name = name.trim_start_matches('*');
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect();
    let mut params = params;
    let query = |name: &str, required: bool, desc: &str| json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}, "description": desc});
    match r.path {
        "/api/tracking" => {
            params.push(query("id", true, "tracking id"));
            params.push(query("postcode", true, "destination postcode"));
        }
        "/api/parcels" => {
            params.push(query(
                "stage",
                false,
                "board stage: held, at_chute, handed_over, ...",
            ));
            params.push(query("route", false, "carrier route id"));
            params.push(query("limit", false, "most rows"));
            params.push(query(
                "full",
                false,
                "true: each parcel whole, with parties, goods and values (recorded as a read; more than 20 need a purpose)",
            ));
        }
        "/api/customs/holds" => params.push(query("limit", false, "most rows")),
        "/api/audit/report" => {
            params.push(query(
                "from",
                false,
                "start: a date (YYYY-MM-DD) or an RFC 3339 time; default today",
            ));
            params.push(query(
                "to",
                false,
                "end: a date (inclusive) or a time (exclusive); default the end of today",
            ));
        }
        "/log/proof/inclusion" => {
            params.push(query("index", true, "entry number"));
            params.push(query("size", false, "tree size"));
        }
        _ => {}
    }
    let path_names: Vec<String> = params
        .iter()
        .filter(|p| p["in"] == "path")
        .map(|p| p["name"].as_str().unwrap_or("").to_string())
        .collect();
    let _ = path_names;
    if !r.reads.is_empty() {
        params.push(query(
            "purpose",
            false,
            "why you read this (recorded; required when more than 20 records of personal or commercial data come back; or the x-hangar-purpose header)",
        ));
        op.insert(
            "x-data-classes".into(),
            json!(r.reads.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
        );
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(b) = r.body {
        op.insert(
            "requestBody".into(),
            if b == "ManifestFile" {
                json!({"required": true, "content": {
                    "text/csv": {"schema": {"$ref": "#/components/schemas/ManifestFile"}},
                    "application/x-ndjson": {"schema": {"$ref": "#/components/schemas/ManifestFile"}}
                }})
            } else {
                json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{b}")}}}})
            },
        );
    }
    let ok = if r.response.contains('/') {
        json!({"description": "OK", "content": {r.response: {"schema": {"type": "string"}}}})
    } else {
        json!({"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", r.response)}}}})
    };
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut responses = Map::new();
    let code = if r.method == "POST"
        && matches!(
            r.path,
            "/api/tokens" | "/api/users" | "/api/manifests" | "/api/scans" | "/api/trucks"
        ) {
        "201"
    } else {
        "200"
    };
    responses.insert(code.into(), ok);
    if r.method == "POST" && (r.path.starts_with("/api/controls") || r.path == "/api/users") {
        responses.insert(
            "202".into(),
            json!({"description": "accepted: the change weakens a control and waits for a second person's approval", "content": {"application/json": {"schema": {"type": "object"}}}}),
        );
        responses.insert(
            "409".into(),
            err("the setting changed meanwhile: look again and propose anew"),
        );
    }
    if r.kind == Kind::Api {
        responses.insert("400".into(), err("malformed request (names the field)"));
    }
    if r.allow != Allow::Public {
        responses.insert("401".into(), err("no or unknown credentials"));
        responses.insert("403".into(), err("this role may not call this route"));
    }
    if r.body.is_some() {
        responses.insert("413".into(), err("body larger than max_body_bytes"));
        responses.insert("422".into(), err("body of the wrong shape"));
    }
    op.insert("responses".into(), Value::Object(responses));
    Value::Object(op)
}

/// The document.
pub fn build() -> Value {
    let mut paths = Map::new();
    for r in ROUTES
        .iter()
        .filter(|r| r.kind != Kind::Page && r.kind != Kind::Form)
    {
        let path = r.path.replace("{*path}", "{path}");
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[r.method.to_lowercase()] = operation(r);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Hangar API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The JSON API of a Hangar hub: flights, parcels, events, customs decisions and actions, route plans, tracking and the verifiable log. Every route but tracking and health needs a bearer token (POST /api/tokens) or a dashboard session; each operation lists the roles it admits (x-roles).",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description": "an API token from POST /api/tokens or `hangar users token`"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::app::SESSION_COOKIE, "description": "the dashboard's session; writes also need the x-csrf-token header"},
                "logToken": {"type": "http", "scheme": "bearer", "description": "the log reader token (keys/log-reader.token)"}
            }
        }
    })
}

/// `GET /openapi.json`.
pub async fn document(State(_app): State<Shared>) -> Json<Value> {
    Json(build())
}

/// `GET /docs`: the document in RapiDoc.
pub async fn docs_page() -> Response {
    let body = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hangar API</title>
<script type="module" src="/assets/rapidoc-min.js"></script></head>
<body><rapi-doc spec-url="/openapi.json" render-style="read" show-header="false" theme="dark" allow-try="true" allow-authentication="false"></rapi-doc></body></html>"#;
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_route_is_documented_with_its_roles() {
        let doc = super::build();
        for r in super::ROUTES.iter().filter(|r| r.kind == super::Kind::Api) {
            let op = &doc["paths"][r.path][r.method.to_lowercase()];
            assert!(op.is_object(), "{} {} missing", r.method, r.path);
            assert!(
                op["description"]
                    .as_str()
                    .unwrap()
                    .contains("Who may call it")
            );
        }
        assert_eq!(doc["openapi"], "3.1.0");
    }
}
