import { describe, expect, it } from "vitest";
import { formBody, inputValue, rolePathSpec } from "../src/schema";

const doc = {
  paths: {
    "/auth/approle/role/": { get: {} },
    "/auth/approle/role/{role_name}/secret-id": { post: { requestBody: { content: { "application/json": { schema: { properties: { metadata: { type: "string" } } } } } } } },
    "/auth/approle/role/{role_name}": {
      post: {
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["bind_secret_id"],
                properties: {
                  bind_secret_id: { type: "boolean", default: true, description: "Require a secret id" },
                  token_policies: { type: "array", items: { type: "string" } },
                  token_ttl: { type: "string", format: "duration" },
                  secret_id_num_uses: { type: "integer" },
                  token_type: { type: "string", enum: ["service", "batch", "default"] },
                  metadata: { type: "object" },
                  policies: { type: "array", deprecated: true },
                },
              },
            },
          },
        },
      },
    },
    "/auth/badge/role/{role}": { post: { requestBody: { content: { "application/json": { schema: { properties: { team: { type: "string" } } } } } } } },
  },
};

describe("rolePathSpec", () => {
  it("finds a mount's role path and its field schemas, whatever its parameter is called", () => {
    const spec = rolePathSpec(doc, "approle/")!;
    expect(spec.path).toBe("/auth/approle/role/{role_name}");
    expect(spec.nameParam).toBe("role_name");
    expect(spec.fields.map((f) => f.name)).toEqual(["bind_secret_id", "token_policies", "token_ttl", "secret_id_num_uses", "token_type", "metadata", "policies"]);
    expect(spec.fields[0]).toMatchObject({ type: "boolean", default: true, required: true, description: "Require a secret id" });
    expect(spec.fields[2]).toMatchObject({ type: "string", format: "duration" });
    expect(spec.fields[4]!.enum).toEqual(["service", "batch", "default"]);
    expect(spec.fields[6]!.deprecated).toBe(true);
    expect(rolePathSpec(doc, "badge")!.nameParam).toBe("role");
    expect(rolePathSpec(doc, "token/")).toBeUndefined();
  });
});

describe("formBody", () => {
  const fields = rolePathSpec(doc, "approle/")!.fields;
  it("sends only touched fields, typed by their schema", () => {
    const values = { bind_secret_id: false, token_policies: " a, b ,, ", token_ttl: "1h", secret_id_num_uses: "5", token_type: "batch", metadata: "team=ops\nenv=prod" };
    expect(formBody(fields, values, new Set(["bind_secret_id", "token_policies", "secret_id_num_uses", "metadata"]))).toEqual({
      bind_secret_id: false,
      token_policies: ["a", "b"],
      secret_id_num_uses: 5,
      metadata: { team: "ops", env: "prod" },
    });
  });
  it("leaves what the server must judge to the server (its error comes back at the field)", () => {
    expect(formBody(fields, { secret_id_num_uses: "many" }, new Set(["secret_id_num_uses"]))).toEqual({ secret_id_num_uses: "many" });
    expect(formBody(fields, { metadata: '{"a": "b"}' }, new Set(["metadata"]))).toEqual({ metadata: { a: "b" } });
  });
  it("shows stored values as input text", () => {
    expect(inputValue(fields[1]!, ["a", "b"])).toBe("a, b");
    expect(inputValue(fields[0]!, true)).toBe(true);
    expect(inputValue(fields[3]!, 0)).toBe("0");
    expect(inputValue(fields[5]!, { a: "b" })).toBe('{"a":"b"}');
  });
});
