/**
 * docs/controls.md:218-226 and types.proto:243-245 (ExecutionReport.client_order_id): "When a
 * report names the order's client_order_id while its reservation is open, the book marks
 * that reservation, and its rollback then leaves the open-order count and the pending
 * quantity to the order's reports". shared spec controls.md (Max open orders): "Count orders
 * accepted and not yet final (fed by execution reports and rollbacks)".
 *
 * Found by review (session 29), fixed: a report naming the id that carries no trade and is
 * not final (a commission-only report; openpit-semantics.md: "fee-only reports (no trade) are
 * processed too") did not mark the reservation: AccountBook.applyReport returned before
 * marking. The rollback then counted the order out although the venue had it, and its final
 * report counted it out a second time.
 */
import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { ACCOUNT, order, startHarness, testConfig, type Harness } from "./harness.js";

const CONFIG = testConfig({ policies: [{ type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 1 } } }] });

function report(init: Partial<Parameters<typeof create<typeof pb.ExecutionReportSchema>>[1]>): pb.ExecutionReport {
  return create(pb.ExecutionReportSchema, {
    instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
    accountId: ACCOUNT,
    side: pb.Side.BUY,
    clientOrderId: "A",
    ...init,
  } as never);
}

describe("account book: a report naming the order's client order id while its reservation is open", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  async function scenario(first: pb.ExecutionReport): Promise<string[][]> {
    h = await startHarness(CONFIG);
    const ch = h.channel();
    const [a] = await ch.send({ case: "executePreTrade", value: { order: order({ qty: "10", clientOrderId: "A" }), commitOnAccept: false } });
    const execA = a!.result.case === "execute" ? a!.result.value : undefined;
    expect(execA?.accepted).toBe(true);
    // The venue's first report for A arrives while A's reservation is still open.
    await h.feed().publish(first);
    // The gateway loses A's reservation (rolled back before its commit); A is at the venue all the same.
    await ch.send({ case: "rollbackReservation", value: { reservationId: execA!.reservationId } });
    const submit = async (): Promise<string[]> => {
      const [b] = await ch.send({ case: "executePreTrade", value: { order: order({ qty: "1" }), commitOnAccept: true } });
      return b!.result.case === "execute" ? b!.result.value.rejects.map((r) => r.reason) : [String(b!.result.case)];
    };
    const b = await submit();
    // A is cancelled at the venue: its final report (leaves 6 or 10) counts it out.
    await h.feed().publish(report({ leavesQuantity: "6", isFinal: true }));
    const c = await submit();
    return [b, c];
  }

  it("a partial fill naming it marks it: B is refused while A is open (control)", async () => {
    // B refused (A open); after A's final report, C is accepted (the one slot was A's).
    expect(await scenario(report({ lastTrade: { price: "100", quantity: "4" }, leavesQuantity: "6" }))).toEqual([["open order limit exceeded"], []]);
  });

  it("a commission-only report naming it marks it too: B is refused while A is open", async () => {
    // It was [[], []]: B accepted (A's rollback counted A out although the venue had it), then
    // A's final report counted A out again, freeing B's slot: B and C open under maxOpenOrders 1.
    expect(await scenario(report({ fillFee: { amount: "0.5", currency: "USD" }, leavesQuantity: "10" }))).toEqual([["open order limit exceeded"], []]);
  });
});
