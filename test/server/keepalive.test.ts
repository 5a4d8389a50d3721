/**
 * Liveness: a gateway frozen with SIGSTOP keeps its TCP connection open but answers no
 * HTTP/2 PING, so the server's keepalive (network.keepaliveTimeMs / keepaliveTimeoutMs,
 * 5 s + 5 s by default) cuts it: its channel closes, its reservation is rolled back and its
 * account unpinned within 15 s. Real timers are the subject here, so the test polls with
 * a deadline instead of awaiting an event.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { ACCOUNT, holdingsOf, startHarness, testConfig, type Harness } from "./harness.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/frozen-gateway.ts", import.meta.url));

let h: Harness | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await once(child, "exit");
  }
  child = undefined;
  await h?.close();
  h = undefined;
});

/** Polls `condition` every 50 ms until it holds or `deadlineMs` passes; returns the time it took. */
async function within(deadlineMs: number, condition: () => boolean): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > deadlineMs) throw new Error(`not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

describe("keepalive", () => {
  it("a SIGSTOP'd gateway: channel closed, reservation rolled back, account unpinned within 15 s (default keepalive)", async () => {
    h = await startHarness(testConfig());
    const gateway = spawn(process.execPath, ["--import", "tsx", FIXTURE, h.address], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
    child = gateway;
    let out = "";
    gateway.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    await within(20_000, () => out.includes("ready") || gateway.exitCode !== null);
    expect(out).toMatch(/^ready \d+\n$/);

    const state = h.server.state;
    expect(state.channels.size).toBe(1);
    const channel = [...state.channels.values()][0]!;
    expect(channel.openReservationCount).toBe(1);
    expect(state.pins.ownerOf(AccountId.fromU64(ACCOUNT))?.channelId).toBe(channel.channelId);
    expect((await holdingsOf(h)).USD).toEqual({ available: "9000", held: "1000", incoming: "0" });

    gateway.kill("SIGSTOP");
    await within(15_000, () => state.channels.size === 0);
    expect(state.pins.size).toBe(0);
    expect((await holdingsOf(h)).USD).toEqual({ available: "10000", held: "0", incoming: "0" });
  }, 40_000);
});
