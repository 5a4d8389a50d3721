/**
 * Rejects that close the channel they came on: a policy cannot close a channel (it knows
 * none), so it answers with one of these codes and the door acts on it within the same
 * command (journaled with it, so a replay closes the channel at the same point).
 */
import type { AccountId } from "../param/ids.js";
import type { Reject, RejectCode } from "../model/reject.js";
import type { ChannelCommand } from "./commands.js";
import type { ChannelResult } from "./results.js";

/** The two-tier throttle's hard tier (CME messaging controls: reject, then log out). */
export const CHANNEL_CLOSING_CODES: ReadonlySet<RejectCode> = new Set<RejectCode>(["ThrottleHardLimitExceeded"]);

export interface ChannelClosingCause {
  readonly accountIds: readonly AccountId[];
  readonly policy: string;
  readonly reason: string;
}

/** The first closing reject among a message's results, with every account such a reject came for; undefined = none. */
export function channelClosingCause(commands: readonly ChannelCommand[], results: readonly ChannelResult[]): ChannelClosingCause | undefined {
  let cause: { accountIds: AccountId[]; policy: string; reason: string } | undefined;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (r.kind !== "executeRejected" && r.kind !== "startRejected") continue;
    const closing = firstClosing(r.rejects);
    if (closing === undefined) continue;
    const command = commands[i]!;
    const accountId = "order" in command ? command.order.operation?.accountId : undefined;
    cause ??= { accountIds: [], policy: closing.policy, reason: closing.reason };
    if (accountId !== undefined && !cause.accountIds.includes(accountId)) cause.accountIds.push(accountId);
  }
  return cause;
}

function firstClosing(rejects: readonly Reject[]): Reject | undefined {
  for (const r of rejects) if (CHANNEL_CLOSING_CODES.has(r.code)) return r;
  return undefined;
}
