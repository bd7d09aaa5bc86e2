/**
 * A Kubernetes-style auth method, written only against warden/sdk: pods log in with their service
 * account JWT; the plugin asks the cluster's TokenReview API (at the configured URL, trusting the
 * configured CA) whether the token is valid and whose it is, and a role binds service-account names
 * and namespaces to token settings.
 *
 * One module on purpose: the catalog pins one file's sha256, so the file is the whole plugin (it
 * imports only warden/sdk and node: builtins; see docs/plugins.md).
 */
import { readFileSync } from "node:fs";
import {
  badRequest,
  checkHttpUrl,
  defineLoginHandler,
  definePath,
  definePlugin,
  invalidCredentials,
  loginArgs,
  permissionDenied,
  renewFromRole,
  roleCrudPaths,
  roleStore,
  SDK_VERSION,
  upstreamUnavailable,
  type HttpClient,
  type StorageView,
  type TokenParams,
} from "warden/sdk";

// ---------------------------------------------------------------- config

export interface K8sConfig {
  /** Base URL of the API server: https://kubernetes.default.svc or https://10.0.0.1:6443. */
  kubernetes_host: string;
  /** PEM CA of the API server; empty = the system's trust store. */
  kubernetes_ca_cert?: string;
  /** The reviewer's JWT; without it, each login's own JWT authorizes its TokenReview (as in Vault). */
  token_reviewer_jwt?: string;
}

const CONFIG_KEY = "config";
const readConfig = (s: StorageView): Promise<K8sConfig | undefined> => s.get<K8sConfig>(CONFIG_KEY);

const configPath = definePath({
  pattern: "config",
  fields: {
    kubernetes_host: { type: "string", description: "URL of the Kubernetes API server" },
    kubernetes_ca_cert: { type: "string", description: "PEM CA certificate of the API server" },
    token_reviewer_jwt: { type: "string", description: "JWT of a service account allowed to create TokenReviews" },
  },
  operations: {
    read: async (req) => {
      const c = await readConfig(req.storage);
      // The reviewer JWT is a credential: never read back.
      return c ? { data: { kubernetes_host: c.kubernetes_host, kubernetes_ca_cert: c.kubernetes_ca_cert ?? "", token_reviewer_jwt_set: !!c.token_reviewer_jwt } } : undefined;
    },
    update: async (req) => {
      const d = req.data;
      if (!d.kubernetes_host) throw badRequest("kubernetes_host is required");
      const ca = d.kubernetes_ca_cert?.trim();
      if (ca && !ca.startsWith("-----BEGIN CERTIFICATE-----")) throw badRequest("kubernetes_ca_cert must be a PEM certificate");
      const c: K8sConfig = { kubernetes_host: checkHttpUrl(d.kubernetes_host, "kubernetes_host", "base") };
      if (ca) c.kubernetes_ca_cert = `${ca}\n`;
      if (d.token_reviewer_jwt?.trim()) c.token_reviewer_jwt = d.token_reviewer_jwt.trim();
      await req.storage.put(CONFIG_KEY, c);
    },
  },
  help: "Where the TokenReview API is (kubernetes_host, kubernetes_ca_cert) and who calls it (token_reviewer_jwt).",
});

// ---------------------------------------------------------------- roles

export interface K8sRole {
  names: string[];
  namespaces: string[];
  audience: string;
  token: TokenParams;
}

const roles = roleStore<K8sRole>((v): v is K8sRole => {
  const r = v as K8sRole | undefined;
  return typeof r === "object" && r !== null && Array.isArray(r.names) && Array.isArray(r.namespaces) && typeof r.token === "object";
});

const SA_NAME = /^(?:\*|[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?)$/;

function bindingList(values: string[] | undefined, field: string): string[] {
  const list = (values ?? []).map((v) => v.trim()).filter((v) => v !== "");
  if (list.length === 0) throw badRequest(`${field} is required: list names, or "*" for any`);
  for (const v of list) if (!SA_NAME.test(v)) throw badRequest(`${field}: "${v.slice(0, 64)}" is not a Kubernetes name`);
  return list;
}

const roleFields = {
  bound_service_account_names: { type: "comma_string_slice", description: 'Service account names that may log in ("*" = any)' },
  bound_service_account_namespaces: { type: "comma_string_slice", description: 'Namespaces they must be in ("*" = any)' },
  audience: { type: "string", description: "Audience the service account token must carry (checked by the TokenReview)" },
} as const;

const rolePaths = roleCrudPaths({
  store: roles,
  fields: roleFields,
  write(req, existing, token): K8sRole {
    const d = req.data;
    return {
      names: req.has("bound_service_account_names") || !existing ? bindingList(d.bound_service_account_names, "bound_service_account_names") : existing.names,
      namespaces:
        req.has("bound_service_account_namespaces") || !existing ? bindingList(d.bound_service_account_namespaces, "bound_service_account_namespaces") : existing.namespaces,
      audience: req.has("audience") ? (d.audience ?? "").trim() : (existing?.audience ?? ""),
      token,
    };
  },
  view: (r) => ({ bound_service_account_names: r.names, bound_service_account_namespaces: r.namespaces, audience: r.audience }),
  help: "Bind service-account names and namespaces to the token settings their pods receive.",
});

const binds = (list: string[], value: string): boolean => list.includes("*") || list.includes(value);

// ---------------------------------------------------------------- login

interface Reviewed {
  namespace: string;
  name: string;
  uid: string;
}

const SA_USER = /^system:serviceaccount:([a-z0-9][-a-z0-9]{0,62}):([a-z0-9][-a-z0-9.]{0,252})$/;

/** Asks the API server who the token belongs to. Only a definite "authenticated" answer counts. */
async function tokenReview(req: { http: HttpClient }, c: K8sConfig, jwt: string, audience: string): Promise<Reviewed> {
  const spec: Record<string, unknown> = { token: jwt };
  if (audience) spec.audiences = [audience];
  const res = await req.http.request({
    method: "POST",
    url: `${c.kubernetes_host}/apis/authentication.k8s.io/v1/tokenreviews`,
    headers: { authorization: `Bearer ${c.token_reviewer_jwt ?? jwt}`, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec }),
    ca: c.kubernetes_ca_cert,
    timeoutMs: 5_000,
  });
  // 401/403 mean the reviewer itself was refused: the cluster, not the client, is misconfigured.
  if (res.status !== 201 && res.status !== 200) throw upstreamUnavailable();
  let status: { authenticated?: unknown; user?: { username?: unknown; uid?: unknown }; audiences?: unknown; error?: unknown };
  try {
    status = (JSON.parse(res.body.toString("utf8")) as { status?: typeof status }).status ?? {};
  } catch {
    throw upstreamUnavailable();
  }
  if (status.authenticated !== true) throw invalidCredentials("invalid service account token");
  const m = SA_USER.exec(String(status.user?.username ?? ""));
  if (!m || typeof status.user?.uid !== "string" || status.user.uid === "") throw invalidCredentials("the token is not a service account token");
  if (audience && !(Array.isArray(status.audiences) && status.audiences.includes(audience))) throw invalidCredentials("the token's audience does not match the role");
  return { namespace: m[1]!, name: m[2]!, uid: status.user.uid };
}

