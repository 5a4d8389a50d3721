/** How the CLI writes durations (status uptime, journal ages). */
import { describe, expect, it } from "vitest";
import { durationText } from "../../src/cli/format.js";

describe("durationText", () => {
  it("tenths below a minute, rounded down so that no value under a minute reads as 60s", () => {
    expect(durationText(0)).toBe("0s");
    expect(durationText(4_560)).toBe("4.5s");
    expect(durationText(59_960)).toBe("59.9s");
    expect(durationText(60_000)).toBe("1m 0s");
    expect(durationText(3_723_400)).toBe("1h 2m 3s");
  });
});
