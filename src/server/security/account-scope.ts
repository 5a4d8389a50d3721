/**
 * The per-command half of authorisation: a gateway's or feed's command may only name
 * accounts its principal may use. Checked on the decoded command before it reaches the
 * door, so a refused command changes nothing and is never journaled; the texts name only
 * what the caller sent, or for `executeRequest` the account of the caller's own request
 * (never whether an account exists or is pinned elsewhere).
 */
import type { AccountGroupId, AccountId } from "../../param/index.js";
import type { ExecutionReport, Order } from "../../model/index.js";
import type { ChannelCommand } from "../../state/commands.js";
import { CommandError } from "../../state/command-error.js";
import type { Denial } from "../services/service-context.js";
import { mayUseAccount, type Principal } from "./principal.js";

/** Who sends a stream's commands, and where refusals are reported. */
export interface CommandScope {
  readonly principal: Principal;
  /** The method's full path, for the audit record. */
  readonly action: string;
  readonly onDenied?: (denial: Denial) => void;
}

type GroupOf = (accountId: AccountId) => AccountGroupId | undefined;

/** Wire names of the order-carrying commands, for the refused field's path. */
export const ORDER_FIELD = {
  start: "start_pre_trade",
  execute: "execute_pre_trade",
  startDryRun: "start_pre_trade_dry_run",
  executeDryRun: "execute_pre_trade_dry_run",
  dropCopy: "execute_pre_trade_drop_copy",
} as const;

/** `named`: every account the refused command named that the principal may not use (the audit finds the attempt on each); the text names the first. */
function refusal(scope: CommandScope, field: string, accountId: AccountId | undefined, what: string, named: readonly AccountId[] = accountId === undefined ? [] : [accountId]): CommandError {
  const message =
    accountId === undefined
      ? `${field}: principal '${scope.principal.name}' may only send ${what} that name one of its accounts`
      : `${field}: principal '${scope.principal.name}' may not use account ${accountId}`;
  scope.onDenied?.({
    actor: scope.principal.name,
    action: `${scope.action} ${what}`,
    detail: message,
    reason: "PERMISSION_DENIED",
    ...(named.length === 0 ? {} : { accountIds: named }),
  });
  return new CommandError("PERMISSION_DENIED", field, message);
}

function orderAccount(order: Order): AccountId | undefined {
  return order.operation?.accountId;
}

/**
 * The refusal for a channel command naming an account `scope` may not use, or undefined.
 * Handle commands name handles of this channel, made by commands that were checked; but a
 * scope can shrink meanwhile (an operator moves the account out of the principal's group), so
 * `executeRequest`, which takes new risk, is checked again by its request's account
 * (`requestAccount`: the channel's open request of that id; none when the request is unknown,
 * or started in the same message, whose start was checked). Discard, commit and rollback only
 * finish or release risk taken already: not checked. Callers skip the call for `allAccounts`
 * principals.
 */
export function refuseChannelCommand(
  scope: CommandScope,
  command: ChannelCommand,
  base: string,
  groupOf: GroupOf,
  requestAccount: (requestId: bigint) => AccountId | undefined = () => undefined,
): CommandError | undefined {
  const p = scope.principal;
  switch (command.kind) {
    case "bind":
    case "release": {
      // A takeover is a bind: it can only move accounts the principal may use. The answer names
      // the first account refused; the audit record holds every one (the first 1000:
      // audit-denial.ts), so that an attempt on an account is found under it whatever its place in the list.
      const ids = command.accountIds;
      let first = -1;
      const refused = new Set<AccountId>();
      for (let i = 0; i < ids.length; i++) {
        if (mayUseAccount(p, ids[i]!, groupOf)) continue;
        if (first < 0) first = i;
        refused.add(ids[i]!);
      }
      if (first < 0) return undefined;
      const wire = command.kind === "bind" ? "bind_accounts" : "release_accounts";
      return refusal(scope, `${base}.${wire}.account_ids[${first}]`, ids[first], command.kind, [...refused]);
    }
    case "start":
    case "execute":
    case "startDryRun":
    case "executeDryRun":
    case "dropCopy": {
      const id = orderAccount(command.order);
      if (id !== undefined && mayUseAccount(p, id, groupOf)) return undefined;
      return refusal(scope, `${base}.${ORDER_FIELD[command.kind]}.order.account_id`, id, "orders");
    }
    case "report":
      return refuseReport(scope, command.report, `${base}.apply_execution_report.report`, groupOf);
    case "adjust":
      return mayUseAccount(p, command.accountId, groupOf) ? undefined : refusal(scope, `${base}.apply_account_adjustment.account_id`, command.accountId, "adjustments");
    case "executeRequest": {
      // Found by review: a request started while the account was in scope still ran its main
      // stage, reserving funds, after the operator had moved the account out.
      const id = requestAccount(command.requestId);
      if (id === undefined || mayUseAccount(p, id, groupOf)) return undefined;
      return refusal(scope, `${base}.execute_request.request_id`, id, "orders");
    }
    case "discardRequest":
    case "commit":
    case "rollback":
      return undefined;
  }
}

/** An execution report (on the feed or a channel): its account must be one the principal may use; one without an account is refused. */
export function refuseReport(scope: CommandScope, report: ExecutionReport, field: string, groupOf: GroupOf): CommandError | undefined {
  const id = report.operation?.accountId;
  if (id !== undefined && mayUseAccount(scope.principal, id, groupOf)) return undefined;
  return refusal(scope, `${field}.account_id`, id, "reports");
}
