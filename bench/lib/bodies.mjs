// Freshly signed AliCloud requests, one per line, for the load generators. Every STS request needs a
// new SignatureNonce (the emulator and warden both refuse replays), so bodies are signed up front
// (before the timed run, so signing costs the loader nothing) and each is sent exactly once.
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { alicloudLoginData } from "../../dist/plugins/alicloud/cli.js";
import { DEMO_IDENTITY } from "../../dist/src/emulators/sts/demo-identity.js";

export const BENCH_ROLE = "bench-role";
export const ROLE_ARN = `acs:ram::${DEMO_IDENTITY.accountId}:role/${DEMO_IDENTITY.roleName}`;
const REGION = "cn-hangzhou";

function signed(now) {
  return alicloudLoginData({
    role: BENCH_ROLE,
    region: REGION,
    accessKey: DEMO_IDENTITY.accessKeyId,
    secretKey: DEMO_IDENTITY.accessKeySecret,
    securityToken: DEMO_IDENTITY.securityToken,
    now,
  });
}

/** A warden login body (JSON, one line). */
export const loginBody = (now = new Date()) => JSON.stringify(signed(now));

/** The path+query of the same signed GetCallerIdentity, as warden forwards it (POST, params in query). */
export function stsPath(now = new Date()) {
  const url = new URL(Buffer.from(signed(now).identity_request_url, "base64").toString("utf8"));
  return `/${url.search}`;
}

/** Writes `count` lines made by `make` to `file`. */
export async function writeLines(file, count, make) {
  const out = createWriteStream(file);
  const now = new Date();
  let chunk = [];
  for (let i = 0; i < count; i++) {
    chunk.push(make(now));
    if (chunk.length === 2000) {
      if (!out.write(chunk.join("\n") + "\n")) await once(out, "drain");
      chunk = [];
    }
  }
  if (chunk.length) out.write(chunk.join("\n") + "\n");
  out.end();
  await once(out, "finish");
  return file;
}
