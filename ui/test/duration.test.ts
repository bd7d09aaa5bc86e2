import { describe, expect, it } from "vitest";
import { ttlText } from "../src/duration";

describe("ttlText", () => {
  it("0 (or nothing stored) is the system default, not a zero TTL", () => {
    expect(ttlText(0)).toBe("system default");
    expect(ttlText(undefined)).toBe("system default");
  });
  it("anything else reads as a duration", () => {
    expect(ttlText(3600)).toBe("1h");
    expect(ttlText(5400)).toBe("1h30m");
    expect(ttlText(45)).toBe("45s");
    expect(ttlText(2764800)).toBe("768h");
    expect(ttlText(3661)).toBe("1h1m1s");
  });
});
