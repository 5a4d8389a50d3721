/**
 * Builders for the engine-core acceptance tests (test/engine): orders, reports, rejects,
 * an engine on a manual clock, and a call log that records which hook ran when.
 * Policies in these tests are plain objects, never the built-ins.
 */
import { Engine, ManualClock, type EngineEvent, type PreTradePolicy } from "../../src/engine/index.js";
import type { ExecutionReport, Order, PolicyReject, RejectCode, RejectScope } from "../../src/model/index.js";
import { TradeAmount } from "../../src/model/index.js";
import { AccountId, Fee, instrument, Pnl, Price, Quantity, type Instrument, type Side } from "../../src/param/index.js";

/** The account most OpenPit scenarios use. */
export const ACCOUNT = AccountId.fromU64(99224416);
export const OTHER_ACCOUNT = AccountId.fromU64(77);
export const AAPL_USD = instrument("AAPL", "USD");

export interface OrderInit {
  /** `null` builds an order without an account id. */
  readonly account?: AccountId | null;
  readonly side?: Side;
  readonly qty?: string;
  readonly price?: string;
  readonly instrument?: Instrument;
}

export function order(init: OrderInit = {}): Order {
  const account = init.account === undefined ? ACCOUNT : init.account;
  return {
    operation: {
      instrument: init.instrument ?? AAPL_USD,
      ...(account === null ? {} : { accountId: account }),
      side: init.side ?? "BUY",
      tradeAmount: TradeAmount.quantity(Quantity.fromString(init.qty ?? "10")),
      price: Price.fromString(init.price ?? "100"),
    },
  };
}

export interface ReportInit {
  readonly account?: AccountId | null;
  readonly pnl?: string;
  readonly fee?: string;
}

export function report(init: ReportInit = {}): ExecutionReport {
  const account = init.account === undefined ? ACCOUNT : init.account;
  return {
    operation: { instrument: AAPL_USD, side: "BUY", ...(account === null ? {} : { accountId: account }) },
    financialImpact: { pnl: Pnl.fromString(init.pnl ?? "0"), fee: Fee.fromString(init.fee ?? "0") },
  };
}

export function reject(code: RejectCode, reason: string, details: string, scope: RejectScope = "order"): PolicyReject {
  return { code, reason, details, scope };
}

/** Ordered record of hook calls across policies, e.g. `["A.start", "B.main", "B.rollback"]`. */
export class CallLog {
  readonly calls: string[] = [];

  add(entry: string): void {
    this.calls.push(entry);
  }

  count(entry: string): number {
    return this.calls.filter((c) => c === entry).length;
  }
}

export interface TestEngine {
  readonly engine: Engine;
  readonly clock: ManualClock;
  readonly events: EngineEvent[];
}

/** An engine with the given policies on a manual clock (starting at `startMs`), recording its events. */
export function engineWith(policies: readonly PreTradePolicy[], startMs = 1_000): TestEngine {
  const clock = new ManualClock(startMs);
  const builder = Engine.builder().clock(clock);
  for (const p of policies) builder.policy(p);
  const engine = builder.build();
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  return { engine, clock, events };
}

/** A policy that never objects: for engines whose test is about accounts or blocks. */
export function passPolicy(name = "Pass", log?: CallLog): PreTradePolicy {
  return {
    name,
    checkPreTradeStart: () => {
      log?.add(`${name}.start`);
    },
    performPreTradeCheck: () => {
      log?.add(`${name}.main`);
    },
  };
}

/** Every text the engine hands back for a reject or block, for "never leaks the account id" checks. */
export function texts(items: readonly { readonly reason: string; readonly details: string }[]): string {
  return items.map((r) => `${r.reason} | ${r.details}`).join("\n");
}
