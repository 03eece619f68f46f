-- The Kompotten network: regional networks (länskompotter) and member municipalities.
-- The real member list is kept by the national coordinator and is not published; this
-- starting list assumes the municipalities of the four counties that run a länskompott
-- (Gävleborg, Skåne, Värmland, Västmanland: 69 municipalities). Membership management
-- (a later issue) replaces it; every release covers all 21 counties whatever the list says,
-- so the list itself never shapes what is published.
CREATE TABLE regional_networks (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    county_code TEXT NOT NULL UNIQUE REFERENCES counties(code)
);

INSERT INTO regional_networks (code, name, county_code) VALUES
    ('gavleborg', 'Länskompott Gävleborg', '21'),
    ('skane', 'Länskompott Skåne', '12'),
    ('varmland', 'Länskompott Värmland', '17'),
    ('vastmanland', 'Länskompott Västmanland', '19');

CREATE TABLE network_members (
    municipality_code TEXT PRIMARY KEY REFERENCES municipalities(code),
    member_since BIGINT NOT NULL CHECK (member_since BETWEEN 2000 AND 2100)
);

INSERT INTO network_members (municipality_code, member_since)
    SELECT code, 2020 FROM municipalities WHERE county_code IN ('12', '17', '19', '21');
