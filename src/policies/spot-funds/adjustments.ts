/** How SpotFunds applies account adjustments: balance, held and incoming changes, forced average and P&L. */
import type { Mutations } from "../../engine/pretrade/mutations.js";
import type { AccountAdjustmentContext, PolicyAccountAdjustmentResult } from "../../engine/pretrade/policy.js";
import type { AccountAdjustment, AdjustmentAmount, AdjustmentOperation } from "../../model/account-adjustment.js";
import type { AccountOutcomeEntry, PnlOutcome } from "../../model/outcomes.js";
import type { PnlState } from "../../model/pnl-state.js";
import type { PolicyReject } from "../../model/reject.js";
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { ParamError } from "../../param/param-error.js";
import type { PositionSize } from "../../param/values.js";
import { barrierBlock } from "./account-pnl.js";
import { sameHoldings, type Holdings } from "./holdings-store.js";
import {
  adjustmentBoundsExceeded,
  adjustmentDeltaOverflow,
  adjustmentNetPositionOverflow,
  adjustmentOverflow,
  adjustmentRollbackOverflowBlock,
  balanceAssetMissing,
  type AdjustedField,
} from "./rejects.js";
import type { SpotFundsState } from "./spot-funds-state.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type BalanceOperation = Extract<AdjustmentOperation, { kind: "balance" }>;

const NOOP = (): void => {};

/** One quantity field: the amount applied, then the inclusive bounds checked on the result. */
function adjustField(
  asset: Asset,
  field: AdjustedField,
  current: PositionSize,
  amount: AdjustmentAmount,
  lower: PositionSize | undefined,
  upper: PositionSize | undefined,
): PositionSize | PolicyReject {
  let next: PositionSize;
  try {
    next = amount.kind === "absolute" ? amount.value : current.add(amount.value);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return adjustmentOverflow(asset, field, current, amount.value);
  }
  if ((lower !== undefined && next.lt(lower)) || (upper !== undefined && next.gt(upper))) {
    return adjustmentBoundsExceeded(asset, field, next, lower, upper);
  }
  return next;
}

function isReject(x: PositionSize | PolicyReject): x is PolicyReject {
  return "code" in x;
}

/**
 * A balance operation on one asset slot (spec §2.5 "Account adjustments"). Fields are
 * applied in the order balance, held, incoming, each checked against its own inclusive
 * bounds; then the average entry price and realized P&L are force-set (a value re-arms a
 * halted slot; a halt clears the average). The average is dropped when the net position
 * (`available + held`) ends flat. Written at once; the registered rollback subtracts the
 * quantity deltas and restores the average and P&L it replaced.
 */
