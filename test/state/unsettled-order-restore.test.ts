/**
 * Found by review (session 30): the account book's "unsettled" footprints (open reservations
 * with a client order id, oldest first; a report naming the id marks the OLDEST one as at the
 * venue) were restored channel by channel, not in the order they were reserved. In fullSync
 * mode one account's reservations live on several channels, so after a restore a report
 * marked a different reservation than it had live, a later rollback moved the book's figures
 * (open orders, pending) differently, and a restart from a snapshot did not end where a
 * replay from empty ends. Each footprint now carries the order the book took it in
 * (`bookOrder`, snapshotted with its reservation), and a restore tracks them in that order.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";
import { balanceAdjustment, buy, fillReport } from "../helpers/spot-funds.js";
import { testConfig } from "../server/harness.js";
import { RecordingJournal } from "./recording-journal.js";

/** Results and figures as comparable text (bigints marked, channel states by id). */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Map) return { map: [...v] };
    if (v !== null && typeof v === "object" && "channelId" in v && "openReservationCount" in v) return { channel: (v as { channelId: bigint }).channelId };
    return v;
  });
}

const A = AccountId.fromU64(5);
const config = (withIdPolicy: boolean) =>
  parseSidecarConfig(
    testConfig({
      syncMode: "fullSync",
      ...(withIdPolicy
        ? {
            policies: [
              { type: "OrderValidationPolicy" },
              { type: "SpotFundsPolicy", settings: {} },
              { type: "ClientOrderIdPolicy", settings: { retentionMs: 1000 } },
            ],
          }
        : {}),
    }),
  );
let clock = new ManualClock(1_000);
let withIdPolicy = false;
const door = () => {
  const journal = new RecordingJournal();
  const state = buildState(config(withIdPolicy), clock);
  state.attachJournal(journal);
  return { state, journal };
};
const bytes = (s: SidecarState) => Buffer.from(encodePlain({ ...s.snapshot(), sequence: 0n })).toString();
const book = (s: SidecarState) => ({
  openOrders: s.engine.accountBook.openOrders(A),
  pendingBuy: s.engine.accountBook.pendingQuantity(A, { underlyingAsset: "AAPL", settlementAsset: "USD" }, "BUY").toString(),
});

/** Two open reservations of account A with client order id "x": the older on channel 2, the newer on channel 1. */
function scenario() {
  const live = door();
  const s = live.state;
  const ch1 = s.openChannel().channelId;
  const ch2 = s.openChannel().channelId;
  s.runChannel(ch1, [{ kind: "adjust", accountId: A, adjustments: [balanceAdjustment("USD", { balance: ["abs", "100000"] })] }]);
  const [r2] = s.runChannel(ch2, [{ kind: "execute", order: { ...buy("5", "200", { account: A }), clientOrderId: "x" }, commitOnAccept: false }]) as { kind: string; reservationId: bigint }[];
  // With ClientOrderIdPolicy: the id is known for retentionMs only, while the reservation stays open (no TTL).
  clock.advance(1_500);
  const [r1] = s.runChannel(ch1, [{ kind: "execute", order: { ...buy("7", "200", { account: A }), clientOrderId: "x" }, commitOnAccept: false }]) as { kind: string; reservationId: bigint }[];
  expect(r2!.kind).toBe("executeAccepted");
  expect(r1!.kind).toBe("executeAccepted");
  const cut = live.journal.records.length;
  const snap = encodePlain(s.snapshot());
  // The venue reports a partial fill of "x" (the oldest open order with that id: channel 2's), then the
  // client rolls channel 2's reservation back: its order is at the venue, so the book keeps its figures.
  const tail = (d: SidecarState) => [
    stable(d.applyReports([{ ...fillReport("BUY", "1", "200", { account: A, leaves: "4" }), clientOrderId: "x" }])),
    stable(d.runChannel(ch2, [{ kind: "rollback", reservationId: r2!.reservationId }])),
    stable(book(d)),
  ];
  return { live, cut, snap, tail };
}

for (const idPolicy of [false, true])
describe(`snapshot: open reservations sharing a client order id across channels (fullSync${idPolicy ? ", ClientOrderIdPolicy retentionMs 1000" : ""})`, () => {
  beforeEach(() => {
    clock = new ManualClock(1_000);
    withIdPolicy = idPolicy;
  });
  it("a state restored from a snapshot marks and releases the same reservation as the live one", () => {
    const { live, snap, tail } = scenario();
    const liveTail = tail(live.state);
    const restored = door();
    restored.state.restore(decodePlain(snap) as StateSnapshot);
    expect(tail(restored.state)).toEqual(liveTail);
    expect(bytes(restored.state)).toBe(bytes(live.state));
  });

  it("a restart from the snapshot (restore + replay of the later records + recovery rollback) ends where a replay from empty ends", () => {
    const { live, cut, snap, tail } = scenario();
    tail(live.state);
    const recover = (fromSnapshot: boolean) => {
      const d = door();
      if (fromSnapshot) d.state.restore(decodePlain(snap) as StateSnapshot);
      for (const p of live.journal.records.slice(fromSnapshot ? cut : 0)) d.state.replay(p);
      d.state.resumeAfterReplay();
      d.state.closeRecoveredChannels();
      return d.state;
    };
    const fromEmpty = recover(false);
    const fromSnap = recover(true);
    expect(book(fromSnap)).toEqual(book(fromEmpty));
    expect(bytes(fromSnap)).toBe(bytes(fromEmpty));
  });
});
