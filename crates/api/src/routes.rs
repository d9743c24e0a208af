//! Every route of the server, once: method, path, who may call it, what it is. The access
//! middleware, the OpenAPI document and the route x role tests all read this table; a route
//! that is not in it is refused.

use hangar_model::DataClass;
use hangar_service::accounts::Role;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allow {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    Anyone,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
    /// Holders of the log reader token (or anyone, when the log is public).
    LogReader,
}

impl Allow {
    /// Whether a user with `role` may call the route (signed in).
    pub fn admits(self, role: Role) -> bool {
        match self {
            Allow::Public => true,
            // Devices on the floor only send what they scan; they read nothing.
            Allow::Anyone => role != Role::Device,
            Allow::Roles(r) => r.contains(&role),
            Allow::LogReader => false,
        }
    }
}

/// What a route serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// JSON API (errors as JSON; 401 without credentials).
    Api,
    /// An HTML page or fragment (no credentials: the login page).
    Page,
    /// A form post from a page (CSRF token required).
    Form,
    /// Anything else (metrics text, static assets, the log's tiles).
    Other,
}

/// One route.
#[derive(Clone, Copy, Debug)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: &'static str,
    /// Path, with `{name}` placeholders.
    pub path: &'static str,
    /// Who may call it.
    pub allow: Allow,
    /// What it serves.
    pub kind: Kind,
    /// What it is for, one line.
    pub summary: &'static str,
    /// Request body schema (components/schemas), if any.
    pub body: Option<&'static str>,
    /// Response schema (components/schemas) or content type.
    pub response: &'static str,
    /// The classes of sensitive data it may return (personal, commercial): every successful
    /// call is recorded as a read, every refused one as a denial.
    pub reads: &'static [DataClass],
}

impl RouteSpec {
    /// The same route, returning data of these classes.
    const fn reads(mut self, classes: &'static [DataClass]) -> RouteSpec {
        self.reads = classes;
        self
    }
}

/// Personal and commercially sensitive data.
const PC: &[DataClass] = &[DataClass::Personal, DataClass::Commercial];
/// Commercially sensitive data.
const C: &[DataClass] = &[DataClass::Commercial];
/// Personal data.
const P: &[DataClass] = &[DataClass::Personal];

/// Hub staff who see the whole hub.
pub const STAFF: &[Role] = &[Role::Operator, Role::Customs, Role::Auditor, Role::Admin];
/// Who may decide on customs holds.
pub const DECIDE: &[Role] = &[Role::Customs, Role::Admin];
/// Who sees customs decisions and their reasons.
pub const CUSTOMS_READ: &[Role] = &[Role::Customs, Role::Auditor, Role::Admin];
/// Everyone, carriers and merchants limited to their own parcels.
pub const SCOPED: &[Role] = &[
    Role::Operator,
    Role::Customs,
    Role::Auditor,
    Role::Admin,
    Role::Carrier,
    Role::Merchant,
];
/// Who sees the route plan (carriers: their own routes).
pub const ROUTE_READ: &[Role] = &[Role::Operator, Role::Auditor, Role::Admin, Role::Carrier];
/// Who reads metrics.
pub const METRICS: &[Role] = &[Role::Operator, Role::Auditor, Role::Admin];
/// Who administers accounts.
pub const ADMIN: &[Role] = &[Role::Admin];
/// Who reads the auditor's report.
pub const AUDIT: &[Role] = &[Role::Auditor, Role::Admin];
/// Who may propose and approve changes of guarded settings (each setting says which of them).
pub const CHANGE: &[Role] = &[Role::Operator, Role::Customs, Role::Admin];

const fn r(
    method: &'static str,
    path: &'static str,
    allow: Allow,
    kind: Kind,
    summary: &'static str,
    body: Option<&'static str>,
    response: &'static str,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        allow,
        kind,
        summary,
        body,
        response,
        reads: &[],
    }
}

use Allow::*;
use Kind::*;

/// Who sends the hub files, scans and truck operations: machines on the floor and partners'
/// gateways (devices), and the shift (operators, administrators).
pub const FLOOR: &[Role] = &[Role::Device, Role::Operator, Role::Admin];
/// Who sends parcels' data out along a declared flow.
pub const EXPORT: &[Role] = &[Role::Operator, Role::Admin];
/// Who sees the trucks.
pub const TRUCKS_READ: &[Role] = &[Role::Device, Role::Operator, Role::Auditor, Role::Admin];

