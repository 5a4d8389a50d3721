import { describe, expect, it } from "vitest";
import {
  Engine,
  EngineBuildError,
  LifecycleError,
  ManualClock,
  PolicyCallbackError,
  type PreTradePolicy,
} from "../../src/engine/index.js";
import { missingField, type Order } from "../../src/model/index.js";
import { AccountGroupId, CashFlow, PolicyGroupId, Price, type AccountId } from "../../src/param/index.js";
import { ACCOUNT, CallLog, engineWith, order, passPolicy, reject, texts } from "../helpers/engine-core.js";

describe("start stage", () => {
  it("P1: every start policy runs once even after a reject; the main stage is not called", () => {
    const log = new CallLog();
    const policy = (name: string, rejects: boolean): PreTradePolicy => ({
      name,
      checkPreTradeStart: () => {
        log.add(`${name}.start`);
        return rejects ? [reject("Other", `${name} says no`, "second policy rejects")] : undefined;
      },
      performPreTradeCheck: () => {
        log.add(`${name}.main`);
      },
    });
    const { engine } = engineWith([policy("A", false), policy("B", true), policy("C", false)]);

    const result = engine.startPreTrade(order());

    expect(result.ok).toBe(false);
    expect(log.calls).toEqual(["A.start", "B.start", "C.start"]);
    expect(result.rejects).toEqual([
      { policy: "B", code: "Other", reason: "B says no", details: "second policy rejects", scope: "order" },
    ]);
  });

  it("aggregates rejects in policy order, then each policy's own order, and latches the first account-scope one", () => {
    const { engine, events } = engineWith([
      { name: "A", checkPreTradeStart: () => [reject("RateLimitExceeded", "a1", "order scope")] },
      {
        name: "B",
        checkPreTradeStart: () => [
          { ...reject("RiskLimitExceeded", "b1", "first account scope", "account"), userData: "token-b1" },
          reject("RiskLimitExceeded", "b2", "second account scope", "account"),
        ],
      },
      { name: "C", checkPreTradeStart: () => [reject("PnlKillSwitchTriggered", "c1", "third", "account")] },
    ]);

    const result = engine.startPreTrade(order());

    expect(result.ok).toBe(false);
    expect(result.rejects.map((r) => [r.policy, r.code, r.reason, r.scope])).toEqual([
      ["A", "RateLimitExceeded", "a1", "order"],
      ["B", "RiskLimitExceeded", "b1", "account"],
      ["B", "RiskLimitExceeded", "b2", "account"],
      ["C", "PnlKillSwitchTriggered", "c1", "account"],
    ]);
    const latched = { policy: "B", code: "AccountBlocked", reason: "b1", details: "first account scope", userData: "token-b1" };
    expect(engine.accounts().blockOf(ACCOUNT)).toEqual(latched);
    expect(events).toEqual([{ kind: "accountBlocked", accountId: ACCOUNT, block: latched }]);
  });

  it("P4: start-stage side effects stay when the main stage rejects", () => {
    let counter = 0;
    const { engine } = engineWith([
      { name: "Counter", checkPreTradeStart: () => void counter++ },
      { name: "Rejecter", performPreTradeCheck: () => ({ rejects: [reject("Other", "no", "main rejects")] }) },
    ]);

    const result = engine.executePreTrade(order());

    expect(result.ok).toBe(false);
    expect(counter).toBe(1);
  });

  it("P5: executePreTrade with a single start reject returns a one-element list", () => {
    const { engine } = engineWith([
      {
        name: "StartGate",
        checkPreTradeStart: () => [reject("InvalidFieldValue", "order quantity must be non-zero", "requested quantity 0 is not allowed")],
      },
      passPolicy("Later"),
    ]);

    const result = engine.executePreTrade(order());

    expect(result.ok).toBe(false);
    expect(result.rejects).toEqual([
      {
        policy: "StartGate",
        code: "InvalidFieldValue",
        reason: "order quantity must be non-zero",
        details: "requested quantity 0 is not allowed",
        scope: "order",
      },
    ]);
  });

  it("P9: an account-scope start reject blocks the account; the next order is rejected before any policy with the original policy name", () => {
    const log = new CallLog();
    let reject_ = true;
    const { engine } = engineWith([
      {
        name: "Guard",
        checkPreTradeStart: () => {
          log.add("Guard.start");
          return reject_ ? [reject("RiskLimitExceeded", "risk limit breached", "account limit 5 exceeded", "account")] : undefined;
        },
      },
    ]);

    expect(engine.executePreTrade(order()).ok).toBe(false);
    reject_ = false;
    const second = engine.executePreTrade(order());

    expect(second.ok).toBe(false);
    expect(second.rejects).toEqual([
      { policy: "Guard", code: "AccountBlocked", reason: "risk limit breached", details: "account limit 5 exceeded", scope: "account" },
    ]);
    expect(log.calls).toEqual(["Guard.start"]);
  });

  it("every start policy of one call sees the same clock instant", () => {
    const seen: number[] = [];
    const { engine, clock } = engineWith(
      [
        { name: "A", checkPreTradeStart: (ctx) => void seen.push(ctx.nowMs) },
        { name: "B", checkPreTradeStart: (ctx) => void seen.push(ctx.nowMs) },
      ],
      5_000,
    );

    engine.startPreTrade(order());
    clock.advance(250);
    engine.startPreTrade(order());

    expect(seen).toEqual([5_000, 5_000, 5_250, 5_250]);
  });

  it("a start policy that throws surfaces as PolicyCallbackError carrying the cause", () => {
    const boom = new Error("boom");
    const { engine } = engineWith([
      {
        name: "Thrower",
        checkPreTradeStart: () => {
          throw boom;
        },
      },
    ]);

    let caught: unknown;
    try {
      engine.startPreTrade(order());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PolicyCallbackError);
    expect((caught as PolicyCallbackError).policy).toBe("Thrower");
    expect((caught as PolicyCallbackError).cause).toBe(boom);
  });
});

