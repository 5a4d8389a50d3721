/**
 * Found by review (session 37): `--timeout 1e12` (someone's "no timeout") passed the CLI's
 * check (any finite positive number), and grpc-js, whose deadlines end ~3.6e11 s from now,
 * threw "Deadline is too far in the future" out of the call: a stack trace and exit 1, as if
 * the sidecar had failed. --timeout is at most 2147483 seconds; more is a usage error (exit 2)
 * before anything is sent. Found by review of that fix: the first bound, 100000000 s, was past
 * what a grpc-js server keeps (2^31 - 1 ms, 24.8 days: a longer deadline wrapped to a timer
 * that fired at once), so a long --timeout failed any call not answered in the same turn.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCaptured } from "./run-captured.js";
import { startHarness, type Harness } from "../server/harness.js";

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** bin/openpit.js as the operator runs it: a crash shows as the process's exit and stderr. */
function bin(...argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/openpit.js", ...argv], { env: { ...process.env, OPENPIT_TARGET: "", OPENPIT_TOKEN: "" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe("--timeout's upper bound", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("a --timeout too large for a gRPC deadline is a usage error (exit 2), not a crash with a stack trace", async () => {
    const r = await bin("status", "--target", h.address, "--timeout", "1e12");
    expect({ code: r.code, out: r.out, stackTrace: /\n\s+at /.test(r.err), first: r.err.split("\n")[0] }).toEqual({
      code: 2,
      out: "",
      stackTrace: false,
      first: "openpit status: --timeout must be at most 2147483 seconds, not '1e12'",
    });
  }, 30_000);

  it("2147483 seconds is accepted, and keeps a call whose answer waits (a sync journal's fdatasync); one more is not", async () => {
    // The block's answer waits until the test lets it go: answered in a later turn than the call came.
    const held: (() => void)[] = [];
    const state = h.server.state;
    const afterDurable = state.afterDurable.bind(state);
    state.afterDurable = (cb: () => void) => afterDurable(() => void held.push(cb));
    try {
      const blocking = runCaptured(["block", "6", "--reason", "late", "--timeout", "2147483", "--target", h.address]);
      await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 5)); // past a timer a wrapped deadline would have set
      state.afterDurable = afterDurable;
      for (const cb of held.splice(0)) cb();
      const most = await blocking;
      expect([most.code, most.err]).toEqual([0, ""]);
    } finally {
      state.afterDurable = afterDurable;
      for (const cb of held.splice(0)) cb();
    }
    const over = await runCaptured(["status", "--timeout", "2147484", "--target", h.address]);
    expect([over.code, over.out, over.err.split("\n")[0]]).toEqual([2, "", "openpit status: --timeout must be at most 2147483 seconds, not '2147484'"]);
  });
});
