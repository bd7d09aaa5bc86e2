// dataOnlyBodyJson (the lookup-self fast path's envelope) is the generic envelope's text exactly.
import { randomUUID } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { dataOnlyBodyJson, responseBody } from "../../src/core/framework/response-envelope.js";

test("dataOnlyBodyJson is JSON.stringify(responseBody) for data alone", () => {
  const datas: Record<string, unknown>[] = [{}, { a: 1 }, { meta: { "ü\"\\\u2028": "x\ny" }, policies: ["default"], n: null, t: true }];
  for (const data of datas) {
    const id = randomUUID();
    assert.is(dataOnlyBodyJson(id, data), JSON.stringify(responseBody({ status: 200, data, warnings: null, auth: null }, id)));
  }
});

test.run();
