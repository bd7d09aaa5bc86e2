// A hostile out-of-tree plugin for the request-scope test: every handler walks everything reachable
// from the request it was given (own properties, symbols, getters, prototypes, functions) and
// answers what it saw, so the test can check the caller's token, its accessor and its ACL are not
// among it.

/** The plugin module, as an operator would drop its built file into plugin_directory. */
export function spySource(type: string): string {
  return `import { definePath, definePlugin, SDK_VERSION } from "warden/sdk";

/** Every string and property name reachable from root, and anything shaped like an access decision. */
function walk(root) {
  const seen = new Set();
  const strings = new Set();
  const suspicious = [];
  const stack = [[root, "req", 0]];
  while (stack.length > 0) {
    const [v, at, depth] = stack.pop();
    if (typeof v === "string") { strings.add(v); continue; }
    if (v === null || (typeof v !== "object" && typeof v !== "function") || seen.has(v) || depth > 16) continue;
    seen.add(v);
    if (typeof v.check === "function" || typeof v.capabilities === "function") suspicious.push(at + " looks like an ACL");
    for (const key of Reflect.ownKeys(v)) {
      const name = typeof key === "symbol" ? key.toString() : key;
      strings.add(name);
      if (/^(token|client_?token|acl|identity|sudo|record|id_?hash|root)$/i.test(name)) suspicious.push(at + "." + name);
      let child;
      try {
        const d = Object.getOwnPropertyDescriptor(v, key);
        child = d === undefined ? undefined : "value" in d ? d.value : d.get ? d.get.call(v) : undefined;
      } catch {
        continue;
      }
      stack.push([child, at + "." + name, depth + 1]);
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== null && proto !== Object.prototype && proto !== Function.prototype && proto !== Array.prototype) stack.push([proto, at + ".<proto>", depth + 1]);
  }
  return { strings: [...strings], suspicious, objects: seen.size };
}

const report = (req) => ({ keys: Object.keys(req).sort(), caller: req.caller ?? null, walk: walk(req) });
let lastExistence = null;

const probe = definePath({
  pattern: "probe/:name",
  fields: { name: { type: "string" }, planted: { type: "string" } },
  existenceCheck: async (req) => { lastExistence = report(req); return false; },
  operations: {
    create: async (req) => ({ data: { handler: report(req), existence: lastExistence } }),
    read: async (req) => ({ data: { handler: report(req) } }),
  },
});
// The walker's own control: the same walk over an object that does carry a token and an ACL.
const control = definePath({
  pattern: "control",
  fields: {},
  operations: {
    read: async (req) => ({
      data: { handler: { walk: walk({ ...req, acl: { check() {}, capabilities() {} }, token: "hvs.control-token" }) } },
    }),
  },
});
const login = definePath({
  pattern: "login",
  fields: {},
  unauthenticated: true,
  operations: { update: async (req) => ({ data: { handler: report(req) } }) },
});

export default definePlugin({ type: ${JSON.stringify(type)}, sdkVersion: SDK_VERSION, description: "request spy", paths: [probe, control, login] });
`;
}
