//! Hangar's HTTP edge (axum on tokio).
//!
//! `app` is the whole server: the JSON API (`json`), the control-room dashboard, login page and
//! public tracking page (`web`), Prometheus metrics (`metrics`), the OpenAPI document and its docs
//! UI (`openapi`), health and readiness, and the verifiable log (`log`). Every route is declared
//! once in `routes::ROUTES` with the roles it admits; a middleware refuses anything else (401
//! without credentials, 403 with the wrong role), and the OpenAPI document and the route x role
//! tests are generated from the same table. Users, tokens and sessions, the guarded settings and
//! what people decide live in `hangar-service`; this crate only translates requests into its
//! calls (`floor`: files, scans, trucks, exports; `oversee`: settings, catalog, flows, report).
//! `live` folds the store's events as they come into what the screens show. `access` records reads of sensitive data and refusals, and limits administration to
//! configured networks. `config` is the typed configuration (file, then environment).
//!
//! Handlers never touch the disk on the async workers: store calls run on the blocking pool.

#![recursion_limit = "256"]

pub mod access;
pub mod app;
pub mod audit;
pub mod config;
pub mod floor;
pub mod json;
pub mod live;
pub mod log;
pub mod metrics;
pub mod openapi;
pub mod oversee;
pub mod oversight_pages;
pub mod routes;
pub mod web;

pub use app::{App, app};
pub use config::Config;
pub use log::{Access, router};

use axum::Router;

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
