import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PoliciesPage } from "../src/pages/policies";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** A fake /v1 API: LIST sys/policies/acl, and a write that refuses "reed" as warden's parser does. */
function stubApi() {
  const writes: unknown[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    if (url.startsWith("/v1/sys/policies/acl/?list=true")) return new Response(JSON.stringify({ data: { keys: ["default"] } }));
    if (init.method === "POST") {
      const body = JSON.parse(String(init.body));
      writes.push(body);
      if (String(body.policy).includes('"reed"')) {
        return new Response(JSON.stringify({ errors: ['failed to parse policy: policy.hcl:3: path "b": invalid capability "reed"'] }), { status: 400 });
      }
      return new Response(null, { status: 204 });
    }
    return new Response(JSON.stringify({ errors: [] }), { status: 404 });
  });
  return writes;
}

describe("policy editor", () => {
  it("shows the server's parse error at its line, and clears it once saved", async () => {
    const writes = stubApi();
    const { container } = render(<PoliciesPage />);
    fireEvent.input(screen.getByLabelText("Name"), { target: { value: "app" } });
    const text = 'path "a" { capabilities = ["read"] }\npath "b" {\n  capabilities = ["reed"]\n}';
    fireEvent.input(screen.getByLabelText("Policy"), { target: { value: text } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe('Line 3: path "b": invalid capability "reed"'));
    const bad = container.querySelectorAll(".gutter li.bad");
    expect([...bad].map((li) => li.textContent)).toEqual(["3"]);
    expect(screen.getByLabelText("Policy").getAttribute("aria-invalid")).toBe("true");
    const area = screen.getByLabelText("Policy") as HTMLTextAreaElement;
    expect(area.value.slice(0, area.selectionStart).split("\n").length).toBe(3);

    fireEvent.input(screen.getByLabelText("Policy"), { target: { value: text.replace("reed", "read") } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
    expect(writes).toHaveLength(2);
    expect(container.querySelectorAll(".gutter li.bad")).toHaveLength(0);
  });
});
