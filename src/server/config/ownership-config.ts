/**
 * The `ownership` section: replicated mode's shard leases, failover and the cross-shard rule
 * (docs/high-availability.md, docs/configuration.md). With it, the instance starts as a
 * standby following the replicated journal (the `replication` section) and takes the journal
 * over when it holds the leases; without it, a replicated sidecar takes over at once.
 */
import { fail, onlyKeys, optional, readArray, readInteger, readObject, readString, type Json } from "../../policies/settings-json.js";
import type { PolicyConfig } from "./sidecar-config.js";
import { splitHostPort } from "./listen-address.js";
import { readNatsName } from "./replication-config.js";

export interface OwnershipConfig {
  /** host:port gateways should dial to reach this instance (NOT_OWNER answers name it). */
  advertisedAddress: string;
  /** "all": one active owner of every shard (active + standby); else the shards this instance may own. */
  shards: "all" | number[];
  /** A lease nobody renews expires after this long: the failover bound (plus detection and catch-up). */
  leaseTtlMs: number;
  /** The KV bucket of the leases (one per deployment; its replicas are replication.replicas). */
  leaseBucket: string;
  /**
   * Barriers over many accounts (broker, settlement-asset and group level) when several
   * instances own shards: "refuse" (default) makes such a configuration an error; "per-instance"
   * declares that each instance enforces them over its own shards only.
   */
  crossShard: "refuse" | "per-instance";
  /**
   * UNSAFE, for testing the journal's fence: how long this instance counts a lease as its own
   * after sending its last successful renewal. Undefined (the default): 80 % of the TTL, so it
   * stops serving before anyone else can claim. A longer window lets a frozen owner that wakes
   * after a takeover still take commands and try to append them, which only the log's fence
   * (the expected last subject sequence) then refuses.
   */
  unsafeLeaseValidityMs?: number;
}

export const DEFAULT_OWNERSHIP = {
  shards: "all",
  leaseTtlMs: 2_000,
  leaseBucket: "openpit_leases",
  crossShard: "refuse",
} as const;

const KEYS = ["advertisedAddress", "shards", "leaseTtlMs", "leaseBucket", "crossShard", "unsafeLeaseValidityMs"];

export function parseOwnership(json: Json, path: string): OwnershipConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, KEYS);
  const nonEmpty = (j: Json, p: string) => {
    const s = readString(j, p);
    if (s.trim() === "") fail(p, "must not be blank");
    return s;
  };
  // Gateways dial it as given (NOT_OWNER answers name it): without a port grpc-js would dial
  // 443 (found by review), and port 0 reaches nothing.
  const dialable = (j: Json, p: string) => {
    const s = nonEmpty(j, p);
    const address = splitHostPort(s);
    if (typeof address === "string" || address.port === 0) {
      fail(p, `'${s}' is not an address gateways can dial (${typeof address === "string" ? address : "port 0"}); expected HOST:PORT with a port in 1..65535`);
    }
    return s;
  };
  const advertisedAddress = optional(o.advertisedAddress, `${path}.advertisedAddress`, dialable);
  if (advertisedAddress === undefined) fail(`${path}.advertisedAddress`, "is required (the host:port gateways dial to reach this instance)");
  const shards =
    optional(o.shards, `${path}.shards`, (j, p): "all" | number[] => {
      if (j === "all") return "all";
      if (typeof j === "string") fail(p, `must be "all" or a list of shard numbers`);
      const list = readArray(j, p).map((s, i) => readInteger(s, `${p}[${i}]`, 0, 4095));
      if (list.length === 0) fail(p, "must name at least one shard");
      if (new Set(list).size !== list.length) fail(p, "names a shard twice");
      return list;
    }) ?? DEFAULT_OWNERSHIP.shards;
  const crossShard =
    optional(o.crossShard, `${path}.crossShard`, (j, p) => {
      const s = readString(j, p);
      if (s !== "refuse" && s !== "per-instance") fail(p, `must be "refuse" or "per-instance"`);
      return s;
    }) ?? DEFAULT_OWNERSHIP.crossShard;
  const leaseTtlMs = optional(o.leaseTtlMs, `${path}.leaseTtlMs`, (j, p) => readInteger(j, p, 200, 600_000)) ?? DEFAULT_OWNERSHIP.leaseTtlMs;
  // Renewals run every TTL/4: a window must leave room for them.
  const unsafeLeaseValidityMs = optional(o.unsafeLeaseValidityMs, `${path}.unsafeLeaseValidityMs`, (j, p) => readInteger(j, p, Math.floor(leaseTtlMs / 4) + 1, 3_600_000));
  return {
    advertisedAddress,
    shards,
    leaseTtlMs,
    // A NATS name, as the stream and the snapshot bucket are (found by review: "openpit.leases"
    // passed here and failed the start in the KV library, naming no field).
    leaseBucket: optional(o.leaseBucket, `${path}.leaseBucket`, readNatsName) ?? DEFAULT_OWNERSHIP.leaseBucket,
    crossShard,
    ...(unsafeLeaseValidityMs === undefined ? {} : { unsafeLeaseValidityMs }),
  };
}

/** Several instances may own shards at once: only when this one is confined to some of them. */
export function severalActiveOwners(c: OwnershipConfig, shardCount: number): boolean {
  return c.shards !== "all" && new Set(c.shards).size < shardCount;
}

/**
 * Checks the section against the deployment's shard count and, with several active owners,
 * the cross-shard rule: a barrier that sums over many accounts (which may live on other
 * instances) cannot be exact, so it is an error unless `crossShard` is "per-instance".
 */
export function checkOwnership(c: OwnershipConfig, shardCount: number, policies: readonly PolicyConfig[], path: string): void {
  if (c.shards !== "all") {
    c.shards.forEach((s, i) => {
      if (s >= shardCount) fail(`${path}.ownership.shards[${i}]`, `shard ${s} does not exist (${path}.replication.shardCount is ${shardCount})`);
    });
  }
  if (!severalActiveOwners(c, shardCount) || c.crossShard === "per-instance") return;
  const barrier = crossShardBarrier(policies, path);
  if (barrier) {
    fail(
      barrier,
      `sums over many accounts, which other instances may own (${path}.ownership.shards lists ${(c.shards as number[]).length} of ${shardCount} shards); ` +
        `remove it, own every shard ("all"), or declare ${path}.ownership.crossShard = "per-instance" to enforce it over this instance's shards only`,
    );
  }
}

/** The first policy setting that sums over many accounts, by its path; undefined if none. */
export function crossShardBarrier(policies: readonly PolicyConfig[], path: string): string | undefined {
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i]!;
    const s = (p.settings ?? {}) as Record<string, Json>;
    const at = `${path}.policies[${i}].settings`;
    // Null is absent, as the policies' own parsers read it (found by review, session 36:
    // `"broker": null` was refused as a broker barrier the policy did not have).
    const present = (key: string) => s[key] != null && !(Array.isArray(s[key]) && s[key].length === 0);
    if (p.type === "RateLimitPolicy") {
      if (present("broker")) return `${at}.broker`;
      if (present("assetBarriers")) return `${at}.assetBarriers`;
    }
    if (p.type === "PnlBoundsKillSwitchPolicy" && present("brokerBarriers")) return `${at}.brokerBarriers`;
    if (p.type === "SpotFundsPolicy" && present("pnlBarrier")) return `${at}.pnlBarrier`;
  }
  return undefined;
}
