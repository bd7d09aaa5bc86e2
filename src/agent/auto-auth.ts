/**
 * Auto-auth: log in, write the sinks, keep the token alive, log in again when it must.
 *
 * The lifetime rule is Vault's LifetimeWatcher's: renew (renew-self, asking for the first lease
 * again) when about 2/3 of what is left of the lease has passed, with jitter so a fleet does not
 * renew in step. Log in again, and rewrite the sinks, when
 *   - the server refuses the renewal (4xx: revoked, expired, not renewable, past its max TTL);
 *   - a renewal comes back shorter than asked (the max TTL caps it): the token is used until about
 *     half of that last stretch, then replaced, so there is always a valid token in the sinks;
 *   - the token is not renewable (replaced at about 2/3 of its lease);
 *   - transient failures last until the token has expired.
 * Transient failures (server down or sealed, network, STS errors behind the login) never stop the
 * agent: it waits with exponential backoff and jitter between min_backoff and max_backoff and says
 * why. The token, secret ids and credentials never reach a log line.
 */
import type { Logger } from "../sdk/plugin.js";
import type { FileSinkConfig } from "./config.js";
import type { LoginBuilder } from "./methods.js";
import { writeFileSink } from "./sinks/file-sink.js";
import { errorsOf, type JsonAnswer, type Upstream } from "./upstream.js";

export interface AutoAuthOptions {
  upstream: Upstream;
  builder: LoginBuilder;
  sinks: FileSinkConfig[];
  log: Logger;
  minBackoffMs: number;
  maxBackoffMs: number;
  random?: () => number;
}

interface Lease {
  token: string;
  /** Seconds; 0 = the token does not expire. */
  leaseDuration: number;
  renewable: boolean;
  /** When the login answer came: the lease counts from there, not from when the sinks were written. */
  receivedAt: number;
}

