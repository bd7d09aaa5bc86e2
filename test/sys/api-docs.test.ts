// sys/internal/specs/openapi and ?help=1 over real HTTP: the document is OpenAPI 3 in shape, carries a
// catalog plugin's paths once it is mounted (and no secret default), is scoped to the caller's token;
// help answers Vault's shape without running the handler, and a caller without access gets 403.
import { rmSync } from "node:fs";
import { suite } from "../../src/sdk/testing/suite.js";
import { Validator } from "@seriousme/openapi-schema-validator";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { type PluginDir, pluginDir, register } from "../plugins/fixtures.js";
import { runCli } from "../cli/harness.js";

const SECRET_DEFAULT = "default-S3cret-never-shown";

/** An out-of-tree plugin with documented paths; its config read handler counts its calls. */
const docsPluginSource = `import { definePath, definePlugin, SDK_VERSION } from "warden/sdk";
export default definePlugin({
  type: "docsprobe",
  sdkVersion: SDK_VERSION,
  description: "documented probe",
  setup: ({ storage }) => ({
    paths: [
      definePath({
        pattern: "config",
        help: "Configure the probe.",
        description: "Where the probe's upstream is and how it signs.",
        fields: {
          url: { type: "string", description: "Upstream URL." },
          mode: { type: "string", description: "Signing mode.", allowedValues: ["a", "b"], default: "a" },
          retries: { type: "int", description: "Retries.", default: 3 },
          timeout: { type: "duration", description: "Timeout.", default: 30 },
          client_secret: { type: "string", description: "The upstream secret.", default: "${SECRET_DEFAULT}" },
        },
        operations: {
          read: async () => {
            const reads = ((await storage.get("reads")) ?? 0) + 1;
            await storage.put("reads", reads);
            return { data: { reads } };
          },
          update: async () => {},
        },
      }),
      definePath({
        pattern: "role/:name",
        help: "Manage a role.",
        fields: { name: { type: "string", lowercase: true, description: "The role's name." }, policies: { type: "comma_string_slice", description: "Policies." } },
        operations: { read: async () => ({ data: {} }), create: async () => {}, update: async () => {}, delete: async () => {} },
        existenceCheck: async () => false,
      }),
      definePath({ pattern: "role/?", help: "List roles.", fields: {}, operations: { list: async () => ({ data: { keys: [] } }) } }),
      definePath({ pattern: "login", unauthenticated: true, help: "Log in.", fields: { name: { type: "string", description: "Who.", required: true } }, operations: { update: async () => { throw new Error("never"); } } }),
    ],
  }),
});
`;

type Json = Record<string, any>;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const TYPES = ["string", "integer", "number", "boolean", "array", "object"];

/**
 * The document against the official OpenAPI 3.0 JSON schema (a maintained validator), then the rules that
 * schema leaves open: path parameters match the template, operation ids are unique, schema types are known.
 */
