/**
 * The oracle's final reconciliation (Oracle.checkFinalState): once nothing is in flight, an
 * account's holdings are exactly what the oracle confirmed, nothing held or incoming. Found by
 * review (session 42): the answers' absolutes are checked only within bounds, so a silent
 * rollback of a committed reservation, a top-up lost after its answer, a running total a cent
 * low or a last fill applied twice passed every check.
 */
import { describe, expect, it } from "vitest";
import { INSTRUMENTS } from "../../bench/bench-config.js";
import { Oracle } from "../../bench/oracle.js";

const ACCOUNT = 7n;
const holding = (asset: string, available: string, held = "0", incoming = "0") => ({ asset, available, held, incoming });

/** An oracle whose account 7 ends with 1 234.56 USD and 10 AAPL confirmed, nothing in flight. */
function settled(): Oracle {
  const oracle = new Oracle();
  oracle.credit(ACCOUNT, "USD", 123_456);
  oracle.credit(ACCOUNT, "AAPL", 10);
  return oracle;
}

describe("Oracle.checkFinalState", () => {
  it("passes the exact state, in any decimal form of the same values", () => {
    const oracle = settled();
    expect(oracle.checkFinalState(ACCOUNT, [holding("USD", "1234.56"), holding("AAPL", "10.000", "0.00", "0")])).toBe(true);
    expect(oracle.summary()).toMatchObject({ accountsReconciled: 1, mismatches: 0 });
  });

  it.each([
    ["a top-up lost (50 000 USD short)", [holding("USD", "-48765.44"), holding("AAPL", "10")]],
    ["a running total a cent low", [holding("USD", "1234.55"), holding("AAPL", "10")]],
    ["a last fill applied twice (20 AAPL)", [holding("USD", "1234.56"), holding("AAPL", "20")]],
    ["a reservation left holding funds", [holding("USD", "1234.56", "185.25"), holding("AAPL", "10")]],
    ["an order left incoming", [holding("USD", "1234.56"), holding("AAPL", "10", "0", "1")]],
    ["an asset the oracle never saw", [holding("USD", "1234.56"), holding("AAPL", "10"), holding("MSFT", "1")]],
    ["an asset missing", [holding("USD", "1234.56")]],
  ])("%s is a mismatch", (_name, holdings) => {
    const oracle = settled();
    expect(oracle.checkFinalState(ACCOUNT, holdings)).toBe(false);
    expect(oracle.summary().mismatches).toBe(1);
  });

  it("an account the oracle still counts in flight is a mismatch of the harness, named so", () => {
    const oracle = settled();
    const e = oracle.predict({ accountId: ACCOUNT, instrument: INSTRUMENTS[0]!, side: "BUY", quantity: 1 });
    expect(e.accept).toBe(true);
    expect(oracle.checkFinalState(ACCOUNT, [holding("USD", "1049.31", "185.25"), holding("AAPL", "10", "0", "1")])).toBe(false);
    expect(oracle.summary().samples[0]).toMatch(/still in flight \(the harness did not drain\)$/);
  });
});