const loginPath = definePath({
  pattern: "login",
  unauthenticated: true,
  fields: {
    role: { type: "lowercase_string", description: "Role to log in with" },
    jwt: { type: "string", description: "The pod's service account token" },
  },
  operations: {
    update: async (req) => {
      const jwt = (req.data.jwt ?? "").trim();
      if (!jwt) throw badRequest("missing jwt");
      if (jwt.length > 16 * 1024) throw badRequest("jwt is too long");
      const c = await readConfig(req.storage);
      if (!c) throw badRequest("the mount is not configured");
      const { name: roleName, role } = await roles.forLogin(req.storage, req.data.role ?? "");
      const who = await tokenReview(req, c, jwt, role.audience);
      if (!binds(role.names, who.name) || !binds(role.namespaces, who.namespace)) {
        req.log.info("kubernetes: service account not bound by the role", { role: roleName, namespace: who.namespace, service_account: who.name });
        throw permissionDenied();
      }
      const metadata = { role: roleName, service_account_name: who.name, service_account_namespace: who.namespace, service_account_uid: who.uid };
      return {
        auth: {
          alias: { name: who.uid, metadata: { service_account_name: who.name, service_account_namespace: who.namespace } },
          displayName: `${who.namespace}-${who.name}`,
          metadata,
          token: role.token,
          internal: { role: roleName, namespace: who.namespace, name: who.name },
        },
      };
    },
  },
  help: "Log in with a service account JWT.",
});

/** Renewal: the role must still exist and still bind the service account that logged in. */
const renew = renewFromRole("kubernetes", async (req) => {
  const { role: roleName, namespace, name } = req.internal as Record<string, string | undefined>;
  const role = roleName ? await roles.get(req.storage, roleName) : undefined;
  return { name: roleName, role: role && namespace && name && binds(role.names, name) && binds(role.namespaces, namespace) ? role : undefined };
});

// ---------------------------------------------------------------- client side

/** Where a pod finds its own service account token. */
export const SA_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** `warden login -method=kubernetes role=payments`: the pod's own token, read from its usual file. */
export const login = defineLoginHandler({
  help: `-method=kubernetes: role=ROLE [jwt=@FILE|-|TOKEN] [mount=PATH]
      Sends PUT auth/<path>/login with {role, jwt}; the token defaults to the pod's own
      (${SA_TOKEN_FILE}, or the file KUBERNETES_SA_TOKEN_FILE names).`,
  login(input) {
    const args = loginArgs(input, "kubernetes", ["role", "jwt"]);
    const role = args.string("role");
    if (!role) throw badRequest("role is required for -method=kubernetes");
    let jwt = args.string("jwt");
    if (jwt === undefined) {
      const file = input.env.KUBERNETES_SA_TOKEN_FILE || SA_TOKEN_FILE;
      try {
        jwt = readFileSync(file, "utf8");
      } catch {
        throw badRequest(`no jwt given and ${file} cannot be read`);
      }
    }
    return { path: `auth/${args.mount}/login`, body: { role, jwt: jwt.trim() } };
  },
});

// ---------------------------------------------------------------- plugin

export const plugin = definePlugin({
  type: "kubernetes",
  sdkVersion: SDK_VERSION,
  description: "Kubernetes service accounts, verified by the cluster's TokenReview API",
  // Only the API server the operator configured (the instance's configuredEndpoints).
  outboundHosts: [],
  login,
  // Each mount's instance. This method keeps nothing in memory (every login reads its config and
  // role from storage), so there is nothing to clean up or invalidate.
  setup: ({ storage }) => ({
    paths: [configPath, loginPath, ...rolePaths],
    renew,
    configuredEndpoints: async () => [(await readConfig(storage))?.kubernetes_host],
  }),
});
export default plugin;
