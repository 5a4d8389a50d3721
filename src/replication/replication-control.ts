/**
 * What the server may ask of replication, and what it is told: the admin service's StepDown
 * and GetReplicationStatus (src/server/services/replication-admin.ts), the metrics and the
 * status. Defined here, beside the failover coordinator that implements it, so that the
 * replication layer imports nothing of the server's.
 */
export type ReplicationRoleName = "active" | "standby" | "fenced";

export interface ShardOwnershipView {
  readonly shard: number;
  readonly owned: boolean;
  readonly epoch: bigint;
  readonly ownerId: string;
  readonly ownerAddress: string;
}

export interface ReplicationStatusView {
  readonly role: ReplicationRoleName;
  readonly instanceId: string;
  readonly advertisedAddress: string;
  readonly shardCount: number;
  readonly shards: readonly ShardOwnershipView[];
  readonly appliedSequence: bigint;
}

/** A step-down refused before anything changed: this instance is not active (kind `NotActive`). */
export class StepDownRefusedError extends Error {
  override name = "StepDownRefusedError";
}

/** What the admin service may ask of replication. */
export interface ReplicationControl {
  status(): ReplicationStatusView;
  /**
   * Planned hand-over of every owned shard; rejects with a message when there is nothing to
   * hand over. `starting` runs once it is sure to happen, while this instance still takes commands.
   */
  stepDown(starting?: (shards: readonly number[]) => void): Promise<{ readonly shards: readonly number[]; readonly tookMs: number }>;
}