describe("main stage", () => {
  /** Two policies writing one shared flag, as in OpenPit's mutation-order test. */
  function flagPolicies(rejecting: boolean) {
    const state = { flag: "initial" };
    const log = new CallLog();
    const policy = (name: string, scope: "order" | "account"): PreTradePolicy => ({
      name,
      performPreTradeCheck: (_ctx, _order, mutations) => {
        log.add(`${name}.main`);
        mutations.push(
          () => {
            log.add(`${name}.commit`);
            state.flag = `${name} committed`;
          },
          () => {
            log.add(`${name}.rollback`);
            state.flag = `${name} rolled back`;
          },
        );
        return rejecting ? { rejects: [reject("RiskLimitExceeded", `${name} rejects`, `${name} details`, scope)] } : undefined;
      },
    });
    return { state, log, policies: [policy("First", "order"), policy("Second", "account")] };
  }

  it("P2: both reject: rejects in registration order, rollbacks run second then first", () => {
    const { state, log, policies } = flagPolicies(true);
    const { engine } = engineWith(policies);

    const result = engine.executePreTrade(order());

    expect(result.ok).toBe(false);
    expect(result.rejects.map((r) => [r.policy, r.scope])).toEqual([
      ["First", "order"],
      ["Second", "account"],
    ]);
    expect(log.calls).toEqual(["First.main", "Second.main", "Second.rollback", "First.rollback"]);
    expect(state.flag).toBe("First rolled back");
  });

  it("P2: both pass and commit: commits run in registration order, the flag ends at the second commit", () => {
    const { state, log, policies } = flagPolicies(false);
    const { engine } = engineWith(policies);

    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("expected a reservation");
    result.reservation.commit();

    expect(log.calls).toEqual(["First.main", "Second.main", "First.commit", "Second.commit"]);
    expect(state.flag).toBe("Second committed");
  });

  it("a reject rolls back every mutation in reverse, including those of passing policies, and commits none", () => {
    const log = new CallLog();
    const mutating = (name: string, rejects: boolean): PreTradePolicy => ({
      name,
      performPreTradeCheck: (_ctx, _order, mutations) => {
        mutations.push(
          () => log.add(`${name}.commit`),
          () => log.add(`${name}.rollback`),
        );
        return rejects ? { rejects: [reject("Other", "no", "middle rejects")] } : undefined;
      },
    });
    const { engine } = engineWith([mutating("A", false), mutating("B", true), mutating("C", false)]);

    const result = engine.executePreTrade(order());

    expect(result.ok).toBe(false);
    expect(log.calls).toEqual(["C.rollback", "B.rollback", "A.rollback"]);
  });

  it("the first account-scope main reject is latched as AccountBlocked with the policy name kept", () => {
    const { engine } = engineWith([
      { name: "A", performPreTradeCheck: () => ({ rejects: [reject("InsufficientFunds", "a", "order scope")] }) },
      { name: "B", performPreTradeCheck: () => ({ rejects: [reject("RiskLimitExceeded", "b", "account scope 1", "account")] }) },
      { name: "C", performPreTradeCheck: () => ({ rejects: [reject("RiskLimitExceeded", "c", "account scope 2", "account")] }) },
    ]);

    engine.executePreTrade(order());

    expect(engine.accounts().blockOf(ACCOUNT)).toEqual({ policy: "B", code: "AccountBlocked", reason: "b", details: "account scope 1" });
  });

  it("a main policy that throws → PolicyCallbackError; earlier mutations are rolled back in reverse and later policies do not run", () => {
    const log = new CallLog();
    const boom = new Error("main exploded");
    const { engine } = engineWith([
      {
        name: "A",
        performPreTradeCheck: (_c, _o, m) =>
          m.push(
            () => log.add("A.commit"),
            () => log.add("A.rollback"),
          ),
      },
      {
        name: "B",
        performPreTradeCheck: (_c, _o, m) => {
          m.push(
            () => log.add("B.commit"),
            () => log.add("B.rollback"),
          );
          throw boom;
        },
      },
      { name: "C", performPreTradeCheck: () => void log.add("C.main") },
    ]);

    let caught: unknown;
    try {
      engine.executePreTrade(order());
    } catch (e) {
      caught = e;
    }

    expect(caught).toBeInstanceOf(PolicyCallbackError);
    expect((caught as PolicyCallbackError).policy).toBe("B");
    expect((caught as PolicyCallbackError).hook).toBe("performPreTradeCheck");
    expect((caught as PolicyCallbackError).cause).toBe(boom);
    expect(log.calls).toEqual(["B.rollback", "A.rollback"]);
  });

  it("lock prices go under each policy's group id and outcome entries are tagged with it", () => {
    const { engine } = engineWith([
      {
        name: "Default",
        performPreTradeCheck: () => ({
          lockPrices: [Price.fromString("185")],
          accountAdjustments: [{ asset: "USD" }],
        }),
      },
      {
        name: "Grouped",
        policyGroupId: PolicyGroupId.fromU16(7),
        performPreTradeCheck: () => ({
          lockPrices: [Price.fromString("200"), Price.fromString("201.50")],
          accountAdjustments: [{ asset: "AAPL" }],
        }),
      },
    ]);

    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("expected a reservation");

    expect(JSON.stringify(result.reservation.lock)).toBe('[["185"],[7,"200","201.50"]]');
    expect(result.reservation.accountAdjustments).toEqual([
      { policyGroupId: 0, entry: { asset: "USD" } },
      { policyGroupId: 7, entry: { asset: "AAPL" } },
    ]);
    expect(result.reservation.accountBlock).toBeUndefined();
  });

  it("a lock of one price keeps its group, and later prices keep registration order after it", () => {
    const lockOf = (...policies: { group?: number; prices: string[] }[]) => {
      const { engine } = engineWith(
        policies.map((p, i) => ({
          name: `P${i}`,
          ...(p.group === undefined ? {} : { policyGroupId: PolicyGroupId.fromU16(p.group) }),
          performPreTradeCheck: () => ({ lockPrices: p.prices.map((x) => Price.fromString(x)) }),
        })),
      );
      const result = engine.executePreTrade(order());
      if (!result.ok) throw new Error("expected a reservation");
      return JSON.stringify(result.reservation.lock);
    };
    expect(lockOf({ prices: ["185.25"] })).toBe('[["185.25"]]');
    expect(lockOf({ group: 7, prices: ["200"] })).toBe('[[],[7,"200"]]');
    expect(lockOf({ group: 9, prices: ["200"] }, { prices: ["185"] }, { group: 7, prices: ["201"] })).toBe('[["185"],[9,"200"],[7,"201"]]');
    expect(lockOf({ prices: ["1"] }, { prices: ["2", "3"] })).toBe('[["1","2","3"]]');
    expect(lockOf({ prices: [] })).toBe("[]");
  });

  it("P12: a policy needing absent fields rejects with MissingRequiredField naming the field", () => {
    const needsAccount: PreTradePolicy = {
      name: "NeedsFields",
      checkPreTradeStart: (_ctx, o) => {
        if (o.operation?.accountId === undefined) return [missingField("account_id")];
        if (o.operation.instrument === undefined) return [missingField("instrument")];
        return undefined;
      },
    };
    const { engine } = engineWith([needsAccount]);

    const noOperation = engine.executePreTrade({});
    const noInstrument = engine.executePreTrade({ operation: { accountId: ACCOUNT, side: "BUY" } });

    expect(noOperation.rejects).toEqual([
      {
        policy: "NeedsFields",
        code: "MissingRequiredField",
        reason: "failed to access required field 'account_id'",
        details: "failed to access required field 'account_id'",
        scope: "order",
      },
    ]);
    expect(noInstrument.rejects.map((r) => r.reason)).toEqual(["failed to access required field 'instrument'"]);
  });

  it("P13: custom notional cap 700: sell 5@100 commit, buy 3@100 dropped, buy 8@100 rejected", () => {
    const observed: string[] = [];
    let committed = CashFlow.zero();
    const cap = Price.fromString("700");
    const capPolicy: PreTradePolicy = {
      name: "NotionalCap",
      performPreTradeCheck: (_ctx, o: Order, mutations) => {
        const op = o.operation!;
        const amount = op.tradeAmount!;
        if (amount.kind !== "quantity") throw new Error("quantity orders only");
        const volume = op.price!.calculateVolume(amount.value);
        // Cash-flow view: a sell brings money in, a buy pays it out.
        const signed = op.side === "SELL" ? volume.toCashFlowInflow() : volume.toCashFlowOutflow();
        observed.push(signed.toString());
        if (volume.gt(cap)) {
          return {
            rejects: [
              reject("RiskLimitExceeded", "notional cap exceeded", `requested notional ${volume.toString()}, max allowed: ${cap.toString()}`),
            ],
          };
        }
        mutations.push(
          () => {
            committed = committed.add(signed);
          },
          () => {},
        );
        return undefined;
      },
    };
    const { engine } = engineWith([capPolicy]);

    const sell = engine.executePreTrade(order({ side: "SELL", qty: "5", price: "100" }));
    if (!sell.ok) throw new Error("sell must pass");
    sell.reservation.commit();
    const buy = engine.executePreTrade(order({ side: "BUY", qty: "3", price: "100" }));
    if (!buy.ok) throw new Error("buy 3 must pass");
    buy.reservation[Symbol.dispose]();
    const big = engine.executePreTrade(order({ side: "BUY", qty: "8", price: "100" }));

    expect(big.ok).toBe(false);
    expect(big.rejects).toEqual([
      {
        policy: "NotionalCap",
        code: "RiskLimitExceeded",
        reason: "notional cap exceeded",
        details: "requested notional 800, max allowed: 700",
        scope: "order",
      },
    ]);
    expect(observed).toEqual(["500", "-300", "-800"]);
    expect(committed.toString()).toBe("500");
  });
});

