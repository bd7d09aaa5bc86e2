import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfirmButton, SchemaForm } from "../src/components";
import { ApiError } from "../src/api";
import type { FieldSpec } from "../src/schema";

afterEach(cleanup);

const fields: FieldSpec[] = [
  { name: "arn", type: "string", description: "The RAM role ARN", required: true, deprecated: false },
  { name: "token_policies", type: "array", required: false, deprecated: false },
  { name: "token_no_default_policy", type: "boolean", default: false, required: false, deprecated: false },
  { name: "token_type", type: "string", enum: ["service", "batch"], required: false, deprecated: false },
  { name: "policies", type: "array", required: false, deprecated: true },
];

describe("SchemaForm", () => {
  it("labels every generated field with its name and ties its description to it", () => {
    render(<SchemaForm fields={fields} onSubmit={async () => {}} />);
    const arn = screen.getByLabelText("arn");
    expect(arn.getAttribute("aria-describedby")).toBe("field-arn-desc");
    expect(document.getElementById("field-arn-desc")!.textContent).toBe("The RAM role ARN");
    expect(screen.getByLabelText("token_no_default_policy").getAttribute("type")).toBe("checkbox");
    expect(screen.getByLabelText("token_type").tagName).toBe("SELECT");
    expect(screen.queryByLabelText("policies")).toBeNull(); // deprecated: not offered
    expect(screen.getByRole("button", { name: "Save" })).toBeTruthy();
  });

  it("sends only what was touched, and shows the server's errors at their field", async () => {
    const onSubmit = vi.fn(async (_body: Record<string, unknown>) => {
      throw new ApiError(400, ['arn: invalid RAM role ARN "x"', "something about the whole role"]);
    });
    render(<SchemaForm fields={fields} onSubmit={onSubmit} />);
    fireEvent.input(screen.getByLabelText("arn"), { target: { value: "x" } });
    fireEvent.input(screen.getByLabelText("token_policies"), { target: { value: "a, b" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(document.getElementById("field-arn-error")).not.toBeNull());
    expect(onSubmit).toHaveBeenCalledWith({ arn: "x", token_policies: ["a", "b"] });
    const arn = screen.getByLabelText("arn");
    expect(arn.getAttribute("aria-invalid")).toBe("true");
    expect(arn.getAttribute("aria-describedby")).toContain("field-arn-error");
    expect(document.getElementById("field-arn-error")!.textContent).toBe('arn: invalid RAM role ARN "x"');
    expect(screen.getByRole("alert").textContent).toBe("something about the whole role");
  });

  it("fills stored values in", () => {
    render(<SchemaForm fields={fields} initial={{ arn: "acs:ram::1:role/a", token_policies: ["a", "b"], token_no_default_policy: true }} onSubmit={async () => {}} />);
    expect((screen.getByLabelText("arn") as HTMLInputElement).value).toBe("acs:ram::1:role/a");
    expect((screen.getByLabelText("token_policies") as HTMLInputElement).value).toBe("a, b");
    expect((screen.getByLabelText("token_no_default_policy") as HTMLInputElement).checked).toBe(true);
  });
});

describe("ConfirmButton", () => {
  it("runs the action only after Confirm; Cancel does nothing", async () => {
    const action = vi.fn();
    render(<ConfirmButton label="Disable approle/" question="Disable auth/approle/?" onConfirm={action} />);
    fireEvent.click(screen.getByRole("button", { name: "Disable approle/" }));
    expect(screen.getByRole("alertdialog", { name: "Disable auth/approle/?" })).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Cancel" })));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(action).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Disable approle/" }));
    fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
  });
});
