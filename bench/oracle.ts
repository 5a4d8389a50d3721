/**
 * The independent oracle: a tiny shadow ledger per account that predicts every decision
 * the sidecar makes in the open loop (accept, or reject with its code), and checks it.
 * It shares no code with the engine or the policies: integer cents for USD, integer units
 * for the underlyings, and the rules re-stated from the spec (OrderSizeLimit broker caps,
 * inclusive; SpotFunds holds `x` and rejects when `x > available`).
 *
 * Fills land asynchronously (on the feed, after the decision), so the oracle keeps three
 * numbers per asset: `confirmed` (what is available once every effect sent so far is
 * applied, fills counted only once their answer was checked), `pending` (credits of
 * accepted orders whose fill is not yet confirmed: the asset's incoming) and `held` (holds
 * of accepted orders not yet released by a confirmed fill). Fills only ever add to what is
 * available, so the true value lies in [confirmed, confirmed + pending]: an order needing
 * at most the lower bound must pass, one needing more than the upper bound must fail. The
 * workload only creates such unambiguous orders.
 *
 * Every outcome the sidecar reports is compared in exact integer cents (USD) or units:
 * - an accepted order: exactly two legs — the debit asset's balance −x and held +x, the
 *   credit asset's incoming +y — each delta exact, each absolute within what the fills in
 *   flight allow (balance in [confirmed, confirmed + pending], held in [x, held],
 *   incoming in [y, pending]); a reject: its one code, nothing committed or moved;
 * - a fill: exactly two legs — the credit (balance +y, incoming −y) and the hold release
 *   (held −x), deltas exact, absolutes within the bounds the orders in flight on the
 *   channel allow (see `checkFill`), the average entry price (every trade of an
 *   instrument is at its one price), a sale's realized P&L and account P&L of exactly 0,
 *   no account block;
 * - an adjustment: accepted, one balance leg of the asset, the delta booked (a top-up) and
 *   the absolute (exact for a seed, within [confirmed, confirmed + pending] for a top-up).
 * Deltas are authoritative in OpenPit (`absolute` is a snapshot hint), hence the ranges.
 * The ranges are looser than the work in flight allows (their low sides are an order's or
 * a fill's own amount, a balance's high side counts fills not yet published): a silent
 * rollback of a committed reservation, a lost top-up, a running total a cent low beside
 * another hold, or a last fill applied twice passed them (review, session 42). The final
 * reconciliation (`checkFinalState`: every account read back once nothing is in flight,
 * compared exactly) catches those at the end of the run.
 */
import type { CommandResult } from "../gen/openpit/sidecar/v1/channel_pb.js";
import type { AmountView, PnlView, ResultHolder } from "./answer-wire.js";
import { RejectCode } from "../gen/openpit/sidecar/v1/types_pb.js";
import { MAX_ORDER_NOTIONAL_CENTS, MAX_ORDER_QUANTITY, SETTLEMENT, type BenchInstrument } from "./bench-config.js";
import type { Side } from "./wire.js";

interface Balance {
  confirmed: number;
  pending: number;
  held: number;
}

type Book = Map<string, Balance>;

export interface OrderIntent {
  readonly accountId: bigint;
  readonly instrument: BenchInstrument;
  readonly side: Side;
  readonly quantity: number;
}

/**
 * An accepted order's prediction: the debit leg (balance −debit, held +debit) and the
 * credit leg (incoming +credit), with the bounds of their absolutes when it is decided
 * (flat numbers, not arrays: one object per order).
 */
export interface AcceptedExpectation extends OrderIntent {
  readonly accept: true;
  readonly debitAsset: string;
  readonly debit: number;
  readonly creditAsset: string;
  readonly credit: number;
  readonly balanceLo: number;
  readonly balanceHi: number;
  readonly heldHi: number;
  readonly incomingHi: number;
}

export type Expectation = AcceptedExpectation | (OrderIntent & { readonly accept: false; readonly code: RejectCode });

/** An account outcome as the raw generator's views and protobuf-es's messages both have it. */
interface OutcomeLike {
  readonly asset: string;
  readonly balance?: AmountView | undefined;
  readonly held?: AmountView | undefined;
  readonly incoming?: AmountView | undefined;
  readonly realizedPnl?: PnlView | undefined;
  readonly averageEntryPrice?: string | undefined;
}

