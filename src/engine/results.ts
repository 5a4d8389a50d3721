/** What the engine's calls return: start and execute results, dry-run reports, adjustment batch results. */
import type { AccountAdjustmentOutcome } from "../model/outcomes.js";
import type { PreTradeLock } from "../model/pre-trade-lock.js";
import type { AccountBlock, Reject } from "../model/reject.js";
import type { PreTradeRequest } from "./pre-trade-request.js";
import type { PreTradeReservation } from "./reservation.js";

export type StartResult =
  | { readonly ok: true; readonly request: PreTradeRequest; readonly rejects: readonly [] }
  | { readonly ok: false; readonly rejects: readonly Reject[] };

export type ExecuteResult =
  | { readonly ok: true; readonly reservation: PreTradeReservation; readonly rejects: readonly [] }
  | { readonly ok: false; readonly rejects: readonly Reject[] };

/** What a dry run would have done; inert (nothing to commit or roll back). */
export interface DryRunReport {
  readonly isPass: boolean;
  readonly rejects: readonly Reject[];
  readonly lock: PreTradeLock;
  readonly accountAdjustments: readonly AccountAdjustmentOutcome[];
  /** The block a real call would have latched; not recorded. */
  readonly accountBlock: AccountBlock | undefined;
}

export type AccountAdjustmentBatchResult =
  | {
      readonly ok: true;
      readonly outcomes: readonly AccountAdjustmentOutcome[];
      readonly accountBlocks: readonly AccountBlock[];
    }
  | {
      readonly ok: false;
      /** 0-based index of the adjustment that was rejected. */
      readonly failedIndex: number;
      readonly rejects: readonly Reject[];
    };

/**
 * OpenPit's `apply_drop_copy` result: the operation (a reservation to commit or roll back;
 * its `accountBlock` is the first block this pipeline requested), or the fatal rejects.
 */
export type DropCopyResult =
  | {
      readonly ok: true;
      readonly operation: PreTradeReservation;
      /** At apply time: this request blocked the account, or it was already blocked. */
      readonly isAccountBlocked: boolean;
      readonly rejects: readonly [];
    }
  | { readonly ok: false; readonly rejects: readonly Reject[] };
