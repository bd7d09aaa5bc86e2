/** Every SQLite migration, oldest first. Append only; versions are dense and start at 1. */
import * as m0001 from "./0001_init.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const sqliteMigrations: readonly Migration[] = [m0001];
