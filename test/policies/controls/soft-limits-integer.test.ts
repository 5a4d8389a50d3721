/**
 * SoftLimitPolicy's integer reading (`integerUsage`: counts and integer thresholds, the
 * decimals made only for an event) against its decimal reading (`limitUsage`) of the same
 * policies: two engines, one whose counting policies hide `integerUsage`, run the same random
 * sequences of orders, rollbacks, fills, final reports, time steps, limit changes and share
 * changes; every event and every reject must be the same, in the same order.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent, type PreTradePolicy } from "../../../src/engine/index.js";
import {
  MaxOpenOrdersPolicy,
  RateLimitPolicy,
  RepeatedExecutionThrottlePolicy,
  SoftLimitPolicy,
  TwoTierThrottlePolicy,
  parseMaxOpenOrdersSettingsJson,
  parseRateLimitSettingsJson,
  parseRepeatedExecutionSettingsJson,
  parseSoftLimitSettingsJson,
  parseTwoTierThrottleSettingsJson,
} from "../../../src/policies/index.js";
import { integerLimitUsage, integerUsageSource } from "../../../src/policies/integer-usage.js";
import { AccountGroupId, type AccountId } from "../../../src/param/index.js";
import { seededRandom } from "../../../bench/workload.js";
import { ACCOUNT, OTHER, fill, order } from "../../helpers/controls.js";

// Shares whose products with small maxes fall between integers (0.333 × 7 = 2.331), on them, and 1.
const SHARE_SETS = [["0.7", "0.9"], ["0.333", "0.5", "1"], ["0.05", "0.25", "0.75"], ["1"], ["0.5"]];

/** The policy without its integer form: soft limits then read it through `limitUsage`. */
function decimalOnly<P extends object>(policy: P): P {
  return new Proxy(policy, {
    get(target, key) {
      if (key === "integerUsage") return undefined;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

interface Limits {
  rate: number;
  open: number;
  soft: number;
  executions: number;
  shares: string[];
}

const settings = {
  rate: (l: Limits) => parseRateLimitSettingsJson({ accountBarriers: [{ accountId: Number(ACCOUNT), limit: { maxOrders: l.rate, windowMs: 1_000 } }] }),
  open: (l: Limits) => parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: l.open } }),
  throttle: (l: Limits) => parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: l.soft, hardMaxOrders: l.soft + 50, windowMs: 800 } }),
  executions: (l: Limits) => parseRepeatedExecutionSettingsJson({ default: { maxExecutions: l.executions, windowMs: 600 } }),
  shares: (l: Limits) => parseSoftLimitSettingsJson({ shares: l.shares }),
};

function build(limits: Limits, hideIntegers: boolean) {
  const clock = new ManualClock(1_000);
  const rate = new RateLimitPolicy(settings.rate(limits));
  const open = new MaxOpenOrdersPolicy(settings.open(limits));
  const throttle = new TwoTierThrottlePolicy(settings.throttle(limits));
  const executions = new RepeatedExecutionThrottlePolicy(settings.executions(limits));
  const soft = new SoftLimitPolicy(settings.shares(limits));
  const wrap = <P extends PreTradePolicy>(p: P): P => (hideIntegers ? decimalOnly(p) : p);
  const engine = Engine.builder().clock(clock).policy(wrap(rate)).policy(wrap(throttle)).policy(wrap(open)).policy(wrap(executions)).policy(soft).build();
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  return { clock, engine, events, rate, open, throttle, executions, soft };
}

