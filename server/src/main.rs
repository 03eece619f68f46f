//! `kompotten-server [serve]` serves the configured database; `kompotten-server demo` fills and
//! serves a separate, clearly labelled demo database.

use kompotten_server::db::InstanceKind;
use kompotten_server::{demo, prepare, serve, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"))).init();
    let mut config = Config::from_env()?;
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let kind = match command.as_str() {
        "serve" => InstanceKind::Real,
        "demo" => {
            config.database_url = std::env::var("KOMPOTTEN_DEMO_DATABASE_URL").unwrap_or_else(|_| demo::DEMO_DATABASE_URL.into());
            config.seed_password = Some(demo::DEMO_PASSWORD.into());
            InstanceKind::Demo
        }
        other => return Err(format!("unknown command {other:?}: use `serve` (default) or `demo`").into()),
    };
    let prepared = prepare(&config, kind).await?;
    if kind == InstanceKind::Demo {
        let settings =
            kompotten_server::releases::ReleaseSettings { default_year_rho: config.default_year_rho, interval_simulations: config.interval_simulations };
        demo::fill(&prepared.pool, &prepared.catalogue, &settings, prepared.instance, &config.database_url).await?;
        println!("DEMO: synthetic data in {} (accounts: samordnare, lansstyrelsen-21, kommun-<code>; password: {})", config.database_url, demo::DEMO_PASSWORD);
    }
    if let Some(password) = &prepared.seeded_password {
        if kind == InstanceKind::Real {
            println!(
                "New database: created the seed accounts {} with the password {password}",
                kompotten_server::auth::SEED_ACCOUNTS.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(config.site_addr).await?;
    println!("Kompotten statistics is listening on http://{}", listener.local_addr()?);
    serve(listener, prepared.router).await?;
    Ok(())
}
