import { describe, expect, it } from "vitest";
import type { Mutations, PreTradeContext, PreTradePolicy } from "../../src/engine/index.js";
import { Price } from "../../src/param/index.js";
import { ACCOUNT, CallLog, engineWith, order, passPolicy, reject } from "../helpers/engine-core.js";

/**
 * A budget of orders, spent in the start stage (like a rate limit) and held in the main
 * stage (like funds); both have read-only dry-run variants.
 */
function budgetPolicy(limit: number, log: CallLog): PreTradePolicy & { spent: number; held: number } {
  const over = () => [reject("RateLimitExceeded", "budget exhausted", `max allowed: ${limit}`)];
  const self = {
    name: "Budget",
    spent: 0,
    held: 0,
    checkPreTradeStart() {
      log.add("start");
      self.spent++;
      return self.spent > limit ? over() : undefined;
    },
    checkPreTradeStartDryRun(ctx: PreTradeContext) {
      log.add(`startDry:${ctx.isDryRun}`);
      return self.spent + 1 > limit ? over() : undefined;
    },
    performPreTradeCheck(_ctx: PreTradeContext, _order: unknown, mutations: Mutations) {
      log.add("main");
      self.held++;
      mutations.push(
        () => log.add("commit"),
        () => {
          self.held--;
        },
      );
      return { lockPrices: [Price.fromString("185")], accountAdjustments: [{ asset: "USD" }] };
    },
    performPreTradeCheckDryRun(ctx: PreTradeContext, _order: unknown, mutations: Mutations) {
      log.add(`mainDry:${ctx.isDryRun}`);
      // Registered on purpose: a dry run must neither commit nor roll this back.
      mutations.push(
        () => log.add("dry commit"),
        () => log.add("dry rollback"),
      );
      return { lockPrices: [Price.fromString("185")], accountAdjustments: [{ asset: "USD" }] };
    },
  };
  return self;
}

