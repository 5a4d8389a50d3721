/**
 * The independent oracle: a tiny shadow ledger per account that predicts every decision
 * the sidecar makes in the open loop (accept, or reject with its code), and checks it.
 * It shares no code with the engine or the policies: integer cents for USD, integer units
 * for the underlyings, and the rules re-stated from the spec (OrderSizeLimit broker caps,
 * inclusive; SpotFunds holds `x` and rejects when `x > available`).
 *
 * Fills land asynchronously (on the feed, after the decision), so the oracle keeps two
 * numbers per asset: `confirmed` (every effect the sidecar is known to have applied) and
 * `pending` (credits of accepted orders whose fill is not yet confirmed). Fills only ever
 * add to what is available, so the true value lies in [confirmed, confirmed + pending]:
 * an order needing at most the lower bound must pass, one needing more than the upper
 * bound must fail. The workload only creates such unambiguous orders.
 */
import type { CommandResult } from "../gen/openpit/sidecar/v1/channel_pb.js";
import type { AmountView, ResultHolder } from "./answer-wire.js";
import { RejectCode } from "../gen/openpit/sidecar/v1/types_pb.js";
import { MAX_ORDER_NOTIONAL_CENTS, MAX_ORDER_QUANTITY, SETTLEMENT, type BenchInstrument } from "./bench-config.js";
import type { Side } from "./wire.js";

interface Balance {
  confirmed: number;
  pending: number;
}

type Book = Map<string, Balance>;

export interface OrderIntent {
  readonly accountId: bigint;
  readonly instrument: BenchInstrument;
  readonly side: Side;
  readonly quantity: number;
}

export type Expectation =
  | (OrderIntent & { readonly accept: true; readonly debitAsset: string; readonly debit: number; readonly absoluteRange: readonly [number, number] })
  | (OrderIntent & { readonly accept: false; readonly code: RejectCode });

export interface OracleSummary {
  readonly decisionsChecked: number;
  readonly accepted: number;
  readonly rejectedByCode: Record<string, number>;
  readonly fillsChecked: number;
  readonly adjustmentsChecked: number;
  readonly mismatches: number;
  /** The first few mismatches, verbatim, for the report. */
  readonly samples: readonly string[];
}

const MAX_SAMPLES = 20;

const ZERO = 48;
const DOT = 46;
const MINUS = 45;

/**
 * "1852.50" → 185250 at scale 2; NaN if it is not a plain decimal (`-?digits(.digits)?`)
 * of at most `scale` places once trailing zeros are dropped. Read char by char, no regex
 * nor substrings: it runs twice per decision checked (test/bench/oracle-scaled.test.ts
 * holds it to the regex form it replaced, over random texts).
 */
export function scaled(text: string | undefined, scale: number): number {
  if (text === undefined) return Number.NaN;
  const n = text.length;
  // Every digit and the scale's zeros within 15 digits: every step below is exact.
  if (n + scale > MAX_EXACT_DIGITS) return scaledByRegex(text, scale);
  let i = text.charCodeAt(0) === MINUS ? 1 : 0;
  const intStart = i;
  let value = 0;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  if (i === intStart) return Number.NaN;
  let places = 0;
  if (i < n) {
    if (text.charCodeAt(i) !== DOT || i + 1 === n) return Number.NaN;
    // The fraction's digits; zeros are only counted once a later digit makes them significant.
    let zeros = 0;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) return Number.NaN;
      if (d === 0) {
        zeros++;
        continue;
      }
      places += zeros + 1;
      if (places > scale) return Number.NaN;
      value = value * 10 ** (zeros + 1) + d;
      zeros = 0;
    }
  }
  value *= 10 ** (scale - places);
  return intStart === 1 ? -value : value;
}

/** Digits a double holds exactly whatever they are (10^15 < 2^53). */
const MAX_EXACT_DIGITS = 15;

/** `scaled` with a regex: the reference, and the path for texts of more than 15 digits. */
export function scaledByRegex(text: string | undefined, scale: number): number {
  const m = text === undefined ? null : /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return Number.NaN;
  const fraction = (m[3] ?? "").replace(/0+$/, "");
  if (fraction.length > scale) return Number.NaN;
  const value = Number(m[2]) * 10 ** scale + Number(fraction.padEnd(scale, "0") || "0");
  return m[1] === "-" ? -value : value;
}

