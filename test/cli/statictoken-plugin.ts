// An out-of-tree auth method with its own login handler, as built JS source for a plugin_directory:
// static tokens whose sha256 the config lists log in. The handler takes the token from token=... or
// from STATICTOKEN_TOKEN, so a login that works from the environment alone proves the CLI ran it.
// Not a test file itself.
export function statictokenSource(): string {
  return `import { createHash } from "node:crypto";
import { badRequest, defineLoginHandler, definePath, definePlugin, invalidCredentials, loginArgs, SDK_VERSION } from "warden/sdk";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

const configPath = definePath({
  pattern: "config",
  fields: { token_sha256s: { type: "comma_string_slice" }, token_policies: { type: "comma_string_slice" } },
  operations: {
    update: async (req) => {
      await req.storage.put("config", { hashes: req.data.token_sha256s ?? [], policies: req.data.token_policies ?? [] });
    },
  },
});

const loginPath = definePath({
  pattern: "login",
  unauthenticated: true,
  fields: { token: { type: "string" } },
  operations: {
    update: async (req) => {
      const token = (req.data.token ?? "").trim();
      if (!token) throw badRequest("missing token");
      const c = await req.storage.get("config");
      const hash = sha256(token);
      if (!c || !c.hashes.includes(hash)) throw invalidCredentials("unknown token");
      const name = hash.slice(0, 12);
      return {
        auth: {
          alias: { name },
          displayName: name,
          metadata: { token_sha256_prefix: name },
          token: { policies: c.policies, ttl: 600, maxTtl: 0, explicitMaxTtl: 0, period: 0, boundCidrs: [], numUses: 0, noDefaultPolicy: false, type: "default", legacy: {} },
        },
      };
    },
  },
});

export default definePlugin({
  type: "statictoken",
  sdkVersion: SDK_VERSION,
  description: "static tokens listed by their sha256",
  outboundHosts: [],
  login: defineLoginHandler({
    help: "-method=statictoken: [token=TOKEN] (default: STATICTOKEN_TOKEN)",
    login(input) {
      const args = loginArgs(input, "statictoken", ["token"]);
      const token = args.string("token") ?? input.env.STATICTOKEN_TOKEN;
      if (!token) throw badRequest("no token: pass token=... or set STATICTOKEN_TOKEN");
      return { path: "auth/" + args.mount + "/login", body: { token } };
    },
  }),
  setup: () => ({ paths: [configPath, loginPath] }),
});
`;
}
