-- Accounts and sessions. Passwords are argon2id PHC strings; sessions are stored by the
-- SHA-256 of their token, so a copy of the database does not let anyone sign in.
CREATE TABLE instance (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    kind TEXT NOT NULL CHECK (kind IN ('real', 'demo')),
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('reporter', 'county_board', 'coordinator')),
    municipality_code TEXT REFERENCES municipalities(code),
    county_code TEXT REFERENCES counties(code),
    created_at TEXT NOT NULL,
    CHECK ((role = 'reporter') = (municipality_code IS NOT NULL)),
    CHECK ((role = 'county_board') = (county_code IS NOT NULL))
);

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_username ON sessions(username);
