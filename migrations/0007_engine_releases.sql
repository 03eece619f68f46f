-- Releases through the privacy engine (crate kompotten-privacy). Replaces the foundation
-- slice's per-year budget and two-indicator releases (no release had been published outside
-- tests and demos when this migration was written).
DROP TABLE privacy_ledger;
DROP TABLE release_values;
DROP TABLE releases;
DROP TABLE privacy_budgets;

-- The privacy budget of a reporting period, in nano-rho (1e-9 rho) so that the ledger's
-- arithmetic is exact. The unit of protection is one household in one period, so a release
-- of a window of periods debits every period of the window. spent never exceeds total: every
-- debit is a conditional UPDATE, and the CHECK refuses anything else.
CREATE TABLE period_budgets (
    period_id TEXT PRIMARY KEY REFERENCES reporting_periods(id),
    total_nano_rho BIGINT NOT NULL CHECK (total_nano_rho >= 0),
    spent_nano_rho BIGINT NOT NULL DEFAULT 0 CHECK (spent_nano_rho >= 0),
    CHECK (spent_nano_rho <= total_nano_rho)
);

-- A published release: its parameters and its noisy measurements, from which the engine
-- recomputes the published table exactly. Immutable: the server installs triggers that
-- refuse UPDATE and DELETE (db::install_release_guards); a correction is a new release.
CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    -- The year of the last period (what the public dashboard is browsed by).
    year BIGINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    -- JSON array of the period ids of the window, in order.
    periods_json TEXT NOT NULL,
    layout TEXT NOT NULL CHECK (layout IN ('per_period', 'summed')),
    mechanism TEXT NOT NULL CHECK (mechanism IN ('discrete_gaussian', 'discrete_laplace')),
    rho DOUBLE PRECISION NOT NULL CHECK (rho > 0),
    epsilon DOUBLE PRECISION NOT NULL,
    delta DOUBLE PRECISION NOT NULL,
    engine_version TEXT NOT NULL,
    -- kompotten_privacy::release::ReleaseParams as JSON (floats round-trip exactly).
    params_json TEXT NOT NULL,
    -- The noisy measurements (JSON array of integers), the release's only data-dependent input.
    noisy_json TEXT NOT NULL,
    -- The published table as the engine computed it from the two above (JSON, see
    -- releases::store::StoredTable): every value stays as published even after an engine
    -- upgrade. One document rather than a row per cell: a ten-period release has 8,700 cells,
    -- and storing them as rows took longer than drawing their noise.
    table_json TEXT NOT NULL,
    corrects TEXT REFERENCES releases(id),
    correction_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users(username),
    created_at TEXT NOT NULL,
    CHECK ((corrects IS NULL) = (correction_reason IS NULL))
);
CREATE INDEX releases_year ON releases(year, created_at);

-- Every debit, written in the same transaction as the release it pays for: one row per
-- period of the release's window.
CREATE TABLE privacy_ledger (
    release_id TEXT NOT NULL REFERENCES releases(id),
    period_id TEXT NOT NULL REFERENCES period_budgets(period_id),
    nano_rho BIGINT NOT NULL CHECK (nano_rho > 0),
    created_at TEXT NOT NULL,
    PRIMARY KEY (release_id, period_id)
);
CREATE INDEX privacy_ledger_period ON privacy_ledger(period_id);
