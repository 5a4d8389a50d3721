/**
 * Paths that call the door outside a client's command — event fan-out, channel close
 * handlers, the TTL sweeper timer, rollbacks while a channel closes — are guarded: a throw
 * in one is reported in one line and everything else carries on.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { setFailureReporter, type FailureReporter } from "../../src/state/guarded.js";
import type { HandleTable } from "../../src/state/handle-table.js";
import { ACCOUNT, OTHER_ACCOUNT, holdingsOf, order, seed, startHarness, testConfig, type Harness } from "./harness.js";

let h: Harness | undefined;
let lines: string[] = [];
let previous: FailureReporter | undefined;
let onLine: () => void = () => {};
beforeEach(() => {
  lines = [];
  previous = setFailureReporter((line) => {
    lines.push(line);
    onLine();
  });
});
afterEach(async () => {
  if (previous) setFailureReporter(previous);
  await h?.close();
  h = undefined;
});

const nextLine = () => new Promise<void>((resolve) => (onLine = resolve));
const execute = { case: "executePreTrade", value: { order: order() } } as const;

describe("guarded paths", () => {
  it("a throwing event subscriber: the command is answered, the other subscribers still hear the event", async () => {
    h = await startHarness();
    const heard: string[] = [];
    h.server.state.events.subscribe(() => {
      throw new Error("monitor exploded");
    });
    h.server.state.events.subscribe((e) => heard.push(e.event.kind));
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "ops" });
    await h.admin("unblockAccount", { accountId: ACCOUNT });
    // Each change is its own event and its audit record's (a block also fires the kill switch's).
    expect(heard).toEqual(["accountBlocked", "cancelWorkingOrdersSent", "auditRecorded", "accountUnblocked", "auditRecorded"]);
    expect(lines).toEqual(Array(5).fill("openpit-sidecar: an event subscriber failed: monitor exploded"));
  });

  it("a throwing channel close: reported, and the other channels keep working", async () => {
    h = await startHarness();
    const state = h.server.state;
    const doomed = h.channel();
    expect((await doomed.one(seed("USD", "1000"))).result.case).toBe("adjustment");
    const survivor = h.channel();
    expect((await survivor.one(seed("USD", "1000", OTHER_ACCOUNT))).result.case).toBe("adjustment");
    const closeChannel = state.closeChannel;
    state.closeChannel = () => {
      throw new Error("close exploded");
    };
    const reported = nextLine();
    doomed.cancel();
    await reported;
    state.closeChannel = closeChannel;
    expect(lines).toEqual(["openpit-sidecar: closing channel 1 failed: close exploded"]);
    expect((await survivor.one({ case: "executePreTrade", value: { order: order({ accountId: OTHER_ACCOUNT }) } })).result.case).toBe("execute");
  });

  it("a throwing TTL sweep: reported, and the next tick sweeps", async () => {
    h = await startHarness(testConfig({ limits: { reservationTtlMs: 40 } }));
    const state = h.server.state;
    const ch = h.channel();
    await ch.one(seed("USD", "10000"));
    expect((await ch.one(execute)).result.case).toBe("execute");
    const sweep = state.sweepExpired.bind(state);
    let failures = 2;
    const swept = new Promise<void>((resolve) => {
      state.sweepExpired = () => {
        if (failures-- > 0) throw new Error("sweep exploded");
        sweep();
        if (state.channels.get(1n)?.openReservationCount === 0) resolve();
      };
    });
    h.clock.advance(1_000); // the reservation's TTL has passed
    await swept;
    expect(lines).toEqual([
      "openpit-sidecar: the reservation TTL sweep failed: sweep exploded",
      "openpit-sidecar: the reservation TTL sweep failed: sweep exploded",
    ]);
    expect((await holdingsOf(h)).USD?.held).toBe("0");
  });

  it("a reservation whose rollback throws: the channel still closes, the others roll back, its accounts unpin", async () => {
    h = await startHarness();
    const state = h.server.state;
    const ch = h.channel();
    await ch.one(seed("USD", "10000"));
    await ch.send(execute, execute);
    const channel = state.channels.get(1n)!;
    const handles = (channel as unknown as { handles: HandleTable }).handles;
    const [firstId, first] = [...handles.entries()][0]!;
    if (first.kind !== "reservation") throw new Error("expected a reservation");
    first.reservation.rollback = () => {
      throw new Error("rollback exploded");
    };
    const closed = h.nextChannelClose();
    ch.cancel();
    expect(await closed).toBe(1n);
    expect(state.channels.size).toBe(0);
    expect(state.pins.ownerOf(AccountId.fromU64(ACCOUNT))).toBeUndefined();
    expect(lines).toEqual([`openpit-sidecar: rolling back reservation ${firstId} failed: rollback exploded`]);
    // The second reservation was rolled back; the first's hold stays (its rollback failed).
    expect((await holdingsOf(h)).USD?.held).toBe("1000");
  });
});