export class Oracle {
  /** Keyed by the account id as a number (bench ids are small): BigInt Map keys hash slowly. */
  private readonly books = new Map<number, Book>();
  private decisions = 0;
  private accepted = 0;
  private fills = 0;
  private adjustments = 0;
  private mismatchCount = 0;
  private readonly rejected = new Map<string, number>();
  private readonly samples: string[] = [];

  /** Units: cents for USD, whole units for an underlying. */
  private balance(accountId: bigint, asset: string): Balance {
    const key = Number(accountId);
    let book = this.books.get(key);
    if (!book) this.books.set(key, (book = new Map()));
    let b = book.get(asset);
    if (!b) book.set(asset, (b = { confirmed: 0, pending: 0 }));
    return b;
  }

  lower(accountId: bigint, asset: string): number {
    return this.balance(accountId, asset).confirmed;
  }

  upper(accountId: bigint, asset: string): number {
    const b = this.balance(accountId, asset);
    return b.confirmed + b.pending;
  }

  /** A balance delta sent on the channel (seed or top-up); applied in channel order. */
  credit(accountId: bigint, asset: string, amount: number): void {
    this.balance(accountId, asset).confirmed += amount;
  }

  /**
   * Predicts the decision for an order about to be sent and books its effect, in the
   * order the channel will apply it. Throws if the order is ambiguous (a workload bug).
   */
  predict(o: OrderIntent): Expectation {
    const notional = o.quantity * o.instrument.priceCents;
    // Start stage, OrderSizeLimit broker barrier (limits are inclusive).
    const qtyOver = o.quantity > MAX_ORDER_QUANTITY;
    const notionalOver = notional > MAX_ORDER_NOTIONAL_CENTS;
    if (qtyOver && notionalOver) return rejected(o, RejectCode.ORDER_EXCEEDS_LIMIT);
    if (qtyOver) return rejected(o, RejectCode.ORDER_QTY_EXCEEDS_LIMIT);
    if (notionalOver) return rejected(o, RejectCode.ORDER_NOTIONAL_EXCEEDS_LIMIT);
    // Main stage, SpotFunds: a buy holds the notional in USD, a sell holds the quantity.
    const debitAsset = o.side === "BUY" ? SETTLEMENT : o.instrument.underlying;
    const debit = o.side === "BUY" ? notional : o.quantity;
    const from = this.balance(o.accountId, debitAsset);
    if (debit > from.confirmed + from.pending) return rejected(o, RejectCode.INSUFFICIENT_FUNDS);
    if (debit > from.confirmed) throw new Error(`workload bug: order needing ${debit} of ${debitAsset} is ambiguous`);
    from.confirmed -= debit;
    // The fill will credit the other side: units bought, or USD from a sale.
    const creditAsset = o.side === "BUY" ? o.instrument.underlying : SETTLEMENT;
    this.balance(o.accountId, creditAsset).pending += o.side === "BUY" ? o.quantity : notional;
    // Written out, not `{ ...o, … }`: on this V8 (Node 20) a spread followed by more
    // properties takes a slow path, about 4 µs per order in the generator's profile.
    return {
      accountId: o.accountId,
      instrument: o.instrument,
      side: o.side,
      quantity: o.quantity,
      accept: true,
      debitAsset,
      debit,
      absoluteRange: [from.confirmed, from.confirmed + from.pending],
    };
  }

