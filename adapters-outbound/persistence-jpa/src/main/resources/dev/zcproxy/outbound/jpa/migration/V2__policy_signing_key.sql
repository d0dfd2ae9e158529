-- The Ed25519 key the state service signs published policy changes with (one row, made on the
-- first start). The private key must stay with the state service: no other role gets any
-- privilege on this table, whatever default privileges the database hands out.
CREATE TABLE policy_signing_key (
    id          smallint    PRIMARY KEY CHECK (id = 1),
    key_id      varchar(16) NOT NULL,
    algorithm   varchar(16) NOT NULL CHECK (algorithm = 'Ed25519'),
    public_key  bytea       NOT NULL,
    private_key bytea       NOT NULL,
    created_at  timestamptz NOT NULL
);
REVOKE ALL ON policy_signing_key FROM PUBLIC;
