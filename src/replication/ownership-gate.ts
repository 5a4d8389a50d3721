/**
 * Replicated mode's per-command ownership check, as the server sees it: a command on an
 * account whose shard this instance does not own is refused NOT_OWNER before it reaches the
 * door (src/server/services/ownership-gate.ts applies it to each command). Implemented by the
 * leases (lease-ownership-gate.ts); defined here so that the replication layer imports nothing
 * of the server's.
 */
import type { AccountId } from "../param/index.js";
import type { AccountOwner } from "../state/account-directory.js";
import type { AdminCommand } from "../state/commands.js";
import { CommandError } from "../state/command-error.js";

export interface OwnershipGate {
  /** The refusal for a command on `accountId` (at `field`), or undefined when this instance owns its shard. */
  refuseAccount(accountId: AccountId, field: string): CommandError | undefined;
  /**
   * For commands that name no account (handles of this channel): refused only when this
   * instance owns nothing. `onHandle`: the command names a handle (commit, rollback,
   * execute/discard request), which lives only on the sidecar that issued it: the refusal
   * names the owner for information, not as the place to send it.
   */
  refuseUnowned(field: string, onHandle?: boolean): CommandError | undefined;
  /**
   * An execution report that names no account: what it blocks is the global latch, state shared
   * by every shard's accounts, so it follows the cross-shard rule as a broker-wide admin change
   * does (refused with several owners unless ownership.crossShard is "per-instance"), besides
   * `refuseUnowned`'s.
   */
  refuseAccountless(field: string): CommandError | undefined;
  /** An admin change: per-account ones follow the account's shard; broker-wide ones the cross-shard rule. */
  refuseAdmin(command: AdminCommand): CommandError | undefined;
  /**
   * The owner of an account this instance does not serve now (the one `refuseAccount` would
   * name; both fields empty while nobody does), or undefined when it serves it. The account
   * list marks such accounts, whose state here is not the one in force.
   */
  ownerElsewhere(accountId: AccountId): AccountOwner | undefined;
  /** Several instances own shards (ownership.shards lists some): a command may span owners. */
  readonly severalOwners?: boolean;
}

/**
 * The refusal for a command naming several accounts, all or nothing: the first account's
 * NOT_OWNER when every one is that same owner's, FAILED_PRECONDITION naming no owner when they
 * span owners (this instance among them, or two others), which no single instance can run.
 * Each owner named the other before, "send it there", so an operator or a client following the
 * owner went round in a circle (found by review, session 43). `field(i)`: account i's path.
 */
export function refuseAccounts(gate: OwnershipGate, accountIds: readonly AccountId[], field: (i: number) => string): CommandError | undefined {
  let first: CommandError | undefined;
  let servedHere = false;
  const owners = new Set<string>();
  for (let i = 0; i < accountIds.length; i++) {
    const refused = gate.refuseAccount(accountIds[i]!, field(i));
    if (refused === undefined) {
      servedHere = true;
      continue;
    }
    // No owner yet (a takeover under way): "retry shortly" holds whatever else it names (found
    // by review of this change: it was refused for good as spanning owners).
    if (refused.ownerAddress === "") return refused;
    first ??= refused;
    owners.add(refused.ownerAddress);
  }
  if (first === undefined || gate.severalOwners !== true || (!servedHere && owners.size === 1)) return first;
  return new CommandError("FAILED_PRECONDITION", field(0), `${field(0)}: the command names accounts of several owners and runs all or nothing on one instance: split it per owner`);
}
