/**
 * Replicated mode's per-command ownership check (docs/high-availability.md): a command on an
 * account whose shard this instance does not own is refused NOT_OWNER, naming the current
 * owner's address, before it reaches the door, so it changes nothing and is never journaled.
 * The stream stays up. The implementation lives with the leases (src/replication/); the
 * server sees only this interface, and no gate at all when replication is off.
 */
import type { AccountId } from "../../param/index.js";
import type { AccountOwner } from "../../state/account-directory.js";
import type { AdminCommand, ChannelCommand } from "../../state/commands.js";
import type { CommandError } from "../../state/command-error.js";
import { ORDER_FIELD } from "../security/account-scope.js";

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
  /** An admin change: per-account ones follow the account's shard; broker-wide ones the cross-shard rule. */
  refuseAdmin(command: AdminCommand): CommandError | undefined;
  /**
   * The owner of an account this instance does not serve now (the one `refuseAccount` would
   * name; both fields empty while nobody does), or undefined when it serves it. The account
   * list marks such accounts, whose state here is not the one in force.
   */
  ownerElsewhere(accountId: AccountId): AccountOwner | undefined;
}

/**
 * A standby: it owns nothing, and its state follows the active's journal. Its channels, pins
 * and handles are the active's, not its own: the metrics and the status report them as 0.
 */
export function followsOnly(gate: OwnershipGate | undefined): boolean {
  return gate?.refuseUnowned("") !== undefined;
}

/** The ownership refusal for one decoded channel command, or undefined. */
export function refuseNotOwned(gate: OwnershipGate, command: ChannelCommand, base: string): CommandError | undefined {
  switch (command.kind) {
    case "bind":
    case "release": {
      const wire = command.kind === "bind" ? "bind_accounts" : "release_accounts";
      const ids = command.accountIds;
      for (let i = 0; i < ids.length; i++) {
        const refused = gate.refuseAccount(ids[i]!, `${base}.${wire}.account_ids[${i}]`);
        if (refused) return refused;
      }
      return ids.length === 0 ? gate.refuseUnowned(`${base}.${wire}`) : undefined;
    }
    case "start":
    case "execute":
    case "startDryRun":
    case "executeDryRun":
    case "dropCopy": {
      const id = command.order.operation?.accountId;
      const field = `${base}.${ORDER_FIELD[command.kind]}.order.account_id`;
      return id === undefined ? gate.refuseUnowned(field) : gate.refuseAccount(id, field);
    }
    case "report": {
      const id = command.report.operation?.accountId;
      const field = `${base}.apply_execution_report.report.account_id`;
      return id === undefined ? gate.refuseUnowned(field) : gate.refuseAccount(id, field);
    }
    case "adjust":
      return gate.refuseAccount(command.accountId, `${base}.apply_account_adjustment.account_id`);
    case "executeRequest":
    case "discardRequest":
    case "commit":
    case "rollback":
      return gate.refuseUnowned(base, true);
  }
}
