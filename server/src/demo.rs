//! A plausible synthetic year for newcomers, in its own database marked as demo. The demo
//! refuses any database created for real data, and every page of a demo database says
//! "DEMODATA", so synthetic and real figures never mix.

use kompotten_app::domain::Role;
use kompotten_app::model::{ReleaseInput, ReleaseOutcome, ReportInput, SubmitOutcome};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::auth::{create_user, NewUser};
use crate::db::{default_reporting_year, DbError, InstanceKind, Pool};
use crate::{releases, reports};

/// Where the demo lives unless `KOMPOTTEN_DEMO_DATABASE_URL` says otherwise.
pub const DEMO_DATABASE_URL: &str = "sqlite://data/demo.sqlite";
/// The seed accounts' password in a demo database (never in a real one).
pub const DEMO_PASSWORD: &str = "demo";
/// Completed exchanges in the synthetic year: the network does 13–15 a year.
const EXCHANGES: usize = 14;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("refusing to write demo data: {0} holds real data (it was created by `serve`); use a separate database for the demo")]
    RealDatabase(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("demo release failed: {0}")]
    Release(String),
}

/// One synthetic household moved through the network.
struct Exchange {
    sender: usize,
    receiver: usize,
    children: u32,
}

/// Fills the demo year (once; a second run leaves it as it is) and releases it through the
/// real privacy engine at ρ = 0.5.
pub async fn fill(pool: &Pool, instance: InstanceKind, database_url: &str) -> Result<(), DemoError> {
    if instance != InstanceKind::Demo {
        return Err(DemoError::RealDatabase(database_url.to_owned()));
    }
    let year = default_reporting_year();
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_reports WHERE year = $1").bind(year).fetch_one(pool).await.map_err(DbError::from)?;
    if existing > 0 {
        return Ok(());
    }
    let members: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.code, m.name FROM network_members n JOIN municipalities m ON m.code = n.municipality_code ORDER BY m.code",
    )
    .fetch_all(pool)
    .await
    .map_err(DbError::from)?;

    // Synthetic data, not noise: a fixed seed makes every newcomer's demo the same.
    let mut rng = StdRng::seed_from_u64(20_251_231);
    let exchanges: Vec<Exchange> = (0..EXCHANGES)
        .map(|_| {
            let sender = rng.gen_range(0..members.len());
            let receiver = loop {
                let r = rng.gen_range(0..members.len());
                if r != sender {
                    break r;
                }
            };
            // About 1.4 accompanying children per household: roughly 20 a year.
            let children = [0, 1, 1, 2, 2, 3][rng.gen_range(0..6)];
            Exchange { sender, receiver, children }
        })
        .collect();
    let mut moved_out = vec![0; members.len()];
    let mut received = vec![0; members.len()];
    for e in &exchanges {
        moved_out[e.sender] += 1;
        received[e.receiver] += 1;
    }
    // A handful of members have not reported yet, as in any real year.
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.shuffle(&mut rng);
    let late: Vec<usize> = order.into_iter().filter(|&i| moved_out[i] == 0 && received[i] == 0).take(5).collect();

    for (i, (code, name)) in members.iter().enumerate() {
        if late.contains(&i) {
            continue;
        }
        let username = format!("kommun-{code}");
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1").bind(&username).fetch_one(pool).await.map_err(DbError::from)?;
        if known == 0 {
            let display_name = format!("{name} kommun");
            create_user(pool, NewUser { username: &username, display_name: &display_name, password: DEMO_PASSWORD, role: Role::Reporter, municipality_code: Some(code), county_code: None }).await?;
        }
        let input = ReportInput { year: year.to_string(), households_moved_out: moved_out[i].to_string(), households_received: received[i].to_string() };
        if let SubmitOutcome::Invalid(errors) = reports::submit(pool, code, &username, &input).await? {
            return Err(DemoError::Release(format!("synthetic report for {code} refused: {errors:?}")));
        }
    }
    let children: u32 = exchanges.iter().map(|e| e.children).sum();
    tracing::info!(year, exchanges = EXCHANGES, children, "demo year filled");

    let input = ReleaseInput { year: year.to_string(), rho: "0.5".into() };
    match releases::create_release(pool, "samordnare", &input, 1.0).await.map_err(|e| DemoError::Release(e.to_string()))? {
        ReleaseOutcome::Created(_) => Ok(()),
        ReleaseOutcome::Invalid(errors) => Err(DemoError::Release(format!("{errors:?}"))),
    }
}
