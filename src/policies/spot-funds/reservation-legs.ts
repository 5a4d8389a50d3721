/** Splits an order into per-asset holds and projections and checks the holds against available funds. */
import type { TradeAmount } from "../../model/order.js";
import type { AccountOutcomeEntry } from "../../model/outcomes.js";
import type { PolicyReject } from "../../model/reject.js";
import type { Side } from "../../param/enums.js";
import type { AccountId } from "../../param/ids.js";
import type { Asset, Instrument } from "../../param/instrument.js";
import { product } from "../../param/decimal-value.js";
import { ParamError } from "../../param/param-error.js";
import { PositionSize, type Price } from "../../param/values.js";
import { atLeastZero, ZERO, type Holdings, type HoldingsStore } from "./holdings-store.js";
import { checkPositionStep, type AccountPositionLimits } from "./position-limit.js";
import { arithmeticOverflow, insufficientFunds, notionalCalculationFailed, quantityCalculationFailed, zeroPriceVolume } from "./rejects.js";
import type { SpotFundsLimitMode } from "./settings.js";

/** What one asset of an order reserves: a `held` outflow and/or an `incoming` projection. */
export interface ReservationStep {
  readonly asset: Asset;
  readonly held: PositionSize;
  readonly incoming: PositionSize;
}

/** The steps of an order, or why it cannot be sized (no wrapper object: this runs for every order). */
export type StepsResult = readonly ReservationStep[] | PolicyReject;

export function isStepList(r: StepsResult): r is readonly ReservationStep[] {
  return Array.isArray(r);
}

/** Signed p·q as a position size; overflow is the order-notional calculation failure. */
function signedNotional(price: Price, quantity: PositionSize): PositionSize {
  // Straight into a position size (no intermediate Price): the same digits, one object fewer.
  return product(PositionSize, price, quantity);
}

/** v / |p|, or 0 at a zero price (drop-copy only: normal admission refuses a zero-price Volume first). */
function quantityOfVolume(amount: TradeAmount & { kind: "volume" }, price: Price): PositionSize {
  return price.isZero() ? ZERO : PositionSize.from(amount.value.calculateQuantity(price));
}

/**
 * The per-asset steps of an order at `price` (spec §2.5 legs table), in reservation order:
 * a buy holds settlement then projects the underlying; a sell holds the underlying then
 * the settlement leg (held at a negative price, incoming proceeds otherwise). Steps that
 * move nothing are dropped: they create no slot, no rollback and no outcome entry.
 * A Volume at price 0 cannot be sized: refused (`OrderValueCalculationFailed`) unless
 * `zeroPriceVolumeSizesNothing` (drop-copy, which keeps OpenPit's older empty leg).
 */
export function reservationSteps(
  instrument: Instrument,
  side: Side,
  amount: TradeAmount,
  price: Price,
  zeroPriceVolumeSizesNothing = false,
): StepsResult {
  if (amount.kind === "volume" && price.isZero() && !zeroPriceVolumeSizesNothing) return zeroPriceVolume();
  let underlyingHeld = ZERO;
  let underlyingIncoming = ZERO;
  let settlementHeld = ZERO;
  let settlementIncoming = ZERO;
  // A sell by volume divides (its quantity) and then multiplies (its notional): a failure is
  // named by the step that failed, as OpenPit's sell branch does (found by review: a notional
  // past the decimal range was reported as the quantity's division).
  let notionalStep = false;
  try {
    if (side === "BUY") {
      if (amount.kind === "quantity") {
        const q = PositionSize.from(amount.value);
        settlementHeld = atLeastZero(signedNotional(price, q));
        underlyingIncoming = q;
      } else {
        settlementHeld = price.isPositive() ? PositionSize.from(amount.value) : ZERO;
        underlyingIncoming = quantityOfVolume(amount, price);
      }
    } else {
      const q = amount.kind === "quantity" ? PositionSize.from(amount.value) : quantityOfVolume(amount, price);
      notionalStep = true;
      const notional = signedNotional(price, q);
      underlyingHeld = q;
      settlementHeld = atLeastZero(notional.neg());
      settlementIncoming = atLeastZero(notional);
    }
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return amount.kind === "volume" && !notionalStep ? quantityCalculationFailed() : notionalCalculationFailed();
  }
  const underlying: ReservationStep = { asset: instrument.underlyingAsset, held: underlyingHeld, incoming: underlyingIncoming };
  const settlement: ReservationStep = { asset: instrument.settlementAsset, held: settlementHeld, incoming: settlementIncoming };
  const first = side === "BUY" ? settlement : underlying;
  const second = side === "BUY" ? underlying : settlement;
  // Built at its final size (no filtered copy): this runs for every order.
  const keepFirst = moves(first);
  const keepSecond = moves(second);
  return keepFirst && keepSecond ? [first, second] : keepFirst ? [first] : keepSecond ? [second] : [];
}

