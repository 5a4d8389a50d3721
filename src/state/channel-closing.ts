/**
 * Rejects that close the channel they came on: a policy cannot close a channel (it knows
 * none), so it answers with one of these codes and the door acts on it within the same
 * command (journaled with it, so a replay closes the channel at the same point).
 */
import type { AccountId } from "../param/ids.js";
import type { Reject, RejectCode } from "../model/reject.js";
import { CommandError } from "./command-error.js";
import type { ChannelCommand } from "./commands.js";
import type { ChannelResult } from "./results.js";

/** The two-tier throttle's hard tier (CME messaging controls: reject, then log out). */
export const CHANNEL_CLOSING_CODES: ReadonlySet<RejectCode> = new Set<RejectCode>(["ThrottleHardLimitExceeded"]);

/**
 * What every command gets once a policy closed its channel (the ChannelClosing notice said
 * so), SHUTTING_DOWN: the rest of the message whose command closed it (the door), a later
 * slice of it, and every message after it (account-channel-service.ts).
 */
export const CLOSED_BY_POLICY_REFUSAL = "the channel was closed by a policy (ChannelClosing): half-close and reconnect";

/** CLOSED_BY_POLICY_REFUSAL as the door answers a command it does not run. */
export function closedByPolicyRefusal(): ChannelResult {
  return { kind: "error", error: new CommandError("SHUTTING_DOWN", "", CLOSED_BY_POLICY_REFUSAL) };
}

export interface ChannelClosingCause {
  readonly accountIds: readonly AccountId[];
  readonly policy: string;
  readonly reason: string;
}

/**
 * Whether `result` of `command` closes its channel, and why; undefined = it does not. The
 * door stops the message at the first such result (command-execution.ts), so the accounts
 * are that command's one.
 */
export function channelClosingCause(command: ChannelCommand, result: ChannelResult): ChannelClosingCause | undefined {
  if (result.kind !== "executeRejected" && result.kind !== "startRejected") return undefined;
  const closing = firstClosing(result.rejects);
  if (closing === undefined) return undefined;
  const accountId = "order" in command ? command.order.operation?.accountId : undefined;
  return { accountIds: accountId === undefined ? [] : [accountId], policy: closing.policy, reason: closing.reason };
}

function firstClosing(rejects: readonly Reject[]): Reject | undefined {
  for (const r of rejects) if (CHANNEL_CLOSING_CODES.has(r.code)) return r;
  return undefined;
}