interface AdjustmentLike {
  readonly accepted: boolean;
  readonly failedIndex: number;
  readonly rejects: readonly unknown[];
  readonly outcomes: readonly OutcomeLike[];
  readonly accountBlocks: readonly unknown[];
}

export interface OracleSummary {
  readonly decisionsChecked: number;
  readonly accepted: number;
  readonly rejectedByCode: Record<string, number>;
  readonly fillsChecked: number;
  readonly adjustmentsChecked: number;
  /** Accounts whose whole state was read back once nothing was in flight and compared exactly (`checkFinalState`). */
  readonly accountsReconciled: number;
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
  private reconciled = 0;
  private mismatchCount = 0;
  private readonly rejected = new Map<string, number>();
  private readonly samples: string[] = [];

  /** Units: cents for USD, whole units for an underlying. */
  private balance(accountId: bigint, asset: string): Balance {
    const key = Number(accountId);
    let book = this.books.get(key);
    if (!book) this.books.set(key, (book = new Map()));
    let b = book.get(asset);
    if (!b) book.set(asset, (b = { confirmed: 0, pending: 0, held: 0 }));
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
    from.held += debit;
    // The fill will credit the other side: units bought, or USD from a sale.
    const creditAsset = o.side === "BUY" ? o.instrument.underlying : SETTLEMENT;
    const credit = o.side === "BUY" ? o.quantity : notional;
    const to = this.balance(o.accountId, creditAsset);
    to.pending += credit;
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
      creditAsset,
      credit,
      balanceLo: from.confirmed,
      balanceHi: from.confirmed + from.pending,
      heldHi: from.held,
      incomingHi: to.pending,
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
    // Exactly two legs: the debit asset's balance and held, the credit asset's incoming.
    const legs = r.accountAdjustments;
    let debitLeg: OutcomeLike | undefined;
    let creditLeg: OutcomeLike | undefined;
    let legsOk = legs.length === 2;
    for (let i = 0; legsOk && i < legs.length; i++) {
      const a = legs[i]!;
      if (a.asset === e.debitAsset && debitLeg === undefined) debitLeg = a;
      else if (a.asset === e.creditAsset && creditLeg === undefined) creditLeg = a;
      else legsOk = false;
    }
    const ds = scaleOf(e.debitAsset);
    const cs = scaleOf(e.creditAsset);
    if (
      !legsOk ||
      !amountIs(debitLeg!.balance, ds, -e.debit, e.balanceLo, e.balanceHi) ||
      !amountIs(debitLeg!.held, ds, e.debit, e.debit, e.heldHi) ||
      debitLeg!.incoming !== undefined ||
      !amountIs(creditLeg!.incoming, cs, e.credit, e.credit, e.incomingHi) ||
      creditLeg!.balance !== undefined ||
      creditLeg!.held !== undefined ||
      !bare(debitLeg!) ||
      !bare(creditLeg!)
    ) {
      return this.mismatch(
        `${orderText(e)}: expected ${e.debitAsset} balance -${e.debit} (absolute in [${e.balanceLo}, ${e.balanceHi}]) held +${e.debit} (absolute in [${e.debit}, ${e.heldHi}]) ` +
          `and ${e.creditAsset} incoming +${e.credit} (absolute in [${e.credit}, ${e.incomingHi}]), nothing else (scales ${ds}/${cs}), got ${JSON.stringify(legs)}`,
      );
    }
    this.accepted++;
    return true;
  }