describe("SoftLimitPolicy integer reading", () => {
  it("the four counting policies have an integer form and their limitUsage is derived from it", () => {
    const w = build({ rate: 10, open: 10, soft: 10, executions: 10, shares: ["0.5"] }, false);
    for (const p of [w.rate, w.open, w.throttle, w.executions]) {
      const source = integerUsageSource(p);
      expect(source).toBeDefined();
      const u = p.limitUsage({ nowMs: 1_000, book: w.engine.book, accounts: w.engine.accounts() }, ACCOUNT);
      expect(u).toEqual(integerLimitUsage(source!, { nowMs: 1_000, book: w.engine.book, accounts: w.engine.accounts() }, ACCOUNT));
    }
    expect(integerUsageSource(w.soft)).toBeUndefined();
  });

  it("reads the limit of the account's group (tiers resolved in the reading as in the checks)", () => {
    const clock = new ManualClock(1_000);
    const engine = Engine.builder()
      .clock(clock)
      .policy(new MaxOpenOrdersPolicy(parseMaxOpenOrdersSettingsJson({ default: { maxOpenOrders: 100 }, groups: [{ group: 3, limit: { maxOpenOrders: 4 } }] })))
      .policy(new TwoTierThrottlePolicy(parseTwoTierThrottleSettingsJson({ default: { softMaxOrders: 100, hardMaxOrders: 200, windowMs: 1_000 }, groups: [{ group: 3, limit: { softMaxOrders: 4, hardMaxOrders: 9, windowMs: 1_000 } }] })))
      .policy(new SoftLimitPolicy(parseSoftLimitSettingsJson({ shares: ["0.5"] })))
      .build();
    const crossings: string[] = [];
    engine.onEvent((e) => {
      if (e.kind === "softLimitCrossed") crossings.push(`${e.policy}/${e.limit} ${e.usage}/${e.max}`);
    });
    engine.accounts().registerGroup([ACCOUNT], AccountGroupId.fromU32(3));
    for (let i = 0; i < 2; i++) {
      const r = engine.executePreTrade(order());
      if (r.ok) r.reservation.commit();
    }
    expect(crossings).toEqual(["MaxOpenOrdersPolicy/openOrders 2/4", "TwoTierThrottlePolicy/softRate 2/4"]);
  });

  it("sends exactly the events of the decimal reading, in the same order", () => {
    const crossed = new Map<string, number>();
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(500 + seed);
      const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const limits: Limits = { rate: int(0, 12), open: int(0, 12), soft: int(0, 12), executions: int(0, 9), shares: pick(SHARE_SETS) };
      const fast = build(limits, false);
      const slow = build(limits, true);
      const worlds = [fast, slow];
      const open = new Map<AccountId, number>();
      for (let step = 0; step < 200; step++) {
        const r = random();
        const account = random() < 0.75 ? ACCOUNT : OTHER;
        if (r < 0.4) {
          const commit = random() < 0.85;
          const answers = worlds.map((w) => {
            const result = w.engine.executePreTrade(order({ account }));
            if (!result.ok) return result.rejects.map((x) => `${x.code} ${x.details}`);
            if (commit) result.reservation.commit();
            else result.reservation.rollback();
            return [];
          });
          expect(answers[1]).toEqual(answers[0]);
          if (answers[0]!.length === 0 && commit) open.set(account, (open.get(account) ?? 0) + 1);
        } else if (r < 0.55) {
          for (const w of worlds) w.engine.applyExecutionReport(fill("1", { account, leaves: "1" }));
        } else if (r < 0.7) {
          if ((open.get(account) ?? 0) === 0) continue;
          for (const w of worlds) w.engine.applyExecutionReport(fill("1", { account, final: true }));
          open.set(account, open.get(account)! - 1);
        } else if (r < 0.85) {
          const ms = int(0, 400);
          for (const w of worlds) w.clock.advance(ms);
        } else if (r < 0.97) {
          const which = pick(["rate", "open", "soft", "executions"] as const);
          limits[which] = int(0, 12);
          for (const w of worlds) {
            if (which === "rate") w.rate.publishSettings(settings.rate(limits));
            if (which === "open") w.open.publishSettings(settings.open(limits));
            if (which === "soft") w.throttle.publishSettings(settings.throttle(limits));
            if (which === "executions") w.executions.publishSettings(settings.executions(limits));
          }
        } else {
          limits.shares = pick(SHARE_SETS);
          for (const w of worlds) w.soft.publishSettings(settings.shares(limits));
        }
        expect(fast.events).toEqual(slow.events);
      }
      for (const e of fast.events) if (e.kind === "softLimitCrossed") crossed.set(`${e.policy}/${e.limit}`, (crossed.get(`${e.policy}/${e.limit}`) ?? 0) + 1);
    }
    // The sequences do cross shares, of every policy.
    expect([...crossed.keys()].sort()).toEqual([
      "MaxOpenOrdersPolicy/openOrders",
      "RateLimitPolicy/accountRate",
      "RepeatedExecutionThrottlePolicy/executions",
      "TwoTierThrottlePolicy/softRate",
    ]);
    for (const n of crossed.values()) expect(n).toBeGreaterThan(30);
  });
});
