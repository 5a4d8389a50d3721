/**
 * Which subject of the replicated journal's stream a command's record goes to.
 *
 * Shard subjects `<prefix>.<shard>` (shard = shardOf(account id, S), shard-of.ts) carry the
 * commands that name accounts of exactly one shard; the control subject `<prefix>.ctl` carries
 * the rest: commands that name no account (channel open/close, the TTL sweep, instruments,
 * quotes, group blocks, policy settings, execution settings, `served`) and commands whose
 * accounts fall in several shards. Channel commands that refer to a reservation or request by
 * id (commit, rollback, execute/discard request) name no account and count as control.
 *
 * One writer appends to every subject (the active instance owns all shards); the subjects
 * give each shard its own fence (the expected last subject sequence) and let a reader filter
 * a shard. Replay order is the journal sequence carried in every record, not the stream order.
 */
import type { ChannelCommand, Command } from "../state/commands.js";
import { accountsNamed } from "../state/audit-effects.js";
import { shardOf } from "./shard-of.js";

export const CONTROL_TOKEN = "ctl";

export interface JournalSubjects {
  readonly prefix: string;
  readonly shardCount: number;
}

export const shardSubject = (prefix: string, shard: number): string => `${prefix}.${shard}`;
export const controlSubject = (prefix: string): string => `${prefix}.${CONTROL_TOKEN}`;

/** Every subject of the journal: the shards in order, then the control subject (its lane index = shardCount). */
export function journalSubjects(s: JournalSubjects): string[] {
  return [...Array.from({ length: s.shardCount }, (_, i) => shardSubject(s.prefix, i)), controlSubject(s.prefix)];
}

/** The lane (0..S-1 a shard, S the control subject) a command's record goes to. */
export function commandLane(command: Command | undefined, shardCount: number): number {
  if (command === undefined) return shardCount;
  let shard = -1;
  // Returns false once the accounts span two shards (then the command is control).
  const see = (accountId: bigint | undefined): boolean => {
    if (accountId === undefined) return true;
    const s = shardOf(accountId, shardCount);
    if (shard === -1) shard = s;
    return shard === s;
  };
  switch (command.kind) {
    case "channel":
      for (const c of command.commands) if (!channelAccounts(c, see)) return shardCount;
      break;
    case "feed":
      for (const r of command.reports) if (!see(r.operation?.accountId)) return shardCount;
      break;
    case "admin":
      if (command.command.kind === "pushQuote") return shardCount; // a quote is market-wide
      for (const a of accountsNamed(command.command)) if (!see(a)) return shardCount;
      break;
    case "denial":
      for (const a of command.accountIds ?? []) if (!see(a)) return shardCount;
      break;
    default:
      return shardCount;
  }
  return shard === -1 ? shardCount : shard;
}

function channelAccounts(c: ChannelCommand, see: (a: bigint | undefined) => boolean): boolean {
  switch (c.kind) {
    case "bind":
    case "release":
      return c.accountIds.every(see);
    case "start":
    case "execute":
    case "startDryRun":
    case "executeDryRun":
    case "dropCopy":
      return see(c.order.operation?.accountId);
    case "report":
      return see(c.report.operation?.accountId);
    case "adjust":
      return see(c.accountId);
    default:
      return false; // by reservation or request id: names no account, so control
  }
}
