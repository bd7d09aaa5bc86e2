import { test } from "uvu";
import * as assert from "uvu/assert";
import { isNotAudited, normalizeDevicePath, tryNormalizeDevicePath } from "../../src/core/audit/paths.js";

test("device paths: normalised with a trailing slash, bad spellings refused", () => {
  assert.is(normalizeDevicePath("file"), "file/");
  assert.is(normalizeDevicePath("team-a/file_2/"), "team-a/file_2/");
  for (const bad of ["", "/", "File", "a//b", ".", "a/./b", "_a", "a/-b", "a\u0000"]) {
    assert.is(tryNormalizeDevicePath(bad), undefined, JSON.stringify(bad));
  }
  assert.is(tryNormalizeDevicePath("a/"), "a/");
});

test("not-audited paths follow Vault's list, and nothing else", () => {
  for (const p of ["sys/health", "/sys/health", "sys/seal-status", "sys/init", "sys/unseal", "sys/leader", "sys/step-down", "sys/rekey/init", "sys/rekey-recovery-key/init", "sys/generate-root/attempt"]) {
    assert.ok(isNotAudited(p), p);
  }
  for (const p of ["sys/audit", "sys/healthz", "sys/policies/acl/x", "auth/token/create", "sys/initx", "sys/generate-rootx"]) {
    assert.not.ok(isNotAudited(p), p);
  }
});

test.run();
