/**
 * Written by review (session 18): a seeded workload over thirteen policies at once (the five
 * built-ins and eight controls) through the door (orders, reports, adjustments, admin
 * changes, trading states, groups, retirements, retunes, client order ids with retries and
 * drop copies, disconnects, TTL sweeps), replayed from empty and from snapshots cut at 20,
 * 50 and 80 % of the journal. Every answer and the final state must match the live run's
 * byte for byte. It found that three controls' retuned settings were lost by a snapshot
 * (test/state/configured-settings-snapshot.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";
import { RecordingJournal } from "./recording-journal.js";
import { expectSameState } from "./same-state.js";
import { doorOn as doorOnWith, runWorkload, stable, ACCOUNTS } from "./door-workload.js";
import { AccountGroupId } from "../../src/param/index.js";
import { seededRandom } from "../../bench/workload.js";
import { buy } from "../helpers/spot-funds.js";
/** Refusals (typed errors) are part of the workload: the replay must refuse them alike. */
const t = (f: () => unknown) => {
  try {
    return f();
  } catch (e) {
    return e;
  }
};

/** Steps door-workload.ts does not take; commands are written as the door reads them. */
function extras(door: SidecarState, clock: ManualClock, seed: number) {
  const state = door as unknown as { admin(c: object): unknown; openChannel(): { channelId: bigint }; runChannel(id: bigint, cs: object[]): unknown; closeChannel(id: bigint, why: string): unknown };
  const r = seededRandom(seed); const pick = <T,>(l: readonly T[]) => l[Math.floor(r() * l.length)]!;
  const G = AccountGroupId.fromU32(7);
  for (let i = 0; i < 12; i++) {
    clock.advance(Math.floor(r() * 300)); const a = pick(ACCOUNTS); const x = r();
    if (x < 0.15) t(() => state.admin({ kind: "setTradingState", policy: undefined, scope: pick([{ kind: "account", accountId: a }, { kind: "group", group: G }, { kind: "global" }]), state: pick(["ACTIVE", "REDUCING", "HALTED", "ACTIVE"]), reason: "r", cancelWorkingOrders: r() < 0.5 }));
    else if (x < 0.25) t(() => state.admin({ kind: "registerGroup", accountIds: [a], group: G }));
    else if (x < 0.32) t(() => state.admin(r() < 0.5 ? { kind: "blockGroup", group: G, reason: "g" } : { kind: "unblockGroup", group: G }));
    else if (x < 0.36) t(() => state.admin({ kind: "unregisterGroup", accountIds: [a], group: G }));
    else if (x < 0.38 && r() < 0.3) t(() => state.admin({ kind: "retireAccount", accountId: ACCOUNTS[3] }));
    else if (x < 0.45) t(() => state.admin({ kind: "configurePolicy", policy: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 1 + Math.floor(r() * 5) } } }));
    else {
      const ch = state.openChannel().channelId; const id = `c${Math.floor(r() * 6)}`;
      const o = { ...buy(`${1 + Math.floor(r() * 9)}`, "100", { account: a }), clientOrderId: id, retry: r() < 0.3 };
      t(() => state.runChannel(ch, [r() < 0.3 ? { kind: "dropCopy", order: o, commitOnAccept: true } : r() < 0.5 ? { kind: "start", order: o } : { kind: "execute", order: o, commitOnAccept: r() < 0.5 }]));
      if (r() < 0.5) t(() => state.closeChannel(ch, "disconnect"));
    }
  }
}

/** The eight controls, after door-workload.ts's five built-ins. */
const CONTROLS = [
  { type: "PriceCollarPolicy", settings: { default: { maxDeviationPct: "5" }, marketSlippagePct: "1" } },
  { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 3, hardMaxOrders: 6, windowMs: 1000 } } },
  { type: "RepeatedExecutionThrottlePolicy", settings: { default: { maxExecutions: 3, windowMs: 2000 } } },
  { type: "GrossExposureLimitPolicy", settings: { default: { settlementAsset: "USD", maxNotional: "8000" } } },
  { type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 4 } } },
  { type: "SoftLimitPolicy", settings: { shares: ["0.5", "0.9"] } },
  { type: "TradingStatePolicy", settings: {} },
  { type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } },
];
const doorOn = (journal: RecordingJournal, clock = new ManualClock(1_000)) => doorOnWith(journal, clock, CONTROLS);
describe("many policies: replay and snapshot", () => {
  // Eight fixed seeds: the same cases every run (each ~750 journal records).
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}`, () => {
      const journal = new RecordingJournal();
      const live = doorOn(journal);
      const liveAnswers: string[] = [];
      live.state.onCommand = (o) => liveAnswers.push(stable(o));
      for (let k = 0; k < 10; k++) { runWorkload(live.state, live.clock, seed * 100 + k, 50); extras(live.state, live.clock, seed * 1000 + k); }
      const replayed = doorOn(new RecordingJournal(), new ManualClock(0));
      const again = journal.records.map((p) => stable(replayed.state.replay(p)));
      expect(again).toEqual(liveAnswers);
      expectSameState(replayed.state, live.state, "replayed from empty");
      for (const frac of [0.2, 0.5, 0.8]) {
        const cut = Math.floor(journal.records.length * frac);
        const first = doorOn(new RecordingJournal(), new ManualClock(0));
        const fa = journal.records.slice(0, cut).map((p) => stable(first.state.replay(p)));
        const mid = encodePlain(first.state.snapshot());
        const resumed = doorOn(new RecordingJournal(), new ManualClock(0));
        resumed.state.restore(decodePlain(mid) as StateSnapshot);
        const ta = journal.records.slice(cut).map((p) => stable(resumed.state.replay(p)));
        expect([...fa, ...ta]).toEqual(again);
        expectSameState(resumed.state, live.state, `restored at record ${cut} of ${journal.records.length}`);
      }
    });
  }
});
