-- Reporting: periods, versioned submissions, the grant table, API tokens and the audit log.
-- Nothing here is ever updated in place except a period's state and a token's revocation:
-- every save of a submission is a new version, every grant import a new import.

-- A reporting period: a calendar year ('2025') or a half-year ('2025H1', '2025H2').
CREATE TABLE reporting_periods (
    id TEXT PRIMARY KEY,
    year BIGINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    half BIGINT CHECK (half IN (1, 2)),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);

-- One saved version of a municipality's report for a period. The latest submitted version
-- is the one that counts; drafts and earlier versions are kept. values_json maps indicator
-- codes to whole numbers (counts, 0/1, scale steps, öre), or null for "no answer".
-- created_by is a username or 'api-token:<id>'.
CREATE TABLE submission_versions (
    period_id TEXT NOT NULL REFERENCES reporting_periods(id),
    municipality_code TEXT NOT NULL REFERENCES municipalities(code),
    version BIGINT NOT NULL CHECK (version >= 1),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted')),
    channel TEXT NOT NULL CHECK (channel IN ('form', 'csv', 'api', 'migration', 'demo')),
    values_json TEXT NOT NULL,
    changed_fields TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (period_id, municipality_code, version)
);
CREATE INDEX submission_versions_state ON submission_versions(period_id, state, municipality_code, version);

-- The year's grant table (Bilaga 1 of the national report). A new import supersedes the
-- year's earlier ones; the latest import of a year is the table.
CREATE TABLE grant_imports (
    id TEXT PRIMARY KEY,
    year BIGINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    imported_by TEXT NOT NULL REFERENCES users(username),
    imported_at TEXT NOT NULL
);
CREATE INDEX grant_imports_year ON grant_imports(year, imported_at);

CREATE TABLE grants (
    import_id TEXT NOT NULL REFERENCES grant_imports(id),
    municipality_code TEXT NOT NULL REFERENCES municipalities(code),
    granted_ore BIGINT NOT NULL CHECK (granted_ore >= 0),
    unused_ore BIGINT NOT NULL CHECK (unused_ore >= 0 AND unused_ore <= granted_ore),
    PRIMARY KEY (import_id, municipality_code)
);

-- Per-municipality API tokens for case systems. Only the SHA-256 of a token is stored.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    municipality_code TEXT NOT NULL REFERENCES municipalities(code),
    token_sha256 TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(username),
    created_at TEXT NOT NULL,
    revoked_by TEXT REFERENCES users(username),
    revoked_at TEXT
);

-- Every write, and every read of raw person counts: who, when, what. Ids are UUIDv7, so
-- they sort in time order. detail names fields, never values.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    period_id TEXT,
    municipality_code TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);

-- The foundation's one-row-per-year reports become version 1 of a submitted report in a
-- period of that year, left open.
INSERT INTO reporting_periods (id, year, half, starts_on, ends_on, state, changed_by, changed_at)
SELECT CAST(year AS TEXT), year, NULL, CAST(year AS TEXT) || '-01-01', CAST(year AS TEXT) || '-12-31', 'open', MIN(submitted_by), MIN(submitted_at)
FROM exchange_reports GROUP BY year;

INSERT INTO submission_versions (period_id, municipality_code, version, state, channel, values_json, changed_fields, created_by, created_at)
SELECT CAST(year AS TEXT), municipality_code, 1, 'submitted', 'migration',
       '{"households_moved_out":' || CAST(households_moved_out AS TEXT) || ',"households_received":' || CAST(households_received AS TEXT) || '}',
       'households_moved_out,households_received', submitted_by, submitted_at
FROM exchange_reports;

DROP TABLE exchange_reports;