function moves(s: ReservationStep): boolean {
  return !s.held.isZero() || !s.incoming.isZero();
}

/** A step with the slot values it leaves behind. */
export interface PlannedStep {
  readonly step: ReservationStep;
  /** The slot the step started from (what an untouched rollback restores). */
  readonly before: Holdings;
  readonly after: Holdings;
}

/** A plan a step refused: the steps that passed before it, and the reject. */
export interface RefusedPlan {
  readonly planned: readonly PlannedStep[];
  readonly reject: PolicyReject;
}

/** Every step passed (the list), or one refused (no wrapper object on the usual path). */
export type ReservationPlan = readonly PlannedStep[] | RefusedPlan;

export function isPlanned(plan: ReservationPlan): plan is readonly PlannedStep[] {
  return Array.isArray(plan);
}

/**
 * One hold: `Enforce` refuses `x > available + min(held, 0)` (an operator-set negative held
 * is owed back and so reduces capacity); `TrackOnly` lets available go negative. Overflow is
 * never suppressed. The gate is read off the sign of the new available (one subtraction
 * serves both the check and the write), which is the same inequality.
 */
function hold(current: Holdings, step: ReservationStep, mode: SpotFundsLimitMode): Holdings | PolicyReject {
  const x = step.held;
  let available = current.available;
  let held = current.held;
  let incoming = current.incoming;
  try {
    if (!x.isZero()) {
      available = available.sub(x);
      if (mode === "Enforce" && (available.isNegative() || (held.isNegative() && available.add(held).isNegative()))) {
        const spendable = held.isNegative() ? current.available.add(held) : current.available;
        return insufficientFunds(step.asset, spendable, x);
      }
      held = held.add(x);
    }
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    // As OpenPit: the funds gate is decided before the arithmetic that overflowed.
    if (mode === "Enforce") {
      const refused = insufficientUnlessOverflow(current, step);
      if (refused !== undefined) return refused;
    }
    return arithmeticOverflow(`pre-trade hold overflow: asset ${step.asset}, requested ${x.toString()}`);
  }
  try {
    if (!step.incoming.isZero()) incoming = incoming.add(step.incoming);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return arithmeticOverflow(`pre-trade incoming overflow: asset ${step.asset}, requested ${step.incoming.toString()}`);
  }
  return {
    available,
    held,
    incoming,
    averageEntryPrice: current.averageEntryPrice,
    realizedPnl: current.realizedPnl,
  };
}

function insufficientUnlessOverflow(current: Holdings, step: ReservationStep): PolicyReject | undefined {
  try {
    const spendable = current.held.isNegative() ? current.available.add(current.held) : current.available;
    return step.held.gt(spendable) ? insufficientFunds(step.asset, spendable, step.held) : undefined;
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return undefined;
  }
}

/**
 * Computes the holds against the store without writing: the real path writes the result,
 * the dry run only reports it. When both steps hit one asset (USD/USD), the second sees
 * the first one's result, exactly as if it had been written.
 */
export function planReservation(
  store: HoldingsStore,
  accountId: AccountId,
  steps: readonly ReservationStep[],
  mode: SpotFundsLimitMode,
  limits: AccountPositionLimits = undefined,
): ReservationPlan {
  // At most two steps: sized up front rather than grown (an array grown from `[]` reserves 17 slots).
  const planned = new Array<PlannedStep>(steps.length);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const previous = i > 0 ? planned[i - 1]! : undefined;
    const current = previous?.step.asset === step.asset ? previous.after : store.get(accountId, step.asset);
    const after = hold(current, step, mode);
    // The funds gate and the incoming write come first, then the position check (§A.5).
    const refused = "code" in after ? after : checkPositionStep(steps, i, current, limits);
    if (refused !== undefined) {
      planned.length = i;
      return { planned, reject: refused };
    }
    planned[i] = { step, before: current, after: after as Holdings };
  }
  return planned;
}

/** The outcome entries of the planned steps, in step order. */
export function reservationOutcomes(planned: readonly PlannedStep[]): AccountOutcomeEntry[] {
  const out = new Array<AccountOutcomeEntry>(planned.length);
  for (let i = 0; i < planned.length; i++) out[i] = reservationOutcome(planned[i]!);
  return out;
}

/**
 * `balance {−x, available}` and `held {x, held}` when it held; `incoming` when it projected.
 * Each shape written as one literal (fields in that order): adding the fields one by one
 * walked the object through a map transition per field, for every order.
 */
function reservationOutcome({ step, after }: PlannedStep): AccountOutcomeEntry {
  const asset = step.asset;
  const incoming = step.incoming.isZero() ? undefined : { delta: step.incoming, absolute: after.incoming };
  if (step.held.isZero()) return incoming === undefined ? { asset } : { asset, incoming };
  const balance = { delta: step.held.neg(), absolute: after.available };
  const held = { delta: step.held, absolute: after.held };
  return incoming === undefined ? { asset, balance, held } : { asset, balance, held, incoming };
}
