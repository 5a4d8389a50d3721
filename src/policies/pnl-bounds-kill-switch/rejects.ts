/** The kill switch's reject and block texts: barrier breaches, triggered switch, accumulation overflow. */
import type { PolicyBlock } from "../../engine/pretrade/policy.js";
import type { PolicyReject } from "../../model/reject.js";
import type { Asset } from "../../param/instrument.js";
import type { Fee, Pnl } from "../../param/values.js";
import type { BreachedSides } from "./barriers.js";
import type { PnlBoundsBrokerBarrier } from "./settings.js";
import { debugOption, missingFieldBlock } from "../policy-texts.js";

/** Which barrier a start-stage reject names; the broker barrier is checked first. */
export type BarrierKind = "broker" | "account";

const BREACH_REASONS: Record<BarrierKind, string> = {
  broker: "pnl kill switch triggered: broker barrier",
  account: "pnl kill switch triggered: account + asset barrier",
};


/** Start stage: account scope, so the engine latches a block on the account. */
export function barrierBreachReject(
  kind: BarrierKind,
  sides: BreachedSides,
  barrier: PnlBoundsBrokerBarrier,
  realized: Pnl,
): PolicyReject {
  return {
    code: "PnlKillSwitchTriggered",
    reason: BREACH_REASONS[kind],
    details:
      `${sides} bound breached: realized pnl ${realized.toString()}, ` +
      `lower_bound ${debugOption(barrier.lowerBound)}, upper_bound ${debugOption(barrier.upperBound)}, ` +
      `settlement asset ${barrier.settlementAsset}`,
    scope: "account",
  };
}

/** Post-trade: the new total is outside a barrier. */
export function killSwitchBlock(realized: Pnl, settlementAsset: Asset): PolicyBlock {
  return {
    code: "PnlKillSwitchTriggered",
    reason: "pnl kill switch triggered",
    details: `realized pnl ${realized.toString()}, settlement asset ${settlementAsset}`,
  };
}

function overflowBlock(details: string): PolicyBlock {
  return { code: "OrderValueCalculationFailed", reason: "pnl accumulation overflow", details };
}

/** `pnl − fee` of one report does not fit the decimal domain; the accumulator is untouched (OpenPit's words, which name it pnl + fee: its fee is added as a P&L). */
export function reportOverflowBlock(pnl: Pnl, fee: Fee, settlementAsset: Asset): PolicyBlock {
  return overflowBlock(`pnl + fee overflow: pnl ${pnl.toString()}, fee ${fee.toString()}, settlement asset ${settlementAsset}`);
}

/** The running total would overflow; the accumulator keeps its previous value. */
export function accumulatorOverflowBlock(previous: Pnl, increment: Pnl, settlementAsset: Asset): PolicyBlock {
  return overflowBlock(
    `realized pnl + pnl_with_fee overflow: previous ${previous.toString()}, increment ${increment.toString()}, ` +
      `settlement asset ${settlementAsset}`,
  );
}

export { missingFieldBlock };
