// One bash process that runs a walk-through's commands one at a time, so variables, exports and
// the current directory carry from one command (and one block) to the next as in a reader's
// terminal, while each command's exit status and output are seen on their own.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** test/docs/walkthrough-prelude.sh: the shell functions defined before the first command. */
const PRELUDE = readFileSync(fileURLToPath(new URL("../../../test/docs/walkthrough-prelude.sh", import.meta.url)), "utf8");

export interface StepResult {
  code: number;
  output: string;
  timedOut: boolean;
}

export class ShellSession {
  private readonly child: ChildProcess;
  private buffer = "";
  private readonly sentinel = `__WT_DONE_${randomBytes(8).toString("hex")}__`;
  private waiting: ((r: StepResult) => void) | undefined;

  constructor(
    private readonly cwd: string,
    env: Record<string, string>,
    private readonly logs: string,
  ) {
    this.child = spawn("bash", ["--noprofile", "--norc"], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    const onData = (d: Buffer) => {
      this.buffer += d.toString("utf8");
      const at = this.buffer.indexOf(`${this.sentinel} `);
      if (at === -1 || !this.waiting) return;
      const end = this.buffer.indexOf("\n", at);
      if (end === -1) return;
      const code = Number(this.buffer.slice(at + this.sentinel.length + 1, end));
      const output = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(end + 1);
      const w = this.waiting;
      this.waiting = undefined;
      w({ code, output, timedOut: false });
    };
    this.child.stdout!.on("data", onData);
    this.child.stderr!.on("data", onData);
    this.child.stdin!.write(`${PRELUDE}\n`);
  }

  /** Runs one command (stdin from /dev/null, so nothing can read the next commands). */
  run(command: string, timeoutMs = 90_000): Promise<StepResult> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve({ code: -1, output: this.buffer, timedOut: true });
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.child.stdin!.write(`{\n${command}\n} < /dev/null\nprintf '\\n%s %s\\n' ${this.sentinel} "$?"\n`);
    });
  }

  /** Ends the shell and every background process it started (their process groups, by id). */
  async close(): Promise<void> {
    let pids: number[] = [];
    try {
      pids = readFileSync(join(this.logs, "pids"), "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      // nothing was started
    }
    for (const pid of pids) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGKILL");
      await exited;
    }
  }

  get directory(): string {
    return this.cwd;
  }
}
