import type { Socket } from "node:net";
import { addressInCidrs, normalizeAddress } from "../sdk/cidr.js";
import { badRequest } from "../sdk/errors.js";

export interface ForwardedForOptions {
  /** Canonical CIDRs of proxies allowed to set X-Forwarded-For; empty = XFF ignored. */
  authorizedAddrs: string[];
  hopSkips: number;
  rejectNotAuthorized: boolean;
  rejectNotPresent: boolean;
}

/**
 * The client's address as Vault determines it: the socket peer, unless the peer is an authorized
 * proxy, in which case the X-Forwarded-For entry `hopSkips` from the right. Left-most entries are
 * client-controlled and never trusted.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string[] | undefined, opts: ForwardedForOptions): string | undefined {
  const peer = normalizeAddress(socketAddress);
  if (opts.authorizedAddrs.length === 0) return peer;
  const present = forwardedFor !== undefined && forwardedFor.length > 0;
  if (!present) {
    if (opts.rejectNotPresent) throw badRequest("missing x-forwarded-for header and configured to reject when not present");
    return peer;
  }
  if (!addressInCidrs(peer, opts.authorizedAddrs)) {
    if (opts.rejectNotAuthorized) throw badRequest("client address not authorized for x-forwarded-for and configured to reject connection");
    return peer;
  }
  const hops = forwardedFor.flatMap((v) => v.split(",")).map((s) => s.trim()).filter((s) => s !== "");
  const index = hops.length - 1 - opts.hopSkips;
  if (index < 0) throw badRequest("malformed x-forwarded-for configuration or request, hops to skip would skip before earliest chain link");
  const forwarded = normalizeAddress(hops[index]);
  if (forwarded === undefined) throw badRequest("invalid x-forwarded-for address");
  return forwarded;
}

/**
 * The client address of a listener's requests, from the socket and the request's X-Forwarded-For
 * values (undefined: none sent). A keep-alive connection sends many requests from one peer: without
 * X-Forwarded-For in play its address is normalised once per socket.
 */
export function requestAddresses(opts: ForwardedForOptions): (socket: Socket, forwardedFor: string[] | undefined) => string | undefined {
  const peerAddress = new WeakMap<object, string | undefined>();
  return (socket, forwardedFor) => {
    if (forwardedFor === undefined && opts.authorizedAddrs.length === 0) {
      if (peerAddress.has(socket)) return peerAddress.get(socket);
      const peer = clientAddress(socket.remoteAddress, undefined, opts);
      peerAddress.set(socket, peer);
      return peer;
    }
    return clientAddress(socket.remoteAddress, forwardedFor, opts);
  };
}
