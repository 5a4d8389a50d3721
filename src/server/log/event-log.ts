/**
 * What the account events say in the log (the server taps the door's event hub): blocks and
 * unblocks with who (the operator's principal, or the policy that latched it) and why,
 * configuration changes, P&L halts, recovery rollbacks, and every admin command and denied
 * call from the audit trail. Quote pushes are debug: a tick stream is not news.
 */
import type { SequencedEvent } from "../../state/event-hub.js";
import type { AccountBlock, ControlScope } from "../../model/index.js";
import type { AuditRecord } from "../../state/audit-log.js";
import type { SidecarLogger } from "./sidecar-log.js";
import { ENGINE_NAME } from "../../engine/index.js";

/** Who caused a change: the admin command's actor, else the policy that latched the block. */
function who(actor: string | undefined, block?: AccountBlock): string {
  return actor ?? (block ? `policy ${block.policy}` : "the engine");
}

/**
 * Who set a block: an operator's own block is the engine's (`Engine`) and is theirs; a
 * block a policy latched is the policy's, also when an operator's command set it off (a
 * P&L force-set or a new barrier past the account's P&L).
 */
function blockedBy(actor: string | undefined, block: AccountBlock): string {
  return actor !== undefined && block.policy === ENGINE_NAME ? actor : `policy ${block.policy}`;
}

function scopeText(scope: ControlScope): string {
  return scope.kind === "account" ? `account ${scope.accountId}` : scope.kind === "group" ? `group ${scope.group}` : "global";
}

function blockFields(block: AccountBlock) {
  return { policy: block.policy, code: block.code, reason: block.reason, details: block.details };
}

function auditLine(log: SidecarLogger, r: AuditRecord): void {
  const fields = { event: "admin", sequence: String(r.sequence), actor: r.actor, action: r.action, outcome: r.outcome, reason: r.reason, request: r.request };
  if (r.outcome === "denied") {
    log.warn({ ...fields, event: "denied", detail: r.detail }, `${r.actor} was denied ${r.action}: ${r.reason}`);
  } else if (r.action === "pushQuote" || r.action === "streamQuotes") {
    log.debug(fields, `${r.actor}: ${r.action} ${r.outcome}`);
  } else if (r.outcome === "failed") {
    log.warn(fields, `${r.actor}: ${r.action} failed: ${r.reason}`);
  } else {
    log.info(fields, `${r.actor}: ${r.action} applied`);
  }
}

export function logEvent(log: SidecarLogger, { event: e, actor, sequence }: SequencedEvent): void {
  const base = { sequence: String(sequence) };
  switch (e.kind) {
    case "accountBlocked":
    case "accountBlockReasonReplaced": {
      const by = e.kind === "accountBlocked" ? blockedBy(actor, e.block) : who(actor, e.block);
      const name = e.kind === "accountBlocked" ? "account_blocked" : "account_block_reason_replaced";
      // A replaced reason names who re-worded the block, not a blocker (found by review: "blocked by" credited the operator with a policy's block).
      const what = e.kind === "accountBlocked" ? "blocked" : "block reason replaced";
      log.warn({ ...base, event: name, accountId: String(e.accountId), by, ...blockFields(e.block) }, `account ${e.accountId} ${what} by ${by}: ${e.block.reason}: ${e.block.details}`);
      return;
    }
    case "accountUnblocked":
      log.info({ ...base, event: "account_unblocked", accountId: String(e.accountId), by: who(actor) }, `account ${e.accountId} unblocked by ${who(actor)}`);
      return;
    case "groupBlocked":
    case "groupBlockReasonReplaced": {
      const by = e.kind === "groupBlocked" ? blockedBy(actor, e.block) : who(actor, e.block);
      const name = e.kind === "groupBlocked" ? "group_blocked" : "group_block_reason_replaced";
      const what = e.kind === "groupBlocked" ? "blocked" : "block reason replaced";
      log.warn({ ...base, event: name, group: e.group, by, ...blockFields(e.block) }, `account group ${e.group} ${what} by ${by}: ${e.block.reason}: ${e.block.details}`);
      return;
    }
    case "groupUnblocked":
      log.info({ ...base, event: "group_unblocked", group: e.group, by: who(actor) }, `account group ${e.group} unblocked by ${who(actor)}`);
      return;
    case "globalBlocked": {
      const by = blockedBy(actor, e.block);
      log.error({ ...base, event: "global_blocked", by, ...blockFields(e.block) }, `every account blocked by ${by}: ${e.block.reason}: ${e.block.details}`);
      return;
    }
    case "policyConfigured":
      log.info({ ...base, event: "policy_configured", policy: e.policy, by: who(actor) }, `policy ${e.policy} reconfigured by ${who(actor)}`);
      return;
    case "pnlHalted":
      log.warn(
        { ...base, event: "pnl_halted", accountId: String(e.accountId), policyGroupId: Number(e.policyGroupId), reason: e.reason },
        `account ${e.accountId} halted by its P&L (${e.reason})`,
      );
      return;
    case "reservationsRolledBack":
      if (e.reason === "recovery") {
        log.info(
          { ...base, event: "recovery_rollback", accountId: String(e.accountId), rolledBack: e.reservationIds.length },
          `account ${e.accountId}: ${e.reservationIds.length} reservations a crash left open were rolled back`,
        );
      } else {
        // Cancel on disconnect: the channel that held them is gone (its channel_closed line says
        // why). Past their TTL or fenced by a takeover, the channel stays open: the sentence says
        // what happened instead (found by review: it said the channel closed).
        const n = e.reservationIds.length;
        const why =
          e.reason === "expired"
            ? `rolled back: past limits.reservationTtlMs on channel ${e.channelId}`
            : e.reason === "fenced"
              ? `rolled back: another channel took the account over from channel ${e.channelId}`
              : `rolled back as channel ${e.channelId} closed (${e.reason})`;
        log.info(
          { ...base, event: "reservations_rolled_back", accountId: String(e.accountId), rolledBack: n, reason: e.reason, channelId: String(e.channelId) },
          `account ${e.accountId}: ${n} reservations ${why}`,
        );
      }
      return;
    case "auditRecorded":
      auditLine(log, e.record);
      return;
    case "softLimitCrossed":
      // Once per crossing, but an account hovering at a share crosses it on every order: debug.
      log.debug(
        { ...base, event: "soft_limit_crossed", accountId: String(e.accountId), policy: e.policy, limit: e.limit, usage: e.usage, max: e.max, share: e.share },
        `account ${e.accountId}: ${e.policy} ${e.limit} at ${e.usage} of ${e.max} (share ${e.share})`,
      );
      return;
    case "tradingStateChanged":
      log.info(
        { ...base, event: "trading_state_changed", scope: scopeText(e.scope), state: e.state, previous: e.previous, reason: e.reason, by: who(actor) },
        `trading state of ${scopeText(e.scope)}: ${e.previous} -> ${e.state} by ${who(actor)}: ${e.reason}`,
      );
      return;
    case "cancelWorkingOrdersSent":
      log.info(
        { ...base, event: "cancel_working_orders_sent", scope: scopeText(e.scope), accounts: e.accountIds.length, channels: e.channelIds.length, blockedBy: e.blockedBy },
        `cancel working orders sent to ${e.channelIds.length} channels for ${e.accountIds.length} accounts (${scopeText(e.scope)})`,
      );
      return;
    default:
      // An event kind added later still leaves a trace.
      log.info({ ...base, event: "account_event", kind: (e as { kind: string }).kind }, `account event ${(e as { kind: string }).kind}`);
  }
}
