/**
 * A gateway that closes its client after the sidecar refused the connection (it is down) can
 * exit at once. The bound on a stream's connection (account-channel.ts, boundConnect) first
 * used grpc-js's `waitForReady`, whose timer closing the client did not clear: the process
 * could not exit until the bound (10 s by default) had passed, and kept dialling the dead
 * address meanwhile (found by review, session 36). The child prints when it closed and when it
 * exited; the bound is asserted far from either: a leaked timer holds the exit 10 s.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(__dirname, "../..");
const FIXTURE = path.join(__dirname, "fixtures/close-after-refused.ts");

function run(mode: "owner" | "channel"): Promise<{ closedAt: number; exitAt: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, mode], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", () => resolve({ closedAt: Number(/closed (\d+)/.exec(out)?.[1] ?? NaN), exitAt: Number(/exit (\d+)/.exec(out)?.[1] ?? NaN), out }));
  });
}

describe("a client closed after its sidecar refused the connection", () => {
  for (const [mode, what] of [
    ["owner", "OwnerFollowingChannel.close()"],
    ["channel", "AccountChannel.end() and clients.close()"],
  ] as const) {
    it(`${what}: the send was refused, and the process exits well before the 10 s connection bound`, async () => {
      const r = await run(mode);
      expect(r.out).toContain("rejected");
      expect(r.exitAt - r.closedAt, r.out).toBeLessThan(5_000);
    }, 30_000);
  }
});
