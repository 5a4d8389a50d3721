/**
 * Which listed accounts another instance owns, on one of several owners (docs/high-availability.md).
 *
 * There ListAccounts lists accounts whose state only their owner serves, with the block this
 * instance's engine holds for them. That engine does not follow the other owner's journal, so
 * the block is not the one in force where the account trades: a group block made here (shared
 * state declared per instance) applies to this instance's shards only, yet `accounts` showed
 * the other owner's account blocked by it, listed it under --blocked, and `groups` counted it
 * blocked (found by review, as in the console: a43e8fd). As the console does, a row whose
 * GetAccountState is refused NOT_OWNER is another owner's: it shows whose it is, no block.
 *
 * GetAccountState is read per row only where some shard is not this instance's: with
 * replication off, or an active that owns every shard, nothing is owned elsewhere and one
 * GetReplicationStatus is the whole cost. When that read fails (a server without it), every
 * row is read.
 */
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as rp from "../../gen/openpit/sidecar/v1/replication_pb.js";
import type { CommandContext } from "./command.js";

/** Another instance's account: the refusal's text, and the owner it names (none while a failover is under way). */
export interface OwnedElsewhere {
  readonly refusal: string;
  readonly instanceId?: string;
  readonly address?: string;
}

/** GetAccountState calls in flight at once. */
const CONCURRENCY = 16;

/** The sidecar's stable error kind (`openpit-error-kind`), if any. */
export function errorKindOf(e: unknown): string | undefined {
  const metadata = (e as Partial<ServiceError>).metadata;
  const kind = metadata instanceof Metadata ? metadata.get("openpit-error-kind")[0] : undefined;
  return kind === undefined ? undefined : String(kind);
}

/** Whether some account may be another instance's here: replication on and not every shard owned. */
async function someShardElsewhere(ctx: CommandContext): Promise<boolean> {
  let status: rp.GetReplicationStatusResponse;
  try {
    status = await ctx.admin("GetReplicationStatus", rp.GetReplicationStatusResponseSchema);
  } catch {
    return true;
  }
  if (status.role === rp.ReplicationRole.OFF) return false;
  return !(status.role === rp.ReplicationRole.ACTIVE && status.shards.length > 0 && status.shards.every((s) => s.owned));
}

/** The owner a NOT_OWNER refusal names (`… owned by instance 'b' at 10.0.0.2:50051; send it there`). */
function ownedElsewhere(refusal: string): OwnedElsewhere {
  const owner = /owned by instance '([^']*)' at ([^;\s]+)/.exec(refusal);
  return owner ? { refusal, instanceId: owner[1]!, address: owner[2]! } : { refusal };
}

/**
 * The accounts of `accountIds` whose state this instance refuses NOT_OWNER, with their owner.
 * Any other failure of the read fails the command.
 */
export async function accountsOwnedElsewhere(ctx: CommandContext, accountIds: readonly bigint[]): Promise<Map<bigint, OwnedElsewhere>> {
  const found = new Map<bigint, OwnedElsewhere>();
  if (accountIds.length === 0 || !(await someShardElsewhere(ctx))) return found;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < accountIds.length) {
      const accountId = accountIds[next++]!;
      try {
        await ctx.admin("GetAccountState", ad.GetAccountStateResponseSchema, { accountId });
      } catch (e) {
        if (errorKindOf(e) !== "NOT_OWNER") throw e;
        const se = e as Partial<ServiceError>;
        found.set(accountId, ownedElsewhere(se.details ?? se.message ?? ""));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, accountIds.length) }, worker));
  return found;
}

/** The BLOCK cell of another owner's account: whose it is, never a block. */
export function elsewhereText(o: OwnedElsewhere): string {
  return o.instanceId === undefined ? "owned elsewhere" : `owned elsewhere (instance '${o.instanceId}' at ${o.address})`;
}
