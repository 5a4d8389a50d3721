/**
 * SpotFunds skips the account line for a report that cannot move it (`lineUntouched`):
 * wherever that says so, the full `applyAccountLine` must do nothing either — no outcome,
 * no block, the ledger as it was — whatever the barrier, the contributions or the halt.
 */
import { describe, expect, it } from "vitest";
import { PnlState, type PnlHaltReason } from "../../../src/model/pnl-state.js";
import { AccountId, Pnl } from "../../../src/param/index.js";
import { AccountPnlLedger, applyAccountLine, lineUntouched } from "../../../src/policies/spot-funds/account-pnl.js";
import type { EffectivePnlBarrier } from "../../../src/policies/spot-funds/resolved-settings.js";
import { seededRandom } from "../../../bench/workload.js";

const HALTS: PnlHaltReason[] = ["ArithmeticOverflow", "MissingAccountCurrency", "MissingFx", "MissingCostBasis", "MissingInitialPnl"];

describe("SpotFunds account line: lineUntouched", () => {
  it("agrees with applyAccountLine over 5 000 random states, events and barriers", () => {
    const next = seededRandom(1234567);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const id = AccountId.fromU64(42);
    let skipped = 0;
    for (let i = 0; i < 5_000; i++) {
      const ledger = new AccountPnlLedger();
      const state = pick(["none", "value", "halted"] as const);
      if (state === "value") ledger.set(id, PnlState.value(Pnl.fromString(pick(["0", "-5.5", "100", "-1000"]))));
      if (state === "halted") ledger.set(id, PnlState.halted(pick(HALTS)));
      const before = ledger.get(id);
      const barriers: (EffectivePnlBarrier | undefined)[] = [
        undefined,
        { lower: Pnl.fromString("-10") },
        { upper: Pnl.fromString("10"), lower: Pnl.fromString("-10") },
        { currency: "USD", currencyMismatch: "EUR" },
      ];
      const barrier = pick(barriers);
      const engaged = next() < 0.5;
      const observed = next() < 0.5;
      const contributions = next() < 0.5 ? [] : [Pnl.fromString(pick(["0", "1.25", "-20"]))];
      const halt = next() < 0.2 ? pick(HALTS) : undefined;
      if (!lineUntouched(ledger, id, engaged, observed)) continue;
      skipped++;
      const line = applyAccountLine(ledger, id, barrier, { engaged, observed, contributions, halt });
      expect(line).toEqual({ outcome: undefined, block: undefined });
      // Unchanged, digit for digit and scale for scale (the ledger keeps figures in place, so reads are new objects).
      expect(ledger.get(id)).toEqual(before);
    }
    expect(skipped).toBeGreaterThan(1_000);
  });

  it("never skips a report that engages the line, nor an observed halted line", () => {
    const id = AccountId.fromU64(7);
    const ledger = new AccountPnlLedger();
    expect(lineUntouched(ledger, id, true, false)).toBe(false);
    ledger.set(id, PnlState.halted("MissingFx"));
    expect(lineUntouched(ledger, id, false, true)).toBe(false);
    expect(lineUntouched(ledger, id, false, false)).toBe(true);
  });
});
