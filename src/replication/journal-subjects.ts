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
 * The unit of sequencing and fencing is the ownership group: the shards one instance is
 * configured to own (`ownership.shards`; the groups of a deployment are disjoint). A group is
 * one journal: its shards' subjects plus a control subject of its own, one writer, one
 * contiguous journal sequence, its own epoch markers and its own snapshot. The default group,
 * every shard (one active owner), keeps the original layout: `<prefix>.<shard>` and
 * `<prefix>.ctl`. A group of some shards uses the same shard subjects and the control subject
 * `<prefix>.ctl.<group>` (group = its shards in order, joined by "-", e.g. `ctl.0-1`). All
 * groups share the stream (`<prefix>.>`); a group's readers skip the other groups' subjects.
 *
 * The subjects give each shard its own fence (the expected last subject sequence). Replay
 * order is the journal sequence carried in every record, not the stream order.
 */
import type { ChannelCommand, Command } from "../state/commands.js";
import { accountsNamed } from "../state/audit-effects.js";
import { shardOf } from "./shard-of.js";

export const CONTROL_TOKEN = "ctl";

export interface JournalSubjects {
  readonly prefix: string;
  readonly shardCount: number;
  /** The ownership group this journal carries: its shards (default, or every shard listed: all of them). */
  readonly shards?: readonly number[];
}

export const shardSubject = (prefix: string, shard: number): string => `${prefix}.${shard}`;
/** The group's control subject; the default group (every shard) has `<prefix>.ctl`. */
export const controlSubject = (prefix: string, group?: string): string => (group === undefined ? `${prefix}.${CONTROL_TOKEN}` : `${prefix}.${CONTROL_TOKEN}.${group}`);

/** The group's shards in order; undefined for the default group (every shard). */
export function groupShards(s: JournalSubjects): number[] | undefined {
  if (s.shards === undefined) return undefined;
  const shards = [...new Set(s.shards)].sort((a, b) => a - b);
  for (const shard of shards) if (!Number.isInteger(shard) || shard < 0 || shard >= s.shardCount) throw new RangeError(`shard ${shard} does not exist (${s.shardCount} shards)`);
  return shards.length === s.shardCount ? undefined : shards;
}

/** The group's name in its control subject and snapshot object ("0-1"); undefined for the default group. */
export function groupName(s: JournalSubjects): string | undefined {
  return groupShards(s)?.join("-");
}

/** Every subject of the journal: the group's shards in order, then its control subject (the last lane). */
export function journalSubjects(s: JournalSubjects): string[] {
  const shards = groupShards(s) ?? Array.from({ length: s.shardCount }, (_, i) => i);
  return [...shards.map((i) => shardSubject(s.prefix, i)), controlSubject(s.prefix, groupName(s))];
}

/**
 * Lane of each `commandLane` result (0..S-1 a shard, S control) in journalSubjects' order. A
 * shard outside the group goes to the control lane: the ownership gate refuses its accounts
 * before they reach the door, and a record must stay in the group's journal wherever it lands.
 */
export function laneOfShard(s: JournalSubjects): Int32Array {
  const shards = groupShards(s);
  const lanes = new Int32Array(s.shardCount + 1);
  if (shards === undefined) {
    for (let i = 0; i <= s.shardCount; i++) lanes[i] = i;
    return lanes;
  }
  lanes.fill(shards.length);
  shards.forEach((shard, lane) => (lanes[shard] = lane));
  return lanes;
}

/** Where a command's record goes: its shard (0..S-1), or S for the control subject. */
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
