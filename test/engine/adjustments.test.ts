import { describe, expect, it } from "vitest";
import { PolicyCallbackError, type PreTradePolicy } from "../../src/engine/index.js";
import { AdjustmentAmount, type AccountAdjustment } from "../../src/model/index.js";
import { PolicyGroupId, PositionSize, type Asset } from "../../src/param/index.js";
import { ACCOUNT, CallLog, engineWith, order, reject } from "../helpers/engine-core.js";

function balance(asset: Asset, delta = "100"): AccountAdjustment {
  return { operation: { kind: "balance", asset }, amount: { balance: AdjustmentAmount.delta(PositionSize.fromString(delta)) } };
}

function assetOf(adj: AccountAdjustment): string {
  return adj.operation?.kind === "balance" ? adj.operation.asset : "?";
}

/** Stages one mutation per accepted adjustment; rejects (account scope) the asset it is told to. */
function ledger(rejectAsset: Asset | undefined, log: CallLog): PreTradePolicy {
  return {
    name: "Ledger",
    applyAccountAdjustment: (_ctx, _account, adj, mutations) => {
      const asset = assetOf(adj);
      log.add(`saw ${asset}`);
      if (asset === rejectAsset) {
        return { rejects: [reject("AccountAdjustmentBoundsExceeded", "adjustment refused", `${asset} is not allowed`, "account")] };
      }
      mutations.push(
        () => log.add(`commit ${asset}`),
        () => log.add(`rollback ${asset}`),
      );
      return { outcomes: [{ asset }] };
    },
  };
}

