-- One privacy budget per calendar year, whatever the period shape. The unit of protection is
-- one household in one year, and the catalogue's bounds hold over a year's reports (a household
-- is moved out once, its request reaches at most three municipalities), so a release of 2024H1
-- and a release of 2024 protect the same households and draw on one budget: 2024's. Before
-- this migration each period had a budget of its own, and a half-year and its year could each
-- spend theirs in full on the same households.
CREATE TABLE year_budgets (
    year BIGINT PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    total_nano_rho BIGINT NOT NULL CHECK (total_nano_rho >= 0),
    spent_nano_rho BIGINT NOT NULL DEFAULT 0 CHECK (spent_nano_rho >= 0),
    CHECK (spent_nano_rho <= total_nano_rho)
);

-- Every debit, written in the same transaction as the release it pays for: one row per year
-- the release's window touches. Immutable (db::install_release_guards).
CREATE TABLE year_ledger (
    release_id TEXT NOT NULL REFERENCES releases(id),
    year BIGINT NOT NULL REFERENCES year_budgets(year),
    nano_rho BIGINT NOT NULL CHECK (nano_rho > 0),
    created_at TEXT NOT NULL,
    PRIMARY KEY (release_id, year)
);
CREATE INDEX year_ledger_year ON year_ledger(year);

-- Earlier releases move over as their households saw them: a release charged each period of
-- its window ρ, and costs a year's households ρ once, so its charge to a year is the largest it
-- made to any period of that year. A year's spending is the sum of those charges (which counts
-- a year and its half-years together, as they should have been); its budget is the largest its
-- periods had, raised to what was spent where the periods together spent more.
INSERT INTO year_budgets (year, total_nano_rho, spent_nano_rho)
SELECT y.year,
       CASE WHEN COALESCE(s.spent, 0) > y.total THEN COALESCE(s.spent, 0) ELSE y.total END,
       COALESCE(s.spent, 0)
FROM (SELECT p.year AS year, MAX(b.total_nano_rho) AS total
      FROM period_budgets b JOIN reporting_periods p ON p.id = b.period_id GROUP BY p.year) y
LEFT JOIN (SELECT c.year AS year, CAST(SUM(c.nano) AS BIGINT) AS spent
           FROM (SELECT l.release_id, p.year AS year, MAX(l.nano_rho) AS nano
                 FROM privacy_ledger l JOIN reporting_periods p ON p.id = l.period_id
                 GROUP BY l.release_id, p.year) c
           GROUP BY c.year) s ON s.year = y.year;

INSERT INTO year_ledger (release_id, year, nano_rho, created_at)
SELECT l.release_id, p.year, MAX(l.nano_rho), MIN(l.created_at)
FROM privacy_ledger l JOIN reporting_periods p ON p.id = l.period_id
GROUP BY l.release_id, p.year;

DROP TABLE privacy_ledger;
DROP TABLE period_budgets;

-- The release design a release answered (kompotten-privacy's design name, e.g. 'standard');
-- NULL for releases made before designs, which measured every indicator at every level with
-- one noise scale. `layout` now says whether the release has cells per period ('per_period')
-- or only window totals ('summed').
ALTER TABLE releases ADD COLUMN design TEXT;

-- A generous bound on the national yearly total of each person count, declared like
-- max_per_household and never read from data: the planner warns that a figure would be mostly
-- noise where its margin is at least this (times the years of a window total). The network
-- moves about 13–15 households a year; grant recipients helped more into permanent housing.
ALTER TABLE indicators ADD COLUMN plausible_per_year BIGINT;
UPDATE indicators SET plausible_per_year = 40
WHERE code IN ('households_moved_out', 'households_received')
   OR group_code IN ('sending_children', 'sending_context', 'receiving_time');
UPDATE indicators SET plausible_per_year = 120
WHERE code IN ('requests_sent', 'requests_received', 'requests_accepted', 'requests_declined', 'decisions_within_14_days')
   OR group_code = 'receiving_declined';
UPDATE indicators SET plausible_per_year = 300 WHERE group_code = 'grant_housing';
