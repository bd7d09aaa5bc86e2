// The stored form of a wrapped answer: only the wrapping token's holder can open it, and only under
// the entry it was sealed for.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openResponse, sealResponse } from "../../src/core/wrapping/sealed-response.js";

const token = "hvs.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const body = JSON.stringify({ data: { secret_id: "3f0c9a-the-secret" } });

test("sealed with the token opens with it, and holds nothing readable", () => {
  const sealed = sealResponse(body, token, "hash-1");
  assert.is(openResponse(sealed, token, "hash-1"), body);
  assert.not.ok(JSON.stringify(sealed).includes("the-secret"));
  assert.is.not(sealResponse(body, token, "hash-1").data, sealed.data, "a fresh salt and nonce each time");
});

test("another token, another entry or a flipped bit opens nothing", () => {
  const sealed = sealResponse(body, token, "hash-1");
  assert.is(openResponse(sealed, "hvs.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "hash-1"), undefined);
  assert.is(openResponse(sealed, token, "hash-2"), undefined);
  const bytes = Buffer.from(sealed.data, "base64");
  bytes[0] = bytes[0]! ^ 1;
  assert.is(openResponse({ ...sealed, data: bytes.toString("base64") }, token, "hash-1"), undefined);
  assert.is(openResponse({ ...sealed, data: "" }, token, "hash-1"), undefined);
});

test.run();
