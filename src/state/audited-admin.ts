/** An operator's command as the door runs it: between two readings of what it touches, recorded in the audit trail. */
import { BOOK_OWNER, type AccountRetirementPolicyRefusal } from "../engine/index.js";
import { retirementFailure, runAdminCommand, type AdminResult } from "./admin-commands.js";
import { effectView, requestJson } from "./audit-effects.js";
import { auditedAccounts } from "./audit-accounts.js";
import type { AdminCommand } from "./commands.js";
import { announce, sendCancelNotices } from "./door-announcements.js";
import type { DoorInternals } from "./door-internals.js";
import { accountsDeciding, groupsAndCurrencies, noteDecided } from "./decided-accounts.js";

/**
 * The most bytes (UTF-8) a record's request, before and after may take together. Readers take
 * 4 MiB a message by default and QueryAudit always sends at least one record, so one record
 * past that cut every monitor off and stopped QueryAudit's paging (found by review, session
 * 39). The wire bounds every input (names, lists, settings, reasons) well below this; this is
 * the net for a field nobody bounded: past it, the largest parts are replaced by a note saying
 * how large they were, the same on every replay.
 */
export const MAX_AUDIT_RECORD_TEXT_BYTES = 3 * 1024 * 1024;

function boundedRecordParts(request: string, before: string, after: string): { request: string; effect: { before: string; after: string } } {
  const parts = [request, before, after];
  const sizes = parts.map((t) => Buffer.byteLength(t, "utf8"));
  let total = sizes[0]! + sizes[1]! + sizes[2]!;
  // Largest first, until the rest fits.
  for (const i of [0, 1, 2].sort((a, b) => sizes[b]! - sizes[a]!)) {
    if (total <= MAX_AUDIT_RECORD_TEXT_BYTES) break;
    const note = JSON.stringify({ omitted: `${sizes[i]} bytes of JSON, past the audit record's bound` });
    total += note.length - sizes[i]!;
    parts[i] = note;
  }
  return { request: parts[0]!, effect: { before: parts[1]!, after: parts[2]! } };
}

/** Where channel handles of retired accounts are refused (`retireAccount`'s refusal, as the engine's policies are named). */
export const CHANNEL_REFUSER = "@Channel";

/**
 * The door's own refusals of a retirement, for what the engine cannot see: a started request of
 * the account still open on a channel (the gateway did not finalise it: retired, its account was
 * pinned for good, or its request ran later on an account that had been forgotten), and an open
 * reservation. The account book refuses an open order, but a final report may have counted the
 * order out before its reservation ended; retired then, the reservation's footprint outlived its
 * account, and a restart from a snapshot decided later orders differently from the live run
 * (both found by review). Finalise them first. The engine still asks every policy, so the answer
 * lists their refusals with these.
 */
function openOnChannel(door: DoorInternals, command: AdminCommand): AccountRetirementPolicyRefusal[] {
  if (command.kind !== "retireAccount") return [];
  let request = false;
  let reservation = false;
  // Every live channel: without pinning (fullSync) any of them may hold one.
  for (const channel of door.live.values()) {
    request ||= channel.hasHandleOf(command.accountId, "request");
    reservation ||= channel.hasHandleOf(command.accountId, "reservation");
  }
  const refusals: AccountRetirementPolicyRefusal[] = [];
  if (reservation) refusals.push({ policy: BOOK_OWNER, refusal: "NonZeroState" });
  if (request) refusals.push({ policy: CHANNEL_REFUSER, refusal: "OperationInProgress" });
  return refusals;
}

/**
 * Runs an operator's command between two readings of what it touches, and records both
 * in the audit trail whether it took effect or was refused (then rethrown).
 */
export function runAuditedAdmin(door: DoorInternals, command: AdminCommand, actor: string, ts: number): AdminResult {
  const before = effectView(door.engine, door.marketData, command);
  let result: AdminResult | undefined;
  let failure: unknown;
  door.actingAs = actor;
  door.operatorBlocking = command.kind === "blockAccount" || command.kind === "blockGroup";
  // Group blocks are live: an account joining a blocked group is blocked from now on, a kill
  // switch like any other block (its working orders must be cancelled; found by review).
  const admin = door.engine.accounts();
  const unblocked = command.kind === "registerGroup" && command.cancelsJoiners ? command.accountIds.filter((a) => admin.blockOf(a) === undefined) : [];
  // The accounts whose group and currency this command decides: the file's entries no longer
  // apply to them at a restart (decided-accounts.ts; found by review, session 34).
  const deciding = accountsDeciding(command);
  const held = groupsAndCurrencies(door.engine, deciding);
  try {
    result = runAdminCommand(door.engine, door.marketData, command, openOnChannel(door, command), door.listedQuoteTtls);
    // An own block a policy recorded on the way (re-evaluated barrier) has told the channels already.
    const joiners = unblocked.filter((a) => admin.blockOf(a) !== undefined && admin.ownBlockOf(a) === undefined);
    if (command.kind === "registerGroup" && command.cancelsJoiners === "once") {
      // One kill switch, the group's: each channel is told once, naming the joiners it holds
      // (several notices and account-scoped events for one command, found by review).
      if (joiners.length > 0) {
        const only = new Set(joiners);
        sendCancelNotices(door, { kind: "group", group: command.group }, admin.blockOf(joiners[0]!)!, "operator", (a) => only.has(a));
      }
    } else for (const accountId of joiners) sendCancelNotices(door, { kind: "account", accountId }, admin.blockOf(accountId)!, "operator");
    if (command.kind === "retireAccount" && result.retirement?.ok === true) door.pins.ownerOf(command.accountId)?.unpinRetired(command.accountId);
    if (command.kind === "setTradingState" && result.tradingStateChanged === true) {
      const { scope, state, reason } = command;
      announce(door, { kind: "tradingStateChanged", scope, state, previous: result.previousTradingState!, reason });
    }
    // An operator's halt that asks for it is a kill switch too (e.g. everything at once).
    if (result.cancelWorkingOrders) sendCancelNotices(door, result.cancelWorkingOrders.scope, result.cancelWorkingOrders.block, "operator");
  } catch (e) {
    failure = e;
  } finally {
    door.actingAs = undefined;
    door.operatorBlocking = false;
    noteDecided(door.decidedAccounts, door.engine, command, deciding, held, result !== undefined, result?.retirement?.ok === true);
  }
  // A refused retirement changed nothing: recorded as failed, with every refusal.
  const refused = result === undefined ? undefined : retirementFailure(result);
  const after = effectView(door.engine, door.marketData, command);
  const { request, effect } = boundedRecordParts(requestJson(command), before, after);
  const record = door.audit.append({
    time: ts,
    actor,
    action: command.kind,
    request,
    effect,
    outcome: result === undefined || refused !== undefined ? "failed" : "applied",
    reason: result === undefined ? (failure instanceof Error ? failure.message : String(failure)) : (refused ?? ""),
    detail: "",
    accountIds: auditedAccounts(command, before, after),
  });
  announce(door, { kind: "auditRecorded", record }, actor);
  if (result === undefined) throw failure;
  return result;
}