  /** Checks a decision (as the raw generator decodes it); returns true when the order was accepted as predicted. */
  checkDecision(e: Expectation, result: ResultHolder | undefined): boolean {
    this.decisions++;
    if (result?.result.case !== "execute") {
      return this.mismatch(`${orderText(e)}: expected an execute result, got ${describe(result)}`);
    }
    const r = result.result.value;
    if (!e.accept) {
      // A reject reserves nothing: not committed, no balance moved.
      if (r.accepted || r.committed || r.accountAdjustments.length > 0 || r.rejects.length !== 1 || r.rejects[0]!.code !== e.code) {
        const codes = r.rejects.map((x) => RejectCode[x.code]).join(",");
        return this.mismatch(`${orderText(e)}: expected one ${RejectCode[e.code]} reject, got accepted=${r.accepted} committed=${r.committed} adjustments=${r.accountAdjustments.length} rejects=[${codes}]`);
      }
      const name = RejectCode[e.code];
      this.rejected.set(name, (this.rejected.get(name) ?? 0) + 1);
      return false;
    }
    if (!r.accepted || !r.committed || r.rejects.length > 0) {
      return this.mismatch(`${orderText(e)}: expected accepted+committed, got rejects=[${r.rejects.map((x) => `${RejectCode[x.code]} ${x.details}`).join("; ")}]`);
    }
    const lock = r.lock?.prices;
    if (lock?.length !== 1 || lock[0]!.price !== e.instrument.price) {
      return this.mismatch(`${orderText(e)}: expected lock [${e.instrument.price}], got ${JSON.stringify(lock?.map((p) => p.price))}`);
    }
    const scale = e.debitAsset === SETTLEMENT ? 2 : 0;
    let leg: AmountView | undefined;
    for (const a of r.accountAdjustments) {
      if (a.asset === e.debitAsset) {
        leg = a.balance;
        break;
      }
    }
    const delta = scaled(leg?.delta, scale);
    const absolute = scaled(leg?.absolute, scale);
    const [lo, hi] = e.absoluteRange;
    if (delta !== -e.debit || !(absolute >= lo && absolute <= hi)) {
      return this.mismatch(`${orderText(e)}: expected ${e.debitAsset} delta -${e.debit} absolute in [${lo}, ${hi}] (scale ${scale}), got ${leg?.delta} / ${leg?.absolute}`);
    }
    this.accepted++;
    return true;
  }

  /**
   * Checks the post-trade result of an order's fill — of `quantity` units, the whole order
   * unless it is filled in parts — and moves that much of its credit to confirmed.
   */
  checkFill(e: Expectation & { accept: true }, result: ResultHolder | undefined, quantity = e.quantity): void {
    this.fills++;
    if (result?.result.case !== "postTrade") {
      this.mismatch(`fill of ${e.side} ${e.quantity} ${e.instrument.underlying} for ${e.accountId}: got ${describe(result)}`);
      return;
    }
    if (result.result.value.accountBlocks.length > 0) {
      this.mismatch(`fill for ${e.accountId}: unexpected account block ${result.result.value.accountBlocks[0]!.reason}`);
    }
    const asset = e.side === "BUY" ? e.instrument.underlying : SETTLEMENT;
    const amount = e.side === "BUY" ? quantity : quantity * e.instrument.priceCents;
    const b = this.balance(e.accountId, asset);
    b.pending -= amount;
    b.confirmed += amount;
  }

  /** From the raw generator's views or the generated client's messages alike. */
  checkAdjustment(result: ResultHolder | CommandResult | undefined, what: string): void {
    this.adjustments++;
    const r = result?.result;
    if (r?.case !== "adjustment" || !r.value.accepted) this.mismatch(`${what}: expected an accepted adjustment, got ${describe(result)}`);
  }

  /** For deep accounts (funds that cannot run out) the prediction is simply "accepted". */
  checkDeepAccept(result: CommandResult | undefined): boolean {
    this.decisions++;
    if (result?.result.case === "execute" && result.result.value.accepted && result.result.value.committed) {
      this.accepted++;
      return true;
    }
    return this.mismatch(`deep-account order: expected accepted+committed, got ${describe(result)}`);
  }

  /** Anything the run could not check (a failed stream, a lost response) is a mismatch too. */
  mismatch(text: string): false {
    this.mismatchCount++;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(text);
    return false;
  }

  summary(): OracleSummary {
    return {
      decisionsChecked: this.decisions,
      accepted: this.accepted,
      rejectedByCode: Object.fromEntries(this.rejected),
      fillsChecked: this.fills,
      adjustmentsChecked: this.adjustments,
      mismatches: this.mismatchCount,
      samples: [...this.samples],
    };
  }
}

/** An order as a mismatch's text names it (built only for a mismatch: it formats a bigint). */
function orderText(e: Expectation): string {
  return `${e.side} ${e.quantity} ${e.instrument.underlying} for account ${e.accountId}`;
}

/** A predicted reject (written out, not spread: see `predict`). */
function rejected(o: OrderIntent, code: RejectCode): Expectation {
  return { accountId: o.accountId, instrument: o.instrument, side: o.side, quantity: o.quantity, accept: false, code };
}

function describe(result: { result: { case: string | undefined; value?: unknown } } | undefined): string {
  if (!result) return "no result";
  const v = result.result.value as { code?: number; message?: string } | undefined;
  return result.result.case === "error" ? `error ${v?.code}: ${v?.message}` : String(result.result.case);
}
