/**
 * Where the server reads the time, in epoch milliseconds. One clock is passed through the core (token
 * TTLs and expiry, counted-entry and claim expiry, lockout windows, identity-token iat/exp, key
 * rotation, housekeeping), so a test can move time forward instead of sleeping; the server runs on
 * `systemClock`. The clock only moves "now": what is stored keeps its meaning (epoch ms).
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