describe("dry run", () => {
  it("repeated full dry runs pass, call the dry-run hooks and change no state; the real order then passes once", () => {
    const log = new CallLog();
    const budget = budgetPolicy(1, log);
    const { engine } = engineWith([budget]);

    for (let i = 0; i < 5; i++) {
      const dry = engine.executePreTradeDryRun(order());
      expect(dry.isPass).toBe(true);
      expect(dry.rejects).toEqual([]);
    }

    expect(budget.spent).toBe(0);
    expect(budget.held).toBe(0);
    expect(log.calls).toEqual(Array.from({ length: 5 }, () => ["startDry:true", "mainDry:true"]).flat());
    expect(engine.executePreTrade(order()).ok).toBe(true);
    expect(engine.executePreTrade(order()).rejects.map((r) => r.code)).toEqual(["RateLimitExceeded"]);
  });

  it("the lock and outcomes of a full dry run equal a real reservation's", () => {
    const budget = budgetPolicy(10, new CallLog());
    const { engine } = engineWith([budget]);

    const dry = engine.executePreTradeDryRun(order());
    const real = engine.executePreTrade(order());
    if (!real.ok) throw new Error("expected a reservation");

    expect(dry.lock.toJSON()).toEqual(real.reservation.lock.toJSON());
    expect(dry.lock.toJSON()).toEqual([["185"]]);
    expect(dry.accountAdjustments).toEqual(real.reservation.accountAdjustments);
    expect(dry.accountBlock).toBeUndefined();
  });

  // Found by review: a main-stage reject dropped them (an empty lock, no adjustments).
  it("a full dry run rejected in the main stage still carries the lock and outcomes of the policies that passed, as OpenPit's report", () => {
    const { engine } = engineWith([
      budgetPolicy(10, new CallLog()),
      { name: "Size", performPreTradeCheck: () => ({ rejects: [reject("OrderQtyExceedsLimit", "order quantity exceeded", "requested 6, max allowed: 5")] }) },
    ]);
    const real = engine.executePreTrade(order());
    const dry = engine.executePreTradeDryRun(order());
    expect([real.ok, dry.isPass, dry.rejects]).toEqual([false, false, real.rejects]);
    expect(dry.lock.toJSON()).toEqual([["185"]]);
    expect(dry.accountAdjustments).toEqual(engineWith([budgetPolicy(10, new CallLog())]).engine.executePreTradeDryRun(order()).accountAdjustments);
    expect(dry.accountAdjustments).not.toEqual([]);
  });

  it("a rejecting policy's own lock and outcomes (returned for a drop copy's sake) stay out of the dry run's report; a drop copy keeps them", () => {
    const rejecting: PreTradePolicy = {
      name: "Size",
      performPreTradeCheck: () => ({
        rejects: [reject("OrderQtyExceedsLimit", "order quantity exceeded", "requested 6, max allowed: 5")],
        lockPrices: [Price.fromString("999")],
        accountAdjustments: [{ asset: "EUR" }],
      }),
    };
    const { engine } = engineWith([budgetPolicy(10, new CallLog()), rejecting]);
    const dry = engine.executePreTradeDryRun(order());
    expect([dry.isPass, dry.lock.toJSON()]).toEqual([false, [["185"]]]);
    expect(dry.accountAdjustments.map((o) => o.entry)).not.toContainEqual({ asset: "EUR" });
    const copied = engine.applyDropCopy(order());
    expect(copied.ok && copied.operation.lock.toJSON()).toEqual([["185", "999"]]);
  });

  // Found by review: the dry run skipped the account book's refusal (engine.ts, enterBook) and answered pass.
  it("an order the account book refuses (its side's pending total past the decimal range) is refused by the dry run as by the real pipeline, latching nothing", () => {
    const { engine } = engineWith([passPolicy()]);
    expect(engine.executePreTrade(order({ qty: "79228162514264337593543950335", price: "1" })).ok).toBe(true);
    const next = order({ qty: "1", price: "1" });
    const dry = engine.executePreTradeDryRun(next);
    const real = engine.executePreTrade(next);
    expect([dry.isPass, dry.rejects, dry.accountBlock]).toEqual([false, real.rejects, undefined]);
    expect(dry.rejects.map((r) => [r.policy, r.code, r.details])).toEqual([["@AccountBook", "ArithmeticOverflow", expect.stringContaining("account book pending overflow")]]);
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    // The other side has room: both pass.
    expect(engine.executePreTradeDryRun(order({ qty: "1", price: "1", side: "SELL" })).isPass).toBe(true);
  });

  it("a start-only dry run never runs the main stage and has an empty lock and outcomes", () => {
    const log = new CallLog();
    const { engine } = engineWith([budgetPolicy(10, log)]);

    const dry = engine.startPreTradeDryRun(order());

    expect(dry.isPass).toBe(true);
    expect(dry.lock.isEmpty()).toBe(true);
    expect(dry.accountAdjustments).toEqual([]);
    expect(log.calls).toEqual(["startDry:true"]);
  });

  it("without dry-run hooks the normal hooks are called with isDryRun set", () => {
    const seen: string[] = [];
    const { engine } = engineWith([
      {
        name: "Plain",
        checkPreTradeStart: (ctx) => void seen.push(`start:${ctx.isDryRun}`),
        performPreTradeCheck: (ctx) => void seen.push(`main:${ctx.isDryRun}`),
      },
    ]);

    engine.executePreTradeDryRun(order());

    expect(seen).toEqual(["start:true", "main:true"]);
  });

  it("start rejects short-circuit exactly like the real pipeline: the main stage is not run", () => {
    const log = new CallLog();
    const { engine } = engineWith([
      { name: "No", checkPreTradeStart: () => [reject("Other", "no", "start rejects")] },
      passPolicy("P", log),
    ]);

    const dry = engine.executePreTradeDryRun(order());

    expect(dry.isPass).toBe(false);
    expect(dry.rejects.map((r) => [r.policy, r.reason])).toEqual([["No", "no"]]);
    expect(log.calls).toEqual(["P.start"]);
    expect(dry.lock.isEmpty()).toBe(true);
  });

  it("the blocked-accounts gate applies: a blocked account is reported rejected and no policy runs", () => {
    const log = new CallLog();
    const { engine } = engineWith([passPolicy("P", log)]);
    engine.accounts().block(ACCOUNT, "compliance hold");

    const dry = engine.executePreTradeDryRun(order());

    expect(dry.isPass).toBe(false);
    expect(dry.rejects).toEqual([
      { policy: "Engine", code: "AccountBlocked", reason: "compliance hold", details: "compliance hold", scope: "account" },
    ]);
    expect(log.calls).toEqual([]);
  });

  it("a would-be account block from an account-scope reject is reported but not recorded", () => {
    const { engine, events } = engineWith([
      { name: "Size", performPreTradeCheck: () => ({ rejects: [reject("OrderQtyExceedsLimit", "order quantity exceeded", "requested 6, max allowed: 5", "account")] }) },
    ]);

    const dry = engine.executePreTradeDryRun(order());

    expect(dry.isPass).toBe(false);
    expect(dry.accountBlock).toEqual({
      policy: "Size",
      code: "AccountBlocked",
      reason: "order quantity exceeded",
      details: "requested 6, max allowed: 5",
    });
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    expect(events).toEqual([]);
  });

  it("a block raised through the context during a dry run is reported, not recorded", () => {
    const { engine } = engineWith([
      {
        name: "Watcher",
        performPreTradeCheck: (ctx) => {
          ctx.accountControl.block(ACCOUNT, { code: "PnlKillSwitchTriggered", reason: "pnl kill switch triggered", details: "would breach" });
        },
      },
    ]);

    const dry = engine.executePreTradeDryRun(order());

    expect(dry.accountBlock).toEqual({
      policy: "Watcher",
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered",
      details: "would breach",
    });
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("an account-scope start reject in a start-only dry run is reported as the would-be block", () => {
    const { engine } = engineWith([
      { name: "Guard", checkPreTradeStart: () => [reject("RiskLimitExceeded", "risk limit breached", "limit 1", "account")] },
    ]);

    const dry = engine.startPreTradeDryRun(order());

    expect(dry.accountBlock?.code).toBe("AccountBlocked");
    expect(dry.accountBlock?.policy).toBe("Guard");
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });
});
