/**
 * Version 1: the initial PostgreSQL schema, mirroring the SQLite one (same tables, same columns) plus
 * the identity and limited-use tables. Shipped as a module so it is compiled into dist with the code
 * that applies it. Once released, never edited: later changes get a new version.
 *
 * Every text column is COLLATE "C": byte order, which for UTF-8 is code point order. The prefix range
 * scans (path >= p AND path < successor(p)) and the sorted listings are only exact under it; a
 * database created with a linguistic default collation (en_US...) would otherwise fold case and skip
 * punctuation. Times are bigint epoch ms (0 = never).
 */
export const version = 1;
export const name = "init";
export const sql = (p: string) => `
CREATE TABLE ${p}_tokens (
  id_hash          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  accessor         TEXT COLLATE "C" NOT NULL,
  parent_hash      TEXT COLLATE "C",
  policies         JSONB   NOT NULL,
  path             TEXT COLLATE "C" NOT NULL,
  mount_accessor   TEXT COLLATE "C" NOT NULL,
  meta             JSONB   NOT NULL,
  display_name     TEXT COLLATE "C" NOT NULL,
  num_uses         INTEGER NOT NULL,
  created_at       BIGINT  NOT NULL,
  ttl              INTEGER NOT NULL,
  expires_at       BIGINT  NOT NULL,
  explicit_max_ttl INTEGER NOT NULL,
  max_ttl          INTEGER NOT NULL,
  period           INTEGER NOT NULL,
  renewable        BOOLEAN NOT NULL,
  last_renewal_at  BIGINT  NOT NULL,
  entity_id        TEXT COLLATE "C" NOT NULL,
  bound_cidrs      JSONB   NOT NULL,
  role             TEXT COLLATE "C" NOT NULL,
  auth             JSONB
);
CREATE UNIQUE INDEX ${p}_tokens_accessor ON ${p}_tokens (accessor);
CREATE INDEX ${p}_tokens_parent_hash ON ${p}_tokens (parent_hash);
CREATE INDEX ${p}_tokens_path ON ${p}_tokens (path);
CREATE INDEX ${p}_tokens_expires_at ON ${p}_tokens (expires_at) WHERE expires_at > 0;
CREATE INDEX ${p}_tokens_entity_id ON ${p}_tokens (entity_id) WHERE entity_id <> '';

CREATE TABLE ${p}_mounts (
  path        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  type        TEXT COLLATE "C" NOT NULL,
  accessor    TEXT COLLATE "C" NOT NULL,
  uuid        TEXT COLLATE "C" NOT NULL,
  description TEXT COLLATE "C" NOT NULL,
  config      JSONB  NOT NULL,
  options     JSONB  NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX ${p}_mounts_accessor ON ${p}_mounts (accessor);

CREATE TABLE ${p}_policies (
  name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  text       TEXT COLLATE "C" NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE ${p}_kv (
  namespace TEXT COLLATE "C" NOT NULL,
  key       TEXT COLLATE "C" NOT NULL,
  value     JSONB NOT NULL,
  CONSTRAINT ${p}_kv_pkey PRIMARY KEY (namespace, key)
);

CREATE TABLE ${p}_claims (
  namespace  TEXT COLLATE "C" NOT NULL,
  key        TEXT COLLATE "C" NOT NULL,
  expires_at BIGINT NOT NULL,
  CONSTRAINT ${p}_claims_pkey PRIMARY KEY (namespace, key)
);
CREATE INDEX ${p}_claims_expires_at ON ${p}_claims (expires_at) WHERE expires_at > 0;

CREATE TABLE ${p}_counted (
  namespace  TEXT COLLATE "C" NOT NULL,
  key        TEXT COLLATE "C" NOT NULL,
  value      JSONB   NOT NULL,
  uses       INTEGER NOT NULL,
  expires_at BIGINT  NOT NULL,
  CONSTRAINT ${p}_counted_pkey PRIMARY KEY (namespace, key)
);
CREATE INDEX ${p}_counted_expires_at ON ${p}_counted (expires_at) WHERE expires_at > 0;

CREATE TABLE ${p}_counters (
  namespace  TEXT COLLATE "C" NOT NULL,
  key        TEXT COLLATE "C" NOT NULL,
  count      INTEGER NOT NULL,
  window_end BIGINT  NOT NULL,
  CONSTRAINT ${p}_counters_pkey PRIMARY KEY (namespace, key)
);

CREATE TABLE ${p}_system (
  key   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE ${p}_entities (
  id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  name       TEXT COLLATE "C" NOT NULL,
  policies   JSONB   NOT NULL,
  metadata   JSONB   NOT NULL,
  disabled   BOOLEAN NOT NULL,
  created_at BIGINT  NOT NULL,
  updated_at BIGINT  NOT NULL
);
CREATE UNIQUE INDEX ${p}_entities_name ON ${p}_entities (name);

CREATE TABLE ${p}_entity_aliases (
  id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  entity_id      TEXT COLLATE "C" NOT NULL,
  mount_accessor TEXT COLLATE "C" NOT NULL,
  name           TEXT COLLATE "C" NOT NULL,
  metadata       JSONB  NOT NULL,
  created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX ${p}_entity_aliases_mount_name ON ${p}_entity_aliases (mount_accessor, name);
CREATE INDEX ${p}_entity_aliases_entity_id ON ${p}_entity_aliases (entity_id);

CREATE TABLE ${p}_groups (
  id                TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  name              TEXT COLLATE "C" NOT NULL,
  policies          JSONB  NOT NULL,
  member_entity_ids JSONB  NOT NULL,
  metadata          JSONB  NOT NULL,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX ${p}_groups_name ON ${p}_groups (name);
`;
