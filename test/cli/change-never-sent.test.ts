/**
 * Found by review (session 30): a change whose call failed UNAVAILABLE is reported as "was
 * sent, so the change may be in effect" unless grpc-js's words say it never connected; only
 * "No connection established" was known, so a target that did not resolve or parse was
 * reported as "cannot connect" (or "unavailable") and "was sent" on one line. Nothing left the
 * machine: docs/operating.md says such a call "says only `cannot connect …`".
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";

describe("a change whose call never reached a sidecar", () => {
  it("a target grpc-js cannot resolve does not say the change was sent", async () => {
    let err = "";
    const code = await runCli(["unblock", "42", "--timeout", "5", "--target", "ipv4:999.1.1.1:50051"], { out: () => {}, err: (t) => (err += t) }, {});
    expect(code).toBe(1);
    expect(err).not.toContain("was sent");
    expect(err).toMatch(/^openpit unblock: /);
  });
});
