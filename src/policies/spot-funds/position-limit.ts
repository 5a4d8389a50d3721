/**
 * SpotFunds' worst-case position limit per (account, asset) (OpenPit 3dec858,
 * `spot_funds/position_limit.rs`): each reservation step that moves a limited asset is
 * checked, after the funds gate and before it is written, against the side it moves toward.
 */
import type { LimitUsage } from "../../engine/pretrade/policy.js";
import type { PolicyReject } from "../../model/reject.js";
import type { Asset } from "../../param/instrument.js";
import { ParamError } from "../../param/param-error.js";
import { PositionSize, type Quantity } from "../../param/values.js";
import { atLeastZero, type Holdings } from "./holdings-store.js";
import type { ReservationStep } from "./reservation-legs.js";
import { arithmeticOverflow, positionLimitExceeded } from "./rejects.js";

/** The limits of one account, by asset; undefined = none configured (or a drop-copy). */
export type AccountPositionLimits = ReadonlyMap<Asset, Quantity> | undefined;

type Stage = "net" | "pre-order reconstruction" | "projection" | "first-step transition";
type Cause = "overflow" | "inexact";

/** An arithmetic failure of the check, carried to the one place that words the reject. */
class Failure {
  constructor(readonly cause: Cause) {}
}

/**
 * `a ± b` in the 28-digit domain, refusing to round: a result that had to give up digits to
 * fit (rust_decimal rounds silently) is `inexact`, one outside ±(2^96−1) is `overflow`.
 * A small (safe-integer) result is exact by construction; anything else is compared with
 * the exact decimal.js sum, which is what OpenPit's round trip in both orders establishes.
 */
function exact(a: PositionSize, b: PositionSize, sign: 1 | -1): PositionSize | Failure {
  let r: PositionSize;
  try {
    r = sign === 1 ? a.add(b) : a.sub(b);
  } catch (e) {
    if (e instanceof ParamError) return new Failure("overflow");
    throw e;
  }
  if (r.small === r.small) return r;
  const wanted = sign === 1 ? a.decimal.plus(b.decimal) : a.decimal.minus(b.decimal);
  return r.decimal.eq(wanted) ? r : new Failure("inexact");
}

function failed(asset: Asset, stage: Stage, f: Failure): PolicyReject {
  return arithmeticOverflow(`position-limit arithmetic failure: asset ${asset}, stage ${stage}, cause ${f.cause}`);
}

/** The signed change a step makes to the position: `incoming − held`. */
function netOf(step: ReservationStep): PositionSize | Failure {
  return exact(step.incoming, step.held, -1);
}

/** Both steps of a same-asset order (USD/USD) as one net change. */
function aggregateNet(steps: readonly ReservationStep[]): PositionSize | Failure {
  const first = netOf(steps[0]!);
  if (first instanceof Failure) return first;
  const second = netOf(steps[1]!);
  if (second instanceof Failure) return second;
  return exact(second, first, 1);
}

/** The slot fields the projection reads, as they were before this order. */
interface SlotBefore {
  readonly available: PositionSize;
  readonly held: PositionSize;
  readonly incoming: PositionSize;
}

/**
 * Long (`net > 0`): `owned + max(incoming, 0) + net > limit` refuses; short (`net < 0`):
 * `owned − max(held, 0) + net < −limit` refuses, with `owned = available + held` (a negative
 * held residual at face value). Only the side the order moves toward is checked; bounds
 * are inclusive.
 */
function verify(asset: Asset, net: PositionSize, slot: SlotBefore, limit: Quantity): PolicyReject | undefined {
  if (net.isZero()) return undefined;
  const owned = exact(slot.available, slot.held, 1);
  if (owned instanceof Failure) return failed(asset, "pre-order reconstruction", owned);
  const long = net.isPositive();
  const open = long ? exact(owned, atLeastZero(slot.incoming), 1) : exact(owned, atLeastZero(slot.held), -1);
  if (open instanceof Failure) return failed(asset, "projection", open);
  const projected = exact(open, net, 1);
  if (projected instanceof Failure) return failed(asset, "projection", projected);
  const magnitude = PositionSize.from(limit);
  if (long ? projected.gt(magnitude) : projected.lt(magnitude.neg())) {
    return positionLimitExceeded(asset, long ? "long" : "short", projected, limit);
  }
  return undefined;
}

/** Step 1 of a same-asset order proves that its own write (`available − held1`, `held + held1`, `incoming + inc1`) is exact. */
function firstStepTransition(asset: Asset, before: Holdings, step: ReservationStep): PolicyReject | undefined {
  for (const r of [exact(before.available, step.held, -1), exact(before.held, step.held, 1), exact(before.incoming, step.incoming, 1)]) {
    if (r instanceof Failure) return failed(asset, "first-step transition", r);
  }
  return undefined;
}

/**
 * The position check of step `i` of an order, given the slot the step starts from
 * (`current`: for the second step of a same-asset order, the slot with step 1 written).
 * `undefined` = passes (or nothing to check).
 */
export function checkPositionStep(
  steps: readonly ReservationStep[],
  i: number,
  current: Holdings,
  limits: AccountPositionLimits,
): PolicyReject | undefined {
  if (limits === undefined) return undefined;
  const step = steps[i]!;
  const limit = limits.get(step.asset);
  if (limit === undefined) return undefined;
  const sameAsset = steps.length === 2 && steps[0]!.asset === steps[1]!.asset;
  if (!sameAsset) {
    const net = netOf(step);
    return net instanceof Failure ? failed(step.asset, "net", net) : verify(step.asset, net, current, limit);
  }
  const net = aggregateNet(steps);
  if (i === 0) {
    // The check runs on step 2; step 1 only proves its write when that check will matter.
    if (!(net instanceof Failure) && net.isZero()) return undefined;
    return firstStepTransition(step.asset, current, step);
  }
  if (net instanceof Failure) return failed(step.asset, "net", net);
  if (net.isZero()) return undefined;
  // The slot before the order: step 1 undone from the slot it wrote.
  const first = steps[0]!;
  const available = exact(current.available, first.held, 1);
  const held = exact(current.held, first.held, -1);
  const incoming = exact(current.incoming, first.incoming, -1);
  for (const r of [available, held, incoming]) if (r instanceof Failure) return failed(step.asset, "pre-order reconstruction", r);
  return verify(step.asset, net, { available, held, incoming } as SlotBefore, limit);
}

/**
 * How much of an asset's limit the account uses now, for soft limits (controls.md: warnings
 * at shares of "any limit above (… position …)"): the worst case `verify` would project for
 * an order of zero, on the larger side, long `owned + max(incoming, 0)` or short
 * `−(owned − max(held, 0))`, never below 0. Named `position:<asset>`. None when the figure
 * cannot be had exactly (the next order that moves the asset is refused anyway).
 */
export function positionLimitUsage(asset: Asset, slot: Holdings, limit: Quantity): LimitUsage | undefined {
  const owned = exact(slot.available, slot.held, 1);
  if (owned instanceof Failure) return undefined;
  const long = exact(owned, atLeastZero(slot.incoming), 1);
  const short = exact(owned, atLeastZero(slot.held), -1);
  if (long instanceof Failure || short instanceof Failure) return undefined;
  const shortSide = short.neg();
  let usage = long.gte(shortSide) ? long : shortSide;
  if (usage.isNegative()) usage = PositionSize.zero();
  return { limit: `position:${asset}`, usage, max: limit };
}
