/**
 * The open-loop order mix, deterministic from a seed: random accounts and instruments,
 * buys and sells of what an account holds (confirmed), funds topped up by a balance
 * adjustment when they run low, and about 5 % rejects by design — half over the
 * OrderSizeLimit notional cap, half beyond the account's funds. Every order is sized so
 * the oracle's prediction is certain (see oracle.ts).
 */
import { INSTRUMENTS, MAX_ORDER_NOTIONAL_CENTS, MAX_ORDER_QUANTITY, SETTLEMENT, type BenchInstrument } from "./bench-config.js";
import type { Expectation, Oracle, OrderIntent } from "./oracle.js";

export const SEED_USD = 50_000;
const TOP_UP_USD = 50_000;
const OVERSIZE_SHARE = 0.025;
const BEYOND_FUNDS_SHARE = 0.025;
const SELL_SHARE = 0.45;
const MAX_NORMAL_QUANTITY = 20;

/** A balance delta on the channel before an order that needs the funds. */
export interface TopUp {
  readonly accountId: bigint;
  readonly asset: string;
  readonly delta: string;
  readonly what: string;
  /** The delta in cents, and the bounds of the balance it leaves (the fills in flight may or may not be in). */
  readonly cents: number;
  readonly lo: number;
  readonly hi: number;
}

/** An order to send (its intent is in the expectation; raw-channel.ts encodes it). */
export interface PlannedOrder {
  /** Top-ups to send (each in its own message) before the order. */
  readonly before: readonly TopUp[];
  readonly expectation: Expectation;
}

const NO_TOP_UPS: readonly TopUp[] = [];
const TOP_UP_DELTA = String(TOP_UP_USD);

/** mulberry32: a tiny seeded PRNG, so a run's order stream is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class OrderMix {
  constructor(
    private readonly oracle: Oracle,
    private readonly accounts: readonly bigint[],
    private readonly random: () => number,
  ) {}

  private int(maxExclusive: number): number {
    return Math.floor(this.random() * maxExclusive);
  }

  next(): PlannedOrder {
    const accountId = this.accounts[this.int(this.accounts.length)]!;
    const instrument = INSTRUMENTS[this.int(INSTRUMENTS.length)]!;
    const r = this.random();
    let before = NO_TOP_UPS;
    let intent: OrderIntent;
    if (r < OVERSIZE_SHARE) intent = this.oversize(accountId, instrument);
    else if (r < OVERSIZE_SHARE + BEYOND_FUNDS_SHARE) intent = this.beyondFunds(accountId, instrument);
    else {
      const quantity = 1 + this.int(MAX_NORMAL_QUANTITY);
      if (this.oracle.lower(accountId, instrument.underlying) >= quantity && this.random() < SELL_SHARE) {
        intent = { accountId, instrument, side: "SELL", quantity };
      } else {
        if (this.oracle.lower(accountId, SETTLEMENT) < quantity * instrument.priceCents) {
          this.oracle.credit(accountId, SETTLEMENT, TOP_UP_USD * 100);
          const lo = this.oracle.lower(accountId, SETTLEMENT);
          before = [{ accountId, asset: SETTLEMENT, delta: TOP_UP_DELTA, what: "top-up", cents: TOP_UP_USD * 100, lo, hi: this.oracle.upper(accountId, SETTLEMENT) }];
        }
        intent = { accountId, instrument, side: "BUY", quantity };
      }
    }
    return { before, expectation: this.oracle.predict(intent) };
  }

  /** Over the notional cap, within the quantity cap: OrderSizeLimit rejects it. */
  private oversize(accountId: bigint, instrument: BenchInstrument): OrderIntent {
    const quantity = Math.floor(MAX_ORDER_NOTIONAL_CENTS / instrument.priceCents) + 1 + this.int(10);
    return { accountId, instrument, side: "BUY", quantity };
  }

  /** More than the account could have even if every pending fill had landed: SpotFunds rejects it. */
  private beyondFunds(accountId: bigint, instrument: BenchInstrument): OrderIntent {
    const withinCaps = (q: number) => q <= MAX_ORDER_QUANTITY && q * instrument.priceCents <= MAX_ORDER_NOTIONAL_CENTS;
    const buy = Math.floor(this.oracle.upper(accountId, SETTLEMENT) / instrument.priceCents) + 1 + this.int(5);
    if (withinCaps(buy)) return { accountId, instrument, side: "BUY", quantity: buy };
    const sell = this.oracle.upper(accountId, instrument.underlying) + 1 + this.int(5);
    if (withinCaps(sell)) return { accountId, instrument, side: "SELL", quantity: sell };
    return this.oversize(accountId, instrument);
  }
}
