/** The channel's per-command results and notices on the wire, built from the door's domain results. */
import { create } from "@bufbuild/protobuf";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { CancelWorkingOrdersSchema } from "../../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { CommandErrorSchema, ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import { boundedMessage, type CommandError, type CommandErrorCode } from "../../state/command-error.js";
import { ChannelClosingSchema } from "../../../gen/openpit/sidecar/v1/controls_pb.js";
import type { ChannelNotice, ChannelResult, ReportResult as DomainReportResult } from "../../state/results.js";
import { ReportResultSchema, type ReportResult } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { AccountAdjustmentOutcome, PreTradeLock, Reject } from "../../model/index.js";
import type { AccountAdjustmentBatchResult, DryRunReport } from "../../engine/index.js";
import { encodeBlock, encodeLock, encodeOutcomes, encodePostTrade, encodeRejects } from "./encode.js";

/** The wire enum carries the domain code's name. */
export function encodeErrorCode(code: CommandErrorCode): ErrorCode {
  return ErrorCode[code];
}

export function encodeCommandError(e: CommandError) {
  return create(CommandErrorSchema, { code: encodeErrorCode(e.code), message: boundedMessage(e.message), field: e.field, ownerAddress: e.ownerAddress });
}

function result(value: ch.CommandResult["result"]): ch.CommandResult {
  return create(ch.CommandResultSchema, { result: value });
}

export const results = {
  error(code: CommandErrorCode, message: string, field = ""): ch.CommandResult {
    return result({ case: "error", value: create(CommandErrorSchema, { code: encodeErrorCode(code), message: boundedMessage(message), field }) });
  },

  fromError(e: CommandError): ch.CommandResult {
    return result({ case: "error", value: encodeCommandError(e) });
  },

  executeAccepted(reservationId: bigint, committed: boolean, lock: PreTradeLock, outcomes: readonly AccountAdjustmentOutcome[]): ch.CommandResult {
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
          lock: encodeLock(lock),
          accountAdjustments: encodeOutcomes(outcomes),
          rejects: [],
        },
      },
    };
  },

  rejected(kind: "start" | "execute", rejects: readonly Reject[]): ch.CommandResult {
    if (kind === "start") return result({ case: "start", value: create(ch.StartResultSchema, { accepted: false, rejects: encodeRejects(rejects) }) });
    return result({ case: "execute", value: create(ch.ExecuteResultSchema, { accepted: false, rejects: encodeRejects(rejects) }) });
  },

  dryRun(report: DryRunReport): ch.CommandResult {
    return result({
      case: "dryRun",
      value: create(ch.DryRunResultSchema, {
        pass: report.isPass,
        rejects: encodeRejects(report.rejects),
        lock: encodeLock(report.lock),
        accountAdjustments: encodeOutcomes(report.accountAdjustments),
        accountBlock: report.accountBlock && encodeBlock(report.accountBlock),
      }),
    });
  },

  adjustment(r: AccountAdjustmentBatchResult): ch.CommandResult {
    const value = r.ok
      ? create(ch.AdjustmentBatchResultSchema, {
          accepted: true,
          outcomes: encodeOutcomes(r.outcomes),
          accountBlocks: r.accountBlocks.map(encodeBlock),
        })
      : create(ch.AdjustmentBatchResultSchema, { accepted: false, failedIndex: r.failedIndex, rejects: encodeRejects(r.rejects) });
    return result({ case: "adjustment", value });
  },
};

export function encodeChannelResult(r: ChannelResult): ch.CommandResult {
  switch (r.kind) {
    case "executeAccepted":
      return results.executeAccepted(r.reservationId, r.committed, r.lock, r.outcomes);
    case "error":
      return results.fromError(r.error);
    case "bind":
      return result({ case: "bind", value: create(ch.BindResultSchema, { takenOver: [...r.takenOver] }) });
    case "startAccepted":
      return result({ case: "start", value: create(ch.StartResultSchema, { accepted: true, requestId: r.requestId }) });
    case "startRejected":
      return results.rejected("start", r.rejects);
    case "executeRejected":
      return results.rejected("execute", r.rejects);
    case "dryRun":
      return results.dryRun(r.report);
    case "dropCopy":
      return result({
        case: "dropCopy",
        value: create(ch.DropCopyResultSchema, {
          reservationId: r.reservationId,
          committed: r.committed,
          lock: encodeLock(r.lock),
          accountAdjustments: encodeOutcomes(r.outcomes),
          accountBlock: r.accountBlock && encodeBlock(r.accountBlock),
          isAccountBlocked: r.isAccountBlocked,
        }),
      });
    case "dropCopyFailed":
      return result({ case: "dropCopy", value: create(ch.DropCopyResultSchema, { failed: true, rejects: encodeRejects(r.rejects) }) });
    case "finalized":
      return result({ case: "finalize", value: create(ch.FinalizeResultSchema, { id: r.id }) });
    case "postTrade":
      return result({ case: "postTrade", value: encodePostTrade(r.result) });
    case "adjustment":
      return results.adjustment(r.result);
  }
}

export function encodeNotice(n: ChannelNotice): ch.OpenResponse {
  switch (n.kind) {
    case "fenced":
      return notice({
        case: "accountsFenced",
        value: create(ch.AccountsFencedSchema, {
          accountIds: [...n.accountIds],
          rolledBackReservationIds: [...n.rolledBack],
          abandonedRequestIds: [...n.abandoned],
        }),
      });
    case "expired":
      return notice({ case: "handlesExpired", value: create(ch.HandlesExpiredSchema, { reservationIds: [...n.reservationIds] }) });
    case "closing":
      return notice({
        case: "channelClosing",
        value: create(ChannelClosingSchema, {
          accountIds: [...n.accountIds],
          policy: n.policy,
          reason: n.reason,
          rolledBackReservationIds: [...n.rolledBack],
        }),
      });
    case "cancelWorkingOrders":
      return notice({
        case: "cancelWorkingOrders",
        value: create(CancelWorkingOrdersSchema, { accountIds: [...n.accountIds], blockedBy: n.blockedBy, block: encodeBlock(n.block) }),
      });
  }
}

export function shuttingDownNotice(): ch.OpenResponse {
  return notice({ case: "shuttingDown", value: create(ch.ShuttingDownSchema, {}) });
}

function notice(value: ch.ChannelNotice["notice"]): ch.OpenResponse {
  return create(ch.OpenResponseSchema, { correlationId: 0n, notice: create(ch.ChannelNoticeSchema, { notice: value }) });
}

/** The feed's per-report results. */
export const reportResults = {
  fromError(e: CommandError): ReportResult {
    return create(ReportResultSchema, { result: { case: "error", value: encodeCommandError(e) } });
  },
  encode(r: DomainReportResult): ReportResult {
    // A literal: every fill's answer (see encode.ts).
    return r.kind === "postTrade"
      ? { $typeName: "openpit.sidecar.v1.ReportResult", result: { case: "postTrade", value: encodePostTrade(r.result) } }
      : reportResults.fromError(r.error);
  },
};
