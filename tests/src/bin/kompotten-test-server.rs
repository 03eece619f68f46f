//! The real application in a process of its own, for tests that need several server processes
//! on one database (the budget ledger under concurrent releases). Serves `DATABASE_URL` on a
//! random local port with the test harness's settings and prints `listening on <address>`.

use kompotten_server::db::InstanceKind;
use kompotten_server::{prepare, serve, Config};
use kompotten_tests::{site_root, PASSWORD, TEST_INTERVAL_SIMULATIONS};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let database_url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let config = Config {
        database_url,
        site_addr: listener.local_addr()?,
        site_root: site_root(),
        default_year_rho: 1.0,
        interval_simulations: TEST_INTERVAL_SIMULATIONS,
        seed_password: Some(PASSWORD.into()),
    };
    let prepared = prepare(&config, InstanceKind::Real).await?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener, prepared.router).await?;
    Ok(())
}