/// The table.
pub static ROUTES: &[RouteSpec] = &[
    r(
        "GET",
        "/healthz",
        Public,
        Other,
        "Liveness: the process answers.",
        None,
        "text/plain",
    ),
    r(
        "GET",
        "/readyz",
        Public,
        Other,
        "Readiness: the store answers and the dashboard has caught up.",
        None,
        "Ready",
    ),
    r(
        "GET",
        "/login",
        Public,
        Page,
        "The login page.",
        None,
        "text/html",
    ),
    r(
        "POST",
        "/login",
        Public,
        Other,
        "Sign in (form: login, password, next); sets the session cookie.",
        None,
        "text/html",
    ),
    r(
        "POST",
        "/logout",
        Anyone,
        Form,
        "Sign out (form: csrf).",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/track",
        Public,
        Page,
        "Public tracking page: tracking id and destination postcode.",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/api/tracking",
        Public,
        Api,
        "A parcel's milestones in plain language, given its tracking id and destination postcode.",
        None,
        "Tracking",
    ),
    r(
        "GET",
        "/assets/{name}",
        Public,
        Other,
        "Vendored static assets (CSS, htmx, the API docs viewer).",
        None,
        "application/octet-stream",
    ),
    r(
        "GET",
        "/",
        Roles(STAFF),
        Page,
        "The control room.",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/ui/summary",
        Roles(STAFF),
        Page,
        "Control room: parcels by stage (fragment).",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/ui/throughput.svg",
        Roles(STAFF),
        Page,
        "Control room: throughput per stage over time (SVG).",
        None,
        "image/svg+xml",
    ),
    r(
        "GET",
        "/ui/flights.svg",
        Roles(STAFF),
        Page,
        "Control room: the day's flights, scheduled vs actual (SVG).",
        None,
        "image/svg+xml",
    ),
    r(
        "GET",
        "/ui/sorters",
        Roles(STAFF),
        Page,
        "Control room: sorter discharges and chute fill levels (fragment).",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/ui/holds",
        Roles(STAFF),
        Page,
        "Control room: the customs holds queue (fragment).",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/ui/exceptions",
        Roles(STAFF),
        Page,
        "Control room: recent exceptions (fragment).",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/customs",
        Roles(STAFF),
        Page,
        "The customs holds queue.",
        None,
        "text/html",
    ),
    r(
        "POST",
        "/customs/{id}/decide",
        Roles(DECIDE),
        Form,
        "Release or hold a parcel (form: action, reason, csrf).",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/parcels",
        Roles(SCOPED),
        Page,
        "Parcel search.",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/parcels/{id}",
        Roles(SCOPED),
        Page,
        "A parcel and its event timeline (the read is recorded).",
        None,
        "text/html",
    )
    .reads(PC),
    r(
        "GET",
        "/docs",
        Anyone,
        Page,
        "The API documentation.",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/openapi.json",
        Anyone,
        Other,
        "This API's OpenAPI 3.1 document.",
        None,
        "application/json",
    ),
    r(
        "GET",
        "/metrics",
        Roles(METRICS),
        Other,
        "Prometheus metrics.",
        None,
        "text/plain",
    ),
    r(
        "GET",
        "/api/me",
        Anyone,
        Api,
        "Who is calling: login, role, scope.",
        None,
        "User",
    ),
    r(
        "POST",
        "/api/login",
        Public,
        Api,
        "Sign in with your own login and password for an API token (the command line's `hangar login`); a token of yours with the same label is replaced. 401 for a wrong login or password (recorded).",
        Some("SignIn"),
        "SignedIn",
    ),
    r(
        "POST",
        "/api/tokens",
        Anyone,
        Api,
        "Create an API token for yourself (shown once).",
        Some("NewToken"),
        "Token",
    ),
    r(
        "GET",
        "/api/live",
        Roles(STAFF),
        Api,
        "The control room's figures: parcels by stage, decisions, discharges, holds, chutes.",
        None,
        "Live",
    ),
    r(
        "GET",
        "/api/flights",
        Roles(STAFF),
        Api,
        "The day's flights, scheduled and actual arrival.",
        None,
        "Flights",
    ),
    r(
        "GET",
        "/api/parcels",
        Roles(SCOPED),
        Api,
        "Parcels by stage or route (carriers: their routes; merchants: their own).",
        None,
        "ParcelList",
    )
    .reads(PC),
    r(
        "GET",
        "/api/parcels/{id}",
        Roles(SCOPED),
        Api,
        "One parcel with its parties and goods (the read is recorded).",
        None,
        "Parcel",
    )
    .reads(PC),
    r(
        "GET",
        "/api/parcels/{id}/events",
        Roles(SCOPED),
        Api,
        "A parcel's events in time order.",
        None,
        "Events",
    )
    .reads(C),
    r(
        "GET",
        "/api/customs/holds",
        Roles(STAFF),
        Api,
        "The customs holds queue.",
        None,
        "Holds",
    ),
    r(
        "GET",
        "/api/customs/decisions/{id}",
        Roles(CUSTOMS_READ),
        Api,
        "A parcel's customs decisions with reasons and rule versions.",
        None,
        "Events",
    )
    .reads(C),
    r(
        "POST",
        "/api/customs/{id}/release",
        Roles(DECIDE),
        Api,
        "Release a parcel, with the declarant's reason.",
        Some("Release"),
        "Event",
    ),
    r(
        "POST",
        "/api/customs/{id}/hold",
        Roles(DECIDE),
        Api,
        "Hold, ask about or refuse a parcel, with the declarant's reason.",
        Some("Hold"),
        "Event",
    ),
    r(
        "POST",
        "/api/manifests",
        Roles(FLOOR),
        Api,
        "Send a schedule or manifest file (body: the file; Content-Type text/csv or application/x-ndjson; ?name=FILE). Applied whole, then customs decides every new consignment: 201 ingested, 200 skipped (bytes already in), 422 with every problem.",
        Some("ManifestFile"),
        "IntakeReceipt",
    ),
    r(
        "POST",
        "/api/scans",
        Roles(FLOOR),
        Api,
        "Send a batch of floor scans (flight ARR/DEP, RCF per ULD, bag or parcel, DIS, FOW): applied whole, or refused whole with a problem per item.",
        Some("Scans"),
        "ScanReceipt",
    ),
    r(
        "GET",
        "/api/trucks",
        Roles(TRUCKS_READ),
        Api,
        "Every outbound truck: open ones first.",
        None,
        "Trucks",
    ),
    r(
        "POST",
        "/api/trucks",
        Roles(FLOOR),
        Api,
        "Open a truck at a dock for a carrier route; returns its id.",
        Some("OpenTruck"),
        "Truck",
    ),
    r(
        "POST",
        "/api/trucks/{id}/load",
        Roles(FLOOR),
        Api,
        "Load parcels onto an open truck: all or none (each sorted for its route, released by customs).",
        Some("LoadTruck"),
        "LoadReceipt",
    ),
    r(
        "POST",
        "/api/trucks/{id}/close",
        Roles(FLOOR),
        Api,
        "Close a truck: every parcel on it handed over (DLV) and the carrier's manifest sent through the egress gate.",
        None,
        "TruckReceipt",
    ),
    r(
        "GET",
        "/api/routes",
        Roles(ROUTE_READ),
        Api,
        "The route plan: carrier routes and their chutes (carriers: their own).",
        None,
        "Routes",
    ),
    r(
        "GET",
        "/api/log/checkpoint",
        Roles(&[Role::Operator, Role::Customs, Role::Auditor, Role::Admin]),
        Other,
        "The verifiable log's latest signed checkpoint.",
        None,
        "text/plain",
    ),
    r(
        "GET",
        "/api/users",
        Roles(ADMIN),
        Api,
        "Every user.",
        None,
        "Users",
    )
    .reads(P),
    r(
        "POST",
        "/api/users",
        Roles(ADMIN),
        Api,
        "Add a user.",
        Some("NewUser"),
        "User",
    ),
    r(
        "GET",
        "/api/catalog",
        Anyone,
        Api,
        "The data catalog: every field Hangar stores, its class and where it lives.",
        None,
        "Catalog",
    ),
    r(
        "GET",
        "/api/flows",
        Roles(STAFF),
        Api,
        "The declared egress flows: where data may leave the hub, which fields, on what basis.",
        None,
        "Flows",
    ),
    r(
        "GET",
        "/api/controls",
        Roles(STAFF),
        Api,
        "Every guarded setting: the version in force and the changes waiting for approval.",
        None,
        "Controls",
    ),
    r(
        "GET",
        "/api/controls/{name}",
        Roles(STAFF),
        Api,
        "One guarded setting: every version with its changes, the document in force, open proposals.",
        None,
        "Control",
    ),
    r(
        "POST",
        "/api/controls/{name}",
        Roles(CHANGE),
        Api,
        "Propose a new version of a setting: applied at once, or, when it weakens a control, held for a second person's approval.",
        Some("Proposal"),
        "ChangeOutcome",
    ),
    r(
        "POST",
        "/api/controls/proposals/{seq}/approve",
        Roles(CHANGE),
        Api,
        "Approve a proposed change (not your own); it is applied.",
        Some("Verdict"),
        "ChangeOutcome",
    ),
    r(
        "POST",
        "/api/controls/proposals/{seq}/refuse",
        Roles(CHANGE),
        Api,
        "Refuse (or withdraw) a proposed change.",
        Some("Verdict"),
        "ChangeOutcome",
    ),
    r(
        "GET",
        "/controls",
        Roles(STAFF),
        Page,
        "Guarded settings, their versions and the changes waiting for approval.",
        None,
        "text/html",
    ),
    r(
        "POST",
        "/controls/proposals/{seq}/decide",
        Roles(CHANGE),
        Form,
        "Approve or refuse a proposed change (form: action, reason, csrf).",
        None,
        "text/html",
    ),
    r(
        "GET",
        "/api/audit/report",
        Roles(AUDIT),
        Api,
        "The auditor's report for a period (from, to: dates or times): data that left, reads, refusals, changes, erasures, alerts.",
        None,
        "Report",
    )
    .reads(P),
    r(
        "GET",
        "/audit",
        Roles(AUDIT),
        Page,
        "The auditor's view: the report for a period, with its alerts.",
        None,
        "text/html",
    )
    .reads(P),
    r(
        "POST",
        "/api/parcels/{id}/erase",
        Roles(ADMIN),
        Api,
        "Erase a parcel's personal data (a data subject's request), with the reason; the log keeps only the record that it happened.",
        Some("Erase"),
        "Event",
    ),
    r(
        "POST",
        "/api/exports",
        Roles(EXPORT),
        Api,
        "Send parcels' fields along a declared egress flow (the gate removes fields the flow does not carry, refuses what it may not send, and records what left).",
        Some("ExportRequest"),
        "ExportReceipt",
    ),
    r(
        "GET",
        "/log/checkpoint",
        LogReader,
        Other,
        "The log's latest checkpoint (C2SP tlog-checkpoint).",
        None,
        "text/plain",
    ),
    r(
        "GET",
        "/log/tile/{*path}",
        LogReader,
        Other,
        "Log tiles and entry bundles (C2SP tlog-tiles).",
        None,
        "application/octet-stream",
    ),
    r(
        "GET",
        "/log/proof/inclusion",
        LogReader,
        Other,
        "An entry and its inclusion proof.",
        None,
        "application/json",
    ),
];

