/**
 * The `ownership` section: replicated mode's shard leases and the cross-shard rule
 * (docs/high-availability.md, docs/configuration.md). Absent = a single sidecar, no leases.
 */
import { fail, onlyKeys, optional, readArray, readInteger, readObject, readString, type Json } from "../../policies/settings-json.js";
import type { PolicyConfig } from "./sidecar-config.js";

export interface OwnershipConfig {
  /** NATS servers holding the lease bucket (the journal's cluster). */
  natsServers: string[];
  /** This instance's name in the leases (unique per deployment). */
  instanceId: string;
  /** host:port gateways should dial to reach this instance (NOT_OWNER answers name it). */
  advertisedAddress: string;
  /** S: shard = hash(account id) mod S, fixed per deployment. */
  shardCount: number;
  /** "all": one active owner of every shard (active + standby); else the shards this instance may own. */
  shards: "all" | number[];
  /** A lease nobody renews expires after this long: the failover bound (plus detection and catch-up). */
  leaseTtlMs: number;
  /** The KV bucket of the leases (one per deployment). */
  leaseBucket: string;
  /** Replicas of the lease bucket: 3 on a 3-node cluster. */
  leaseReplicas: number;
  /**
   * Barriers over many accounts (broker, settlement-asset and group level) when several
   * instances own shards: "refuse" (default) makes such a configuration an error; "per-instance"
   * declares that each instance enforces them over its own shards only.
   */
  crossShard: "refuse" | "per-instance";
  /** The replicated journal's stream, its subject prefix and its replicas (3 on a 3-node cluster). */
  stream: string;
  subjectPrefix: string;
  journalReplicas: number;
  /** The object-store bucket of the state snapshots. */
  snapshotBucket: string;
}

export const DEFAULT_OWNERSHIP = {
  shardCount: 16,
  shards: "all",
  leaseTtlMs: 2_000,
  leaseBucket: "openpit_leases",
  leaseReplicas: 3,
  crossShard: "refuse",
  stream: "OPENPIT_JOURNAL",
  subjectPrefix: "openpit.journal",
  journalReplicas: 3,
  snapshotBucket: "openpit_snapshots",
} as const;

const KEYS = [
  "natsServers",
  "instanceId",
  "advertisedAddress",
  "shardCount",
  "shards",
  "leaseTtlMs",
  "leaseBucket",
  "leaseReplicas",
  "crossShard",
  "stream",
  "subjectPrefix",
  "journalReplicas",
  "snapshotBucket",
];

export function parseOwnership(json: Json, path: string): OwnershipConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, KEYS);
  const required = <T>(key: string, read: (j: Json, p: string) => T): T => {
    const v = optional(o[key], `${path}.${key}`, read);
    if (v === undefined) fail(`${path}.${key}`, "is required");
    return v;
  };
  const nonEmpty = (j: Json, p: string) => {
    const s = readString(j, p);
    if (s.trim() === "") fail(p, "must not be blank");
    return s;
  };
  const natsServers = required("natsServers", (j, p) => readArray(j, p).map((u, i) => nonEmpty(u, `${p}[${i}]`)));
  if (natsServers.length === 0) fail(`${path}.natsServers`, "must name at least one server");
  const shardCount = optional(o.shardCount, `${path}.shardCount`, (j, p) => readInteger(j, p, 1, 4096)) ?? DEFAULT_OWNERSHIP.shardCount;
  const shards =
    optional(o.shards, `${path}.shards`, (j, p): "all" | number[] => {
      if (j === "all") return "all";
      if (typeof j === "string") fail(p, `must be "all" or a list of shard numbers`);
      const list = readArray(j, p).map((s, i) => readInteger(s, `${p}[${i}]`, 0, shardCount - 1));
      if (list.length === 0) fail(p, "must name at least one shard");
      if (new Set(list).size !== list.length) fail(p, "names a shard twice");
      return list;
    }) ?? DEFAULT_OWNERSHIP.shards;
  const leaseTtlMs = optional(o.leaseTtlMs, `${path}.leaseTtlMs`, (j, p) => readInteger(j, p, 200, 600_000)) ?? DEFAULT_OWNERSHIP.leaseTtlMs;
  const crossShard =
    optional(o.crossShard, `${path}.crossShard`, (j, p) => {
      const s = readString(j, p);
      if (s !== "refuse" && s !== "per-instance") fail(p, `must be "refuse" or "per-instance"`);
      return s;
    }) ?? DEFAULT_OWNERSHIP.crossShard;
  return {
    natsServers,
    instanceId: required("instanceId", nonEmpty),
    advertisedAddress: required("advertisedAddress", nonEmpty),
    shardCount,
    shards,
    leaseTtlMs,
    leaseBucket: optional(o.leaseBucket, `${path}.leaseBucket`, nonEmpty) ?? DEFAULT_OWNERSHIP.leaseBucket,
    leaseReplicas: optional(o.leaseReplicas, `${path}.leaseReplicas`, (j, p) => readInteger(j, p, 1, 5)) ?? DEFAULT_OWNERSHIP.leaseReplicas,
    crossShard,
    stream: optional(o.stream, `${path}.stream`, nonEmpty) ?? DEFAULT_OWNERSHIP.stream,
    subjectPrefix: optional(o.subjectPrefix, `${path}.subjectPrefix`, nonEmpty) ?? DEFAULT_OWNERSHIP.subjectPrefix,
    journalReplicas: optional(o.journalReplicas, `${path}.journalReplicas`, (j, p) => readInteger(j, p, 1, 5)) ?? DEFAULT_OWNERSHIP.journalReplicas,
    snapshotBucket: optional(o.snapshotBucket, `${path}.snapshotBucket`, nonEmpty) ?? DEFAULT_OWNERSHIP.snapshotBucket,
  };
}

/** Several instances may own shards at once: only when this one is confined to some of them. */
export function severalActiveOwners(c: OwnershipConfig): boolean {
  return c.shards !== "all" && c.shards.length < c.shardCount;
}

/**
 * The cross-shard rule, checked on the configuration: with several active owners, a barrier
 * that sums over many accounts (which may live on other instances) cannot be exact, so it is
 * an error unless `crossShard` is "per-instance". Returns the first offending path.
 */
export function crossShardBarrier(policies: readonly PolicyConfig[], path: string): string | undefined {
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i]!;
    const s = (p.settings ?? {}) as Record<string, Json>;
    const at = `${path}.policies[${i}].settings`;
    const nonEmpty = (key: string) => s[key] !== undefined && !(Array.isArray(s[key]) && s[key].length === 0);
    if (p.type === "RateLimitPolicy") {
      if (nonEmpty("broker")) return `${at}.broker`;
      if (nonEmpty("assetBarriers")) return `${at}.assetBarriers`;
    }
    if (p.type === "PnlBoundsKillSwitchPolicy" && nonEmpty("brokerBarriers")) return `${at}.brokerBarriers`;
    if (p.type === "SpotFundsPolicy" && nonEmpty("pnlBarrier")) return `${at}.pnlBarrier`;
  }
  return undefined;
}
