//! The HTTP server, running for real on a free port over a demo day: every route against every
//! role (allowed or refused, as the route table says), malformed and oversized bodies, the
//! OpenAPI document, the log reader token.

use hangar_api::routes::{Allow, Kind, ROUTES};
use hangar_service::accounts::Role;

mod common;
use common::*;

#[test]
fn every_route_admits_exactly_its_roles_and_bad_bodies_get_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("day");
    let server = serve_day(&dir, 2_000);
    let base = server.base.clone();
    // A held parcel to decide on, and what it needs.
    let (_, admin_token) = make_user(&dir, "root2", Role::Admin, None);
    let admin = Auth::Token(admin_token);
    let holds = request(
        "GET",
        &format!("{base}/api/customs/holds?limit=5"),
        &admin,
        None,
    );
    assert_eq!(holds.status, 200, "{}", holds.body);
    let holds: serde_json::Value = serde_json::from_str(&holds.body).unwrap();
    let held = holds["holds"][0]["parcel"].as_str().unwrap().to_string();
    let p = request("GET", &format!("{base}/api/parcels/{held}"), &admin, None);
    let p: serde_json::Value = serde_json::from_str(&p.body).unwrap();
    let postcode = p["parcel"]["consignee"]["postcode"]
        .as_str()
        .unwrap()
        .to_string();
    let seller = p["parcel"]["consignor"]["name"]
        .as_str()
        .unwrap()
        .to_string();

    // Another parcel, to erase (the held one is tracked later on).
    let done = request(
        "GET",
        &format!("{base}/api/parcels?stage=handed_over&limit=1"),
        &admin,
        None,
    );
    let done: serde_json::Value = serde_json::from_str(&done.body).unwrap();
    let erasable = done["parcels"][0]["id"].as_str().unwrap().to_string();
    // Each role proposes (unchanged) the setting it may change; the documents in force.
    let setting_of = |role: &Option<Role>| match role {
        Some(Role::Operator) => "route-plan",
        Some(Role::Customs) => "risk-thresholds",
        _ => "retention",
    };
    let mut documents = std::collections::HashMap::new();
    for name in ["route-plan", "risk-thresholds", "retention"] {
        let c = request("GET", &format!("{base}/api/controls/{name}"), &admin, None);
        assert_eq!(c.status, 200, "{}", c.body);
        let c: serde_json::Value = serde_json::from_str(&c.body).unwrap();
        documents.insert(name, c["document"].as_str().unwrap().to_string());
    }

    let mut callers: Vec<(String, Option<Role>, Auth, Auth)> =
        vec![("anonymous".into(), None, Auth::None, Auth::None)];
    for role in Role::ALL {
        let login = format!("{}1", role.as_str());
        let scope = match role {
            Role::Carrier => Some("DE-1,DE-2".to_string()),
            Role::Merchant => Some(seller.clone()),
            _ => None,
        };
        let (password, token) = make_user(&dir, &login, role, scope.as_deref());
        // Devices work with their tokens only; the dashboard refuses them either way.
        let session = if role == Role::Device {
            Auth::Token(token.clone())
        } else {
            sign_in(&base, &login, &password)
        };
        callers.push((login, Some(role), Auth::Token(token), session));
    }
    let mut checked = 0;
    let mut made = 0;
    // Signing out ends the sessions the other routes are tried with: last.
    let mut specs: Vec<_> = ROUTES
        .iter()
        .filter(|s| s.allow != Allow::LogReader)
        .collect();
    specs.sort_by_key(|s| s.path == "/logout");
    for spec in specs {
        for (who, role, token, session) in &callers {
            let id = if spec.path.ends_with("/erase") {
                &erasable
            } else {
                &held
            };
            let name = if spec.path.starts_with("/api/controls") {
                setting_of(role)
            } else {
                "hangar.css"
            };
            let path = spec
                .path
                .replace("{id}", id)
                .replace("{name}", name)
                .replace("{seq}", "999999999");
            let query = match spec.path {
                "/api/tracking" => format!("?id={held}&postcode={}", postcode.replace(' ', "%20")),
                "/api/parcels" => "?stage=held&limit=3".into(),
                "/api/manifests" => "?name=matrix.csv".into(),
                _ => String::new(),
            };
            let url = format!("{base}{path}{query}");
            // Pages and forms as a browser uses them (session), the rest as a script does (token).
            let auth = match (role, spec.kind) {
                (None, _) => Auth::None,
                (_, Kind::Page | Kind::Form) => session.clone(),
                _ => token.clone(),
            };
            let csrf = match &auth {
                Auth::Session { csrf, .. } => csrf.clone(),
                _ => String::new(),
            };
            made += 1;
            let body: Option<(&str, String)> = match (spec.method, spec.path) {
                ("POST", "/login") => Some((
                    "application/x-www-form-urlencoded",
                    "login=nobody&password=wrong-password".into(),
                )),
                ("POST", "/logout") => {
                    Some(("application/x-www-form-urlencoded", format!("csrf={csrf}")))
                }
                ("POST", "/customs/{id}/decide") => Some((
                    "application/x-www-form-urlencoded",
                    format!("csrf={csrf}&action=hold&reason=matrix+check"),
                )),
                ("POST", "/api/login") => Some((
                    "application/json",
                    r#"{"login":"root2","password":"pw-root2-0123456789","label":"matrix"}"#.into(),
                )),
                ("POST", "/api/exports") => Some((
                    "application/json",
                    r#"{"flow":"matrix-undeclared","fields":["parcel.id"],"limit":1}"#.into(),
                )),
                ("POST", "/api/tokens") => {
                    Some(("application/json", r#"{"label":"matrix"}"#.into()))
                }
                ("POST", "/api/customs/{id}/release") => {
                    Some(("application/json", r#"{"reason":"matrix check"}"#.into()))
                }
                ("POST", "/api/customs/{id}/hold") => {
                    Some(("application/json", r#"{"reason":"matrix check"}"#.into()))
                }
                ("POST", "/api/users") => Some((
                    "application/json",
                    format!(
                        r#"{{"login":"made{made}","role":"operator","password":"a long enough password"}}"#
                    ),
                )),
                ("POST", "/api/controls/{name}") => Some((
                    "application/json",
                    serde_json::json!({"document": documents[setting_of(role)], "reason": "matrix check"}).to_string(),
                )),
                ("POST", "/api/controls/proposals/{seq}/approve" | "/api/controls/proposals/{seq}/refuse") => {
                    Some(("application/json", r#"{"reason":"matrix check"}"#.into()))
                }
                ("POST", "/controls/proposals/{seq}/decide") => Some((
                    "application/x-www-form-urlencoded",
                    format!("csrf={csrf}&action=refuse&reason=matrix+check"),
                )),
                ("POST", "/api/parcels/{id}/erase") => {
                    Some(("application/json", r#"{"reason":"matrix check: a data subject's request"}"#.into()))
                }
                ("POST", "/api/manifests") => Some(("text/csv", "a,b\n1,2\n".into())),
                ("POST", "/api/scans") => Some(("application/json", "[]".into())),
                ("POST", "/api/trucks") => Some((
                    "application/json",
                    r#"{"route":"DE-1","dock":"03","departs":"2026-12-02T09:00:00Z"}"#.into(),
                )),
                ("POST", "/api/trucks/{id}/load") => {
                    Some(("application/json", r#"{"parcels":["RB123456785CN"]}"#.into()))
                }
                ("POST", "/api/trucks/{id}/close") => Some(("application/json", "{}".into())),
                ("POST", p) => panic!("no body for POST {p}"),
                _ => None,
            };
            let got = request(spec.method, &url, &auth, body);
            let label = format!("{} {} as {who}", spec.method, spec.path);
            assert!(got.status < 500, "{label}: {} {}", got.status, got.body);
            match (spec.allow, role) {
                (Allow::Public, _) => assert!(got.status < 400, "{label}: {}", got.status),
                (_, None) if spec.kind == Kind::Page => {
                    assert_eq!(got.status, 303, "{label}");
                    assert!(
                        got.location.as_deref().unwrap_or("").starts_with("/login"),
                        "{label}"
                    );
                }
                (_, None) => assert_eq!(got.status, 401, "{label}: {}", got.body),
                (allow, Some(r)) if allow.admits(*r) => assert!(
                    got.status != 401 && got.status != 403,
                    "{label} should be allowed: {} {}",
                    got.status,
                    got.body
                ),
                (_, Some(_)) => {
                    assert_eq!(got.status, 403, "{label} should be refused: {}", got.body)
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 49 * 7, "{checked} checks");

    // Carriers and merchants see their own parcels only.
    let carrier = &callers
        .iter()
        .find(|c| c.1 == Some(Role::Carrier))
        .unwrap()
        .2;
    let r = request(
        "GET",
        &format!("{base}/api/parcels?route=FR-1"),
        carrier,
        None,
    );
    assert_eq!(r.status, 403, "another carrier's route: {}", r.body);
    let mine = request("GET", &format!("{base}/api/parcels"), carrier, None);
    assert_eq!(mine.status, 200);
    let merchant = &callers
        .iter()
        .find(|c| c.1 == Some(Role::Merchant))
        .unwrap()
        .2;
    let own = request("GET", &format!("{base}/api/parcels"), merchant, None);
    let own: serde_json::Value = serde_json::from_str(&own.body).unwrap();
    assert!(
        own["parcels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == held.as_str()),
        "{own}"
    );

    // Bodies that are not right get clear 4xx errors, as JSON.
    let url = format!("{base}/api/customs/{held}/release");
    for (ty, body, status, says) in [
        ("application/json", "{\"reason\": ", 400, "body:"),
        ("application/json", "{\"why\": \"x\"}", 422, "unknown field"),
        ("text/plain", "{\"reason\": \"x\"}", 415, "Content-Type"),
        (
            "application/json",
            &format!("{{\"reason\": \"{}\"}}", "x".repeat(70_000)),
            413,
            "larger than",
        ),
    ] {
        let got = request("POST", &url, &admin, Some((ty, body.to_string())));
        assert_eq!(got.status, status, "{body:.40}: {}", got.body);
        let v: serde_json::Value =
            serde_json::from_str(&got.body).unwrap_or_else(|_| panic!("JSON error: {}", got.body));
        assert!(v["error"].as_str().unwrap().contains(says), "{}", got.body);
    }
    let empty = request(
        "POST",
        &url,
        &admin,
        Some(("application/json", "{\"reason\": \"  \"}".into())),
    );
    assert_eq!(empty.status, 409, "{}", empty.body);
    assert!(empty.body.contains("reason"), "{}", empty.body);

    // A session's API writes need its CSRF token.
    let (password, _) = make_user(&dir, "customs2", Role::Customs, None);
    let Auth::Session { cookie, .. } = sign_in(&base, "customs2", &password) else {
        unreachable!()
    };
    let no_csrf = request(
        "POST",
        &url,
        &Auth::Session {
            cookie: cookie.clone(),
            csrf: String::new(),
        },
        Some(("application/json", "{\"reason\":\"x\"}".into())),
    );
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.body);

    // The OpenAPI document describes every API route with its roles.
    let doc = request("GET", &format!("{base}/openapi.json"), &admin, None);
    let doc: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for spec in ROUTES.iter().filter(|s| s.kind == Kind::Api) {
        assert!(
            doc["paths"][spec.path][spec.method.to_lowercase()].is_object(),
            "{} {}",
            spec.method,
            spec.path
        );
    }

    // Metrics count what was asked.
    let m = request("GET", &format!("{base}/metrics"), &admin, None);
    assert!(
        m.body.contains(
            "hangar_http_requests_total{method=\"GET\",route=\"/api/customs/holds\",status=\"2xx\"}"
        ),
        "{}",
        m.body
    );
    assert!(m.body.contains("hangar_parcels{stage=\"handed_over\"}"));

    // The log's tiles need the log reader token.
    let no = request("GET", &format!("{base}/log/checkpoint"), &admin, None);
    assert_eq!(no.status, 401, "API tokens are not log reader tokens");
    let reader = std::fs::read_to_string(dir.join("keys/log-reader.token")).unwrap();
    let yes = request(
        "GET",
        &format!("{base}/log/checkpoint"),
        &Auth::Token(reader.trim().into()),
        None,
    );
    assert_eq!(yes.status, 200, "{}", yes.body);
}
