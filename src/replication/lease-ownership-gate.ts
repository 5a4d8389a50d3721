/**
 * The server's ownership gate (src/server/services/ownership-gate.ts) on top of the leases:
 * an account may be used while this instance holds its shard's lease by its own clock.
 * The refusal names the shard's owner as the lease bucket says now (`owners`, a watch on
 * the bucket: lease-owners.ts), so a gateway can go there, also right after this instance
 * lost its lease or was fenced; an empty address means nobody holds it yet (a failover is
 * under way), and the message says so: retry shortly. A refusal that names no account (a
 * handle command, a broker-wide change) names the owner of this instance's own ownership
 * group only; for a handle, for information (the handle is nowhere else).
 */
import type { AccountId } from "../param/index.js";
import type { AccountOwner } from "../state/account-directory.js";
import type { AdminCommand } from "../state/commands.js";
import { CommandError } from "../state/command-error.js";
import { accountsNamed } from "../state/audit-effects.js";
import { refuseAccounts, type OwnershipGate } from "./ownership-gate.js";
import type { LeaseValue } from "./lease-store.js";
import { knownHolder, type LeaseOwners } from "./lease-owners.js";
import type { ShardLeases } from "./shard-leases.js";
import { shardOf } from "./shard-of.js";

/**
 * Admin changes that name accounts follow those accounts' shards (blocks, currency, P&L
 * setters, retirement, group membership, an account's trading state), every named account
 * owned here. A quote pushed for some accounts is market data, broker-wide: it follows the
 * rule for shared state.
 */
function namedAccounts(command: AdminCommand): readonly AccountId[] {
  return command.kind === "pushQuote" ? [] : accountsNamed(command);
}

/** The request field naming the command's accounts, for the refusal. */
function accountField(command: AdminCommand): string {
  if (command.kind === "setTradingState") return "scope.account_id";
  return "accountIds" in command ? "account_ids" : "account_id";
}

export interface LeaseOwnershipGateOptions {
  readonly leases: ShardLeases;
  readonly shardCount: number;
  /**
   * This instance's ownership group (`ownership.shards`, start-failover.ts); absent: every
   * shard. A refusal that names no account names this group's owner, never another group's.
   */
  readonly shards?: readonly number[];
  readonly instanceId: string;
  /** Several instances own shards at once (the `shards` list is not every shard). */
  readonly severalOwners: boolean;
  /** The cross-shard rule's declaration: broker-wide changes apply to this instance only. */
  readonly perInstance: boolean;
  /** The holders the lease bucket names now; without it, the holders the leases last saw (their claims and reads). */
  readonly owners?: LeaseOwners;
}

/** The refusal's text when nobody holds the lease: distinct, so people and clients know to wait, not to move. */
export function noOwnerYet(what: "it" | "a shard"): string {
  return `no instance owns ${what} yet (a failover is under way): retry shortly`;
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
    const shard = shardOf(accountId, this.o.shardCount);
    if (this.serves(shard)) return undefined;
    const owner = this.otherOwner(shard);
    const where = owner === undefined ? noOwnerYet("it") : `owned by instance '${owner.owner}' at ${owner.address}; send it there`;
    const why =
      this.fencedBecause === undefined
        ? `account ${accountId} is on shard ${shard}, which this instance ('${this.o.instanceId}') does not own`
        : `this instance ('${this.o.instanceId}') was fenced off and serves nothing (${this.fencedBecause}); account ${accountId} is on shard ${shard}`;
    return new CommandError("NOT_OWNER", field, `${field}: ${why}: ${where}`, owner?.address ?? "");
  }

  ownerElsewhere(accountId: AccountId): AccountOwner | undefined {
    const shard = shardOf(accountId, this.o.shardCount);
    if (this.serves(shard)) return undefined;
    const owner = this.otherOwner(shard);
    return { instanceId: owner?.owner ?? "", address: owner?.address ?? "" };
  }

  /** This instance serves the shard's accounts now: not fenced, active, and holding its lease by its own clock. */
  private serves(shard: number): boolean {
    return this.fencedBecause === undefined && this.active && this.o.leases.owns(shard);
  }

  refuseUnowned(field: string, onHandle = false): CommandError | undefined {
    if (this.fencedBecause === undefined && this.active && this.o.leases.heldShards().length > 0) return undefined;
    const owner = this.groupOwner();
    // A handle lives only on the sidecar that issued it: on the group's owner the same id is
    // another channel's handle, so the owner is named for information, not as the place to go.
    const where = owner
      ? onHandle
        ? `instance '${owner.owner}' at ${owner.address} owns this group now, but a handle lives only on the sidecar that issued it ` +
          `(there the same id is another channel's handle): do not send it there`
        : `instance '${owner.owner}' at ${owner.address} does; send it there`
      : noOwnerYet("a shard");
    const why =
      this.fencedBecause === undefined
        ? `this instance ('${this.o.instanceId}') owns no shard`
        : `this instance ('${this.o.instanceId}') was fenced off and serves nothing (${this.fencedBecause})`;
    return new CommandError("NOT_OWNER", field, `${field === "" ? "" : `${field}: `}${why}: ${where}`, owner?.address ?? "");
  }

  refuseAdmin(command: AdminCommand): CommandError | undefined {
    const named = namedAccounts(command);
    if (named.length > 0) return refuseAccounts(this, named, () => accountField(command));
    return this.refuseUnowned("") ?? this.refuseBrokerWide("", command.kind);
  }

  get severalOwners(): boolean {
    return this.o.severalOwners;
  }

  refuseAccountless(field: string): CommandError | undefined {
    // Found by review (session 43): a report without an account latched the global block of one
    // ownership group only, while the others' accounts kept trading.
    return this.refuseUnowned(field) ?? this.refuseBrokerWide(field, "an execution report without an account (it may latch the global block)");
  }

  /** The cross-shard rule: state shared by every shard's accounts is refused while several instances own shards, unless per-instance. */
  private refuseBrokerWide(field: string, what: string): CommandError | undefined {
    if (!this.o.severalOwners || this.o.perInstance) return undefined;
    return new CommandError(
      "FAILED_PRECONDITION",
      field,
      `${field === "" ? "" : `${field}: `}${what} changes state shared by accounts on every shard, and several instances own shards: it cannot be applied exactly here ` +
        `(declare ownership.crossShard = "per-instance" to apply such changes instance by instance)`,
    );
  }

  /** The shard's holder when it is another instance (this one, by its own clock, holds nothing it was asked about). */
  private otherOwner(shard: number): LeaseValue | undefined {
    const owner = knownHolder(shard, this.o.leases, this.o.owners);
    return owner === undefined || owner.owner === this.o.instanceId ? undefined : owner;
  }

  /** This instance's ownership group's shards (every shard by default). */
  private groupShards(): readonly number[] {
    return this.o.shards ?? Array.from({ length: this.o.shardCount }, (_, s) => s);
  }

  /**
   * Another instance holding a shard of this instance's group (its new owner, or its active
   * while this one is a standby), or undefined. Another group's owner is never the answer: it
   * serves other accounts, with its own journal and its own handles (found by review: a fenced
   * owner of {0,1} named the owner of {2,3} before anyone had claimed {0,1}).
   */
  private groupOwner(): LeaseValue | undefined {
    for (const s of this.groupShards()) {
      const owner = this.otherOwner(s);
      if (owner) return owner;
    }
    return undefined;
  }

  /** Every shard of this instance's group has another instance as its holder now (a fenced instance waits for that before it exits). */
  allOwnedElsewhere(): boolean {
    for (const s of this.groupShards()) if (!this.otherOwner(s)) return false;
    return true;
  }
}
