/**
 * Version 4: the SQLite schema brought level with the PostgreSQL one (test/storage/dialects.test.ts
 * compares the two). The entity-id index leaves out the tokens without an entity (root and orphan
 * tokens, entity_id ''), which revokeByEntity never asks for; the counters' window end and the
 * identity groups table get the names they have on PostgreSQL. Never edited once released; see
 * 0001_init.ts.
 */
export const version = 4;
export const name = "dialect_parity";
export const sql = `
DROP INDEX tokens_entity_id;
CREATE INDEX tokens_entity_id ON tokens (entity_id) WHERE entity_id <> '';
ALTER TABLE counters RENAME COLUMN window_ends_at TO window_end;
ALTER TABLE identity_groups RENAME TO groups;
DROP INDEX identity_groups_name;
CREATE UNIQUE INDEX groups_name ON groups (name);
`;
