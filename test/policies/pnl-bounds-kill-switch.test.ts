import { describe, expect, it } from "vitest";
import { Engine, ManualClock, PolicyConfigureError, SettingsValidationError, type PreTradePolicy } from "../../src/engine/index.js";
import type { ExecutionReport, Order, Reject } from "../../src/model/index.js";
import { TradeAmount } from "../../src/model/index.js";
import { AccountId, Fee, Pnl, Quantity, instrument, type Instrument } from "../../src/param/index.js";
import {
  PnlBoundsKillSwitchPolicy,
  parsePnlBoundsKillSwitchSettingsJson,
  type PnlBoundsKillSwitchInitialSettings,
  type PnlBoundsKillSwitchSettings,
} from "../../src/policies/pnl-bounds-kill-switch/index.js";
import { seededRandom } from "../../bench/workload.js";

const NAME = PnlBoundsKillSwitchPolicy.NAME;
const ACC = AccountId.fromU64(99224416);
const ACC2 = AccountId.fromU64(99224417);
const AAPL_USD = instrument("AAPL", "USD");
const DECIMAL_MAX = "79228162514264337593543950335";

const pnl = (v: string) => Pnl.fromString(v);

/** `null` leaves a field out (`undefined` would pick the default). */
function order(accountId: AccountId | null = ACC, inst: Instrument | null = AAPL_USD): Order {
  return {
    operation: {
      ...(inst === null ? {} : { instrument: inst }),
      ...(accountId === null ? {} : { accountId }),
      side: "BUY",
      tradeAmount: TradeAmount.quantity(Quantity.fromInt(1)),
    },
  };
}

/** `null` leaves a field out. */
function report(
  accountId: AccountId | null,
  pnlText: string | null,
  feeText: string | null = "0",
  inst: Instrument | null = AAPL_USD,
): ExecutionReport {
  return {
    operation: {
      ...(inst === null ? {} : { instrument: inst }),
      ...(accountId === null ? {} : { accountId }),
      side: "SELL",
    },
    financialImpact: {
      ...(pnlText === null ? {} : { pnl: pnl(pnlText) }),
      ...(feeText === null ? {} : { fee: Fee.fromString(feeText) }),
    },
  };
}

/** Counts start-stage calls, to prove the engine latch rejects before any policy runs. */
function startSpy(): PreTradePolicy & { calls: number } {
  const spy = {
    name: "StartSpy",
    calls: 0,
    checkPreTradeStart() {
      spy.calls += 1;
      return undefined;
    },
  };
  return spy;
}

function setup(settings: PnlBoundsKillSwitchInitialSettings, ...extra: PreTradePolicy[]) {
  const policy = new PnlBoundsKillSwitchPolicy(settings);
  let builder = Engine.builder().clock(new ManualClock()).policy(policy);
  for (const p of extra) builder = builder.policy(p);
  return { policy, engine: builder.build() };
}

function usdBroker(lower?: string, upper?: string): PnlBoundsKillSwitchInitialSettings {
  return {
    brokerBarriers: [
      {
        settlementAsset: "USD",
        ...(lower === undefined ? {} : { lowerBound: pnl(lower) }),
        ...(upper === undefined ? {} : { upperBound: pnl(upper) }),
      },
    ],
    accountBarriers: [],
  };
}

/** Submits an order; returns its single reject, or undefined if it passed (then committed). */
function submit(engine: Engine, o: Order = order()): Reject | undefined {
  const result = engine.executePreTrade(o);
  if (result.ok) {
    result.reservation.commit();
    return undefined;
  }
  expect(result.rejects).toHaveLength(1);
  return result.rejects[0];
}

