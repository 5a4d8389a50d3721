import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { describe, expect, it, vi } from "vitest";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "../../gen/grpc/health/v1/health_pb.js";
import type { AccountId } from "../../src/param/index.js";
import { SpotFundsPolicy } from "../../src/policies/index.js";
import { callUnary, makeClient } from "../../src/client/index.js";
import { ACCOUNT, order, seed, startHarness } from "./harness.js";
import { NoticeTap, as, nextNotice } from "./results.js";

describe("graceful shutdown", () => {
  it("NOT_SERVING first, in-flight answers delivered, notice, rollback, stream end, then it resolves", async () => {
    const h = await startHarness();
    const spotFunds = h.server.state.engine.policy(SpotFundsPolicy.NAME) as SpotFundsPolicy;
    const usd = () => {
      const x = spotFunds.holdings(ACCOUNT as AccountId).get("USD")!;
      return { available: x.available.toString(), held: x.held.toString() };
    };

    // What happens, in the order the server does it (both hooks are synchronous).
    const steps: string[] = [];
    h.server.health.watch(() => steps.push(`health ${ServingStatus[h.server.health.statusOf("")!]}`));
    const state = h.server.state;
    const closeChannel = state.closeChannel.bind(state);
    state.closeChannel = (channelId, reason) => {
      if (state.channels.has(channelId)) steps.push(`channel ${channelId} closed`);
      closeChannel(channelId, reason);
    };

    // A load balancer watching health.
    const watch = (h.clients.health.watch as (r: unknown) => ClientReadableStream<HealthCheckResponse>)(
      create(HealthCheckRequestSchema, { service: "" }),
    );
    watch.on("error", () => {});
    // The server ends watch streams itself once NOT_SERVING has gone out.
    const watchEnded = new Promise<void>((resolve) => watch.on("status", () => resolve()));
    const watched: ServingStatus[] = [];
    let serving!: () => void;
    let notServing!: () => void;
    const watching = new Promise<void>((resolve) => (serving = resolve));
    const stopped = new Promise<void>((resolve) => (notServing = resolve));
    watch.on("data", (m: HealthCheckResponse) => {
      watched.push(m.status);
      if (m.status === ServingStatus.SERVING) serving();
      if (m.status === ServingStatus.NOT_SERVING) notServing();
    });
    await watching;

    const tap = new NoticeTap();
    const ch = h.channel(tap.onNotice);
    await ch.send(seed("USD", "10000"));
    // Pipelined: the server has run both once the hold shows, but their answers may still be on the wire.
    const inFlight = [
      ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } }),
      ch.one({ case: "startPreTrade", value: { order: order() } }),
    ];
    await vi.waitFor(() => expect(usd()).toEqual({ available: "9000", held: "1000" }));
    const streamEnded = new Promise<void>((resolve) => ch.call.on("end", resolve));
    const shuttingDown = nextNotice(tap, "shuttingDown");

    await h.server.shutdown();
    expect(steps).toEqual(["health NOT_SERVING", "channel 1 closed"]);
    expect(as(await inFlight[0], "execute")).toMatchObject({ accepted: true });
    expect(as(await inFlight[1], "start")).toMatchObject({ accepted: true });
    await shuttingDown;
    await streamEnded;
    await stopped;
    await watchEnded;
    expect(watched).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    // The reservation was rolled back (the admin API is gone: read the engine directly).
    expect(usd()).toEqual({ available: "10000", held: "0" });
    expect(h.server.state.channels.size).toBe(0);
    expect(h.server.state.pins.size).toBe(0);
    // Ending a stream the server already ended settles at once.
    await ch.end();
    h.clients.close();
  });
});

/** Runs `src/main.ts` the way `npm start` does; resolves with its exit code and output. */
function runMain(
  args: string[],
  onStdout?: (text: string, kill: () => void) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("node_modules/.bin/tsx", ["src/main.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    onStdout?.(stdout, () => child.kill("SIGTERM"));
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

// Concurrent: each test mostly waits for a process to start. A hang guard of a minute: on a
// loaded 2-core machine a start (tsx compiling the sources) plus the 5 s drain passed 20 s.
describe.concurrent("src/main.ts as a process", { timeout: 60_000 }, () => {
  it("prints its port, serves, and exits 0 on SIGTERM", async ({ expect, onTestFinished }) => {
    let checked: Promise<ServingStatus> | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-data-"));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const result = await runMain(["--listen", "127.0.0.1:0", "--data-dir", dataDir], (out, kill) => {
      const port = /listening on 127\.0\.0\.1:(\d+) /.exec(out)?.[1];
      if (!port || checked) return;
      const health = makeClient(Health, `127.0.0.1:${port}`);
      checked = callUnary<HealthCheckResponse>(health, "check", create(HealthCheckRequestSchema, { service: "" })).then((r) => {
        health.close();
        kill();
        return r.status;
      });
    });
    expect(await checked).toBe(ServingStatus.SERVING);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`openpit-sidecar: durable state in ${dataDir} (sync mode); recovering\n`);
    expect(result.stdout).toMatch(/\nopenpit-sidecar: recovered no snapshot \+ 0 records in \d+ ms; 0 open reservations rolled back\n/);
    expect(result.stdout).toMatch(/\nopenpit-sidecar listening on 127\.0\.0\.1:\d+ \(accountSync; policies: OrderValidationPolicy, /);
    expect(result.stdout).toContain("SIGTERM: shutting down gracefully\n");
    // The default drain: NOT_SERVING for 5 s before the streams close.
    expect(result.stdout).toContain("openpit-sidecar: NOT_SERVING; draining for 5000 ms, then closing streams\n");
    expect(result.stdout).toMatch(/; pid \d+\)\n[^]*openpit-sidecar: stopped\n$/);
  });

  it("exits 2 with a message naming the field when the config file is bad", async ({ expect, onTestFinished }) => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ limits: { maxQueuedMessages: 0 }, policies: [{ type: "OrderValidationPolicy" }] }));
    const result = await runMain(["--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("configuration error: config.limits.maxQueuedMessages: must be an integer in 1..9007199254740991\n");
    expect(result.stdout).toBe("");
  });
});
