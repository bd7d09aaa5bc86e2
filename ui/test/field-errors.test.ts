import { describe, expect, it } from "vitest";
import { fieldOfError, policyErrorLine, sortErrors } from "../src/field-errors";

describe("fieldOfError", () => {
  const names = ["ttl", "token_ttl", "token_policies", "policies", "arn", "secret_id_num_uses"];
  it("finds the field however the server names it", () => {
    expect(fieldOfError('error converting input for field "token_policies": expected a string', names)).toBe("token_policies");
    expect(fieldOfError('token_ttl: invalid duration "soon"', names)).toBe("token_ttl");
    expect(fieldOfError("missing arn", names)).toBe("arn");
    expect(fieldOfError("secret_id_num_uses: cannot provide negative value", names)).toBe("secret_id_num_uses");
  });
  it("prefers the longest whole-word name (token_ttl, not ttl)", () => {
    expect(fieldOfError("token_ttl is too long", names)).toBe("token_ttl");
    expect(fieldOfError("ttl is too long", names)).toBe("ttl");
  });
  it("does not match inside another word", () => {
    expect(fieldOfError("the learnings were wrong", names)).toBeUndefined();
    expect(fieldOfError("barn", names)).toBeUndefined();
  });
  it("sorts errors to fields, the rest to the form", () => {
    expect(sortErrors(["missing arn", "at least one constraint should be enabled on the role"], names)).toEqual({
      byField: { arn: ["missing arn"] },
      general: ["at least one constraint should be enabled on the role"],
    });
  });
});

describe("policyErrorLine", () => {
  it("reads the line of semantic and syntax errors", () => {
    expect(policyErrorLine('failed to parse policy: policy.hcl:8: path "a": invalid capability "reed"')).toBe(8);
    expect(policyErrorLine("failed to parse policy: policy.hcl:3,5-6: Unclosed configuration block")).toBe(3);
    expect(policyErrorLine('failed to parse policy: policy.json:4: path "b": invalid capability "x"')).toBe(4);
    expect(policyErrorLine("'policy' parameter not supplied or empty")).toBeUndefined();
  });
});
