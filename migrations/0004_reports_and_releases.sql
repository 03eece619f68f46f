-- Reports: a municipality's person counts for a reporting year. Raw values; only the
-- municipality's own users ever read them back. One row per municipality and year for
-- this slice; versioned submissions arrive with the reporting issue.
CREATE TABLE exchange_reports (
    municipality_code TEXT NOT NULL REFERENCES municipalities(code),
    year BIGINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    households_moved_out BIGINT NOT NULL CHECK (households_moved_out BETWEEN 0 AND 1000),
    households_received BIGINT NOT NULL CHECK (households_received BETWEEN 0 AND 1000),
    submitted_by TEXT NOT NULL REFERENCES users(username),
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (municipality_code, year)
);

-- The privacy budget of a reporting year, in nano-rho (1e-9 rho) so that the ledger's
-- arithmetic is exact. spent never exceeds total: every debit is a conditional UPDATE.
CREATE TABLE privacy_budgets (
    year BIGINT PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    total_nano_rho BIGINT NOT NULL CHECK (total_nano_rho >= 0),
    spent_nano_rho BIGINT NOT NULL DEFAULT 0 CHECK (spent_nano_rho >= 0),
    CHECK (spent_nano_rho <= total_nano_rho)
);

-- A published release. Immutable: nothing updates or deletes these rows.
CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    year BIGINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    mechanism TEXT NOT NULL,
    rho DOUBLE PRECISION NOT NULL CHECK (rho > 0),
    l2_sensitivity DOUBLE PRECISION NOT NULL CHECK (l2_sensitivity > 0),
    noise_scale DOUBLE PRECISION NOT NULL CHECK (noise_scale > 0),
    delta DOUBLE PRECISION NOT NULL,
    epsilon DOUBLE PRECISION NOT NULL,
    ci_half_width BIGINT NOT NULL CHECK (ci_half_width >= 0),
    engine_version TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(username),
    created_at TEXT NOT NULL
);
CREATE INDEX releases_year ON releases(year, created_at);

-- One released cell: an indicator at the nation ('SE') or a county.
CREATE TABLE release_values (
    release_id TEXT NOT NULL REFERENCES releases(id),
    indicator TEXT NOT NULL CHECK (indicator IN ('households_moved_out', 'households_received')),
    area_code TEXT NOT NULL,
    noisy_value BIGINT NOT NULL,
    published_value BIGINT NOT NULL CHECK (published_value >= 0),
    ci_low BIGINT NOT NULL CHECK (ci_low >= 0),
    ci_high BIGINT NOT NULL,
    PRIMARY KEY (release_id, indicator, area_code)
);

-- Every debit of a year's budget, written in the same transaction as the release it pays for.
CREATE TABLE privacy_ledger (
    id TEXT PRIMARY KEY,
    year BIGINT NOT NULL REFERENCES privacy_budgets(year),
    release_id TEXT NOT NULL UNIQUE REFERENCES releases(id),
    nano_rho BIGINT NOT NULL CHECK (nano_rho > 0),
    created_at TEXT NOT NULL
);
