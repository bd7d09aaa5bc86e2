import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, list, read, session, write } from "../src/api";

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
});

function stubFetch(status: number, body: unknown) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? "" : JSON.stringify(body), { status });
  });
  return calls;
}

describe("api", () => {
  it("keeps the token in sessionStorage only and sends it as X-Vault-Token", async () => {
    session.token = "hvs.abc";
    expect(sessionStorage.getItem("warden.token")).toBe("hvs.abc");
    expect(localStorage.length).toBe(0);
    const calls = stubFetch(200, { data: { ok: true } });
    expect(await read("sys/auth")).toEqual({ data: { ok: true } });
    expect(calls[0]!.url).toBe("/v1/sys/auth");
    expect((calls[0]!.init.headers as Record<string, string>)["X-Vault-Token"]).toBe("hvs.abc");
    await write("auth/token/create", { policies: ["a"] }, { anonymous: true });
    expect((calls[1]!.init.headers as Record<string, string>)["X-Vault-Token"]).toBeUndefined();
    expect(calls[1]!.init.body).toBe('{"policies":["a"]}');
    session.token = null;
    expect(sessionStorage.getItem("warden.token")).toBeNull();
  });

  it("turns Vault's {errors} into an ApiError", async () => {
    stubFetch(400, { errors: ["missing arn"] });
    const err = await read("auth/x/role/y").catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.errors).toEqual(["missing arn"]);
  });

  it("an empty list is [] (Vault answers 404)", async () => {
    const calls = stubFetch(404, { errors: [] });
    expect(await list("auth/approle/role")).toEqual([]);
    expect(calls[0]!.url).toBe("/v1/auth/approle/role/?list=true");
  });
});
