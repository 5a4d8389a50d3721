/**
 * Found by review, session 34: a policy throwing in post-trade made `applyExecutionReport`
 * throw a `PolicyCallbackError` without the `PostTradeResult`, though the other policies'
 * changes stand and the caller must propagate every adjustment (openpit-semantics §1.10;
 * §5 and §8: the error carries the reconciled result for post-trade and adjustments). The
 * adjustment path's errors carried no batch result either. Both now carry it as `result`.
 */
import { describe, expect, it } from "vitest";
import { PolicyCallbackError, type PreTradePolicy } from "../../src/engine/index.js";
import { AdjustmentAmount, type AccountAdjustment, type PostTradeResult } from "../../src/model/index.js";
import { PositionSize } from "../../src/param/index.js";
import { ACCOUNT, buy, commit, entries, fillReport, seed, slot, spotEngine } from "../helpers/spot-funds.js";
import { engineWith } from "../helpers/engine-core.js";
import { thrownAs } from "../helpers/thrown.js";

const caught = (fn: () => unknown): PolicyCallbackError => thrownAs(PolicyCallbackError, fn);

const faultyReports: PreTradePolicy = {
  name: "Faulty",
  applyExecutionReport() {
    throw new Error("boom");
  },
};

describe("PolicyCallbackError.result", () => {
  it("post-trade: carries the result of the policies that applied the report, as a clean run returns it", () => {
    const { engine, policy: spot } = spotEngine(undefined, [faultyReports]);
    const twin = spotEngine().engine;
    for (const e of [engine, twin]) {
      seed(e, "USD", "10000");
      commit(e, buy("10", "100"));
    }

    const error = caught(() => engine.applyExecutionReport(fillReport("BUY", "10", "100")));

    expect([error.policy, error.hook, (error.cause as Error).message]).toEqual(["Faulty", "applyExecutionReport", "boom"]);
    expect(slot(spot, "AAPL")).toEqual({ available: "10", held: "0", incoming: "0" });
    const result = error.result as PostTradeResult;
    expect([result.accountBlocks, result.accountPnls, result.accountAdjustments.map((a) => a.policyGroupId)]).toEqual([[], [], [0, 0]]);
    expect(entries(result.accountAdjustments)).toEqual([
      { asset: "AAPL", balance: { delta: "10", absolute: "10" }, incoming: { delta: "-10", absolute: "0" }, realizedPnl: { kind: "halted", reason: "MissingAccountCurrency" } },
      { asset: "USD", held: { delta: "-1000", absolute: "0" } },
    ]);
    expect(entries(result.accountAdjustments)).toEqual(entries(twin.applyExecutionReport(fillReport("BUY", "10", "100")).accountAdjustments));
  });
});

function balance(asset: string, delta = "100"): AccountAdjustment {
  return { operation: { kind: "balance", asset }, amount: { balance: AdjustmentAmount.delta(PositionSize.fromString(delta)) } };
}

/** Stages one mutation per adjustment (its commit or rollback may throw) and reports the asset as its outcome. */
function ledger(opts: { throwOn?: string; rejectOn?: string; commitFails?: boolean; rollbackFails?: boolean } = {}): PreTradePolicy {
  return {
    name: "Ledger",
    applyAccountAdjustment: (_ctx, _account, adj, mutations) => {
      const asset = adj.operation?.kind === "balance" ? adj.operation.asset : "?";
      if (asset === opts.throwOn) throw new Error(`no ${asset}`);
      mutations.push(
        () => {
          if (opts.commitFails) throw new Error("commit broke");
        },
        () => {
          if (opts.rollbackFails) throw new Error("rollback broke");
        },
      );
      if (asset === opts.rejectOn) return { rejects: [{ code: "AccountAdjustmentBoundsExceeded", reason: "refused", details: asset, scope: "account" }] };
      return { outcomes: [{ asset }] };
    },
  };
}

describe("PolicyCallbackError.result on the adjustment path", () => {
  it("a hook that throws: the batch rejected at its index, with the callback's reject", () => {
    const { engine } = engineWith([ledger({ throwOn: "EUR" })]);

    const error = caught(() => engine.applyAccountAdjustment(ACCOUNT, [balance("USD"), balance("EUR")]));

    expect([error.policy, error.hook, error.message]).toEqual(["Ledger", "applyAccountAdjustment", "policy 'Ledger' threw in applyAccountAdjustment: no EUR"]);
    expect(error.result).toEqual({
      ok: false,
      failedIndex: 1,
      rejects: [
        { policy: "Ledger", code: "SystemUnavailable", reason: "policy callback failed", details: "applyAccountAdjustment of policy Ledger threw: no EUR", scope: "order" },
      ],
    });
    // Not latched: adjustment rejects never are.
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("a reject whose rollback fails: the rollback's error, carrying the rejected batch", () => {
    const { engine } = engineWith([ledger({ rejectOn: "EUR", rollbackFails: true })]);

    const error = caught(() => engine.applyAccountAdjustment(ACCOUNT, [balance("USD"), balance("EUR")]));

    expect([error.policy, error.hook, (error.cause as Error).message]).toEqual(["Ledger", "rollback", "rollback broke"]);
    expect(error.result).toEqual({
      ok: false,
      failedIndex: 1,
      rejects: [{ policy: "Ledger", code: "AccountAdjustmentBoundsExceeded", reason: "refused", details: "EUR", scope: "account" }],
    });
  });

  it("a commit that fails: the committed batch's outcomes", () => {
    const { engine } = engineWith([ledger({ commitFails: true })]);

    const error = caught(() => engine.applyAccountAdjustment(ACCOUNT, [balance("USD"), balance("EUR")]));

    expect([error.policy, error.hook, (error.cause as Error).message]).toEqual(["Ledger", "commit", "commit broke"]);
    expect(error.result).toEqual({
      ok: true,
      outcomes: [
        { policyGroupId: 0, entry: { asset: "USD" } },
        { policyGroupId: 0, entry: { asset: "EUR" } },
      ],
      accountBlocks: [],
    });
  });
});
