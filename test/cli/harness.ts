// Test harness for the CLI: a recording HTTP server on 127.0.0.1 that answers like Vault would,
// and a runner that executes the compiled CLI as a child process (as users run it), so the tests
// see exactly the bytes it sends and prints. Not a test file itself.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Test } from "uvu";

export const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface Recorded {
  method: string;
  /** Path without the query string, e.g. "/v1/sys/auth". */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: string;
  /** Parsed JSON body, or undefined when the body was empty. */
  json: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Send this text verbatim instead of JSON. */
  raw?: string;
}

export type Handler = (req: Recorded) => Reply;

export interface FakeServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export async function fakeServer(handler: Handler): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const u = new URL(req.url ?? "/", "http://x");
      const rec: Recorded = {
        method: req.method ?? "",
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        raw,
        json: raw === "" ? undefined : JSON.parse(raw),
      };
      requests.push(rec);
      const reply = handler(rec);
      if (reply.status === 204) {
        res.writeHead(204).end();
        return;
      }
      const text = reply.raw ?? JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, { "Content-Type": reply.raw ? "text/plain" : "application/json" }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  /** HOME for the child (where ~/.warden-token lives); a fresh empty directory by default. */
  home?: string;
  cwd?: string;
}

export function freshHome(): string {
  return mkdtempSync(join(tmpdir(), "warden-cli-home-"));
}

/** Runs the CLI asynchronously: the fake server lives in this process, so a sync spawn would deadlock. */
export function runCli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // A clean environment: no VAULT_*/WARDEN_* leaking in from the developer's shell.
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: opts.home ?? freshHome(), ...opts.env };
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

/** A Vault success envelope around data/auth. */
export function envelope(fields: { data?: unknown; auth?: unknown; warnings?: string[]; lease_duration?: number }): unknown {
  return {
    request_id: "3b4f2c1e-0000-4000-8000-000000000000",
    lease_id: "",
    renewable: false,
    lease_duration: fields.lease_duration ?? 0,
    data: fields.data ?? null,
    wrap_info: null,
    warnings: fields.warnings ?? null,
    auth: fields.auth ?? null,
  };
}

export const sampleAuth = {
  client_token: "hvs.NEWTOKEN123",
  accessor: "acc-123",
  policies: ["default", "dev"],
  token_policies: ["default", "dev"],
  metadata: { role: "dev" },
  lease_duration: 3600,
  renewable: true,
  entity_id: "",
  token_type: "service",
  orphan: false,
  mfa_requirement: null,
  num_uses: 0,
};

export interface RecordingServer {
  readonly url: string;
  readonly requests: Recorded[];
  /** How requests are answered: one fixed reply or a handler; back to a plain 204 before each test. */
  answer: Reply | Handler;
  /** The latest request. */
  last(): Recorded;
}

/** One recording server for a whole test file, started and stopped by the file's hooks. */
export function recordingServer(t: Test): RecordingServer {
  let srv: FakeServer | undefined;
  const state: RecordingServer = {
    get url() {
      return srv!.url;
    },
    get requests() {
      return srv!.requests;
    },
    answer: { status: 204 },
    last: () => srv!.requests[srv!.requests.length - 1]!,
  };
  t.before(async () => {
    srv = await fakeServer((r) => (typeof state.answer === "function" ? state.answer(r) : state.answer));
  });
  t.after(async () => srv!.close());
  t.before.each(() => {
    srv!.requests.length = 0;
    state.answer = { status: 204 };
  });
  return state;
}
