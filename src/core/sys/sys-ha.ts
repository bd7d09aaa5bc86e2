import type { LeaderElection } from "../../storage/types.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";

/**
 * sys/ha-status (authenticated, as in Vault): the nodes taking part in leader election, the leader
 * first. A node is listed while its election session is alive, so a killed node drops out at once.
 */
export function sysHaPaths(ha: LeaderElection): AnyCorePath[] {
  return [
    corePath({
      pattern: "ha-status", help: "The nodes sharing this storage and which one is active.",
      fields: {},
      operations: {
        read: async () => {
          const nodes = await ha.nodes();
          return {
            data: {
              nodes: nodes.map((n) => ({
                hostname: n.hostname,
                api_address: n.apiAddress,
                cluster_address: "",
                active_node: n.isLeader,
                // Vault leaves it empty for the active node; a listed standby answered just now.
                last_echo: n.isLeader ? null : new Date().toISOString(),
                version: n.version,
                upgrade_version: n.version,
                redundancy_zone: "",
                node_id: n.nodeId,
              })),
            },
          };
        },
      },
    }),
  ];
}
