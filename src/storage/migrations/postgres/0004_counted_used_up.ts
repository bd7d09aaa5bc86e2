/**
 * Version 4: the index SQLite has had since its version 2 (test/storage/dialects.test.ts found it
 * missing here). The tidy deletes used-up counted entries (uses = -1, the only negative value); without
 * this index that part of every tidy pass scanned the whole table. Never edited once released.
 */
export const version = 4;
export const name = "counted_used_up";

export function sql(p: string): string {
  return `
CREATE INDEX ${p}_counted_used_up ON ${p}_counted (uses) WHERE uses = -1;
`;
}