describe("deferred request", () => {
  it("blocks are re-checked at execute: an account blocked between the stages is rejected and no main hook runs", () => {
    const log = new CallLog();
    const { engine } = engineWith([passPolicy("P", log)]);

    const start = engine.startPreTrade(order());
    if (!start.ok) throw new Error("start must pass");
    engine.accounts().block(ACCOUNT, "halted between stages");
    const result = start.request.execute();

    expect(result.ok).toBe(false);
    expect(result.rejects).toEqual([
      { policy: "Engine", code: "AccountBlocked", reason: "halted between stages", details: "halted between stages", scope: "account" },
    ]);
    expect(log.calls).toEqual(["P.start"]);
  });

  it("a group blocked between the stages is also caught at execute", () => {
    const { engine } = engineWith([passPolicy()]);
    const group = AccountGroupId.fromU32(3);
    engine.accounts().registerGroup([ACCOUNT], group);

    const start = engine.startPreTrade(order());
    if (!start.ok) throw new Error("start must pass");
    engine.accounts().blockGroup(group, "desk closed");

    expect(start.request.execute().rejects.map((r) => [r.code, r.reason])).toEqual([["AccountBlocked", "desk closed"]]);
  });

  it("P6: a request executed after the engine is gone returns SystemUnavailable", () => {
    const { engine } = engineWith([passPolicy()]);
    const start = engine.startPreTrade(order());
    if (!start.ok) throw new Error("start must pass");

    engine.close();
    const result = start.request.execute();

    expect(result.ok).toBe(false);
    expect(result.rejects).toEqual([
      {
        policy: "Engine",
        code: "SystemUnavailable",
        reason: "engine is no longer available",
        details: "request handle outlived engine instance",
        scope: "order",
      },
    ]);
  });

  it("P10: executing the same request twice throws LifecycleError", () => {
    const log = new CallLog();
    const { engine } = engineWith([passPolicy("P", log)]);
    const start = engine.startPreTrade(order());
    if (!start.ok) throw new Error("start must pass");

    start.request.execute();

    expect(() => start.request.execute()).toThrow(LifecycleError);
    expect(log.count("P.main")).toBe(1);
  });

  it("an abandoned (disposed) request cannot be executed and keeps start effects", () => {
    let starts = 0;
    const { engine } = engineWith([{ name: "Counter", checkPreTradeStart: () => void starts++, performPreTradeCheck: () => {} }]);
    const start = engine.startPreTrade(order());
    if (!start.ok) throw new Error("start must pass");

    start.request[Symbol.dispose]();

    expect(start.request.isConsumed).toBe(true);
    expect(() => start.request.execute()).toThrow(LifecycleError);
    expect(starts).toBe(1);
  });
});

