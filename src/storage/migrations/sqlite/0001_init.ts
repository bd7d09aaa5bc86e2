/**
 * Version 1: the initial schema. Shipped as a module (not a loose .sql file) so it is compiled into
 * dist with the code that applies it, and can never go missing from a deployment. Once released, a
 * migration is never edited: later changes get a new version.
 *
 * STRICT tables make SQLite reject a value of the wrong type instead of silently storing it.
 */
export const version = 1;
export const name = "init";
export const sql = `
CREATE TABLE tokens (
  id_hash          TEXT    NOT NULL PRIMARY KEY,
  accessor         TEXT    NOT NULL,
  parent_hash      TEXT,
  policies         TEXT    NOT NULL,
  path             TEXT    NOT NULL,
  mount_accessor   TEXT    NOT NULL,
  meta             TEXT    NOT NULL,
  display_name     TEXT    NOT NULL,
  num_uses         INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  ttl              INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  explicit_max_ttl INTEGER NOT NULL,
  max_ttl          INTEGER NOT NULL,
  period           INTEGER NOT NULL,
  renewable        INTEGER NOT NULL,
  last_renewal_at  INTEGER NOT NULL,
  entity_id        TEXT    NOT NULL,
  bound_cidrs      TEXT    NOT NULL,
  role             TEXT    NOT NULL,
  auth             TEXT
) STRICT;
CREATE UNIQUE INDEX tokens_accessor ON tokens (accessor);
CREATE INDEX tokens_parent_hash ON tokens (parent_hash);
CREATE INDEX tokens_path ON tokens (path);
CREATE INDEX tokens_expires_at ON tokens (expires_at) WHERE expires_at > 0;

CREATE TABLE mounts (
  path        TEXT    NOT NULL PRIMARY KEY,
  type        TEXT    NOT NULL,
  accessor    TEXT    NOT NULL,
  uuid        TEXT    NOT NULL,
  description TEXT    NOT NULL,
  config      TEXT    NOT NULL,
  options     TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX mounts_accessor ON mounts (accessor);

CREATE TABLE policies (
  name       TEXT    NOT NULL PRIMARY KEY,
  text       TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE kv (
  namespace TEXT NOT NULL,
  key       TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (namespace, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE claims (
  namespace  TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX claims_expires_at ON claims (expires_at) WHERE expires_at > 0;

CREATE TABLE system (
  key   TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`;