async function assertOpenApi3(doc: Json): Promise<void> {
  const verdict = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
  assert.ok(verdict.valid, `not valid OpenAPI: ${JSON.stringify(verdict.errors ?? []).slice(0, 2000)}`);
  assert.match(String(doc.openapi), /^3\.0\.\d+$/, "openapi version");
  assert.type(doc.info?.title, "string", "info.title");
  assert.type(doc.info?.version, "string", "info.version");
  assert.type(doc.paths, "object", "paths");
  const ids = new Set<string>();
  const checkSchema = (s: Json, where: string): void => {
    assert.ok(TYPES.includes(s.type), `${where}: schema type ${s.type}`);
    if (s.type === "array") checkSchema(s.items, `${where}.items`);
    if (s.type === "object" && s.properties) for (const [k, p] of Object.entries(s.properties)) checkSchema(p as Json, `${where}.${k}`);
    if (s.enum) assert.ok(Array.isArray(s.enum) && s.enum.length > 0, `${where}: enum`);
    if (s.required !== undefined && s.type === "object") assert.ok(Array.isArray(s.required) && s.required.every((r: string) => r in s.properties), `${where}: required`);
  };
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    assert.ok(path.startsWith("/"), `path ${path} starts with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = (item.parameters ?? []).filter((p: Json) => p.in === "path").map((p: Json) => p.name);
    assert.equal(declared.sort(), templated.sort(), `${path}: path parameters`);
    for (const p of item.parameters ?? []) {
      assert.ok(p.required === true, `${path}: path parameter ${p.name} required`);
      checkSchema(p.schema, `${path}.${p.name}`);
    }
    const ops = Object.keys(item).filter((k) => METHODS.includes(k));
    assert.ok(ops.length > 0, `${path}: has an operation`);
    for (const k of Object.keys(item)) assert.ok(METHODS.includes(k) || ["description", "summary", "parameters"].includes(k) || k.startsWith("x-"), `${path}: unknown key ${k}`);
    for (const m of ops) {
      const op = item[m];
      assert.ok(op.responses && Object.keys(op.responses).length > 0, `${path} ${m}: responses`);
      for (const r of Object.values(op.responses as Record<string, Json>)) assert.type(r.description, "string", `${path} ${m}: response description`);
      assert.ok(!ids.has(op.operationId), `${path} ${m}: operationId ${op.operationId} unique`);
      ids.add(op.operationId);
      if (op.requestBody) checkSchema(op.requestBody.content["application/json"].schema, `${path} ${m} body`);
      for (const p of op.parameters ?? []) checkSchema(p.schema, `${path} ${m} ${p.name}`);
    }
  }
}

interface Ctx {
  s: TestServer;
  p: PluginDir;
}
const t = suite<Ctx>("API docs: OpenAPI and path help");

t.before(async (ctx) => {
  ctx.p = pluginDir();
  const pin = ctx.p.put("docsprobe.js", docsPluginSource);
  ctx.s = await startTestServer({ configure: (c) => (c.pluginDirectory = ctx.p.dir), mounts: { approle: "approle" } });
  await register(ctx.s, "docsprobe", "docsprobe.js", pin);
});
t.after(async ({ s, p }) => {
  await s.close();
  rmSync(p.dir, { recursive: true, force: true });
});

const openapi = (s: TestServer, token?: string | null) => s.request("GET", "sys/internal/specs/openapi", { token });

t("the document is OpenAPI 3 with core and plugin paths at their mount path", async ({ s }) => {
  const r = await openapi(s);
  assert.is(r.status, 200, r.text);
  await assertOpenApi3(r.body);
  const paths = r.body.paths as Json;
  assert.ok(paths["/sys/policies/acl/{name}"], Object.keys(paths).join(" "));
  assert.ok(paths["/auth/token/lookup-self"]);
  const login = paths["/auth/approle/login"];
  assert.is(login["x-vault-unauthenticated"], true);
  assert.ok(login.post.requestBody.content["application/json"].schema.properties.role_id);
  assert.is(paths["/sys/internal/specs/openapi"]["x-vault-unauthenticated"], true);
});

t("a catalog plugin's paths appear once it is mounted, with fields, captures and no secret default", async ({ s }) => {
  assert.not.ok((await openapi(s)).body.paths["/auth/probe/config"], "not before the mount");
  await s.enableAuth("probe", "docsprobe");
  const r = await openapi(s);
  await assertOpenApi3(r.body);
  const paths = r.body.paths as Json;
  const config = paths["/auth/probe/config"];
  assert.is(config.description, "Configure the probe.");
  assert.is(config.post.description, "Where the probe's upstream is and how it signs.");
  const schema = config.post.requestBody.content["application/json"].schema;
  assert.is(schema.required, undefined);
  assert.equal(schema.properties.mode, { type: "string", description: "Signing mode.", enum: ["a", "b"], default: "a" });
  assert.equal(schema.properties.retries, { type: "integer", description: "Retries.", default: 3 });
  assert.is(schema.properties.timeout.format, "duration");
  assert.is(schema.properties.client_secret.default, undefined);
  assert.not.ok(r.text.includes(SECRET_DEFAULT), "no secret default anywhere in the document");
  const role = paths["/auth/probe/role/{name}"];
  assert.equal(role.parameters.map((p: Json) => p.name), ["name"]);
  assert.is(role["x-vault-createSupported"], true);
  assert.ok(role.get && role.post && role.delete);
  assert.is(paths["/auth/probe/role/"].get.parameters[0].name, "list");
  assert.is(paths["/auth/probe/login"]["x-vault-unauthenticated"], true);
  assert.equal(paths["/auth/probe/login"].post.requestBody.content["application/json"].schema.required, ["name"]);
  assert.is(paths["/auth/probe/login"].post.requestBody.required, true);
});

t("scoped to the token: none sees only login paths, a limited token its own paths, a bad token 403", async ({ s }) => {
  const anon = await openapi(s, null);
  assert.is(anon.status, 200, anon.text);
  const anonPaths = Object.entries(anon.body.paths as Record<string, Json>);
  assert.ok(anonPaths.length > 0);
  for (const [p, item] of anonPaths) assert.is(item["x-vault-unauthenticated"], true, p);
  assert.ok(anon.body.paths["/auth/approle/login"]);

  const pol = await s.request("PUT", "sys/policies/acl/docs-reader", { body: { policy: 'path "auth/approle/role/*" { capabilities = ["read"] }' } });
  assert.is(pol.status, 204, pol.text);
  const created = await s.request("POST", "auth/token/create", { body: { policies: ["docs-reader"], no_default_policy: true, ttl: "1h" } });
  const limited = created.body.auth.client_token as string;
  const scoped = await openapi(s, limited);
  assert.is(scoped.status, 200, scoped.text);
  assert.ok(scoped.body.paths["/auth/approle/role/{role_name}"]);
  assert.not.ok(scoped.body.paths["/sys/policies/acl/{name}"], "no sys paths for a token without them");

  const bad = await openapi(s, "hvs.not-a-token");
  assert.is(bad.status, 403, bad.text);
});

t("?help=1 on a core path: Vault's shape, fields listed", async ({ s }) => {
  const r = await s.request("GET", "sys/internal/specs/openapi?help=1");
  assert.is(r.status, 200, r.text);
  assert.type(r.body.help, "string");
  assert.match(r.body.help, /Matching Route: internal\/specs\/openapi/);
  assert.match(r.body.help, /Generate an OpenAPI 3 document/);
  assert.is(r.body.see_also, null);
  assert.ok(r.body.openapi.paths["/sys/internal/specs/openapi"]);
  const pol = await s.request("GET", "sys/policies/acl/anything?help=1");
  assert.is(pol.status, 200, pol.text);
  assert.match(pol.body.help, /## PARAMETERS/);
  assert.match(pol.body.help, /\n {4}policy \(string\)/);
});

t("?help=1 on a plugin path runs no handler and shows synopsis, fields and description", async ({ s }) => {
  const before = await s.read("auth/probe/config");
  assert.is(before.status, 200, before.text);
  const r = await s.request("GET", "auth/probe/config?help=1");
  assert.is(r.status, 200, r.text);
  assert.match(r.body.help, /Request: {8}config\nMatching Route: config\n\nConfigure the probe\./);
  assert.match(r.body.help, / {4}mode \(string\)\n\n {8}Signing mode\./);
  assert.match(r.body.help, /## DESCRIPTION\n\nWhere the probe's upstream is and how it signs\./);
  assert.not.ok(r.text.includes(SECRET_DEFAULT));
  assert.ok(r.body.openapi.paths["/auth/probe/config"]);
  const after = await s.read("auth/probe/config");
  assert.is(after.body.data.reads, before.body.data.reads + 1, "the read handler did not run for the help");
  const login = await s.request("GET", "auth/probe/login?help=1", { token: null });
  assert.is(login.status, 200, "a login path's help needs no token");
  assert.match(login.body.help, /Log in\./);
});

t("help needs access: no token, a bad token, or no capability on the path is 403", async ({ s }) => {
  const created = await s.request("POST", "auth/token/create", { body: { policies: ["default"], ttl: "1h" } });
  const plain = created.body.auth.client_token as string;
  for (const token of [null, "hvs.not-a-token", plain]) {
    const r = await s.request("GET", "auth/probe/config?help=1", { token });
    assert.is(r.status, 403, `${String(token)}: ${r.text}`);
    assert.not.ok(r.text.includes("Configure the probe"));
  }
  const own = await s.request("GET", "auth/token/lookup-self?help=1", { token: plain });
  assert.is(own.status, 200, "a path the default policy grants: help is answered");
});

t("warden path-help prints the help text; -format=json the answer", async ({ s }) => {
  const env = { WARDEN_ADDR: s.url, WARDEN_TOKEN: s.rootToken };
  const r = await runCli(["path-help", "auth/probe/role/Dev"], { env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Request: {8}role\/dev\nMatching Route: role\/:name\n\nManage a role\./);
  assert.match(r.stdout, / {4}policies \(comma_string_slice\)/);
  const j = await runCli(["path-help", "-format=json", "auth/probe/config"], { env });
  assert.is(j.code, 0, j.stderr);
  assert.match(JSON.parse(j.stdout).help, /Configure the probe/);
  const denied = await runCli(["path-help", "auth/probe/config"], { env: { WARDEN_ADDR: s.url } });
  assert.is(denied.code, 1);
  assert.match(denied.stderr, /Code: 403/);
});

t.run();
