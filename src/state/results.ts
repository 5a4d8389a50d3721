/** What the door answers: one domain result per channel command or feed report, and channel notices. */
import type { AccountId } from "../param/ids.js";
import type {
  AccountAdjustmentOutcome,
  AccountBlock,
  BlockedBy,
  PostTradeResult,
  PreTradeLock,
  Reject,
} from "../model/index.js";
import type { AccountAdjustmentBatchResult, DryRunReport } from "../engine/index.js";
import type { CommandError } from "./command-error.js";

export type ChannelResult =
  | { readonly kind: "error"; readonly error: CommandError }
  | { readonly kind: "bind"; readonly takenOver: readonly AccountId[] }
  | { readonly kind: "startAccepted"; readonly requestId: bigint }
  | { readonly kind: "startRejected"; readonly rejects: readonly Reject[] }
  /** `reservationId` 0 when it was committed on accept. */
  | {
      readonly kind: "executeAccepted";
      readonly reservationId: bigint;
      readonly committed: boolean;
      readonly lock: PreTradeLock;
      readonly outcomes: readonly AccountAdjustmentOutcome[];
      /** A safe retry answered with this first decision (nothing ran; the metrics do not count it as another). */
      readonly retried?: true;
    }
  | { readonly kind: "executeRejected"; readonly rejects: readonly Reject[] }
  | { readonly kind: "dryRun"; readonly report: DryRunReport }
  | {
      readonly kind: "dropCopy";
      readonly reservationId: bigint;
      readonly committed: boolean;
      readonly lock: PreTradeLock;
      readonly outcomes: readonly AccountAdjustmentOutcome[];
      readonly accountBlock: AccountBlock | undefined;
      /** At apply time: this drop-copy blocked the account, or it was already blocked. */
      readonly isAccountBlocked: boolean;
      /** As `executeAccepted`'s. */
      readonly retried?: true;
    }
  /**
   * A drop-copy whose effects could not be computed (evaluation failures), or a drop-copy
   * retry that is not the order first sent with its id (safe-retries.ts): nothing applied.
   */
  | { readonly kind: "dropCopyFailed"; readonly rejects: readonly Reject[] }
  | { readonly kind: "finalized"; readonly id: bigint }
  | { readonly kind: "postTrade"; readonly result: PostTradeResult }
  | { readonly kind: "adjustment"; readonly result: AccountAdjustmentBatchResult };

/** A report of the feed: its post-trade result, or why it could not be applied. */
export type ReportResult = { readonly kind: "postTrade"; readonly result: PostTradeResult } | { readonly kind: "error"; readonly error: CommandError };

/** What a channel is told without asking. */
export type ChannelNotice =
  | {
      readonly kind: "fenced";
      readonly accountIds: readonly AccountId[];
      readonly rolledBack: readonly bigint[];
      readonly abandoned: readonly bigint[];
    }
  | { readonly kind: "expired"; readonly reservationIds: readonly bigint[] }
  /** The door closed the channel (a closing reject, e.g. the hard throttle); its reservations were rolled back. */
  | {
      readonly kind: "closing";
      readonly accountIds: readonly AccountId[];
      readonly policy: string;
      readonly reason: string;
      readonly rolledBack: readonly bigint[];
    }
  /** A kill switch fired for accounts this channel holds: the gateway cancels their working orders at the venue. */
  | { readonly kind: "cancelWorkingOrders"; readonly accountIds: readonly AccountId[]; readonly blockedBy: BlockedBy; readonly block: AccountBlock };
