/**
 * Version 2: the identity store (entities, aliases, groups), counted entries and windowed counters for
 * plugins, and the index behind revoke-by-entity. Never edited once released; see 0001_init.ts.
 */
export const version = 2;
export const name = "identity_counted";
export const sql = `
CREATE INDEX tokens_entity_id ON tokens (entity_id);

CREATE TABLE entities (
  id         TEXT    NOT NULL PRIMARY KEY,
  name       TEXT    NOT NULL,
  policies   TEXT    NOT NULL,
  metadata   TEXT    NOT NULL,
  disabled   INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX entities_name ON entities (name);

CREATE TABLE entity_aliases (
  id             TEXT    NOT NULL PRIMARY KEY,
  entity_id      TEXT    NOT NULL,
  mount_accessor TEXT    NOT NULL,
  name           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX entity_aliases_entity_id ON entity_aliases (entity_id);
CREATE UNIQUE INDEX entity_aliases_mount_name ON entity_aliases (mount_accessor, name);

CREATE TABLE identity_groups (
  id                TEXT    NOT NULL PRIMARY KEY,
  name              TEXT    NOT NULL,
  policies          TEXT    NOT NULL,
  member_entity_ids TEXT    NOT NULL,
  metadata          TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX identity_groups_name ON identity_groups (name);

CREATE TABLE counted (
  namespace  TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  uses       INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX counted_expires_at ON counted (expires_at) WHERE expires_at > 0;
CREATE INDEX counted_used_up ON counted (uses) WHERE uses = -1;

CREATE TABLE counters (
  namespace      TEXT    NOT NULL,
  key            TEXT    NOT NULL,
  count          INTEGER NOT NULL,
  window_ends_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, key)
) STRICT, WITHOUT ROWID;
`;