describe("blocked-accounts gate", () => {
  it("while anything is blocked, an order without an account id is rejected MissingRequiredField by Engine before any policy", () => {
    const log = new CallLog();
    const { engine } = engineWith([passPolicy("P", log)]);
    const noAccount = order({ account: null });

    expect(engine.executePreTrade(noAccount).ok).toBe(true);
    engine.accounts().block(ACCOUNT, "someone else is halted");
    const result = engine.executePreTrade(noAccount);

    expect(result.ok).toBe(false);
    expect(result.rejects).toEqual([
      {
        policy: "Engine",
        code: "MissingRequiredField",
        reason: "account could not be verified as account ID is missing",
        details: "unable to check account for blocking",
        scope: "order",
      },
    ]);
    expect(log.calls).toEqual(["P.start", "P.main"]);
  });

  it("an order for another account passes while one account is blocked", () => {
    const { engine } = engineWith([passPolicy()]);
    engine.accounts().block(ACCOUNT, "halt");

    expect(engine.executePreTrade(order({ account: 12345n as AccountId })).ok).toBe(true);
  });

  it("engine-generated reject texts never contain the account id", () => {
    const { engine } = engineWith([
      { name: "Guard", checkPreTradeStart: () => [reject("RiskLimitExceeded", "risk limit breached", "limit 5 exceeded", "account")] },
    ]);
    const id = ACCOUNT.toString();

    const first = engine.executePreTrade(order());
    const latched = engine.executePreTrade(order());
    const noAccount = engine.executePreTrade(order({ account: null }));

    const all = [...first.rejects, ...latched.rejects, ...noAccount.rejects];
    expect(all).toHaveLength(3);
    expect(texts(all)).not.toContain(id);
  });
});

