//! Plausible synthetic years for newcomers, in their own database marked as demo. The demo
//! refuses any database created for real data, and every page of a demo database says
//! "DEMODATA", so synthetic and real figures never mix.

use std::collections::BTreeMap;

use kompotten_app::domain::Role;
use kompotten_app::model::{
    Area, BudgetInput, BudgetOutcome, CurrentUser, ImportOutcome, Intent, PeriodOutcome, ReleaseInput, ReleaseOutcome, ReportedBy, SaveOutcome, WindowInput,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::access::Actor;
use crate::auth::{create_user, NewUser};
use crate::catalogue::IndexedCatalogue;
use crate::db::{default_reporting_year, DbError, InstanceKind, Pool};
use crate::submissions::{Channel, SaveRequest};
use crate::{periods, releases, submissions};

/// Where the demo lives unless `KOMPOTTEN_DEMO_DATABASE_URL` says otherwise.
pub const DEMO_DATABASE_URL: &str = "sqlite://data/demo.sqlite";
/// The seed accounts' password in a demo database (never in a real one).
pub const DEMO_PASSWORD: &str = "demo";
/// Completed exchanges in a synthetic year, give or take one: the network does 13–15 a year.
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
    children: usize,
    /// Requests sent before one was accepted (1–3); the earlier ones were declined.
    declined_by: Vec<usize>,
    honour: bool,
}

/// The demo's years: four, ending with the last full calendar year.
pub fn demo_years() -> std::ops::RangeInclusive<i64> {
    let last = default_reporting_year();
    last - 3..=last
}

/// Each demo year's budget: room for the standard release at ρ = 1 and a correction after it.
pub const DEMO_YEAR_RHO: &str = "1.25";
/// What the demo's release spends of every year it covers.
pub const DEMO_RELEASE_RHO: &str = "1";

/// Fills the demo years (once; a second run leaves them as they are) and releases them through
/// the real privacy engine with the standard design, over the whole window at ρ = 1 per year.
pub async fn fill(
    pool: &Pool,
    catalogue: &IndexedCatalogue,
    settings: &releases::ReleaseSettings,
    instance: InstanceKind,
    database_url: &str,
) -> Result<(), DemoError> {
    if instance != InstanceKind::Demo {
        return Err(DemoError::RealDatabase(database_url.to_owned()));
    }
    let years = demo_years();
    let last = *years.end();
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM submission_versions WHERE period_id = $1")
        .bind(last.to_string())
        .fetch_one(pool)
        .await
        .map_err(DbError::from)?;
    if existing > 0 {
        return Ok(());
    }
    let members: Vec<(String, String)> =
        sqlx::query_as("SELECT m.code, m.name FROM network_members n JOIN municipalities m ON m.code = n.municipality_code ORDER BY m.code")
            .fetch_all(pool)
            .await
            .map_err(DbError::from)?;
    let fail = |what: String| DemoError::Release(what);
    for year in years.clone() {
        fill_year(pool, catalogue, &members, year, year == last).await?;
        if let BudgetOutcome::Invalid(e) =
            releases::set_budget(pool, "samordnare", &BudgetInput { year: year.to_string(), total_rho: DEMO_YEAR_RHO.into() }, settings.default_year_rho)
                .await?
        {
            return Err(fail(format!("the demo budget of {year}: {e:?}")));
        }
    }
    let window = WindowInput { period: years.start().to_string(), last_period: last.to_string(), ..WindowInput::default() };
    let input = ReleaseInput { window, rho: DEMO_RELEASE_RHO.into(), ..ReleaseInput::default() };
    match releases::create_release(pool, catalogue, "samordnare", &input, settings).await.map_err(|e| fail(e.to_string()))? {
        ReleaseOutcome::Created(_) => Ok(()),
        ReleaseOutcome::Invalid(errors) => Err(fail(format!("{errors:?}"))),
    }
}