/// The route `method path` (a matched axum path), if declared.
pub fn find(method: &str, path: &str) -> Option<&'static RouteSpec> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

/// Who may read which class of data, and through which routes: the access matrix per role
/// and class, as a Markdown table (docs/api.md carries it; a test keeps it current).
pub fn access_matrix() -> String {
    let mut out = String::from("| role | personal | commercial |\n|---|---|---|\n");
    for role in Role::ALL {
        let cell = |class: DataClass| {
            let r: Vec<String> = ROUTES
                .iter()
                .filter(|r| r.reads.contains(&class) && r.allow.admits(role))
                .map(|r| format!("`{} {}`", r.method, r.path))
                .collect();
            if r.is_empty() {
                "none".to_string()
            } else {
                r.join(", ")
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            role.as_str(),
            cell(DataClass::Personal),
            cell(DataClass::Commercial)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_matrix_per_role_and_class_is_documented_and_holds() {
        let doc = include_str!("../../../docs/api.md");
        assert!(
            doc.contains(&access_matrix()),
            "docs/api.md's access matrix is out of date; it should read:\n{}",
            access_matrix()
        );
        // What each role may read, by class, is what the hub's roles need and no more.
        let reads = |role: Role, class: DataClass| {
            ROUTES
                .iter()
                .any(|r| r.reads.contains(&class) && r.allow.admits(role))
        };
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Device) {
            assert!(
                reads(role, DataClass::Commercial),
                "{role:?} reads its parcels' values"
            );
        }
        // Devices on the floor send; they read no sensitive data at all.
        for class in [DataClass::Personal, DataClass::Commercial] {
            assert!(!reads(Role::Device, class), "a device reads {class:?} data");
        }
        // Only administrators read the list of users; only auditors and administrators the
        // audit report; nobody reads sensitive data without signing in.
        let who = |path: &str| -> Vec<Role> {
            let r = ROUTES
                .iter()
                .find(|r| r.path == path && r.method == "GET")
                .unwrap();
            Role::ALL
                .into_iter()
                .filter(|x| r.allow.admits(*x))
                .collect()
        };
        assert_eq!(who("/api/users"), vec![Role::Admin]);
        assert_eq!(who("/api/audit/report"), vec![Role::Auditor, Role::Admin]);
        for r in ROUTES.iter().filter(|r| !r.reads.is_empty()) {
            assert!(
                !matches!(r.allow, Allow::Public | Allow::LogReader),
                "{} {} returns sensitive data without sign-in",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn the_operator_docs_list_every_route() {
        let doc = include_str!("../../../docs/api.md");
        for r in ROUTES {
            assert!(
                doc.contains(&format!("`{} {}`", r.method, r.path)),
                "docs/api.md does not list {} {}",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn routes_are_declared_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            assert!(
                ROUTES[i + 1..]
                    .iter()
                    .all(|b| (a.method, a.path) != (b.method, b.path)),
                "{} {} twice",
                a.method,
                a.path
            );
        }
    }
}
