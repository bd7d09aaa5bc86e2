// LookupBody (the lookup-self answer kept per token row) gives byte for byte what the generic path
// serialises (dataOnlyBodyJson of lookupData) for the same record, token, request id and time, and
// keeps nothing of the token it was spliced with.
import { randomUUID } from "node:crypto";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { dataOnlyBodyJson } from "../../src/core/framework/response-envelope.js";
import { LookupBody } from "../../src/core/tokens/lookup-body.js";
import { lookupData, remainingTtl } from "../../src/core/tokens/token-views.js";
import { token } from "../storage/contract.js";

const NOW = 1_700_000_123_456;

const records = [
  token(),
  token({ expiresAt: NOW + 3_599_999, parentHash: "p", meta: { team: "payments", "ünï": 'çödé "q" \\ \u2028 </script>' }, displayName: "Child \"One\"" }),
  token({ expiresAt: NOW - 5_000, period: 1800, lastRenewalAt: NOW - 60_000, boundCidrs: ["10.0.0.0/8"], role: "r\u0000le", entityId: "e1" }),
  // Stored text that looks like the parts around a mark, or like JSON: only ever data.
  token({ expiresAt: NOW + 10_000, meta: { id: '","ttl":1,"x":"', request_id: "request-id-" }, path: 'auth/"ttl"/x' }),
];

test("the kept body equals the generic serialisation for every kind of record, token, request id and second", () => {
  for (const record of records) {
    for (const identityPolicies of [[], ["extra", "grouped"]]) {
      const body = LookupBody.of(record, identityPolicies);
      for (const tok of ["hvs.abcdefghijklmnopqrstuvwxyz012345", "s.x", "a-b_c.d"]) {
        for (const now of [NOW, NOW + 999, NOW + 1_000, NOW + 59_001]) {
          const id = randomUUID();
          const expected = dataOnlyBodyJson(id, lookupData(record, tok, now, identityPolicies));
          const got = body.answer(id, tok, remainingTtl(record, now));
          assert.is(got.body, expected);
          assert.is(got.length, Buffer.byteLength(expected));
        }
      }
    }
  }
});

test("nothing of the token stays in the kept body", () => {
  const body = LookupBody.of(records[1]!, []);
  const tok = "hvs.keepmenotkeepmenotkeepmenot12";
  assert.ok(body.answer(randomUUID(), tok, 5).body.includes(tok));
  assert.not.ok(JSON.stringify(body).includes(tok));
  assert.not.ok(JSON.stringify(body).includes("hvs."));
});

test.run();