describe("PnlBoundsKillSwitchPolicy", () => {
  it("K1: a post-trade breach blocks the account; the engine latch rejects before policies run", () => {
    const spy = startSpy();
    const { engine } = setup(usdBroker("-500"), spy);
    const result = engine.applyExecutionReport(report(ACC, "-600", "0", instrument("SPX", "USD")));
    expect(result.accountBlocks).toEqual([
      {
        policy: NAME,
        code: "PnlKillSwitchTriggered",
        reason: "pnl kill switch triggered",
        details: "realized pnl -600, settlement asset USD",
      },
    ]);
    const reject = submit(engine, order(ACC, AAPL_USD));
    expect(reject).toEqual({
      policy: NAME,
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered",
      details: "realized pnl -600, settlement asset USD",
      scope: "account",
    });
    expect(spy.calls).toBe(0);
  });

  it("K2: accounts accumulate independently; only the one over the upper bound is blocked", () => {
    const { engine, policy } = setup(usdBroker("-100", "50"));
    expect(engine.applyExecutionReport(report(ACC, "40")).accountBlocks).toEqual([]);
    expect(engine.applyExecutionReport(report(ACC2, "-90")).accountBlocks).toEqual([]);
    expect(submit(engine, order(ACC))).toBeUndefined();
    expect(submit(engine, order(ACC2))).toBeUndefined();

    const result = engine.applyExecutionReport(report(ACC, "15"));
    expect(result.accountBlocks.map((b) => [b.code, b.details])).toEqual([
      ["PnlKillSwitchTriggered", "realized pnl 55, settlement asset USD"],
    ]);
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("55");
    expect(policy.accountPnl(ACC2, "USD")?.toString()).toBe("-90");
    expect(submit(engine, order(ACC))?.code).toBe("PnlKillSwitchTriggered");
    expect(submit(engine, order(ACC2))).toBeUndefined();
  });

  it("K3: the policy stops reporting once back inside, but the engine latch holds until unblock", () => {
    const { engine, policy } = setup(usdBroker("-100", "50"));
    expect(engine.applyExecutionReport(report(ACC, "-101")).accountBlocks).toHaveLength(1);
    expect(engine.applyExecutionReport(report(ACC, "5")).accountBlocks).toEqual([]);
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-96");

    // First cause wins: the latched block still carries the breaching total.
    for (let i = 0; i < 3; i++) {
      expect(submit(engine)).toEqual({
        policy: NAME,
        code: "PnlKillSwitchTriggered",
        reason: "pnl kill switch triggered",
        details: "realized pnl -101, settlement asset USD",
        scope: "account",
      });
    }
    engine.accounts().unblock(ACC);
    expect(engine.accounts().blockOf(ACC)).toBeUndefined();
    expect(submit(engine)).toBeUndefined();
  });

  it("K3: after unblock a total still outside is rejected by the start stage and latched again", () => {
    const { engine } = setup(usdBroker("-100"));
    engine.applyExecutionReport(report(ACC, "-150"));
    engine.accounts().unblock(ACC);
    expect(submit(engine)).toEqual({
      policy: NAME,
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered: broker barrier",
      details: "lower bound breached: realized pnl -150, lower_bound Some(Pnl(-100)), upper_bound None, settlement asset USD",
      scope: "account",
    });
    expect(submit(engine)).toMatchObject({
      policy: NAME,
      code: "AccountBlocked",
      reason: "pnl kill switch triggered: broker barrier",
      scope: "account",
    });
  });

  it("K4: initialPnl seeds the accumulator; the broker barrier is checked first", () => {
    const { engine, policy } = setup({
      brokerBarriers: [{ settlementAsset: "USD", lowerBound: pnl("-100"), upperBound: pnl("50") }],
      accountBarriers: [{ accountId: ACC, settlementAsset: "USD", lowerBound: pnl("-500"), initialPnl: pnl("-101") }],
    });
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-101");
    const expected = {
      policy: NAME,
      reason: "pnl kill switch triggered: broker barrier",
      details: "lower bound breached: realized pnl -101, lower_bound Some(Pnl(-100)), upper_bound Some(Pnl(50)), settlement asset USD",
      scope: "account",
    };
    expect(submit(engine)).toEqual({ ...expected, code: "PnlKillSwitchTriggered" });
    // The start-stage reject was latched with its code replaced.
    expect(submit(engine)).toEqual({ ...expected, code: "AccountBlocked" });
    // Another account has no seed and starts at zero.
    expect(submit(engine, order(ACC2))).toBeUndefined();
  });

  it("K4: the account + asset barrier rejects when only it is breached", () => {
    const { engine } = setup({
      brokerBarriers: [{ settlementAsset: "USD", lowerBound: pnl("-500") }],
      accountBarriers: [{ accountId: ACC, settlementAsset: "USD", lowerBound: pnl("-100"), initialPnl: pnl("-200") }],
    });
    expect(submit(engine)).toEqual({
      policy: NAME,
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered: account + asset barrier",
      details: "lower bound breached: realized pnl -200, lower_bound Some(Pnl(-100)), upper_bound None, settlement asset USD",
      scope: "account",
    });
  });

  it("K4: an upper bound breach and a bound with scale are rendered exactly", () => {
    const { engine } = setup({
      brokerBarriers: [],
      accountBarriers: [{ accountId: ACC, settlementAsset: "USD", upperBound: pnl("50.50"), initialPnl: pnl("50.51") }],
    });
    expect(submit(engine)?.details).toBe(
      "upper bound breached: realized pnl 50.51, lower_bound None, upper_bound Some(Pnl(50.50)), settlement asset USD",
    );
  });

  it("K5: inverted bounds breach on both sides", () => {
    const { engine } = setup({
      brokerBarriers: [{ settlementAsset: "USD", lowerBound: pnl("10"), upperBound: pnl("5") }],
      accountBarriers: [{ accountId: ACC, settlementAsset: "USD", upperBound: pnl("500"), initialPnl: pnl("7") }],
    });
    expect(submit(engine)).toEqual({
      policy: NAME,
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered: broker barrier",
      details: "lower and upper bound breached: realized pnl 7, lower_bound Some(Pnl(10)), upper_bound Some(Pnl(5)), settlement asset USD",
      scope: "account",
    });
  });

  it("K6: a broker lower bound above zero rejects an account with no history", () => {
    const { engine, policy } = setup(usdBroker("10"));
    expect(policy.accountPnl(ACC, "USD")).toBeUndefined();
    expect(submit(engine)).toEqual({
      policy: NAME,
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered: broker barrier",
      details: "lower bound breached: realized pnl 0, lower_bound Some(Pnl(10)), upper_bound None, settlement asset USD",
      scope: "account",
    });
  });

  it("K6: equal to a bound is inside (strict comparison)", () => {
    const { engine } = setup({
      brokerBarriers: [{ settlementAsset: "USD", lowerBound: pnl("-100"), upperBound: pnl("50") }],
      accountBarriers: [],
    });
    expect(engine.applyExecutionReport(report(ACC, "-100")).accountBlocks).toEqual([]);
    expect(submit(engine)).toBeUndefined();
    expect(engine.applyExecutionReport(report(ACC2, "50")).accountBlocks).toEqual([]);
    expect(submit(engine, order(ACC2))).toBeUndefined();
  });

  it("K7: accumulator overflow blocks with OrderValueCalculationFailed and keeps the last total", () => {
    const { engine, policy } = setup(usdBroker("-100"));
    expect(engine.applyExecutionReport(report(ACC, DECIMAL_MAX)).accountBlocks).toEqual([]);
    const second = engine.applyExecutionReport(report(ACC, DECIMAL_MAX));
    const block = {
      policy: NAME,
      code: "OrderValueCalculationFailed",
      reason: "pnl accumulation overflow",
      details: `realized pnl + pnl_with_fee overflow: previous ${DECIMAL_MAX}, increment ${DECIMAL_MAX}, settlement asset USD`,
    };
    expect(second.accountBlocks).toEqual([block]);
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe(DECIMAL_MAX);
    // The engine recorded the block with its code preserved.
    expect(submit(engine)).toEqual({ ...block, scope: "account" });
  });

  it("K7: pnl − fee overflow blocks before the accumulator is touched", () => {
    const { engine, policy } = setup(usdBroker(undefined, DECIMAL_MAX));
    const result = engine.applyExecutionReport(report(ACC, DECIMAL_MAX, "-1"));
    expect(result.accountBlocks).toEqual([
      {
        policy: NAME,
        code: "OrderValueCalculationFailed",
        reason: "pnl accumulation overflow",
        details: `pnl + fee overflow: pnl ${DECIMAL_MAX}, fee -1, settlement asset USD`,
      },
    ]);
    expect(policy.accountPnl(ACC, "USD")).toBeUndefined();
    expect(engine.applyExecutionReport(report(ACC, "0")).accountBlocks).toEqual([]);
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("0");
  });

  it("K8: setAccountPnl through the configurator records no block; the next order is rejected and latched", () => {
    const { engine, policy } = setup(usdBroker("-100"));
    const blocks = engine.configure().apply(NAME, PnlBoundsKillSwitchPolicy, (p) => {
      p.setAccountPnl(ACC, "USD", pnl("-150"));
      return undefined;
    });
    expect(blocks).toEqual([]);
    expect(engine.accounts().blockOf(ACC)).toBeUndefined();
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-150");

    expect(submit(engine)).toEqual({
      policy: NAME,
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered: broker barrier",
      details: "lower bound breached: realized pnl -150, lower_bound Some(Pnl(-100)), upper_bound None, settlement asset USD",
      scope: "account",
    });
    expect(engine.accounts().blockOf(ACC)).toMatchObject({ policy: NAME, code: "AccountBlocked" });
    expect(submit(engine)?.code).toBe("AccountBlocked");
  });

  it("K8: setAccountPnl is an absolute upsert; later reports add to it", () => {
    const { engine, policy } = setup(usdBroker("-1000"));
    engine.applyExecutionReport(report(ACC, "-50"));
    engine.configure().apply(NAME, PnlBoundsKillSwitchPolicy, (p) => {
      p.setAccountPnl(ACC, "USD", pnl("-10"));
      p.setAccountPnl(ACC2, "EUR", pnl("3.5"));
      return undefined;
    });
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-10");
    expect(policy.accountPnl(ACC2, "EUR")?.toString()).toBe("3.5");
    engine.applyExecutionReport(report(ACC, "-5"));
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-15");
  });

  it("K9: a positive fee is a cost: pnl −50, fee 3.4 accumulates −53.4 without a block", () => {
    const { engine, policy } = setup(usdBroker("-1000"));
    expect(engine.applyExecutionReport(report(ACC, "-50", "3.4")).accountBlocks).toEqual([]);
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-53.4");
    expect(submit(engine)).toBeUndefined();
    // A negative fee (rebate) raises it.
    engine.applyExecutionReport(report(ACC, "0", "-0.40"));
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-53.00");
  });

  it("K10: many interleaved reports for several accounts lose no update; the kill switch stays latched", () => {
    const accounts = [1, 2, 3, 4].map((n) => AccountId.fromU64(n));
    const assets = ["USD", "EUR"];
    const { engine, policy } = setup({
      brokerBarriers: [
        { settlementAsset: "USD", lowerBound: pnl("-1000000000"), upperBound: pnl("1000000000") },
        { settlementAsset: "EUR", lowerBound: pnl("-1000000000") },
      ],
      // Account 4 has a tight USD barrier: it trips during the run and must stay blocked.
      accountBarriers: [{ accountId: accounts[3]!, settlementAsset: "USD", lowerBound: pnl("-50") }],
    });
    const expectedCents = new Map<string, bigint>();
    const key = (a: number, s: string) => `${a}/${s}`;
    const cents = (c: bigint) => {
      const sign = c < 0n ? "-" : "";
      const abs = c < 0n ? -c : c;
      return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
    };
    const blockedAt: number[] = [];

    for (let i = 0; i < 4000; i++) {
      const a = (i * 7) % 4;
      const s = assets[Math.floor(i / 4) % 2]!;
      const pnlCents = BigInt(((i * 7919) % 20001) - 10000);
      const feeCents = BigInt(i % 50);
      const k = key(a, s);
      expectedCents.set(k, (expectedCents.get(k) ?? 0n) + pnlCents - feeCents);
      const result = engine.applyExecutionReport(
        report(accounts[a]!, cents(pnlCents), cents(feeCents), instrument("X", s)),
      );
      if (result.accountBlocks.length > 0) blockedAt.push(i);
      if (i % 97 === 0) {
        // Interleaved orders: every account but the tripped one keeps trading.
        for (let n = 0; n < 3; n++) expect(submit(engine, order(accounts[n]!, instrument("X", "USD")))).toBeUndefined();
      }
    }

    expect(expectedCents.size).toBe(8);
    for (let a = 0; a < 4; a++) {
      for (const s of assets) {
        expect(policy.accountPnl(accounts[a]!, s)?.toString()).toBe(cents(expectedCents.get(key(a, s)) ?? 0n));
      }
    }
    // Only account 4 ever tripped; once blocked it stays blocked for every later order.
    expect(blockedAt.length).toBeGreaterThan(0);
    expect(blockedAt.every((i) => (i * 7) % 4 === 3)).toBe(true);
    const latched = engine.accounts().blockOf(accounts[3]!);
    expect(latched).toMatchObject({ policy: NAME, code: "PnlKillSwitchTriggered", reason: "pnl kill switch triggered" });
    expect(submit(engine, order(accounts[3]!, instrument("X", "EUR")))).toMatchObject({ details: latched!.details });
  });

  it("C2: a broker barrier added at runtime sees the P&L accumulated before it existed", () => {
    const { engine, policy } = setup({
      brokerBarriers: [{ settlementAsset: "EUR", lowerBound: pnl("-1") }],
      accountBarriers: [],
    });
    expect(engine.applyExecutionReport(report(ACC, "-600")).accountBlocks).toEqual([]);
    expect(submit(engine)).toBeUndefined();

    engine.configure().update(NAME, PnlBoundsKillSwitchPolicy, (draft) => {
      draft.brokerBarriers.push({ settlementAsset: "USD", lowerBound: pnl("-500") });
    });
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-600");
    expect(submit(engine)).toEqual({
      policy: NAME,
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered: broker barrier",
      details: "lower bound breached: realized pnl -600, lower_bound Some(Pnl(-500)), upper_bound None, settlement asset USD",
      scope: "account",
    });
  });

  it("C2: replacing barriers never resets accumulators; removing a barrier lets the pair trade", () => {
    const { engine, policy } = setup(usdBroker("-100"));
    engine.applyExecutionReport(report(ACC, "-60"));
    engine.configure().update(NAME, PnlBoundsKillSwitchPolicy, (draft) => {
      draft.brokerBarriers = [{ settlementAsset: "USD", lowerBound: pnl("-50") }];
    });
    expect(policy.accountPnl(ACC, "USD")?.toString()).toBe("-60");
    expect(submit(engine, order(ACC2))).toBeUndefined();
    engine.configure().update(NAME, PnlBoundsKillSwitchPolicy, (draft) => {
      draft.brokerBarriers = [{ settlementAsset: "EUR", lowerBound: pnl("-50") }];
    });
    // Only settlement assets with a configured barrier are checked.
    expect(submit(engine)).toBeUndefined();
  });

  it("a runtime update cannot seed an accumulator (initialPnl is construction-only)", () => {
    const { engine, policy } = setup(usdBroker("-100"));
    engine.configure().update(NAME, PnlBoundsKillSwitchPolicy, (draft) => {
      const seeded = { accountId: ACC, settlementAsset: "USD", lowerBound: pnl("-10"), initialPnl: pnl("-500") };
      draft.accountBarriers.push(seeded);
    });
    expect(policy.accountPnl(ACC, "USD")).toBeUndefined();
    expect(policy.settingsDraft().accountBarriers[0]).not.toHaveProperty("initialPnl");
    expect(submit(engine)).toBeUndefined();
  });

  it("rejects invalid runtime settings and keeps the previous ones", () => {
    const { engine, policy } = setup(usdBroker("-100"));
    const before = policy.settingsDraft();
    const attempt = (edit: (d: PnlBoundsKillSwitchSettings) => void) => {
      try {
        engine.configure().update(NAME, PnlBoundsKillSwitchPolicy, edit);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const empty = attempt((d) => {
      d.brokerBarriers = [];
    });
    expect(empty).toBeInstanceOf(PolicyConfigureError);
    expect((empty as PolicyConfigureError).kind).toBe("Validation");
    expect((empty as Error).message).toMatch(/^NoBarriersConfigured: /);

    const noBounds = attempt((d) => {
      d.accountBarriers.push({ accountId: ACC, settlementAsset: "EUR" });
    });
    expect((noBounds as Error).message).toBe(
      "NoBoundsConfigured: accountBarriers[0]: at least one of lowerBound or upperBound must be configured for settlement asset EUR",
    );
    expect(policy.settingsDraft()).toEqual(before);
    engine.applyExecutionReport(report(ACC, "-101"));
    expect(submit(engine)?.code).toBe("PnlKillSwitchTriggered");
  });

  it("validates at construction", () => {
    expect(() => new PnlBoundsKillSwitchPolicy({ brokerBarriers: [], accountBarriers: [] })).toThrow(
      SettingsValidationError,
    );
    expect(() => new PnlBoundsKillSwitchPolicy({ brokerBarriers: [], accountBarriers: [] })).toThrow(
      /^NoBarriersConfigured: at least one broker or account\+asset barrier must be configured$/,
    );
    expect(() => new PnlBoundsKillSwitchPolicy({ brokerBarriers: [{ settlementAsset: "USD" }], accountBarriers: [] })).toThrow(
      /^NoBoundsConfigured: brokerBarriers\[0\]: .* settlement asset USD$/,
    );
  });

  it("missing report fields block with MissingRequiredField; no account id sets the global block", () => {
    const cases: [ExecutionReport, string][] = [
      [report(ACC, "1", "0", null), "instrument"],
      [report(ACC, null), "P&L"],
      [report(ACC, "1", null), "fee"],
    ];
    for (const [r, field] of cases) {
      const { engine } = setup(usdBroker("-100"));
      const text = `failed to access required field '${field}'`;
      expect(engine.applyExecutionReport(r).accountBlocks).toEqual([
        { policy: NAME, code: "MissingRequiredField", reason: text, details: text },
      ]);
      expect(submit(engine)).toMatchObject({ code: "MissingRequiredField", reason: text, scope: "account" });
    }
    const { engine } = setup(usdBroker("-100"));
    expect(engine.applyExecutionReport(report(null, "1")).accountBlocks[0]?.reason).toBe(
      "failed to access required field 'account ID'",
    );
    expect(submit(engine, order(ACC2))).toMatchObject({ policy: "Engine", reason: "account is blocked due to kill-switch" });
  });

  it("missing order fields reject the order with MissingRequiredField (order scope, no latch)", () => {
    const { engine } = setup(usdBroker("-100"));
    expect(submit(engine, order(ACC, null))).toEqual({
      policy: NAME,
      code: "MissingRequiredField",
      reason: "failed to access required field 'instrument'",
      details: "failed to access required field 'instrument'",
      scope: "order",
    });
    expect(submit(engine, order(null))?.reason).toBe("failed to access required field 'account ID'");
    expect(engine.accounts().blockOf(ACC)).toBeUndefined();
  });

  it("only settlement assets with a configured barrier are checked", () => {
    const { engine } = setup(usdBroker("-100"));
    engine.configure().apply(NAME, PnlBoundsKillSwitchPolicy, (p) => {
      p.setAccountPnl(ACC, "USD", pnl("-500"));
      p.setAccountPnl(ACC, "EUR", pnl("-500"));
      return undefined;
    });
    expect(submit(engine, order(ACC, instrument("SAP", "EUR")))).toBeUndefined();
    expect(submit(engine, order(ACC, AAPL_USD))?.code).toBe("PnlKillSwitchTriggered");
  });

  it("a dry run reports the would-be block without recording it", () => {
    const { engine } = setup(usdBroker("10"));
    const dry = engine.executePreTradeDryRun(order());
    expect(dry.isPass).toBe(false);
    expect(dry.rejects[0]?.reason).toBe("pnl kill switch triggered: broker barrier");
    expect(dry.accountBlock).toMatchObject({ code: "AccountBlocked", policy: NAME });
    expect(engine.accounts().blockOf(ACC)).toBeUndefined();
  });

  describe("parsePnlBoundsKillSwitchSettingsJson", () => {
    it("reads barriers and construction seeds", () => {
      const settings = parsePnlBoundsKillSwitchSettingsJson({
        brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-500", upperBound: "1000.50" }],
        accountBarriers: [{ accountId: "99224416", settlementAsset: "USD", lowerBound: "-100", initialPnl: "-101" }],
      });
      expect(settings.brokerBarriers[0]?.upperBound?.toString()).toBe("1000.50");
      expect(settings.accountBarriers[0]?.accountId).toBe(ACC);
      const { engine } = setup(settings);
      expect(submit(engine)).toMatchObject({
        reason: "pnl kill switch triggered: account + asset barrier",
        details: "lower bound breached: realized pnl -101, lower_bound Some(Pnl(-100)), upper_bound None, settlement asset USD",
      });
    });

    it("names the failing field", () => {
      const bad = (json: unknown, opts?: { allowInitialPnl?: boolean }) => {
        try {
          parsePnlBoundsKillSwitchSettingsJson(json, "settings", opts);
        } catch (e) {
          expect(e).toBeInstanceOf(SettingsValidationError);
          return (e as Error).message;
        }
        throw new Error("expected a parse error");
      };
      expect(bad([])).toBe("settings: must be an object");
      expect(bad({ brokerBarrier: [] })).toMatch(/^settings\.brokerBarrier: unknown field/);
      expect(bad({ brokerBarriers: [{ settlementAsset: "USD", lowerbound: "-1" }] })).toMatch(
        /^settings\.brokerBarriers\[0\]\.lowerbound: unknown field/,
      );
      expect(bad({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: -1 }] })).toBe(
        "settings.brokerBarriers[0].lowerBound: must be a decimal string (got number)",
      );
      expect(bad({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: "1e3" }] })).toMatch(
        /^settings\.brokerBarriers\[0\]\.lowerBound: /,
      );
      expect(bad({ brokerBarriers: [{ settlementAsset: "", lowerBound: "-1" }] })).toMatch(
        /^settings\.brokerBarriers\[0\]\.settlementAsset: /,
      );
      expect(bad({ accountBarriers: [{ accountId: -1, settlementAsset: "USD", lowerBound: "-1" }] })).toMatch(
        /^settings\.accountBarriers\[0\]\.accountId: must be an unsigned 64-bit integer/,
      );
      expect(bad({ brokerBarriers: "USD" })).toBe("settings.brokerBarriers: must be an array");
      expect(bad({})).toBe("settings: NoBarriersConfigured: at least one broker or account+asset barrier must be configured");
      // The entry's path, as every other error of the settings names it (found by review).
      expect(bad({ brokerBarriers: [{ settlementAsset: "USD" }] })).toBe(
        "settings.brokerBarriers[0]: NoBoundsConfigured: at least one of lowerBound or upperBound must be configured for settlement asset USD",
      );
      expect(bad({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-1" }], accountBarriers: [{ accountId: 5, settlementAsset: "EUR" }] })).toBe(
        "settings.accountBarriers[0]: NoBoundsConfigured: at least one of lowerBound or upperBound must be configured for settlement asset EUR",
      );
      expect(
        bad(
          { accountBarriers: [{ accountId: 1, settlementAsset: "USD", lowerBound: "-1", initialPnl: "5" }] },
          { allowInitialPnl: false },
        ),
      ).toMatch(/^settings\.accountBarriers\[0\]\.initialPnl: is construction-only/);
    });
  });
});