  /**
   * Checks the post-trade result of an order's fill — of `quantity` units with `leaves`
   * still open, the whole order unless it is filled in parts — books it (its credit moves
   * from pending to confirmed, its hold is released) and compares the answer with the books:
   * - the credit asset: balance +credit, incoming −credit; the debit asset: held −debit;
   *   no other leg, no other amount; deltas exact.
   * - absolutes: fills apply in feed order, so every earlier fill is in and no later one;
   *   but orders and top-ups sent on the channel may be applied after this fill although
   *   predicted before its check. Orders only add holds and incoming, so held and incoming
   *   lie in [what this order still holds or brings, the books' figure]; the balance lies
   *   in [the books' figure, that plus the held] (an order not yet applied has had no fill,
   *   so its debit is all in `held`), and is at least the credit (available never goes
   *   negative in this workload); for USD the lower bound is the credit only (a top-up
   *   sent before may not be applied yet).
   * - the underlying's average entry price is the instrument's price (every trade is at
   *   it; absent only when a sale leaves the position flat); a sale realizes exactly 0 on
   *   the position and on the account.
   */
  checkFill(e: AcceptedExpectation, result: ResultHolder | undefined, quantity = e.quantity, leaves = 0): void {
    this.fills++;
    const buy = e.side === "BUY";
    const unit = e.instrument.priceCents;
    const credit = buy ? quantity : quantity * unit;
    const debit = buy ? quantity * unit : quantity;
    const creditLeft = buy ? leaves : leaves * unit;
    const debitLeft = buy ? leaves * unit : leaves;
    const to = this.balance(e.accountId, e.creditAsset);
    to.pending -= credit;
    to.confirmed += credit;
    const from = this.balance(e.accountId, e.debitAsset);
    from.held -= debit;
    if (result?.result.case !== "postTrade") {
      this.mismatch(`fill of ${e.side} ${quantity} ${e.instrument.underlying} for ${e.accountId}: got ${describe(result)}`);
      return;
    }
    const v = result.result.value;
    if (v.accountBlocks.length > 0) {
      this.mismatch(`fill for ${e.accountId}: unexpected account block ${v.accountBlocks[0]!.reason}`);
      return;
    }
    let creditLeg: OutcomeLike | undefined;
    let debitLeg: OutcomeLike | undefined;
    const legs = v.accountAdjustments;
    let ok = legs.length === 2;
    for (let i = 0; ok && i < legs.length; i++) {
      const a = legs[i]!;
      if (a.asset === e.creditAsset && creditLeg === undefined) creditLeg = a;
      else if (a.asset === e.debitAsset && debitLeg === undefined) debitLeg = a;
      else ok = false;
    }
    const cs = scaleOf(e.creditAsset);
    const ds = scaleOf(e.debitAsset);
    const balanceLo = e.creditAsset === SETTLEMENT ? credit : Math.max(credit, to.confirmed);
    const balanceHi = to.confirmed + to.held;
    ok =
      ok &&
      amountIs(creditLeg!.balance, cs, credit, balanceLo, balanceHi) &&
      amountIs(creditLeg!.incoming, cs, -credit, creditLeft, to.pending) &&
      creditLeg!.held === undefined &&
      amountIs(debitLeg!.held, ds, -debit, debitLeft, from.held) &&
      debitLeg!.balance === undefined &&
      debitLeg!.incoming === undefined;
    if (ok) {
      const underlyingLeg = buy ? creditLeg! : debitLeg!;
      // The settlement leg carries no P&L nor average; the underlying's average is the price.
      ok =
        bare(buy ? debitLeg! : creditLeg!) &&
        (underlyingLeg.averageEntryPrice === e.instrument.price || (!buy && underlyingLeg.averageEntryPrice === undefined)) &&
        // A purchase realizes nothing; a sale at the average price realizes exactly 0: no
        // position entry (zero-delta legs are omitted), the account's P&L line says 0.
        underlyingLeg.realizedPnl === undefined &&
        (buy ? v.accountPnls.length === 0 : v.accountPnls.length === 1 && v.accountPnls[0]!.accountId === Number(e.accountId) && pnlIsZero(v.accountPnls[0]!.result));
    }
    if (!ok) {
      this.mismatch(
        `fill of ${e.side} ${quantity} (leaves ${leaves}) ${e.instrument.underlying} for ${e.accountId}: expected ${e.creditAsset} balance +${credit} (absolute in [${balanceLo}, ${balanceHi}]) ` +
          `incoming -${credit} (absolute in [${creditLeft}, ${to.pending}]), ${e.debitAsset} held -${debit} (absolute in [${debitLeft}, ${from.held}]) (scales ${cs}/${ds}), ` +
          `average ${e.instrument.price}, ${buy ? "no P&L" : "P&L 0"}; got ${JSON.stringify(legs)} P&Ls ${JSON.stringify(v.accountPnls)}`,
      );
    }
  }