function applyBalance(
  state: SpotFundsState,
  ctx: AccountAdjustmentContext,
  accountId: AccountId,
  op: BalanceOperation,
  adjustment: AccountAdjustment,
  mutations: Mutations,
): PolicyAccountAdjustmentResult | undefined {
  const amount = adjustment.amount ?? {};
  const bounds = adjustment.bounds ?? {};
  if (
    amount.balance === undefined &&
    amount.held === undefined &&
    amount.incoming === undefined &&
    op.averageEntryPrice === undefined &&
    op.realizedPnl === undefined
  ) {
    return undefined;
  }
  const asset = op.asset;
  const before = state.store.get(accountId, asset);
  const after: Mutable<Holdings> = { ...before };
  if (amount.balance) {
    const v = adjustField(asset, "balance", before.available, amount.balance, bounds.balanceLower, bounds.balanceUpper);
    if (isReject(v)) return { rejects: [v] };
    after.available = v;
  }
  if (amount.held) {
    const v = adjustField(asset, "held", before.held, amount.held, bounds.heldLower, bounds.heldUpper);
    if (isReject(v)) return { rejects: [v] };
    after.held = v;
  }
  if (amount.incoming) {
    const v = adjustField(asset, "incoming", before.incoming, amount.incoming, bounds.incomingLower, bounds.incomingUpper);
    if (isReject(v)) return { rejects: [v] };
    after.incoming = v;
  }
  if (op.averageEntryPrice !== undefined) after.averageEntryPrice = op.averageEntryPrice;
  if (op.realizedPnl !== undefined) {
    after.realizedPnl = op.realizedPnl;
    if (op.realizedPnl.kind === "halted") after.averageEntryPrice = undefined;
  }
  // Only an operation that could move the average re-checks flatness (OpenPit's
  // avg_may_change). A halt is not one: it clears the average above whatever the net
  // position, so a halt of a slot whose available + held does not fit is not refused as an
  // overflow (found by review).
  const averageMayChange =
    op.averageEntryPrice !== undefined ||
    ((amount.balance !== undefined || amount.held !== undefined) && before.averageEntryPrice !== undefined);
  // Every figure the outcome reports is computed before the slot is written; each that does
  // not fit the decimal range refuses the adjustment, naming it (OpenPit's order and words).
  if (averageMayChange) {
    const net = checked(() => after.available.add(after.held));
    if (net === undefined) return { rejects: [adjustmentNetPositionOverflow(asset)] };
    if (net.isZero()) after.averageEntryPrice = undefined;
  }
  const available = checked(() => after.available.sub(before.available));
  if (available === undefined) return { rejects: [adjustmentDeltaOverflow(asset, "balance")] };
  const held = checked(() => after.held.sub(before.held));
  if (held === undefined) return { rejects: [adjustmentDeltaOverflow(asset, "held")] };
  const incoming = checked(() => after.incoming.sub(before.incoming));
  if (incoming === undefined) return { rejects: [adjustmentDeltaOverflow(asset, "incoming")] };
  const pnlOutcome = op.realizedPnl === undefined ? undefined : forcedPnlOutcome(before.realizedPnl, op.realizedPnl);
  if (pnlOutcome === null) return { rejects: [adjustmentDeltaOverflow(asset, "realized pnl")] };
  state.store.put(accountId, asset, after);
  mutations.push(NOOP, () => {
    const now = state.store.get(accountId, asset);
    // Untouched since (a batch undoes newest first): the old values back, exactly. The
    // recorded change may have been rounded to 28 digits; subtracting it would not land on them
    // (found by review).
    if (sameHoldings(now, after)) return void state.store.put(accountId, asset, before);
    try {
      state.store.put(accountId, asset, {
        available: now.available.sub(available),
        held: now.held.sub(held),
        incoming: now.incoming.sub(incoming),
        averageEntryPrice: before.averageEntryPrice,
        realizedPnl: before.realizedPnl,
      });
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      ctx.accountControl.block(accountId, adjustmentRollbackOverflowBlock(asset, available, held, incoming, now));
    }
  });

  // Every specified field reports, even with a zero delta (unlike execution reports).
  const entry: Mutable<AccountOutcomeEntry> = { asset };
  if (amount.balance) entry.balance = { delta: available, absolute: after.available };
  if (amount.held) entry.held = { delta: held, absolute: after.held };
  if (amount.incoming) entry.incoming = { delta: incoming, absolute: after.incoming };
  if (pnlOutcome !== undefined) entry.realizedPnl = pnlOutcome;
  if ((amount.balance || op.averageEntryPrice || op.realizedPnl) && after.averageEntryPrice !== undefined) {
    entry.averageEntryPrice = after.averageEntryPrice;
  }
  return { outcomes: [entry] };
}

/**
 * A forced value reports its change from the previous value (from 0 if there was none or it
 * was halted); null when that change is past the decimal range (the delta is authoritative,
 * spec §3.4: it is never replaced by another figure).
 */
function forcedPnlOutcome(previous: PnlState | undefined, forced: PnlState): PnlOutcome | null {
  if (forced.kind === "halted") return { kind: "halted", reason: forced.reason };
  if (previous?.kind !== "value") return { kind: "value", delta: forced.value, absolute: forced.value };
  const delta = checked(() => forced.value.sub(previous.value));
  return delta === undefined ? null : { kind: "value", delta, absolute: forced.value };
}

/** `compute()`, or undefined when it leaves the decimal range. */
function checked<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return undefined;
  }
}

/**
 * Force-sets the account P&L line (value or halt; this is how a halted line is re-armed)
 * and reports the block the new state earns under the effective barrier; the engine
 * records it only if the whole batch succeeds.
 */
function applyAccountPnl(
  state: SpotFundsState,
  ctx: AccountAdjustmentContext,
  accountId: AccountId,
  forced: PnlState,
  mutations: Mutations,
): PolicyAccountAdjustmentResult {
  const previous = state.ledger.get(accountId);
  state.ledger.set(accountId, forced);
  mutations.push(NOOP, () => state.ledger.set(accountId, previous));
  const barrier = state.settings.pnlBarrierFor(accountId, ctx, () => ctx.accounts.currencyOf(accountId));
  const block = barrier === undefined ? undefined : barrierBlock(forced, barrier);
  return { accountBlocks: block === undefined ? [] : [block] };
}

export function applySpotFundsAdjustment(
  state: SpotFundsState,
  ctx: AccountAdjustmentContext,
  accountId: AccountId,
  adjustment: AccountAdjustment,
  mutations: Mutations,
): PolicyAccountAdjustmentResult | undefined {
  const op = adjustment.operation;
  if (op?.kind === "accountPnl") return applyAccountPnl(state, ctx, accountId, op.state, mutations);
  if (op?.kind !== "balance") return { rejects: [balanceAssetMissing()] };
  return applyBalance(state, ctx, accountId, op, adjustment, mutations);
}
