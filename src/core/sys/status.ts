import type { LeaderElection } from "../../storage/types.js";
import type { SealManager } from "../seal/manager.js";
import { WARDEN_VERSION } from "../core.js";
import { buildInfo } from "../version.js";

/**
 * The raw (unenveloped, unauthenticated) status answers `vault status` and load balancers use. They
 * answer sealed too, from the seal manager alone: nothing behind the barrier is read.
 */
export async function healthBody(seal: SealManager): Promise<{ initialized: boolean; sealed: boolean; storageOk: boolean; body: Record<string, unknown> }> {
  // With the database away the seal record cannot be read: 503 with storage_ok false, whatever else it says.
  const [initialized, storageOk] = await Promise.all([seal.initialized().catch(() => false), seal.storage.ping().catch(() => false)]);
  const core = seal.core;
  return {
    initialized,
    sealed: seal.sealed,
    storageOk,
    body: {
      initialized,
      sealed: seal.sealed,
      standby: false,
      performance_standby: false,
      replication_performance_mode: "disabled",
      replication_dr_mode: "disabled",
      server_time_utc: Math.floor(Date.now() / 1000),
      version: WARDEN_VERSION,
      cluster_name: core?.clusterName ?? "",
      cluster_id: core?.clusterId ?? "",
      storage_type: seal.storage.kind,
      storage_ok: storageOk,
    },
  };
}

export async function sealStatusBody(seal: SealManager, clusterName: string): Promise<Record<string, unknown>> {
  const s = await seal.status();
  return {
    ...s,
    version: WARDEN_VERSION,
    build_date: buildInfo().buildDate,
    migration: false,
    cluster_name: clusterName,
    cluster_id: seal.core?.clusterId ?? "",
    storage_type: seal.storage.kind,
  };
}

/**
 * sys/leader. With leader election (PostgreSQL, ha_enabled) it names the node doing the periodic
 * work, found in the database; every node, leader or not, serves requests. Without election every
 * node is its own leader. An empty leader_address: no node holds the lock right now (a hand-over).
 */
export async function leaderBody(ha: LeaderElection, advertisedAddress: string, startedAt: Date): Promise<Record<string, unknown>> {
  if (ha.enabled) {
    const leader = (await ha.nodes()).find((n) => n.isLeader);
    return {
      ha_enabled: true,
      is_self: ha.isLeader(),
      active_time: leader?.leaderSince ? new Date(leader.leaderSince).toISOString() : "0001-01-01T00:00:00Z",
      leader_address: leader?.apiAddress ?? "",
      leader_cluster_address: "",
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    };
  }
  return {
    ha_enabled: false,
    is_self: true,
    active_time: startedAt.toISOString(),
    leader_address: advertisedAddress,
    leader_cluster_address: "",
    performance_standby: false,
    performance_standby_last_remote_wal: 0,
  };
}

