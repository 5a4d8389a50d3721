/** The channel's wire commands as the door's domain commands; a malformed one is a CommandError naming its field. */
import { path } from "./field-path.js";
import type * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { ChannelCommand } from "../../state/commands.js";
import { CommandError } from "../../state/command-error.js";
import { decodeAdjustments } from "./decode-adjustment.js";
import { decodeOrder } from "./decode-order.js";
import { decodeExecutionReport } from "./decode-report.js";
import { decodeAccountId } from "./scalars.js";
import { decodedCommand } from "./decoded-messages.js";

/** `field` is the command's path in its message, e.g. `commands[2]`. */
export function decodeChannelCommand(c: ch.Command["command"], field: string, maxAdjustments: number): ChannelCommand {
  // Decoded from the bytes already (wire-commands.ts): exactly what the cases below build.
  const decoded = decodedCommand(c);
  if (decoded !== undefined) return decoded;
  switch (c.case) {
    case "bindAccounts": {
      const f = `${field}.bind_accounts.account_ids`;
      return { kind: "bind", accountIds: c.value.accountIds.map((id, i) => decodeAccountId(id, `${f}[${i}]`)), takeover: c.value.takeover };
    }
    case "releaseAccounts": {
      const f = `${field}.release_accounts.account_ids`;
      return { kind: "release", accountIds: c.value.accountIds.map((id, i) => decodeAccountId(id, `${f}[${i}]`)) };
    }
    case "startPreTrade":
      return { kind: "start", order: decodeOrder(c.value.order, path(field, ".start_pre_trade.order")) };
    case "executeRequest":
      return { kind: "executeRequest", requestId: c.value.requestId };
    case "discardRequest":
      return { kind: "discardRequest", requestId: c.value.requestId };
    case "executePreTrade":
      return { kind: "execute", order: decodeOrder(c.value.order, path(field, ".execute_pre_trade.order")), commitOnAccept: c.value.commitOnAccept };
    case "startPreTradeDryRun":
      return { kind: "startDryRun", order: decodeOrder(c.value.order, path(field, ".start_pre_trade_dry_run.order")) };
    case "executePreTradeDryRun":
      return { kind: "executeDryRun", order: decodeOrder(c.value.order, path(field, ".execute_pre_trade_dry_run.order")) };
    case "executePreTradeDropCopy":
      return {
        kind: "dropCopy",
        order: decodeOrder(c.value.order, path(field, ".execute_pre_trade_drop_copy.order")),
        commitOnAccept: c.value.commitOnAccept,
      };
    case "commitReservation":
      return { kind: "commit", reservationId: c.value.reservationId };
    case "rollbackReservation":
      return { kind: "rollback", reservationId: c.value.reservationId };
    case "applyExecutionReport":
      return { kind: "report", report: decodeExecutionReport(c.value.report, path(field, ".apply_execution_report.report")) };
    case "applyAccountAdjustment": {
      const f = `${field}.apply_account_adjustment`;
      return {
        kind: "adjust",
        accountId: decodeAccountId(c.value.accountId, `${f}.account_id`),
        adjustments: decodeAdjustments(c.value.adjustments, `${f}.adjustments`, maxAdjustments),
      };
    }
    default:
      throw new CommandError("MISSING_FIELD", `${field}.command`, `${field}: the message carries no command`);
  }
}
