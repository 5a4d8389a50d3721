/** A refused call or command as the audit trail records it (journaled when durability is on). */
import type { SidecarState } from "../../state/sidecar-state.js";
import type { AuditDenial } from "../../state/audit-log.js";
import { guarded } from "../../state/guarded.js";
import type { Denial, ServingPhase } from "./service-context.js";

/** Methods whose allowed calls the trail records under another action name. */
const ACTION_OF_METHOD: Readonly<Record<string, string>> = {
  // Each tick of an allowed stream is recorded as a pushQuote.
  streamQuotes: "pushQuote",
};

/**
 * The most accounts a denial's record lists, the first named. A refused bind of a message's
 * worth of foreign ids (400 000 in 4 MiB) made a record over 4 MiB: every monitor subscribed
 * with the default receive limit lost its stream on it, again on each resume, and QueryAudit
 * could not page past it (found by review). The detail counts the rest.
 */
export const MAX_DENIAL_ACCOUNT_IDS = 1000;

/**
 * "/openpit.sidecar.v1.AdminService/BlockAccount" becomes "blockAccount": the same action
 * name the trail gives the change when it is allowed, so one filter finds both. A refused
 * channel command or report keeps its kind ("open orders"); the method path stays in the
 * detail, and the account it named in `accountIds`, so an account filter finds it too.
 */
export function auditDenialOf(denial: Denial): AuditDenial {
  const named = denial.accountIds;
  const listed = named !== undefined && named.length > MAX_DENIAL_ACCOUNT_IDS ? named.slice(0, MAX_DENIAL_ACCOUNT_IDS) : named;
  const unlisted = named === undefined ? 0 : named.length - listed!.length;
  const space = denial.action.indexOf(" ");
  const path = space < 0 ? denial.action : denial.action.slice(0, space);
  const kind = space < 0 ? "" : denial.action.slice(space);
  const method = path.slice(path.lastIndexOf("/") + 1);
  const name = `${method.charAt(0).toLowerCase()}${method.slice(1)}`;
  const action = `${ACTION_OF_METHOD[name] ?? name}${kind}`;
  return {
    actor: denial.actor,
    action,
    detail: `${denial.detail} (${path})${unlisted > 0 ? `; ${unlisted} more accounts named, not listed` : ""}`,
    reason: denial.reason,
    ...(listed === undefined ? {} : { accountIds: listed }),
  };
}

/**
 * Records a denial through the door while it takes commands: not while the journal is
 * replayed (recovery owns the door then), nor once the streams are closing or the process
 * failed closed; the refusal is answered either way. Never at the caller's expense: a
 * journal that cannot write fails the process on its own path.
 */
export function recordDenial(state: SidecarState, phase: ServingPhase, denial: Denial): void {
  if (phase !== "serving" && phase !== "draining") return;
  guarded("recording a denial in the audit trail", () => state.recordDenial(auditDenialOf(denial)));
}