/// One synthetic year: the period opened, 13–15 exchanges, a grant table, and every member's
/// report (in the latest year five members have not reported yet, as in any real year).
async fn fill_year(pool: &Pool, catalogue: &IndexedCatalogue, members: &[(String, String)], year: i64, latest: bool) -> Result<(), DemoError> {
    let fail = |what: String| DemoError::Release(what);
    if let PeriodOutcome::Invalid(e) = periods::set_state(pool, "samordnare", &year.to_string(), true).await? {
        return Err(fail(format!("opening the demo period {year}: {e:?}")));
    }
    // Synthetic data, not noise: a fixed seed per year makes every newcomer's demo the same.
    let mut rng = StdRng::seed_from_u64(20_251_231 + year as u64);
    let other = |rng: &mut StdRng, not: &[usize]| loop {
        let r = rng.gen_range(0..members.len());
        if !not.contains(&r) {
            break r;
        }
    };
    let exchanges: Vec<Exchange> = (0..EXCHANGES + rng.gen_range(0..3) - 1)
        .map(|_| {
            let sender = rng.gen_range(0..members.len());
            let receiver = other(&mut rng, &[sender]);
            let declined_by = (0..rng.gen_range(0..3)).map(|_| other(&mut rng, &[sender, receiver])).collect();
            // About 1.4 accompanying children per household: roughly 20 a year.
            let children = [0, 1, 1, 2, 2, 3][rng.gen_range(0..6)];
            Exchange { sender, receiver, children, declined_by, honour: rng.gen_bool(0.2) }
        })
        .collect();
    // Grant recipients: a handful of members, as in the national report's table.
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.shuffle(&mut rng);
    let recipients: Vec<usize> = order[..8].to_vec();
    let mut grant_csv = String::from("Mottagare;Beviljade medel (kr);Oanvända medel (kr)\n");
    let mut grants = vec![None; members.len()];
    for &i in &recipients {
        let granted = rng.gen_range(2..20) * 50_000i64;
        let unused = rng.gen_range(0..=granted / 100_000) * 25_000;
        grant_csv.push_str(&format!("{} kommun;{granted};{unused}\n", members[i].1));
        grants[i] = Some((granted, unused));
    }
    if let ImportOutcome::Invalid(e) = crate::grants::import(pool, "samordnare", &year.to_string(), grant_csv.as_bytes()).await? {
        return Err(fail(format!("demo grant table refused: {e:?}")));
    }
    let busy = |i: usize| exchanges.iter().any(|e| e.sender == i || e.receiver == i || e.declined_by.contains(&i)) || grants[i].is_some();
    let late: Vec<usize> = if latest { order.iter().copied().filter(|&i| !busy(i)).take(5).collect() } else { Vec::new() };

    for (i, (code, name)) in members.iter().enumerate() {
        if late.contains(&i) {
            continue;
        }
        let username = format!("kommun-{code}");
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1").bind(&username).fetch_one(pool).await.map_err(DbError::from)?;
        if known == 0 {
            let display_name = format!("{name} kommun");
            create_user(
                pool,
                NewUser {
                    username: &username,
                    display_name: &display_name,
                    password: DEMO_PASSWORD,
                    role: Role::Reporter,
                    municipality_code: Some(code),
                    county_code: None,
                },
            )
            .await?;
        }
        let raw = synthetic_report(catalogue, &exchanges, i, grants[i], &mut rng);
        let actor = Actor::User(CurrentUser {
            username: username.clone(),
            display_name: name.clone(),
            role: Role::Reporter,
            municipality: Some(Area { code: code.clone(), name: name.clone() }),
            county: None,
        });
        let request = SaveRequest { period: year.to_string(), municipality: code.clone(), intent: Intent::Submit, channel: Channel::Demo, raw };
        if let SaveOutcome::Invalid(errors) = submissions::save(pool, catalogue, &actor, &request).await? {
            return Err(fail(format!("synthetic report for {code} refused: {errors:?}")));
        }
    }
    let children: usize = exchanges.iter().map(|e| e.children).sum();
    tracing::info!(year, exchanges = exchanges.len(), children, "demo year filled");
    Ok(())
}

/// Municipality `i`'s report, consistent with the synthetic exchanges (so every catalogue
/// rule holds), and with the grant fields if it received a grant.
fn synthetic_report(catalogue: &IndexedCatalogue, exchanges: &[Exchange], i: usize, grant: Option<(i64, i64)>, rng: &mut StdRng) -> BTreeMap<String, String> {
    let mut v: BTreeMap<String, i64> = BTreeMap::new();
    let mut add = |code: &str, n: i64| *v.entry(code.to_owned()).or_default() += n;
    for code in catalogue.catalogue.groups.iter().filter(|g| g.reported_by == ReportedBy::NetworkMember).flat_map(|g| &g.indicators) {
        add(&code.code, 0);
    }
    for e in exchanges {
        if e.sender == i {
            add("households_moved_out", 1);
            add("requests_sent", 1 + e.declined_by.len() as i64);
            add(["moved_out_children_0", "moved_out_children_1", "moved_out_children_2", "moved_out_children_3"][e.children.min(3)], 1);
            add(if e.honour { "moved_out_context_honour" } else { "moved_out_context_close_relationship" }, 1);
        }
        if e.receiver == i {
            add("households_received", 1);
            add("requests_received", 1);
            add("requests_accepted", 1);
            add("decisions_within_14_days", 1);
            add(if e.children > 1 { "time_to_move_3_6m" } else { "time_to_move_1_3m" }, 1);
        }
        for _ in e.declined_by.iter().filter(|&&d| d == i) {
            add("requests_received", 1);
            add("requests_declined", 1);
            add("declined_housing_shortage", 1);
            add("decisions_within_14_days", 1);
        }
    }
    let mut raw: BTreeMap<String, String> = v.into_iter().map(|(k, n)| (k, n.to_string())).collect();
    if let Some((granted, unused)) = grant {
        raw.insert("grant_applied_sek".into(), (granted + 100_000).to_string());
        raw.insert("grant_granted_sek".into(), granted.to_string());
        raw.insert("grant_used_sek".into(), (granted - unused).to_string());
        for code in catalogue.catalogue.groups.iter().filter(|g| g.code == "grant_activities" || g.code == "grant_partners").flat_map(|g| &g.indicators) {
            raw.insert(code.code.clone(), if rng.gen_bool(0.5) { "ja" } else { "nej" }.into());
        }
        raw.insert("assessment_strengthened_work".into(), rng.gen_range(3..=5).to_string());
        raw.insert("assessment_more_victims_helped".into(), "vet ej".into());
        let helped = rng.gen_range(0..3i64);
        raw.insert("households_permanent_housing".into(), helped.to_string());
        raw.insert("permanent_first_hand_lease".into(), helped.to_string());
        for code in ["permanent_social_contract", "permanent_priority", "permanent_other_municipality"] {
            raw.insert(code.into(), "0".into());
        }
    }
    raw
}
