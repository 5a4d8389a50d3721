/**
 * The `replication` section: the replicated journal on NATS JetStream, used when
 * `durability.mode` is "replicated" (docs/high-availability.md, docs/configuration.md).
 */
import { MAX_TIMER_MS } from "./network-config.js";
import { fail, onlyKeys, optional, readArray, readInteger, readObject, readString, type Json } from "../../policies/settings-json.js";

export interface ReplicationConfig {
  /** NATS servers of the JetStream cluster (e.g. nats://10.0.0.1:4222); the client fails over between them. */
  servers: string[];
  /** The journal's stream (created on first use with `replicas` copies). */
  stream: string;
  /** Subjects: `<prefix>.<shard>` per shard, `<prefix>.ctl` for commands of no single shard. */
  subjectPrefix: string;
  /** S: shard = FNV-1a(account id's 8 little-endian bytes) mod S. Fixed per deployment. */
  shardCount: number;
  /** Copies of the stream and the snapshot bucket: 3 on a 3-node cluster (a quorum of 2 acknowledges). */
  replicas: number;
  /** The object store bucket holding the state snapshots. */
  snapshotBucket: string;
  /** An append the stream has not acknowledged this long after its first attempt fails the journal. */
  appendTimeoutMs: number;
  /**
   * How long a start or a takeover keeps retrying its JetStream requests (stream info, consumer
   * creation, snapshot reads) while the cluster has no leader for them, before it fails.
   */
  leaderWaitMs: number;
  /** This instance's name in the journal's epoch markers and its NATS connection; absent = host name and process id. */
  instanceId?: string;
}

export const DEFAULT_REPLICATION: Omit<ReplicationConfig, "servers" | "instanceId"> = {
  stream: "OPENPIT_JOURNAL",
  subjectPrefix: "openpit.journal",
  shardCount: 16,
  replicas: 3,
  snapshotBucket: "openpit_snapshots",
  appendTimeoutMs: 15_000,
  // The replication library's own default (transient-retry.ts), spelled out for the config.
  leaderWaitMs: 20_000,
};

const KEYS = ["servers", "stream", "subjectPrefix", "shardCount", "replicas", "snapshotBucket", "appendTimeoutMs", "leaderWaitMs", "instanceId"];
/** Stream and bucket names: no dots, wildcards or whitespace (NATS names). */
const NAME = /^[A-Za-z0-9_-]+$/;
/** A subject prefix: dot-separated tokens without wildcards or whitespace. */
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function parseReplication(json: Json, path: string): ReplicationConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, KEYS);
  const matching = (re: RegExp, what: string) => (j: Json, p: string) => {
    const s = readString(j, p);
    if (!re.test(s)) fail(p, `must be ${what}`);
    return s;
  };
  const name = matching(NAME, "letters, digits, '-' or '_' (a NATS name)");
  const servers = optional(o.servers, `${path}.servers`, (j, p) =>
    readArray(j, p).map((u, i) => {
      const s = readString(u, `${p}[${i}]`);
      if (s.trim() === "") fail(`${p}[${i}]`, "must not be blank");
      return s;
    }),
  );
  if (servers === undefined) fail(`${path}.servers`, "is required");
  if (servers.length === 0) fail(`${path}.servers`, "must name at least one server");
  const instanceId = optional(o.instanceId, `${path}.instanceId`, (j, p) => {
    const s = readString(j, p);
    if (s.trim() === "") fail(p, "must not be blank");
    return s;
  });
  return {
    servers,
    stream: optional(o.stream, `${path}.stream`, name) ?? DEFAULT_REPLICATION.stream,
    subjectPrefix: optional(o.subjectPrefix, `${path}.subjectPrefix`, matching(PREFIX, "dot-separated tokens of letters, digits, '-' or '_'")) ?? DEFAULT_REPLICATION.subjectPrefix,
    shardCount: optional(o.shardCount, `${path}.shardCount`, (j, p) => readInteger(j, p, 1, 4096)) ?? DEFAULT_REPLICATION.shardCount,
    replicas: optional(o.replicas, `${path}.replicas`, (j, p) => readInteger(j, p, 1, 5)) ?? DEFAULT_REPLICATION.replicas,
    snapshotBucket: optional(o.snapshotBucket, `${path}.snapshotBucket`, name) ?? DEFAULT_REPLICATION.snapshotBucket,
    appendTimeoutMs: optional(o.appendTimeoutMs, `${path}.appendTimeoutMs`, (j, p) => readInteger(j, p, 100, 600_000)) ?? DEFAULT_REPLICATION.appendTimeoutMs,
    leaderWaitMs: optional(o.leaderWaitMs, `${path}.leaderWaitMs`, (j, p) => readInteger(j, p, 1, MAX_TIMER_MS)) ?? DEFAULT_REPLICATION.leaderWaitMs,
    ...(instanceId !== undefined ? { instanceId } : {}),
  };
}

/**
 * A server address as it may be printed: credentials in it (nats://user:password@host,
 * nats://token@host) replaced by `***`, so they never reach stdout or the logs.
 */
export function printableServer(server: string): string {
  // Greedy up to the last '@' before the path: a URL's userinfo ends there (a password may hold '@').
  return server.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}***@`);
}
