// `warden status`: GET sys/seal-status then GET sys/leader, printed as Vault's status table.
// Exit 2 when sealed, so scripts can tell "sealed" from "unreachable" (1).
import { clientFor, CONNECTION_FLAGS, expectArgs, formatOf, FORMAT_FLAGS, type Command } from "./command.js";
import { cell, kvTable, toJson } from "./format.js";

interface SealStatus {
  type?: string;
  initialized?: boolean;
  sealed?: boolean;
  t?: number;
  n?: number;
  progress?: number;
  nonce?: string;
  version?: string;
  build_date?: string;
  storage_type?: string;
  cluster_name?: string;
  cluster_id?: string;
}

interface Leader {
  ha_enabled?: boolean;
  is_self?: boolean;
  active_time?: string;
  leader_address?: string;
  leader_cluster_address?: string;
}

export const statusCommand: Command = {
  name: "status",
  usage: "[options]",
  summary: "Show seal and HA status",
  help: "Shows whether the server is initialized and sealed, its version, and its HA state. Exits 2 if sealed.",
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    const client = clientFor(args, ctx);
    ctx.doing = "checking seal status";
    const seal = ((await client.request("GET", "sys/seal-status")).body ?? {}) as SealStatus;
    let leader: Leader = {};
    // A sealed server cannot answer sys/leader; Vault then shows HA as unknown rather than failing.
    if (!seal.sealed) {
      ctx.doing = "checking leader status";
      leader = ((await client.request("GET", "sys/leader")).body ?? {}) as Leader;
    }
    const code = seal.sealed ? 2 : 0;
    if (formatOf(args) === "json") {
      ctx.io.out(toJson({ ...seal, ...leader }) + "\n");
      return code;
    }
    const na = (v: unknown): unknown => (v === undefined || v === "" ? "n/a" : v);
    const rows: [string, unknown][] = [
      ["Seal Type", na(seal.type)],
      ["Initialized", na(seal.initialized)],
      ["Sealed", na(seal.sealed)],
      ["Total Shares", na(seal.n)],
      ["Threshold", na(seal.t)],
    ];
    if (seal.sealed) {
      rows.push(["Unseal Progress", `${seal.progress ?? 0}/${seal.t ?? 0}`]);
      rows.push(["Unseal Nonce", na(seal.nonce)]);
    }
    rows.push(["Version", na(seal.version)], ["Build Date", na(seal.build_date)], ["Storage Type", na(seal.storage_type)]);
    if (seal.cluster_name || seal.cluster_id) rows.push(["Cluster Name", na(seal.cluster_name)], ["Cluster ID", na(seal.cluster_id)]);
    rows.push(["HA Enabled", seal.sealed ? "n/a" : (leader.ha_enabled ?? false)]);
    if (leader.ha_enabled) {
      rows.push(["HA Cluster", na(leader.leader_cluster_address)]);
      rows.push(["HA Mode", leader.is_self ? "active" : "standby"]);
      if (leader.is_self && leader.active_time) rows.push(["Active Since", leader.active_time]);
      else if (!leader.is_self) rows.push(["Active Node Address", na(leader.leader_address)]);
    }
    ctx.io.out(kvTable(rows.map(([k, v]) => [k, cell(v)])) + "\n");
    return code;
  },
};
