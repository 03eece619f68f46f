//! Kompotten statistics server.

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backend;
pub mod catalogue;
pub mod chart;
pub mod config;
pub mod csv_export;
pub mod db;
pub mod demo;
pub mod grants;
pub mod hardening;
pub mod periods;
pub mod releases;
pub mod submissions;
pub mod tokens;
pub mod web;

use std::sync::Arc;

use axum::extract::FromRef;
use kompotten_app::backend::SharedBackend;
use leptos::config::LeptosOptions;

pub use config::Config;
use db::{InstanceKind, Pool};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: SharedBackend,
    pub pool: Pool,
    pub catalogue: Arc<catalogue::IndexedCatalogue>,
    /// Single saves from the form and the API, committed in groups.
    pub writer: submissions::writer::SubmissionWriter,
    pub releases: releases::ReleaseSettings,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// A migrated database and the application on top of it, ready to serve.
pub struct Prepared {
    pub router: axum::Router,
    pub pool: Pool,
    pub instance: InstanceKind,
    pub catalogue: Arc<catalogue::IndexedCatalogue>,
    /// The seed accounts' password, when this start created them.
    pub seeded_password: Option<String>,
}

/// Connects (creating and migrating a new database), seeds the first accounts, and builds
/// the router.
pub async fn prepare(config: &Config, kind_for_new: InstanceKind) -> Result<Prepared, db::DbError> {
    let (pool, instance) = db::connect_and_migrate(&config.database_url, kind_for_new).await?;
    let seeded_password = auth::seed_accounts(&pool, config.seed_password.as_deref()).await?;
    let catalogue = Arc::new(catalogue::load(&pool).await?);
    let writer = submissions::writer::SubmissionWriter::start(pool.clone(), catalogue.clone());
    let release_settings = releases::ReleaseSettings { default_year_rho: config.default_year_rho, interval_simulations: config.interval_simulations };
    let backend: SharedBackend =
        Arc::new(backend::ServerBackend { pool: pool.clone(), instance, releases: release_settings, catalogue: catalogue.clone(), writer: writer.clone() });
    let leptos_options = LeptosOptions::builder()
        .output_name("kompotten")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .build();
    let state = AppState { leptos_options, backend, pool: pool.clone(), catalogue: catalogue.clone(), writer, releases: release_settings };
    Ok(Prepared { router: web::router(state, &config.site_root), pool, instance, catalogue, seeded_password })
}

/// Serves until the process is interrupted.
pub async fn serve(listener: tokio::net::TcpListener, router: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
