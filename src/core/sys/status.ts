import type { Core } from "../core.js";
import { WARDEN_VERSION } from "../core.js";

/**
 * The raw (unenveloped, unauthenticated) status answers `vault status` and load balancers use.
 * warden has no seal: a node is unsealed once it runs, and every node serves.
 */
export async function healthBody(core: Core): Promise<{ initialized: boolean; storageOk: boolean; body: Record<string, unknown> }> {
  // initialized() reads storage until it has seen "yes" once; with the database away that read fails,
  // and the answer is then 503 with storage_ok false whatever it says about initialisation.
  const [initialized, storageOk] = await Promise.all([core.initialized().catch(() => false), core.storage.ping().catch(() => false)]);
  return {
    initialized,
    storageOk,
    body: {
      initialized,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: "disabled",
      replication_dr_mode: "disabled",
      server_time_utc: Math.floor(Date.now() / 1000),
      version: WARDEN_VERSION,
      cluster_name: core.clusterName,
      cluster_id: core.clusterId,
      storage_type: core.storage.kind,
      storage_ok: storageOk,
    },
  };
}

export async function sealStatusBody(core: Core): Promise<Record<string, unknown>> {
  return {
    type: "shamir",
    initialized: await core.initialized(),
    sealed: false,
    t: 1,
    n: 1,
    progress: 0,
    nonce: "",
    version: WARDEN_VERSION,
    build_date: "",
    migration: false,
    cluster_name: core.clusterName,
    cluster_id: core.clusterId,
    recovery_seal: false,
    storage_type: core.storage.kind,
  };
}

/**
 * sys/leader. With leader election (PostgreSQL, ha_enabled) it names the node doing the periodic
 * work, found in the database; every node, leader or not, serves requests. Without election every
 * node is its own leader. An empty leader_address: no node holds the lock right now (a hand-over).
 */
export async function leaderBody(core: Core, advertisedAddress: string, startedAt: Date): Promise<Record<string, unknown>> {
  const ha = core.storage.ha;
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