  /**
   * Checks a balance adjustment of `asset` (a seed or a top-up, from the raw generator's
   * views or the generated client's messages alike): accepted, one balance leg of the
   * asset, its delta `delta` (undefined for an absolute seed, whose delta depends on what
   * the account held) and its absolute in [lo, hi].
   */
  checkAdjustment(result: ResultHolder | CommandResult | undefined, what: string, asset: string, delta: number | undefined, lo: number, hi: number): void {
    this.adjustments++;
    const r = result?.result;
    if (r?.case !== "adjustment") {
      this.mismatch(`${what}: expected an accepted adjustment, got ${describe(result)}`);
      return;
    }
    const v = r.value as AdjustmentLike;
    const leg = v.outcomes.length === 1 ? v.outcomes[0]! : undefined;
    const scale = scaleOf(asset);
    if (
      !v.accepted ||
      v.failedIndex !== 0 ||
      v.rejects.length > 0 ||
      v.accountBlocks.length > 0 ||
      leg?.asset !== asset ||
      !amountIs(leg.balance, scale, delta, lo, hi) ||
      leg.held !== undefined ||
      leg.incoming !== undefined ||
      !bare(leg)
    ) {
      this.mismatch(
        `${what}: expected an accepted adjustment with one ${asset} balance leg, delta ${delta ?? "any"}, absolute in [${lo}, ${hi}] (scale ${scale}), got ` +
          `accepted=${v.accepted} failedIndex=${v.failedIndex} rejects=${v.rejects.length} blocks=${v.accountBlocks.length} outcomes ${JSON.stringify(v.outcomes, (_k, x: unknown) => (typeof x === "bigint" ? String(x) : x))}`,
      );
    }
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
  /**
   * The account's holdings as the sidecar reports them once every order was decided and every
   * fill answered: each asset exactly what the oracle confirmed, nothing held or incoming. The
   * answers' absolutes are only checked within bounds (the fills in flight); this closes what
   * they leave open (a silent rollback of a committed reservation, a lost top-up, a running
   * total off by a cent, a last fill applied twice: found by review, session 42).
   */
  checkFinalState(accountId: bigint, holdings: readonly { readonly asset: string; readonly available: string; readonly held: string; readonly incoming: string }[]): boolean {
    this.reconciled++;
    const book = this.books.get(Number(accountId)) ?? new Map<string, Balance>();
    for (const [asset, b] of book) {
      if (b.pending !== 0 || b.held !== 0) return this.mismatch(`account ${accountId} ${asset}: reconciled with ${b.pending} incoming and ${b.held} held still in flight (the harness did not drain)`);
    }
    const seen = new Set<string>();
    for (const h of holdings) {
      seen.add(h.asset);
      const scale = scaleOf(h.asset);
      const expected = book.get(h.asset)?.confirmed ?? 0;
      const got = { available: scaled(h.available, scale), held: scaled(h.held, scale), incoming: scaled(h.incoming, scale) };
      if (got.available !== expected || got.held !== 0 || got.incoming !== 0) {
        return this.mismatch(`account ${accountId} ${h.asset} at the end: available ${h.available}, held ${h.held}, incoming ${h.incoming}; expected ${expected} (scale ${scale}), 0, 0`);
      }
    }
    for (const [asset, b] of book) {
      if (b.confirmed !== 0 && !seen.has(asset)) return this.mismatch(`account ${accountId} ${asset} at the end: no holding reported; expected ${b.confirmed} (scale ${scaleOf(asset)})`);
    }
    return true;
  }

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
      accountsReconciled: this.reconciled,
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

/** Cents for USD, whole units for an underlying. */
function scaleOf(asset: string): number {
  return asset === SETTLEMENT ? 2 : 0;
}

/** The amount is there, its delta is `delta` (any when undefined) and its absolute in [lo, hi], at `scale`. */
function amountIs(a: AmountView | undefined, scale: number, delta: number | undefined, lo: number, hi: number): boolean {
  if (a === undefined) return false;
  if (delta !== undefined && scaled(a.delta, scale) !== delta) return false;
  const absolute = scaled(a.absolute, scale);
  return absolute >= lo && absolute <= hi;
}

/** No P&L nor average entry price on the leg. */
function bare(a: OutcomeLike): boolean {
  return a.realizedPnl === undefined && a.averageEntryPrice === undefined;
}

/** A P&L of exactly 0, delta and absolute (every trade is at the instrument's one price, fees 0). */
function pnlIsZero(p: PnlView | undefined): boolean {
  const r = p?.result;
  return r?.case === "value" && scaled(r.value.delta, 2) === 0 && scaled(r.value.absolute, 2) === 0;
}