/** Exponential, doubling from min to max; each wait drawn from the upper quarter below the current step. */
export class Backoff {
  private current: number;
  constructor(
    private readonly min: number,
    private readonly max: number,
    private readonly random: () => number = Math.random,
  ) {
    this.current = min;
  }
  next(): number {
    const wait = Math.max(this.min, Math.round(this.current * (1 - 0.25 * this.random())));
    this.current = Math.min(this.max, this.current * 2);
    return wait;
  }
  reset(): void {
    this.current = this.min;
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class AutoAuth {
  /** The current token (undefined until the first login). */
  token: string | undefined;
  private readonly stopper = new AbortController();
  private readonly random: () => number;

  constructor(private readonly opts: AutoAuthOptions) {
    this.random = opts.random ?? Math.random;
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  stop(): void {
    this.stopper.abort();
  }

  /** Runs until stop(); with `once`, returns after the first login (exit_after_auth). */
  async run(once = false): Promise<void> {
    const backoff = new Backoff(this.opts.minBackoffMs, this.opts.maxBackoffMs, this.random);
    while (!this.stopped) {
      let lease: Lease;
      try {
        lease = await this.login();
      } catch (e) {
        const wait = backoff.next();
        this.opts.log.warn("login failed; retrying", { method: this.opts.builder.describe(), error: messageOf(e), retry_in_ms: wait });
        await this.sleep(wait);
        continue;
      }
      backoff.reset();
      await this.writeSinks(lease.token, backoff);
      if (this.stopped) return;
      this.token = lease.token;
      this.opts.log.info("authenticated; token written to the sinks", { lease_duration: lease.leaseDuration, renewable: lease.renewable, sinks: this.opts.sinks.length });
      if (once) return;
      await this.watch(lease, backoff);
    }
  }

  private async login(): Promise<Lease> {
    const req = await this.opts.builder.build();
    this.opts.log.debug("logging in", { path: req.path });
    const answer = await this.opts.upstream.json("PUT", req.path, { body: req.body });
    if (answer.status !== 200) throw new Error(`${req.path}: ${errorsOf(answer)}`);
    const auth = (answer.body as { auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } } | null)?.auth;
    if (typeof auth?.client_token !== "string" || auth.client_token === "") throw new Error(`${req.path}: the answer holds no token`);
    return { token: auth.client_token, leaseDuration: Number(auth.lease_duration) || 0, renewable: auth.renewable === true, receivedAt: Date.now() };
  }

  /** Every sink, until all are written (a full disk or a missing directory is retried, and said). */
  private async writeSinks(token: string, backoff: Backoff): Promise<void> {
    for (const sink of this.opts.sinks) {
      while (!this.stopped) {
        try {
          await writeFileSink(sink, token);
          break;
        } catch (e) {
          const wait = backoff.next();
          this.opts.log.error("cannot write the token sink; retrying", { path: sink.path, error: (e as NodeJS.ErrnoException).code ?? messageOf(e), retry_in_ms: wait });
          await this.sleep(wait);
        }
      }
    }
    backoff.reset();
  }

  /** Keeps `lease` alive; returns when a new login is needed (or on stop). */
  private async watch(lease: Lease, backoff: Backoff): Promise<void> {
    if (lease.leaseDuration <= 0) {
      // A token that never expires: nothing to renew, nothing to replace.
      await this.sleep(Number.POSITIVE_INFINITY);
      return;
    }
    const asked = lease.leaseDuration;
    let expiresAt = lease.receivedAt + asked * 1000;
    if (!lease.renewable) {
      this.opts.log.info("the token is not renewable; it will be replaced before it expires");
      await this.sleep(this.twoThirdsOf(expiresAt - Date.now()));
      return;
    }
    let retrying = false;
    for (;;) {
      // After a transient failure the backoff has already been waited: try again at once.
      if (!retrying) await this.sleep(this.twoThirdsOf(expiresAt - Date.now()));
      if (this.stopped) return;
      let answer: JsonAnswer;
      try {
        answer = await this.opts.upstream.json("PUT", "auth/token/renew-self", { token: lease.token, body: { increment: asked } });
      } catch (e) {
        if (!(await this.waitAfterTransient(messageOf(e), expiresAt, backoff))) return;
        retrying = true;
        continue;
      }
      if (answer.status >= 500 || answer.status === 429) {
        if (!(await this.waitAfterTransient(`renew-self: ${errorsOf(answer)}`, expiresAt, backoff))) return;
        retrying = true;
        continue;
      }
      retrying = false;
      if (answer.status !== 200) {
        this.opts.log.warn("the token can no longer be renewed; logging in again", { error: `renew-self: ${errorsOf(answer)}` });
        return;
      }
      backoff.reset();
      const granted = Number((answer.body as { auth?: { lease_duration?: unknown } } | null)?.auth?.lease_duration) || 0;
      expiresAt = Date.now() + granted * 1000;
      if (granted < asked) {
        // Capped by the max TTL: this is the token's last stretch. Replaced half-way through it, so
        // the new token is in the sinks well before the old one dies.
        this.opts.log.info("the token is near its max TTL; it will be replaced before it expires", { lease_duration: granted });
        await this.sleep(((expiresAt - Date.now()) / 2) * (1 - 0.1 * this.random()));
        return;
      }
      this.opts.log.debug("token renewed", { lease_duration: granted });
    }
  }

  /**
   * After a transient renewal failure: wait (backoff) and say whether to try renewing again; false
   * when the token will have expired by then (a new login is due).
   */
  private async waitAfterTransient(why: string, expiresAt: number, backoff: Backoff): Promise<boolean> {
    const wait = backoff.next();
    const left = expiresAt - Date.now();
    this.opts.log.warn("renewal failed; retrying", { error: why, retry_in_ms: Math.min(wait, Math.max(0, left)) });
    if (left <= wait) {
      await this.sleep(Math.max(0, left));
      return false;
    }
    await this.sleep(wait);
    return !this.stopped;
  }

  /** About 2/3 of `ms`, less up to a tenth of that for jitter. */
  private twoThirdsOf(ms: number): number {
    return Math.max(0, (ms * 2) / 3) * (1 - 0.1 * this.random());
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.stopper.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, Math.min(ms, 2 ** 31 - 1)) : undefined;
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
