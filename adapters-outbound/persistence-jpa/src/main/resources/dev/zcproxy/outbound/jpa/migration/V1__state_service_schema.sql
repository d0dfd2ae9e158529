-- The state service's schema: users, ordered rules, settings, API keys, the policy change outbox and
-- the audit log. Names sort with COLLATE "C" (byte order), so paging is the same on every locale.

-- Revisions of policy changes. A sequence never rolls back, so a rolled-back change leaves a gap;
-- previous_revision in the outbox chains the committed ones regardless.
CREATE SEQUENCE policy_revision_seq AS bigint START WITH 1;

-- One row: the revision of the latest committed change. Every write transaction locks it first
-- (SELECT ... FOR UPDATE), which serializes writers: revisions commit in increasing order, and a
-- check made inside a transaction (a free name, a matching version) still holds at its commit.
CREATE TABLE policy_head (
    id       smallint PRIMARY KEY CHECK (id = 1),
    revision bigint   NOT NULL
);
INSERT INTO policy_head (id, revision) VALUES (1, 0);

CREATE TABLE policy_settings (
    id        smallint PRIMARY KEY CHECK (id = 1),
    anonymous boolean  NOT NULL,
    version   bigint   NOT NULL
);
INSERT INTO policy_settings (id, anonymous, version) VALUES (1, false, 0);

CREATE TABLE users (
    name          varchar(255) COLLATE "C" PRIMARY KEY,
    password_hash text    NOT NULL,
    group_names   text[]  NOT NULL,
    enabled       boolean NOT NULL,
    version       bigint  NOT NULL
);

-- Positions stay 1..n. Shifting them renumbers many rows in one statement, so uniqueness is
-- checked at commit rather than row by row.
CREATE TABLE rules (
    id             uuid    PRIMARY KEY,
    position       integer NOT NULL CHECK (position >= 1),
    action         varchar(8) NOT NULL CHECK (action IN ('allow', 'deny')),
    subject_users  text[]  NOT NULL,
    subject_groups text[]  NOT NULL,
    destinations   text[]  NOT NULL CHECK (cardinality(destinations) >= 1),
    ports          text[]  NOT NULL,
    protocols      text[]  NOT NULL,
    version        bigint  NOT NULL,
    CONSTRAINT rules_position_unique UNIQUE (position) DEFERRABLE INITIALLY DEFERRED
);

-- Only the SHA-256 of a key is kept; id is the key's public part.
CREATE TABLE api_keys (
    id            varchar(12) COLLATE "C" PRIMARY KEY,
    name          varchar(64) NOT NULL,
    scope         varchar(8)  NOT NULL CHECK (scope IN ('admin', 'read', 'proxy')),
    secret_sha256 varchar(64) NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    created_by    varchar(64) NOT NULL
);

-- The transactional outbox: written in the same transaction as the change it describes, read in
-- revision order by the relay that publishes to the broker.
CREATE TABLE policy_outbox (
    revision          bigint      PRIMARY KEY,
    previous_revision bigint      NOT NULL,
    kind              varchar(32) NOT NULL,
    payload           jsonb       NOT NULL,
    created_at        timestamptz NOT NULL,
    published_at      timestamptz,
    CHECK (previous_revision < revision)
);
CREATE INDEX policy_outbox_unpublished ON policy_outbox (revision) WHERE published_at IS NULL;

CREATE TABLE audit_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz  NOT NULL,
    actor    varchar(64)  NOT NULL,
    action   varchar(64)  NOT NULL,
    target   varchar(255) NOT NULL,
    revision bigint
);