describe("builder", () => {
  const named = (name: string, group?: number): PreTradePolicy => ({
    name,
    ...(group === undefined ? {} : { policyGroupId: PolicyGroupId.fromU16(group) }),
    checkPreTradeStart: () => {},
  });

  it("refuses an engine without policies (NoPolicies)", () => {
    let caught: unknown;
    try {
      Engine.builder().clock(new ManualClock()).build();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EngineBuildError);
    expect((caught as EngineBuildError).kind).toBe("NoPolicies");
  });

  it("P7: duplicate policy names are refused, whatever hooks the policies implement", () => {
    const main: PreTradePolicy = { name: "dup", performPreTradeCheck: () => {} };
    for (const second of [named("dup"), main]) {
      let caught: unknown;
      try {
        Engine.builder().policy(named("dup")).policy(second).build();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(EngineBuildError);
      expect((caught as EngineBuildError).kind).toBe("DuplicatePolicyName");
    }
  });

  it("P8: two policies with group id 7 are refused; any number may share the default group 0", () => {
    let caught: unknown;
    try {
      Engine.builder().policy(named("a", 7)).policy(named("b", 7)).build();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EngineBuildError);
    expect((caught as EngineBuildError).kind).toBe("DuplicatePolicyGroupId");

    expect(() => Engine.builder().policy(named("a", 0)).policy(named("b")).policy(named("c", 0)).build()).not.toThrow();
    expect(() => Engine.builder().policy(named("a", 7)).policy(named("b", 8)).build()).not.toThrow();
  });

  it("policies run in registration order in every stage", () => {
    const log = new CallLog();
    const { engine } = engineWith([passPolicy("Z", log), passPolicy("A", log), passPolicy("M", log)]);

    engine.executePreTrade(order());

    expect(log.calls).toEqual(["Z.start", "A.start", "M.start", "Z.main", "A.main", "M.main"]);
  });
});
