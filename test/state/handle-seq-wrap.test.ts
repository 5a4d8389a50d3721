/**
 * Found by review (session 18).
 * Handle ids are `channelId << 32 | seq`. Once a long-lived channel has issued 2^32
 * handles (≈ 12 h at 100k uncommitted orders/s), `seq` spills into the channel bits: the
 * next ids equal this channel's own earlier ids (an open reservation is overwritten in the
 * table and never rolled back) or fall into another channel's id space.
 */
import { describe, expect, it } from "vitest";
import { HandleTable, HandleTally, type Handle } from "../../src/state/handle-table.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { StateSnapshot } from "../../src/state/sidecar-state.js";
import { SpotFundsPolicy } from "../../src/policies/spot-funds/index.js";
import { balanceAdjustment, buy, slot } from "../helpers/spot-funds.js";
import { testConfig } from "../server/harness.js";
import { RecordingJournal } from "./recording-journal.js";

const fake = (n: number): Handle => ({ kind: "request", accountId: 7n as never, request: { n } as never });

describe("handle ids past 2^32 handles on one channel", () => {
  it("never reuse an id still open on the channel (odd channel id)", () => {
    const tally = new HandleTally();
    const t = new HandleTable(1n, tally);
    const firstId = (1n << 32n) | 1n;
    // A channel (restored from a snapshot) that has issued 2^32 - 1 handles, its first still open.
    t.restore(1n << 32n, [[firstId, fake(1)]]);
    const issued: unknown[] = [];
    try {
      issued.push(t.add(fake(2)));
      issued.push(t.add(fake(3)));
    } catch {
      // Refusing to issue more is acceptable; colliding is not.
    }
    // The first handle is still there, under its own id, and every id is distinct.
    expect(new Set([firstId, ...issued]).size).toBe(1 + issued.length);
    expect(t.size).toBe(1 + issued.length);
    expect(tally.open).toBe(t.size);
  });

  it("never issue an id in another channel's id space (even channel id)", () => {
    const t = new HandleTable(2n);
    t.restore(1n << 32n, []);
    let id: bigint | undefined;
    try {
      id = t.add(fake(1));
    } catch {
      id = undefined;
    }
    if (id !== undefined) expect(id >> 32n).toBe(2n);
  });
});

import { ChannelState, type ChannelHost } from "../../src/state/channel-state.js";

describe("a channel whose handle ids are used up", () => {
  it("refuses a new order before the engine reserves anything", () => {
    let engineCalls = 0;
    const host = {
      engine: { executePreTrade: () => { engineCalls++; return { ok: false, rejects: [] }; } },
      pins: { ownerOf: () => undefined, pin: () => {}, unpin: () => {} },
      limits: { maxCommandsPerMessage: 10, maxOpenHandlesPerChannel: 10, maxAdjustmentsPerBatch: 10, reservationTtlMs: 0 },
      pinning: false,
      nowMs: () => 0,
      isKnownAccount: () => true,
      handleTally: new HandleTally(),
      pinnedAccountCount: () => 0,
    } as unknown as ChannelHost;
    const channel = ChannelState.fromData({ channelId: 1n, accounts: [], nextSequence: 1n << 32n, handles: [] }, host);
    const order = { operation: { accountId: 7n } } as never;
    const r = channel.run({ kind: "execute", order, commitOnAccept: false }, "commands[0]");
    expect(r.kind).toBe("error");
    expect(engineCalls).toBe(0);
  });
});

// Found by review (session 28): two requests started with three ids left; the second one's
// executeRequest reserved in the engine, then found no id for the reservation, and nothing
// tracked it: its funds stayed held, across a close and a replay.
describe("the last ids of a channel", () => {
  it("a start that would leave its reservation no id is refused at the start; nothing stays held", () => {
    const account = AccountId.fromU64(7);
    const make = () => {
      const s = buildState(parseSidecarConfig(testConfig()), new ManualClock(1_000));
      s.attachJournal(new RecordingJournal());
      return s;
    };
    const first = make();
    const ch = first.openChannel().channelId;
    first.runChannel(ch, [{ kind: "adjust", accountId: account, adjustments: [balanceAdjustment("USD", { balance: ["abs", "10000"] })] }]);
    const snap = first.snapshot();
    // All but three ids issued, as after a long-lived run.
    const data = decodePlain(encodePlain({ ...snap, channels: snap.channels.map((c) => ({ ...c, nextSequence: (1n << 32n) - 3n })) })) as StateSnapshot;
    const state = make();
    state.restore(data);
    const spot = state.engine.policies.find((p) => p instanceof SpotFundsPolicy) as SpotFundsPolicy;
    // Found by review (session 30): a start takes two ids (its request's and its reservation's
    // to come), so with three left the second start is refused at once, before its start stage
    // runs; it was accepted and its executeRequest refused after the main stage had run.
    const started = state.runChannel(ch, [
      { kind: "start", order: buy("1", "100", { account }) },
      { kind: "start", order: buy("1", "100", { account }) },
    ]);
    expect(started.map((r) => (r.kind === "error" ? r.error.code : r.kind))).toEqual(["startAccepted", "RESOURCE_EXHAUSTED"]);
    const executed = state.runChannel(ch, [{ kind: "executeRequest", requestId: (started[0] as { requestId: bigint }).requestId }]);
    expect(executed.map((r) => (r.kind === "error" ? r.error.code : r.kind))).toEqual(["executeAccepted"]);
    expect(slot(spot, "USD", account).held).toBe("100");
    state.closeChannel(ch, "ended");
    expect(slot(spot, "USD", account).held).toBe("0");
  });
});
