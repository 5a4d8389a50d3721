import { create } from "@bufbuild/protobuf";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { CommandErrorSchema, type ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import type { AccountBlock, PostTradeResult, Reject } from "../../model/index.js";
import type { AccountAdjustmentBatchResult, DryRunReport, PreTradeReservation } from "../../engine/index.js";
import { encodeBlock, encodeLock, encodeOutcomes, encodePostTrade, encodeRejects } from "./encode.js";

/** Builders of the channel's per-command results, from domain results. */
export const results = {
  error(code: ErrorCode, message: string, field = ""): ch.CommandResult {
    return create(ch.CommandResultSchema, {
      result: { case: "error", value: create(CommandErrorSchema, { code, message, field }) },
    });
  },

  bind(takenOver: readonly bigint[]): ch.CommandResult {
    return create(ch.CommandResultSchema, {
      result: { case: "bind", value: create(ch.BindResultSchema, { takenOver: [...takenOver] }) },
    });
  },

  startAccepted(requestId: bigint): ch.CommandResult {
    return create(ch.CommandResultSchema, {
      result: { case: "start", value: create(ch.StartResultSchema, { accepted: true, requestId }) },
    });
  },

  startRejected(rejects: readonly Reject[]): ch.CommandResult {
    return create(ch.CommandResultSchema, {
      result: { case: "start", value: create(ch.StartResultSchema, { accepted: false, rejects: encodeRejects(rejects) }) },
    });
  },

  /** `reservationId` 0 when it was committed on accept. Reads the lock before any commit. */
  executeAccepted(reservationId: bigint, committed: boolean, lockAndOutcomes: LockAndOutcomes): ch.CommandResult {
    // A literal, not `create()`: the hot path of every accepted order (see encode.ts).
    return {
      $typeName: "openpit.sidecar.v1.CommandResult",
      result: {
        case: "execute",
        value: {
          $typeName: "openpit.sidecar.v1.ExecuteResult",
          accepted: true,
          reservationId,
          committed,
          lock: lockAndOutcomes.lock,
          accountAdjustments: lockAndOutcomes.outcomes,
          rejects: [],
        },
      },
    };
  },

  executeRejected(rejects: readonly Reject[]): ch.CommandResult {
    return create(ch.CommandResultSchema, {
      result: { case: "execute", value: create(ch.ExecuteResultSchema, { accepted: false, rejects: encodeRejects(rejects) }) },
    });
  },

  dryRun(report: DryRunReport): ch.CommandResult {
    return create(ch.CommandResultSchema, {
      result: {
        case: "dryRun",
        value: create(ch.DryRunResultSchema, {
          pass: report.isPass,
          rejects: encodeRejects(report.rejects),
          lock: encodeLock(report.lock),
          accountAdjustments: encodeOutcomes(report.accountAdjustments),
          accountBlock: report.accountBlock && encodeBlock(report.accountBlock),
        }),
      },
    });
  },

  dropCopy(reservationId: bigint, committed: boolean, lockAndOutcomes: LockAndOutcomes, block: AccountBlock | undefined): ch.CommandResult {
    return create(ch.CommandResultSchema, {
      result: {
        case: "dropCopy",
        value: create(ch.DropCopyResultSchema, {
          reservationId,
          committed,
          lock: lockAndOutcomes.lock,
          accountAdjustments: lockAndOutcomes.outcomes,
          accountBlock: block && encodeBlock(block),
        }),
      },
    });
  },

  finalized(id: bigint): ch.CommandResult {
    return create(ch.CommandResultSchema, { result: { case: "finalize", value: create(ch.FinalizeResultSchema, { id }) } });
  },

  postTrade(result: PostTradeResult): ch.CommandResult {
    return create(ch.CommandResultSchema, { result: { case: "postTrade", value: encodePostTrade(result) } });
  },

  adjustment(result: AccountAdjustmentBatchResult): ch.CommandResult {
    const value = result.ok
      ? create(ch.AdjustmentBatchResultSchema, {
          accepted: true,
          outcomes: encodeOutcomes(result.outcomes),
          accountBlocks: result.accountBlocks.map(encodeBlock),
        })
      : create(ch.AdjustmentBatchResultSchema, {
          accepted: false,
          failedIndex: result.failedIndex,
          rejects: encodeRejects(result.rejects),
        });
    return create(ch.CommandResultSchema, { result: { case: "adjustment", value } });
  },
};

export interface LockAndOutcomes {
  readonly lock: ReturnType<typeof encodeLock>;
  readonly outcomes: ReturnType<typeof encodeOutcomes>;
}

/** Captures what a reservation exposes while it is still open (it cannot be read after commit). */
export function lockAndOutcomesOf(reservation: PreTradeReservation): LockAndOutcomes {
  return { lock: encodeLock(reservation.lock), outcomes: encodeOutcomes(reservation.accountAdjustments) };
}

export const notices = {
  fenced(accountIds: readonly bigint[], rolledBack: readonly bigint[], abandoned: readonly bigint[]): ch.OpenResponse {
    return notice({
      case: "accountsFenced",
      value: create(ch.AccountsFencedSchema, {
        accountIds: [...accountIds],
        rolledBackReservationIds: [...rolledBack],
        abandonedRequestIds: [...abandoned],
      }),
    });
  },
  expired(reservationIds: readonly bigint[]): ch.OpenResponse {
    return notice({ case: "handlesExpired", value: create(ch.HandlesExpiredSchema, { reservationIds: [...reservationIds] }) });
  },
  shuttingDown(): ch.OpenResponse {
    return notice({ case: "shuttingDown", value: create(ch.ShuttingDownSchema, {}) });
  },
};

function notice(value: ch.ChannelNotice["notice"]): ch.OpenResponse {
  return create(ch.OpenResponseSchema, { correlationId: 0n, notice: create(ch.ChannelNoticeSchema, { notice: value }) });
}
