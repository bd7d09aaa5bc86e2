// Bench-only preload (node --require): counts every SQLite statement the process executes through
// better-sqlite3, by SQL text. On SIGUSR2 it writes {seq, counts} to $BENCH_STMT_FILE, so a driver can
// take a snapshot before and after N requests and divide. Wraps the shared Statement/Database
// prototypes; the server's own code is untouched.
"use strict";
const { writeFileSync } = require("node:fs");
const Database = require("better-sqlite3");

const counts = new Map();
const bump = (sql) => counts.set(sql, (counts.get(sql) ?? 0) + 1);

const probe = new Database(":memory:");
const Statement = Object.getPrototypeOf(probe.prepare("SELECT 1"));
probe.close();
for (const method of ["run", "get", "all", "iterate"]) {
  const original = Statement[method];
  Statement[method] = function (...args) {
    bump(this.source);
    return original.apply(this, args);
  };
}
for (const method of ["exec", "pragma"]) {
  const original = Database.prototype[method];
  Database.prototype[method] = function (sql, ...args) {
    bump(`${method === "pragma" ? "PRAGMA " : ""}${sql}`);
    return original.call(this, sql, ...args);
  };
}

let seq = 0;
process.on("SIGUSR2", () => {
  seq++;
  writeFileSync(process.env.BENCH_STMT_FILE, JSON.stringify({ seq, counts: Object.fromEntries(counts) }));
});
