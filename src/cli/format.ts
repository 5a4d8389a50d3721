/** How the CLI shows the sidecar's values to people (the --json output shows them as sent). */
import type { AccountOwner } from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { BlockScope, type AccountBlock } from "../../gen/openpit/sidecar/v1/types_pb.js";
import { NONE } from "./output.js";

/** Whose a block is (ListAccounts, GetAccountState): the account's own, its group's or the global latch. */
export interface BlockWhose {
  readonly blockScope: BlockScope;
  readonly groupId: number;
}

/**
 * `blocked (Engine): compliance hold`, or `-`. Operator blocks come from "Engine"; other
 * policies' are kill switches. A block that is not the account's own says whose it is
 * (`group 5 blocked (Engine): desk closed`, `global kill switch (Engine): …`): UnblockAccount
 * does not clear it.
 */
export function blockText(block: AccountBlock | undefined, whose?: BlockWhose): string {
  if (!block) return NONE;
  const kind = block.policy === "Engine" ? "blocked" : "kill switch";
  const scoped =
    whose?.blockScope === BlockScope.GROUP ? `group ${whose.groupId} ${kind}` : whose?.blockScope === BlockScope.GLOBAL ? "global kill switch" : kind;
  return `${scoped} (${block.policy}): ${block.reason}`;
}

/**
 * The BLOCK cell of an account another instance owns (ListAccounts' `owned_elsewhere`, one of
 * several owners): whose it is, never a block, since the block this instance holds for it is
 * not the one in force where it trades.
 */
export function ownedElsewhereText(owner: AccountOwner): string {
  return owner.instanceId === "" ? "owned elsewhere (no owner yet: a failover is under way)" : `owned elsewhere (instance '${owner.instanceId}' at ${owner.address})`;
}

export function idText(id: bigint | number): string {
  return id === 0n || id === 0 ? NONE : String(id);
}

/** 2h 3m 4s, 3m 4s, 4.5s. */
export function durationText(ms: number): string {
  // Tenths rounded down: 59.96 s is "59.9s", never "60s" (a minute is "1m 0s").
  if (ms < 60_000) return `${Math.floor(ms / 100) / 10}s`;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m ${s % 60}s` : `${m}m ${s % 60}s`;
}

/** Epoch milliseconds as ISO 8601 UTC (milliseconds kept). */
export function timeText(ms: number): string {
  return new Date(ms).toISOString();
}
