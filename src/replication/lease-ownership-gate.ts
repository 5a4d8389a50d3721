/**
 * The server's ownership gate (src/server/services/ownership-gate.ts) on top of the leases:
 * an account may be used while this instance holds its shard's lease by its own clock.
 * The refusal names the shard's owner as last seen in the lease bucket, so a gateway can go
 * there; an empty address means nobody holds it right now (a failover is under way).
 */
import type { AccountId } from "../param/index.js";
import type { AdminCommand } from "../state/commands.js";
import { CommandError } from "../state/command-error.js";
import type { OwnershipGate } from "../server/services/ownership-gate.js";
import type { ShardLeases } from "./shard-leases.js";
import { shardOf } from "./shard-of.js";

/** Admin changes about one account follow that account's shard. */
const PER_ACCOUNT: ReadonlySet<AdminCommand["kind"]> = new Set([
  "blockAccount",
  "unblockAccount",
  "replaceAccountBlockReason",
  "setAccountCurrency",
  "setPnlAccumulator",
  "setSpotFundsAccountPnl",
]);

export interface LeaseOwnershipGateOptions {
  readonly leases: ShardLeases;
  readonly shardCount: number;
  readonly instanceId: string;
  /** Several instances own shards at once (the `shards` list is not every shard). */
  readonly severalOwners: boolean;
  /** The cross-shard rule's declaration: broker-wide changes apply to this instance only. */
  readonly perInstance: boolean;
}

export class LeaseOwnershipGate implements OwnershipGate {
  /** Set when this instance stopped serving for good (lease lost, append refused, stepped down). */
  fencedBecause: string | undefined;
  /**
   * The journal is claimed and this instance serves its leased shards. A standby that holds
   * some leases but has not fenced the journal yet still refuses (NOT_OWNER, no address).
   */
  active = true;

  constructor(private readonly o: LeaseOwnershipGateOptions) {}

  refuseAccount(accountId: AccountId, field: string): CommandError | undefined {
    if (this.fencedBecause !== undefined) return this.fenced(field);
    const shard = shardOf(accountId, this.o.shardCount);
    if (this.active && this.o.leases.owns(shard)) return undefined;
    const owner = this.o.leases.ownerOf(shard);
    const where =
      owner === undefined || owner.owner === this.o.instanceId
        ? "no instance holds its lease right now (a failover is under way); retry shortly"
        : `owned by instance '${owner.owner}' at ${owner.address}; send it there`;
    return new CommandError("NOT_OWNER", field, `${field}: account ${accountId} is on shard ${shard}, which this instance ('${this.o.instanceId}') does not own: ${where}`, owner && owner.owner !== this.o.instanceId ? owner.address : "");
  }

  refuseUnowned(field: string): CommandError | undefined {
    if (this.fencedBecause !== undefined) return this.fenced(field);
    if (this.active && this.o.leases.heldShards().length > 0) return undefined;
    const owner = this.anyOtherOwner();
    const where = owner ? `instance '${owner.owner}' at ${owner.address} does; send it there` : "no instance holds a lease right now (a failover is under way); retry shortly";
    return new CommandError("NOT_OWNER", field, `${field === "" ? "" : `${field}: `}this instance ('${this.o.instanceId}') owns no shard: ${where}`, owner?.address ?? "");
  }

  refuseAdmin(command: AdminCommand): CommandError | undefined {
    if ("accountId" in command && PER_ACCOUNT.has(command.kind)) return this.refuseAccount(command.accountId as AccountId, "account_id");
    const unowned = this.refuseUnowned("");
    if (unowned) return unowned;
    if (this.o.severalOwners && !this.o.perInstance) {
      return new CommandError(
        "FAILED_PRECONDITION",
        "",
        `${command.kind} changes state shared by accounts on every shard, and several instances own shards: it cannot be applied exactly here ` +
          `(declare ownership.crossShard = "per-instance" to apply such changes instance by instance)`,
      );
    }
    return undefined;
  }

  private fenced(field: string): CommandError {
    return new CommandError("NOT_OWNER", field, `${field === "" ? "" : `${field}: `}this instance ('${this.o.instanceId}') was fenced off and serves nothing: ${this.fencedBecause}`);
  }

  private anyOtherOwner() {
    for (let s = 0; s < this.o.shardCount; s++) {
      const owner = this.o.leases.ownerOf(s);
      if (owner && owner.owner !== this.o.instanceId) return owner;
    }
    return undefined;
  }
}
