/**
 * The bench oracle refuses answers that are wrong beyond their headline (found by review):
 * a reject that was committed or moved a balance, an accept that also carries rejects, and
 * a run in which the oracle checked nothing at all.
 */
import { describe, expect, it } from "vitest";
import { RejectCode } from "../../gen/openpit/sidecar/v1/types_pb.js";
import type { ExecuteView, ResultHolder } from "../../bench/answer-wire.js";
import { INSTRUMENTS, MAX_ORDER_NOTIONAL_CENTS, SETTLEMENT } from "../../bench/bench-config.js";
import { Oracle, type OracleSummary } from "../../bench/oracle.js";
import { oracleChecked } from "../../bench/report.js";

const instrument = INSTRUMENTS[0]!;
const execute = (value: Partial<ExecuteView>): ResultHolder => ({
  result: { case: "execute", value: { accepted: false, committed: false, reservationId: 0, lock: undefined, accountAdjustments: [], rejects: [], ...value } },
});

function oversized(oracle: Oracle) {
  const quantity = Math.floor(MAX_ORDER_NOTIONAL_CENTS / instrument.priceCents) + 1;
  return oracle.predict({ accountId: 1n, instrument, side: "BUY", quantity });
}

describe("the bench oracle", () => {
  it("a reject must reserve nothing: committed or a moved balance is a mismatch", () => {
    const oracle = new Oracle();
    const reject = { code: RejectCode.ORDER_NOTIONAL_EXCEEDS_LIMIT, details: "" };
    expect(oracle.checkDecision(oversized(oracle), execute({ rejects: [reject] }))).toBe(false);
    expect(oracle.summary().mismatches).toBe(0);
    oracle.checkDecision(oversized(oracle), execute({ rejects: [reject], committed: true }));
    oracle.checkDecision(oversized(oracle), execute({ rejects: [reject], accountAdjustments: [{ asset: SETTLEMENT, balance: { delta: "-1", absolute: "0" } }] }));
    expect(oracle.summary().mismatches).toBe(2);
  });

  it("an accept carrying rejects is a mismatch", () => {
    const oracle = new Oracle();
    oracle.credit(1n, SETTLEMENT, 100 * instrument.priceCents);
    const e = oracle.predict({ accountId: 1n, instrument, side: "BUY", quantity: 1 });
    if (!e.accept) throw new Error("expected an accept");
    const usd = (cents: number) => (cents / 100).toFixed(2);
    const legs = [
      { asset: SETTLEMENT, balance: { delta: `-${usd(e.debit)}`, absolute: usd(e.balanceLo) }, held: { delta: usd(e.debit), absolute: usd(e.debit) } },
      { asset: instrument.underlying, incoming: { delta: "1", absolute: "1" } },
    ];
    const answer = { accepted: true, committed: true, lock: { prices: [{ price: instrument.price }] }, accountAdjustments: legs };
    const twin = new Oracle();
    twin.credit(1n, SETTLEMENT, 100 * instrument.priceCents);
    expect(twin.checkDecision(twin.predict(e), execute(answer))).toBe(true);
    expect(oracle.checkDecision(e, execute({ ...answer, rejects: [{ code: RejectCode.INSUFFICIENT_FUNDS, details: "" }] }))).toBe(false);
    expect(oracle.summary().mismatches).toBe(1);
  });

  it("a run whose oracle checked no accepts, rejects, fills, adjustments or final states is not a valid run", () => {
    const full: OracleSummary = { decisionsChecked: 10, accepted: 8, rejectedByCode: { INSUFFICIENT_FUNDS: 2 }, fillsChecked: 5, adjustmentsChecked: 1, accountsReconciled: 4, mismatches: 0, samples: [] };
    expect(oracleChecked(full)).toBe(true);
    expect(oracleChecked({ ...full, decisionsChecked: 0, accepted: 0, rejectedByCode: {} })).toBe(false);
    expect(oracleChecked({ ...full, rejectedByCode: {} })).toBe(false);
    expect(oracleChecked({ ...full, fillsChecked: 0 })).toBe(false);
    expect(oracleChecked({ ...full, adjustmentsChecked: 0 })).toBe(false);
    expect(oracleChecked({ ...full, accountsReconciled: 0 })).toBe(false);
  });
});
