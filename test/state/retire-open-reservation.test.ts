/**
 * Found by review (session 32, the replay fuzz's follow-up): a final report naming an open
 * reservation's client order id counts the order out of the account book, and the account
 * could then be retired with the reservation still open (the book saw no open order). Its
 * client-order-id footprint went with the account; a snapshot taken then carried the
 * reservation and its restore put the footprint back, so a restart from snapshot + tail
 * decided later orders differently from the live run. The door now refuses the retirement
 * while any channel holds a reservation of the account (`@AccountBook`, NON_ZERO_STATE, as
 * docs/controls.md says), listed once with the book's own.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId, Fee, InstrumentId, Pnl, Price, instrument } from "../../src/param/index.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";
import { balanceAdjustment, cancelReport, fillReport, spotOrder } from "../helpers/spot-funds.js";
import { newDoor, stable } from "./fuzz/fuzz-world.js";

const A = AccountId.fromU64(16n);
const AAPL = instrument("AAPL", "USD");
const pnl = { financialImpact: { pnl: Pnl.fromString("0"), fee: Fee.fromString("0") } };
const order = (clientOrderId = "x") => ({ ...spotOrder({ account: A, instrument: AAPL, side: "BUY", qty: "10", price: "100" }), clientOrderId });
const bytes = (s: SidecarState) => Buffer.from(encodePlain({ ...s.snapshot(), sequence: 0n })).toString();
const REFUSED = { ok: false, error: "Refused", message: "account retirement refused by one or more policies" };

/** An open reservation of account A whose order the venue has already cancelled (the report named it). */
function cancelledButOpen(clock: ManualClock) {
  const door = newDoor(clock);
  const live = door.state;
  const ch = live.openChannel().channelId;
  live.admin({ kind: "pushQuote", target: { id: InstrumentId.fromU64(1n) }, quote: { mark: Price.fromString("100") }, accountIds: [], groups: [], patch: false } as never);
  live.runChannel(ch, [{ kind: "adjust", accountId: A, adjustments: [balanceAdjustment("USD", { balance: ["abs", "5000"] })] }]);
  const [r1] = live.runChannel(ch, [{ kind: "execute", order: order(), commitOnAccept: false }]) as { kind: string; reservationId: bigint }[];
  expect(r1!.kind).toBe("executeAccepted");
  clock.advance(10);
  live.applyReports([{ ...cancelReport("BUY", "10", "100", { account: A, instrument: AAPL }), clientOrderId: "x", ...pnl }]);
  live.runChannel(ch, [{ kind: "adjust", accountId: A, adjustments: [balanceAdjustment("USD", { balance: ["abs", "0"] })] }]);
  // Past the throttle windows, within the reservation TTL.
  clock.advance(2_500);
  expect(live.engine.book.openOrders(A)).toBe(0);
  return { ...door, ch, reservationId: r1!.reservationId };
}

describe("retirement while a reservation of the account is open", () => {
  it("is refused @AccountBook NON_ZERO_STATE though the book counts no open order; once it is rolled back, the account retires", () => {
    const clock = new ManualClock(1_000);
    const { state, ch, reservationId } = cancelledButOpen(clock);
    expect(state.admin({ kind: "retireAccount", accountId: A }).retirement).toEqual({ ...REFUSED, refusals: [{ policy: "@AccountBook", refusal: "NonZeroState" }] });
    expect(state.channels.get(ch)!.openReservationsOf(A)).toEqual([reservationId]);
    // Ended (its "rollback" commits it: the venue reported the order), the account is flat.
    expect(state.runChannel(ch, [{ kind: "rollback", reservationId }])[0]!.kind).not.toBe("error");
    expect(state.admin({ kind: "retireAccount", accountId: A }).retirement).toEqual({ ok: true });
  });

  it("a snapshot taken after the refused retirement, restored, replays the journal's tail as the live run answered it", () => {
    const clock = new ManualClock(1_000);
    const { state: live, journal, ch } = cancelledButOpen(clock);
    const answers: string[] = [];
    live.onCommand = (o) => answers.push(stable(o) ?? "undefined");
    live.admin({ kind: "retireAccount", accountId: A });
    const snap = encodePlain(live.snapshot());
    const cut = journal.records.length;
    const answersAtCut = answers.length;
    live.admin({ kind: "configurePolicy", policy: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 1 } } });
    live.runChannel(ch, [{ kind: "adjust", accountId: A, adjustments: [balanceAdjustment("USD", { balance: ["abs", "5000"] })] }]);
    clock.advance(10);
    const [r2] = live.runChannel(ch, [{ kind: "execute", order: order(), commitOnAccept: false }]) as { reservationId: bigint }[];
    clock.advance(10);
    live.applyReports([{ ...fillReport("BUY", "4", "100", { account: A, instrument: AAPL, lockPrice: "100", leaves: "6", final: false }), clientOrderId: "x", ...pnl }]);
    live.runChannel(ch, [{ kind: "rollback", reservationId: r2!.reservationId }]);
    clock.advance(10);
    live.runChannel(ch, [{ kind: "execute", order: order("y"), commitOnAccept: true }]);

    const resumed = newDoor(new ManualClock(0)).state;
    resumed.restore(decodePlain(snap) as StateSnapshot);
    const tail = journal.records.slice(cut).map((p) => stable(resumed.replay(p)) ?? "undefined");
    expect(tail).toEqual(answers.slice(answersAtCut));
    expect(bytes(resumed)).toBe(bytes(live));
  });
});
