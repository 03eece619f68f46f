-- The version of each municipality's report that counts for a period (its latest submitted
-- version) with the person counts a release sums. The submission writer keeps it in the
-- transaction that stores the version, so a release reads one small row per municipality and
-- period instead of searching every version and parsing whole reports (that search and parse
-- was the largest part of a release after the noise itself). Raw counts: only the privacy
-- engine reads this table.
--
-- counts_json holds at least every person count of the version that is not 0 (an absent
-- count is 0). Rows written by the server hold exactly those; the rows copied below hold the
-- whole stored report, which also holds them. A migration that makes another indicator a
-- person count must copy again.
CREATE TABLE counting_reports (
    period_id TEXT NOT NULL REFERENCES reporting_periods(id),
    municipality_code TEXT NOT NULL REFERENCES municipalities(code),
    version BIGINT NOT NULL,
    counts_json TEXT NOT NULL,
    PRIMARY KEY (period_id, municipality_code),
    FOREIGN KEY (period_id, municipality_code, version) REFERENCES submission_versions(period_id, municipality_code, version)
);

INSERT INTO counting_reports (period_id, municipality_code, version, counts_json)
SELECT s.period_id, s.municipality_code, s.version, s.values_json FROM submission_versions s
WHERE s.state = 'submitted'
  AND NOT EXISTS (SELECT 1 FROM submission_versions later
                  WHERE later.period_id = s.period_id AND later.municipality_code = s.municipality_code
                    AND later.state = 'submitted' AND later.version > s.version);
