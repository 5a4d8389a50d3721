/**
 * Replicated mode's per-command ownership check (docs/high-availability.md): a command on an
 * account whose shard this instance does not own is refused NOT_OWNER, naming the current
 * owner's address, before it reaches the door, so it changes nothing and is never journaled.
 * The stream stays up. The gate (its interface in src/replication/ownership-gate.ts) is
 * implemented by the leases; without replication there is no gate at all.
 */
import { refuseAccounts, type OwnershipGate } from "../../replication/ownership-gate.js";
import type { ChannelCommand } from "../../state/commands.js";
import type { CommandError } from "../../state/command-error.js";
import { ORDER_FIELD } from "../security/account-scope.js";

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
      return ids.length === 0 ? gate.refuseUnowned(`${base}.${wire}`) : refuseAccounts(gate, ids, (i) => `${base}.${wire}.account_ids[${i}]`);
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
      return id === undefined ? gate.refuseAccountless(field) : gate.refuseAccount(id, field);
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