describe("PnlBoundsKillSwitchPolicy: realized totals over random reports", () => {
  it("match plain decimal arithmetic (text, scale) over 3 000 reports, zeros of every scale included", () => {
    // The fill path skips sums with a zero that cannot change the total (unchanged-by-zero.ts).
    const next = seededRandom(11);
    // Mostly zeros and short values; many accounts, so that most totals are young (a total
    // reaches the largest scale after a few reports, and a decimal.js value stays one).
    const texts = ["0", "0", "0.0", "0.00", "0.000", "1.5", "-2.25", "0.001", "-0", "7", "0", "12345678901234567890"];
    const { policy, engine } = setup(usdBroker("-100000000000000000000000"));
    const model = new Map<bigint, Pnl>();
    const accounts = Array.from({ length: 600 }, (_, k) => AccountId.fromU64(5_000 + k));
    for (let i = 0; i < 3_000; i++) {
      const account = accounts[Math.floor(next() * accounts.length)]!;
      const p = texts[Math.floor(next() * texts.length)]!;
      const f = texts[Math.floor(next() * texts.length)]!;
      engine.applyExecutionReport(report(account, p, f));
      const before = model.get(account) ?? Pnl.zero();
      model.set(account, before.add(pnl(p).sub(Pnl.from(Fee.fromString(f)))));
      const total = policy.accountPnl(account, "USD")!;
      const want = model.get(account)!;
      expect([total.toString(), total.scale]).toEqual([want.toString(), want.scale]);
    }
  });
});
