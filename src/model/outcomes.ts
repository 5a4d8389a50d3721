/** What the engine reports back: per-asset account outcomes, P&L outcomes, post-trade results. */
import type { AccountId, PolicyGroupId } from "../param/ids.js";
import type { Asset } from "../param/instrument.js";
import type { Pnl, PositionSize, Price } from "../param/values.js";
import type { PnlHaltReason, PnlState } from "./pnl-state.js";
import type { AccountBlock } from "./reject.js";

/** `delta` is authoritative; `absolute` is a snapshot hint. */
export interface OutcomeAmount {
  readonly delta: PositionSize;
  readonly absolute: PositionSize;
}

export type PnlOutcome =
  | { readonly kind: "value"; readonly delta: Pnl; readonly absolute: Pnl }
  | { readonly kind: "halted"; readonly reason: PnlHaltReason };

/** What one policy changed for one asset of an account. */
export interface AccountOutcomeEntry {
  readonly asset: Asset;
  readonly balance?: OutcomeAmount;
  readonly held?: OutcomeAmount;
  readonly incoming?: OutcomeAmount;
  readonly realizedPnl?: PnlOutcome;
  readonly averageEntryPrice?: Price;
}

export interface AccountAdjustmentOutcome {
  readonly policyGroupId: PolicyGroupId;
  readonly entry: AccountOutcomeEntry;
}

/** Account-level realized P&L (SpotFunds): a value change, or a halt on its transition. */
export interface AccountPnlOutcome {
  readonly accountId: AccountId;
  readonly policyGroupId: PolicyGroupId;
  readonly result: PnlOutcome;
}

export interface PostTradeResult {
  readonly accountBlocks: readonly AccountBlock[];
  readonly accountPnls: readonly AccountPnlOutcome[];
  readonly accountAdjustments: readonly AccountAdjustmentOutcome[];
  /** The report's execution id was applied for its account already: nothing was applied again (the lists are empty). */
  readonly duplicateExecutionId?: true;
}

export type { PnlState };
