import type { SealConfig } from "../config/seal-config.js";
import type { AutoSeal } from "../core/seal/static-seal.js";
import type { Logger } from "../sdk/plugin.js";
import { badRequest } from "../sdk/errors.js";

/** `seal "alicloudkms"`: not available in this build yet (the server refuses to start, saying so). */
export async function alicloudKmsSeal(_config: Extract<SealConfig, { type: "alicloudkms" }>, _log: Logger): Promise<AutoSeal> {
  throw badRequest('seal "alicloudkms" is not available in this build yet');
}
