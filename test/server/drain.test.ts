/**
 * Shutdown's drain, in process: the drain timer is injected, so the test decides when the
 * drain ends and waits on nothing else. Through the drain health is NOT_SERVING and the
 * streams stay up; new risk (orders, starts, binds) is refused SHUTTING_DOWN command by
 * command, while what finishes or records earlier business (commits, dry runs, reports,
 * admin changes) still runs. Then the streams close as before.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { HealthCheckRequestSchema, HealthCheckResponse_ServingStatus as ServingStatus, type HealthCheckResponse } from "../../gen/grpc/health/v1/health_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { callUnary } from "../../src/client/index.js";
import type { AccountId } from "../../src/param/index.js";
import { OTHER_ACCOUNT, order, seed, startHarness, testConfig } from "./harness.js";
import { NoticeTap, as, errorOf, fill, nextNotice } from "./results.js";

const DRAIN_REFUSAL = {
  code: ErrorCode.SHUTTING_DOWN,
  message: "the sidecar is shutting down: no new orders or binds; commits, rollbacks, releases and reports still run",
};

describe("shutdown drain", () => {
  it("keeps NOT_SERVING for limits.shutdownDrainMs with streams up: new orders refused, a commit, a report and an admin change still run", async () => {
    let asked!: (ms: number) => void;
    const drainAsked = new Promise<number>((resolve) => (asked = resolve));
    let endDrain!: () => void;
    const drainEnds = new Promise<void>((resolve) => (endDrain = resolve));
    const h = await startHarness(testConfig({ limits: { shutdownDrainMs: 60_000 } }), (ms) => {
      asked(ms);
      return drainEnds;
    });
    const health = async () => (await callUnary<HealthCheckResponse>(h.clients.health, "check", create(HealthCheckRequestSchema, { service: "" }))).status;

    const tap = new NoticeTap();
    const ch = h.channel(tap.onNotice);
    const feed = h.feed();
    await ch.send(seed("USD", "10000"));
    const reserved = as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } }), "execute");
    expect(reserved.accepted).toBe(true);

    const stopped = h.server.shutdown();
    expect(await drainAsked).toBe(60_000);
    expect(h.server.phase).toBe("draining");
    expect(await health()).toBe(ServingStatus.NOT_SERVING);

    // One message, command by command: the order is refused, the commit runs.
    const [execute, commit] = await ch.send(
      { case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } },
      { case: "commitReservation", value: { reservationId: reserved.reservationId } },
    );
    expect(errorOf(execute)).toMatchObject(DRAIN_REFUSAL);
    expect(as(commit, "finalize")).toBeDefined();
    expect(errorOf(await ch.one({ case: "startPreTrade", value: { order: order() } }))).toMatchObject(DRAIN_REFUSAL);
    expect(errorOf(await ch.one({ case: "bindAccounts", value: { accountIds: [OTHER_ACCOUNT] } }))).toMatchObject(DRAIN_REFUSAL);
    // A dry run takes no risk.
    expect(as(await ch.one({ case: "executePreTradeDryRun", value: { order: order({ qty: "1", price: "100" }) } }), "dryRun")).toBeDefined();
    // The venue's fill for the committed order lands.
    const [report] = await feed.publish(fill({ qty: "10", price: "100" }));
    expect(report!.result.case).toBe("postTrade");
    // An operator can still act.
    await h.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "end of day" });
    expect(h.server.state.engine.accounts().blockOf(OTHER_ACCOUNT as AccountId)?.reason).toBe("end of day");

    // Still draining: nothing closed, still NOT_SERVING.
    expect(h.server.state.channels.size).toBe(1);
    expect(await health()).toBe(ServingStatus.NOT_SERVING);
    expect(tap.seen).toEqual([]);

    const shuttingDown = nextNotice(tap, "shuttingDown");
    const streamEnded = new Promise<void>((resolve) => ch.call.on("end", resolve));
    endDrain();
    await shuttingDown;
    await streamEnded;
    // The feed has no notice: a report after the close is refused, and the client then
    // half-closes on its own, which lets shutdown finish without waiting out its grace.
    const [late] = await feed.publish(fill({ qty: "1", price: "100" }));
    expect(late!.result).toMatchObject({ case: "error", value: { code: ErrorCode.SHUTTING_DOWN, message: "the sidecar is shutting down" } });
    await stopped;
    expect(h.server.phase).toBe("stopping");
    expect(h.server.state.channels.size).toBe(0);
    expect(h.server.state.pins.size).toBe(0);
    h.clients.close();
  });

  it("failing closed during the drain stops the shutdown there: no channel closed, no snapshot, never reported done", async () => {
    let endDrain!: () => void;
    let asked!: () => void;
    const drainAsked = new Promise<void>((resolve) => (asked = resolve));
    const h = await startHarness(testConfig({ limits: { shutdownDrainMs: 60_000 } }), () => {
      asked();
      return new Promise<void>((resolve) => (endDrain = resolve));
    });
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    expect(as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } }), "execute").accepted).toBe(true);
    let settled = false;
    void h.server.shutdown().then(
      () => (settled = true),
      () => (settled = true),
    );
    await drainAsked;

    h.server.failClosed();
    expect(h.server.phase).toBe("failed");
    // Nothing runs any more, not even what the drain allows.
    expect(errorOf(await ch.one({ case: "rollbackReservation", value: { reservationId: 1n } }))).toMatchObject({
      code: ErrorCode.SHUTTING_DOWN,
      message: "the sidecar is shutting down",
    });
    endDrain();
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    // The channel (and its reservation) is left to recovery, as after a crash, even when
    // its client goes.
    const gone = new Promise<void>((resolve) => ch.call.on("status", () => resolve()));
    ch.call.on("error", () => {});
    ch.cancel();
    await gone;
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(h.server.state.channels.size).toBe(1);
    h.clients.close();
    (h.server as unknown as { server: { forceShutdown(): void } }).server.forceShutdown();
  });
});
