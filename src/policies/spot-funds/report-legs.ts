/** Sums what one report changed on each asset leg into an outcome entry; reads the reserved lock price. */
import type { AccountOutcomeEntry, OutcomeAmount, PnlOutcome } from "../../model/outcomes.js";
import type { PreTradeLock } from "../../model/pre-trade-lock.js";
import type { PolicyBlock } from "../../engine/pretrade/policy.js";
import type { PolicyGroupId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { PositionSize, Price } from "../../param/values.js";
import { ZERO, type Holdings } from "./holdings-store.js";
import { mergePnlOutcomes } from "./position-pnl.js";
import { lockDuplicateBlock, lockMissingBlock } from "./rejects.js";

/**
 * The summed change one execution report made to one leg (underlying, settlement or the
 * fee currency), turned into an outcome entry at the end. Zero-delta fields are omitted,
 * and a leg that changed nothing emits no entry.
 */
export class LegDelta {
  balance: PositionSize = ZERO;
  held: PositionSize = ZERO;
  incoming: PositionSize = ZERO;
  /** The slot as this leg last wrote it (`absolute` values are a snapshot hint). */
  // Initialised, so every leg has its full shape from the constructor on (see DecimalValue.text).
  after: Holdings | undefined = undefined;
  realizedPnl: PnlOutcome | undefined = undefined;
  averageEntryPrice: Price | undefined = undefined;

  constructor(readonly asset: Asset) {}

  record(balance: PositionSize, held: PositionSize, incoming: PositionSize, after: Holdings): void {
    if (!balance.isZero()) this.balance = this.balance.add(balance);
    if (!held.isZero()) this.held = this.held.add(held);
    if (!incoming.isZero()) this.incoming = this.incoming.add(incoming);
    this.after = after;
  }

  recordPnl(outcome: PnlOutcome | undefined, after: Holdings): void {
    this.realizedPnl = mergePnlOutcomes(this.realizedPnl, outcome);
    this.after = after;
  }

  outcome(): AccountOutcomeEntry | undefined {
    const h = this.after;
    if (h === undefined) return undefined;
    const entry: { -readonly [K in keyof AccountOutcomeEntry]: AccountOutcomeEntry[K] } = { asset: this.asset };
    const balance = changed(this.balance, h.available);
    const held = changed(this.held, h.held);
    const incoming = changed(this.incoming, h.incoming);
    if (balance) entry.balance = balance;
    if (held) entry.held = held;
    if (incoming) entry.incoming = incoming;
    if (this.realizedPnl) entry.realizedPnl = this.realizedPnl;
    if (this.averageEntryPrice) entry.averageEntryPrice = this.averageEntryPrice;
    // Anything beside the asset (tested directly: `Object.keys` built an array per leg of every fill).
    return balance || held || incoming || this.realizedPnl || this.averageEntryPrice ? entry : undefined;
  }
}

function changed(delta: PositionSize, absolute: PositionSize): OutcomeAmount | undefined {
  return delta.isZero() ? undefined : { delta, absolute };
}

export type LockPrice = { readonly ok: true; readonly price: Price } | { readonly ok: false; readonly block: PolicyBlock };

/**
 * The one price SpotFunds reserved at, read under its own policy group. Every accepted
 * order pushed one, so none is a reconciliation error and two mean two SpotFunds policies
 * share a group id; both block the account rather than guess.
 */
export function lockPriceOf(lock: PreTradeLock | undefined, group: PolicyGroupId, purpose: string): LockPrice {
  const prices = lock?.prices(group) ?? [];
  if (prices.length === 1) return { ok: true, price: prices[0]! };
  return { ok: false, block: prices.length === 0 ? lockMissingBlock(purpose, group) : lockDuplicateBlock(purpose, group) };
}