describe("account adjustments", () => {
  const batch = [balance("USD"), balance("EUR"), balance("GBP")];

  for (const [failing, index, seen, rollbacks] of [
    ["USD", 0, ["saw USD"], []],
    ["EUR", 1, ["saw USD", "saw EUR"], ["rollback USD"]],
    ["GBP", 2, ["saw USD", "saw EUR", "saw GBP"], ["rollback EUR", "rollback USD"]],
  ] as const) {
    it(`A1: a reject of ${failing} stops the batch at index ${index} and rolls back what came before, in reverse`, () => {
      const log = new CallLog();
      const after = new CallLog();
      const { engine } = engineWith([
        ledger(failing, log),
        { name: "After", applyAccountAdjustment: (_c, _a, adj) => void after.add(assetOf(adj)) },
      ]);

      const result = engine.applyAccountAdjustment(ACCOUNT, batch);

      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.failedIndex).toBe(index);
      expect(result.rejects).toEqual([
        {
          policy: "Ledger",
          code: "AccountAdjustmentBoundsExceeded",
          reason: "adjustment refused",
          details: `${failing} is not allowed`,
          scope: "account",
        },
      ]);
      expect(log.calls).toEqual([...seen, ...rollbacks]);
      // The policy after the rejecting one never sees the failing element.
      expect(after.calls).toEqual(batch.slice(0, index).map(assetOf));
    });
  }

  it("A1: adjustment rejects never latch a block, even with account scope", () => {
    const { engine, events } = engineWith([ledger("USD", new CallLog())]);

    engine.applyAccountAdjustment(ACCOUNT, [balance("USD")]);

    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    expect(events).toEqual([]);
    expect(engine.executePreTrade(order()).ok).toBe(true);
  });

  it("A2: an empty batch is Ok without calling any policy", () => {
    const log = new CallLog();
    const { engine } = engineWith([ledger(undefined, log)]);

    expect(engine.applyAccountAdjustment(ACCOUNT, [])).toEqual({ ok: true, outcomes: [], accountBlocks: [] });
    expect(log.calls).toEqual([]);
  });

  it("all pass: every mutation commits in order and outcomes carry each policy's group id", () => {
    const log = new CallLog();
    const { engine } = engineWith([
      ledger(undefined, log),
      { name: "Grouped", policyGroupId: PolicyGroupId.fromU16(3), applyAccountAdjustment: (_c, _a, adj) => ({ outcomes: [{ asset: `g3-${assetOf(adj)}` }] }) },
    ]);

    const result = engine.applyAccountAdjustment(ACCOUNT, [balance("USD"), balance("EUR")]);

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(log.calls).toEqual(["saw USD", "saw EUR", "commit USD", "commit EUR"]);
    expect(result.outcomes.map((o) => [o.policyGroupId, o.entry.asset])).toEqual([
      [0, "USD"],
      [3, "g3-USD"],
      [0, "EUR"],
      [3, "g3-EUR"],
    ]);
  });

  it("A3: a block returned by a policy is in the result and blocks the next order", () => {
    const { engine, events } = engineWith([
      {
        name: "Reconciler",
        applyAccountAdjustment: () => ({
          accountBlocks: [{ code: "AccountBlocked", reason: "reconciliation mismatch", details: "balances disagree" }],
        }),
      },
    ]);

    const result = engine.applyAccountAdjustment(ACCOUNT, [balance("USD")]);

    expect(result).toEqual({
      ok: true,
      outcomes: [],
      accountBlocks: [{ policy: "Reconciler", code: "AccountBlocked", reason: "reconciliation mismatch", details: "balances disagree" }],
    });
    expect(engine.executePreTrade(order()).rejects).toEqual([
      { policy: "Reconciler", code: "AccountBlocked", reason: "reconciliation mismatch", details: "balances disagree", scope: "account" },
    ]);
    expect(events.map((e) => e.kind)).toEqual(["accountBlocked"]);
  });

  it("every reported block is recorded, the first one wins the account", () => {
    let n = 0;
    const { engine } = engineWith([
      {
        name: "Reconciler",
        applyAccountAdjustment: () => ({ accountBlocks: [{ code: "AccountBlocked", reason: `block ${++n}`, details: "d" }] }),
      },
    ]);

    const result = engine.applyAccountAdjustment(ACCOUNT, [balance("USD"), balance("EUR")]);

    expect(result.ok && result.accountBlocks.map((b) => b.reason)).toEqual(["block 1", "block 2"]);
    expect(engine.accounts().blockOf(ACCOUNT)?.reason).toBe("block 1");
  });

  it("blocks reported by a batch that later fails are not recorded", () => {
    const { engine } = engineWith([
      {
        name: "Mixed",
        applyAccountAdjustment: (_c, _a, adj) =>
          assetOf(adj) === "USD"
            ? { accountBlocks: [{ code: "AccountBlocked", reason: "would block", details: "d" }] }
            : { rejects: [reject("InvalidFieldValue", "bad", "second element refused")] },
      },
    ]);

    const result = engine.applyAccountAdjustment(ACCOUNT, [balance("USD"), balance("EUR")]);

    expect(result.ok).toBe(false);
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("a policy that throws → PolicyCallbackError, with the batch's earlier mutations rolled back", () => {
    const log = new CallLog();
    const boom = new Error("adjustment handler failed");
    const { engine } = engineWith([
      ledger(undefined, log),
      {
        name: "Thrower",
        applyAccountAdjustment: (_c, _a, adj) => {
          if (assetOf(adj) === "EUR") throw boom;
        },
      },
    ]);

    let caught: unknown;
    try {
      engine.applyAccountAdjustment(ACCOUNT, [balance("USD"), balance("EUR")]);
    } catch (e) {
      caught = e;
    }

    expect(caught).toBeInstanceOf(PolicyCallbackError);
    expect((caught as PolicyCallbackError).policy).toBe("Thrower");
    expect((caught as PolicyCallbackError).cause).toBe(boom);
    expect(log.calls).toEqual(["saw USD", "saw EUR", "rollback EUR", "rollback USD"]);
  });

  it("the context carries the account and the policy gets the adjustment unchanged", () => {
    const seen: string[] = [];
    const { engine, clock } = engineWith([
      {
        name: "Reader",
        applyAccountAdjustment: (ctx, account, adj) => {
          seen.push(`${account}:${ctx.nowMs}:${adj.amount?.balance?.value.toString()}`);
        },
      },
    ]);
    clock.set(7_000);

    engine.applyAccountAdjustment(ACCOUNT, [balance("USD", "5000.50")]);

    expect(seen).toEqual([`${ACCOUNT}:7000:5000.50`]);
  });
});
