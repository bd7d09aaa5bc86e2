// checkHttpUrl: the one check of operator-configured http(s) endpoints (sts_endpoint, auth_endpoint,
// identity_endpoint, jwks_url, oidc_discovery_url, kubernetes_host, api_addr).
import * as assert from "uvu/assert";
import { checkHttpUrl, type HttpUrlShape, isWardenError } from "../../src/sdk/index.js";
import { test } from "../../src/sdk/testing/suite.js";

function refusal(input: string, shape: HttpUrlShape): string {
  try {
    checkHttpUrl(input, "endpoint", shape);
  } catch (e) {
    assert.ok(isWardenError(e) && e.status === 400, String(e));
    return (e as Error).message;
  }
  throw new Error(`${shape} accepted ${input}`);
}

test("origin: canonical scheme://host[:port], nothing after it", () => {
  assert.is(checkHttpUrl("http://127.0.0.1:9001", "f"), "http://127.0.0.1:9001");
  assert.is(checkHttpUrl("  https://STS.Example.com/ ", "f", "origin"), "https://sts.example.com");
  assert.is(checkHttpUrl("https://h.example:443", "f"), "https://h.example", "the default port is dropped");
  assert.is(checkHttpUrl("http://[::1]:8080/", "f"), "http://[::1]:8080");
  assert.is(refusal("https://h.example/sts", "origin"), "endpoint must be an origin (scheme://host[:port]), without a path");
  assert.is(refusal("https://h.example/?", "origin"), "endpoint must not have a query");
  assert.is(refusal("https://h.example?a=1", "origin"), "endpoint must not have a query");
});

test("base: a path is kept (trailing slashes dropped), a query is not", () => {
  assert.is(checkHttpUrl("https://10.0.0.1:6443/", "f", "base"), "https://10.0.0.1:6443");
  assert.is(checkHttpUrl("https://k8s.example/prefix//", "f", "base"), "https://k8s.example/prefix");
  assert.is(refusal("https://k8s.example/p?x=1", "base"), "endpoint must not have a query");
});

test("url: path and query kept as written (issuers are compared as written)", () => {
  assert.is(checkHttpUrl(" https://Issuer.example/keys?v=2 ", "f", "url"), "https://Issuer.example/keys?v=2");
  assert.is(checkHttpUrl("http://127.0.0.1:1/.well-known/jwks.json", "f", "url"), "http://127.0.0.1:1/.well-known/jwks.json");
});

test("every shape: only http(s), no credentials, no fragment, parseable", () => {
  for (const shape of ["origin", "base", "url"] as const) {
    assert.is(refusal("ftp://h.example", shape), "endpoint must be an http(s) URL");
    assert.is(refusal("file:///etc/passwd", shape), "endpoint must be an http(s) URL");
    assert.is(refusal("h.example:443", shape), "endpoint must be an http(s) URL");
    assert.is(refusal("not a url", shape), "endpoint must be an http(s) URL");
    assert.is(refusal("", shape), "endpoint must be an http(s) URL");
    assert.is(refusal("https://user:pw@h.example", shape), "endpoint must not contain credentials");
    assert.is(refusal("https://user@h.example", shape), "endpoint must not contain credentials");
    assert.is(refusal("https://h.example#x", shape), "endpoint must not have a fragment");
    assert.is(refusal("https://h.example/#", shape), "endpoint must not have a fragment");
  }
});

test.run();
