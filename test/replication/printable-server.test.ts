// Found by review (session 18).
import { describe, expect, it } from "vitest";
import { printableServer } from "../../src/server/config/replication-config.js";

describe("printableServer hides the whole credential", () => {
  it("a password containing '@' is not partly printed (URL userinfo ends at the LAST '@')", () => {
    // nats.js parses servers with WHATWG URL: user 'alice', password 'p@ss', host 10.0.0.1.
    expect(new URL("nats://alice:p@ss@10.0.0.1:4222").password).toBe("p%40ss");
    const shown = printableServer("nats://alice:p@ss@10.0.0.1:4222");
    expect(shown).not.toContain("ss");
    expect(shown).toBe("nats://***@10.0.0.1:4222");
  });
});
