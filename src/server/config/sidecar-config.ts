/** The configuration document: its shape, defaults and strict validation (parsing only). */
import { DEFAULT_EXECUTION_ID_BOUNDS, SYNC_MODES, type SyncMode } from "../../engine/index.js";
import {
  fail,
  onlyKeys,
  optional,
  readAccountGroupId,
  readAccountId,
  readArray,
  readAsset,
  readBoolean,
  readInstrumentId,
  readInteger,
  readNumber,
  readObject,
  readString,
  type Json,
} from "../../policies/settings-json.js";
import type { AccountGroupId, AccountId, Asset, InstrumentId } from "../../param/index.js";
import { POLICY_CATALOG } from "../../policies/catalog.js";
import { DEFAULT_SECURITY, parseSecurity, type SecurityConfig } from "../security/security-config.js";
import { DEFAULT_NETWORK, MAX_TIMER_MS, parseNetwork, type NetworkConfig } from "./network-config.js";
import { DEFAULT_AUDIT, parseAudit, type AuditConfig } from "./audit-config.js";
import { DEFAULT_METRICS, parseMetrics, type MetricsConfig } from "./metrics-config.js";
import { checkOwnership, parseOwnership, type OwnershipConfig } from "./ownership-config.js";
import { parseListenAddress } from "./listen-address.js";
import { DEFAULT_MAX_RECORDS_AWAITING_DURABILITY } from "../services/journal-backpressure.js";
import { DEFAULT_EVENTS_KEPT } from "../../state/event-hub.js";
import { parseReplication, type ReplicationConfig } from "./replication-config.js";

export interface LimitsConfig {
  /** Commands (or reports) in one stream message. */
  maxCommandsPerMessage: number;
  /** Messages a channel holds while its client does not read responses. */
  maxQueuedMessages: number;
  /**
   * Records appended and not yet durable (fdatasync, or the replicated stream's ack) past which
   * channels and feeds stop reading until the journal catches up: a stalled disk holds the
   * clients instead of filling memory with commands it cannot make durable.
   */
  maxRecordsAwaitingDurability: number;
  /** Open requests + reservations on one channel. */
  maxOpenHandlesPerChannel: number;
  /** Open requests + reservations over all channels together. */
  maxOpenHandles: number;
  /** Accounts pinned to the channels of one principal (owner), together. */
  maxPinnedAccountsPerOwner: number;
  /** Events held for a monitor that does not read; past it, the monitor is dropped (RESOURCE_EXHAUSTED). */
  maxQueuedEventsPerSubscriber: number;
  /** Recent events kept so a monitor can resume after the last number it holds (Subscribe's after_sequence); 0 = none. */
  eventsKeptForResume: number;
  maxAdjustmentsPerBatch: number;
  /** 0 = reservations live until committed, rolled back or the channel ends. */
  reservationTtlMs: number;
  /** How long an applied execution id is remembered, so that the report sent again is recognised. */
  executionIdRetentionMs: number;
  /** How many execution ids are remembered over all accounts (the oldest forgotten first); 0 = none. */
  maxExecutionIds: number;
  /**
   * Graceful shutdown first keeps health NOT_SERVING this long, while the streams stay open
   * (new orders and binds refused, everything else runs), so a load balancer can react.
   */
  shutdownDrainMs: number;
  /** Then how long it waits for clients to half-close before it cuts connections. */
  shutdownGraceMs: number;
}

export interface InstrumentConfig {
  id?: InstrumentId;
  underlyingAsset: Asset;
  settlementAsset: Asset;
  /** Registration TTL; 0 = infinite; absent = the service default. */
  ttlMs?: number;
}

export interface AccountConfig {
  id: AccountId;
  group?: AccountGroupId;
  currency?: Asset;
}

export interface PolicyConfig {
  type: string;
  policyGroupId?: number;
  settings?: Json;
}

/** Where and how state is made durable (see docs/durability.md). */
export interface DurabilityConfig {
  /**
   * sync: answers wait for the fdatasync of their batch; async: they do not; ephemeral: memory
   * only; replicated: answers wait for the replicated journal's acknowledgement (the
   * `replication` section; dataDir is not used).
   */
  mode: "sync" | "async" | "ephemeral" | "replicated";
  /** Journal segments and snapshots; relative paths are from the working directory. */
  dataDir: string;
  /** A snapshot is written after this many journal records (0 = never by count). */
  snapshotEveryRecords: number;
  /** ... or this many seconds after the last one, if anything was journaled since (0 = never by time). */
  snapshotEverySeconds: number;
  /** Size of each preallocated journal segment. */
  segmentBytes: number;
}

export const DEFAULT_DURABILITY: DurabilityConfig = {
  mode: "sync",
  dataDir: "openpit-data",
  // Replay runs at ~90-100k records/s here: a restart replays at most ~3 s of journal.
  snapshotEveryRecords: 250_000,
  snapshotEverySeconds: 300,
  segmentBytes: 64 * 1024 * 1024,
};

/** 1 GiB: well under the 2 GiB a segment can be read back in (a record's own segment may exceed it by one record). */
export const MAX_SEGMENT_BYTES = 2 ** 30;

const DURABILITY_MODES = ["sync", "async", "ephemeral", "replicated"] as const;

/**
 * Why no file system takes `dataDir` as a path, or undefined: a NUL byte made the start fail
 * later, in recovery, with exit 70 and no setting named (found by review).
 */
export function dataDirProblem(dataDir: string): string | undefined {
  return dataDir.includes("\u0000") ? "must not contain a NUL character" : undefined;
}

function parseDurability(json: Json, path: string): DurabilityConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, Object.keys(DEFAULT_DURABILITY));
  const mode = (optional(o.mode, `${path}.mode`, readString) ?? DEFAULT_DURABILITY.mode) as DurabilityConfig["mode"];
  if (!DURABILITY_MODES.includes(mode)) fail(`${path}.mode`, `must be one of ${DURABILITY_MODES.join(", ")}`);
  const int = (key: "snapshotEveryRecords" | "snapshotEverySeconds" | "segmentBytes", min: number, max = MAX_INT) =>
    optional(o[key], `${path}.${key}`, (j, p) => readInteger(j, p, min, max)) ?? DEFAULT_DURABILITY[key];
  const dataDir = optional(o.dataDir, `${path}.dataDir`, readString) ?? DEFAULT_DURABILITY.dataDir;
  if (dataDir.trim() === "") fail(`${path}.dataDir`, "must not be empty");
  const unusable = dataDirProblem(dataDir);
  if (unusable) fail(`${path}.dataDir`, unusable);
  return {
    mode,
    dataDir,
    snapshotEveryRecords: int("snapshotEveryRecords", 0),
    snapshotEverySeconds: int("snapshotEverySeconds", 0),
    // Recovery reads a segment whole (readFileSync): Node refuses files over 2 GiB, so a larger
    // segment would be written fine and then make every restart fail.
    segmentBytes: int("segmentBytes", 4096, MAX_SEGMENT_BYTES),
  };
}

export interface SidecarConfig {
  /** host:port; port 0 picks a free port. */
  listen: string;
  syncMode: SyncMode;
  limits: LimitsConfig;
  marketData: { defaultTtlMs: number; instruments: InstrumentConfig[] };
  accounts: {
    /** When true, only listed accounts may be used on channels. */
    strict: boolean;
    defaultCurrency?: Asset;
    list: AccountConfig[];
  };
  policies: PolicyConfig[];
  durability: DurabilityConfig;
  /** TLS, principals and roles (docs/security.md); absent = the single-user loopback default. */
  security: SecurityConfig;
  network: NetworkConfig;
  audit: AuditConfig;
  /** The HTTP listener for `/metrics` and the console (`off` = none). */
  metrics: MetricsConfig;
  /** The replicated journal (NATS JetStream); required when durability.mode is "replicated". */
  replication: ReplicationConfig | undefined;
  /** Replicated mode's shard leases and failover (docs/high-availability.md); absent = one replicated sidecar, no standby. */
  ownership: OwnershipConfig | undefined;
}

export const DEFAULT_LIMITS: LimitsConfig = {
  maxCommandsPerMessage: 4096,
  maxQueuedMessages: 1024,
  maxRecordsAwaitingDurability: DEFAULT_MAX_RECORDS_AWAITING_DURABILITY,
  maxOpenHandlesPerChannel: 100_000,
  // ~3 KB of memory each: 250 000 open handles are under 1 GB.
  maxOpenHandles: 250_000,
  maxPinnedAccountsPerOwner: 100_000,
  // An event is a few hundred bytes encoded, plus what grpc-js holds per write.
  maxQueuedEventsPerSubscriber: 4096,
  // An event object is a few hundred bytes (an audit record's request text more): ~10 MB.
  eventsKeptForResume: DEFAULT_EVENTS_KEPT,
  maxAdjustmentsPerBatch: 1024,
  reservationTtlMs: 0,
  executionIdRetentionMs: DEFAULT_EXECUTION_ID_BOUNDS.retainMs,
  // About 200 bytes each in memory and 60 in every snapshot: 20 MB and 6 MB at the default.
  maxExecutionIds: DEFAULT_EXECUTION_ID_BOUNDS.maxRemembered,
  shutdownDrainMs: 5_000,
  shutdownGraceMs: 5_000,
};

const MAX_INT = Number.MAX_SAFE_INTEGER;
/** Each remembered id is in memory (~200 bytes) and in every snapshot (~60, encoded while the door waits): two million are 400 MB and 120 MB. */
const MAX_EXECUTION_IDS = 2_000_000;

function parseLimits(json: Json, path: string): LimitsConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, Object.keys(DEFAULT_LIMITS));
  const int = (key: keyof LimitsConfig, min: number, max = MAX_INT) =>
    optional(o[key], `${path}.${key}`, (j, p) => readInteger(j, p, min, max)) ?? DEFAULT_LIMITS[key];
  return {
    maxCommandsPerMessage: int("maxCommandsPerMessage", 1),
    maxQueuedMessages: int("maxQueuedMessages", 1),
    maxRecordsAwaitingDurability: int("maxRecordsAwaitingDurability", 1),
    maxOpenHandlesPerChannel: int("maxOpenHandlesPerChannel", 1),
    maxOpenHandles: int("maxOpenHandles", 1),
    maxPinnedAccountsPerOwner: int("maxPinnedAccountsPerOwner", 1),
    maxQueuedEventsPerSubscriber: int("maxQueuedEventsPerSubscriber", 1),
    // Each kept event is in memory and in every snapshot: a million is already hundreds of MB.
    eventsKeptForResume: int("eventsKeptForResume", 0, 1_000_000),
    maxAdjustmentsPerBatch: int("maxAdjustmentsPerBatch", 1),
    reservationTtlMs: int("reservationTtlMs", 0),
    executionIdRetentionMs: int("executionIdRetentionMs", 1),
    maxExecutionIds: int("maxExecutionIds", 0, MAX_EXECUTION_IDS),
    // Both become timers: a longer one would fire at once and cut the clients it was to wait for.
    shutdownDrainMs: int("shutdownDrainMs", 0, MAX_TIMER_MS),
    shutdownGraceMs: int("shutdownGraceMs", 0, MAX_TIMER_MS),
  };
}

function readListen(json: Json, path: string): string {
  const text = readString(json, path);
  const address = parseListenAddress(text);
  if (typeof address === "string") fail(path, address);
  return text;
}

function nonNegative(json: Json, path: string): number {
  const n = readNumber(json, path);
  if (n < 0) fail(path, "must not be negative");
  return n;
}

/**
 * The list, refused at the first entry that repeats an earlier one's key (an account listed
 * twice, an instrument id or pair registered twice): otherwise the build fails later with an
 * engine error naming no field, or the last entry silently wins.
 */
/**
 * `keys`: each a name and the item's key (undefined: not compared), and how the refusal shows
 * it (the key itself by default). A key must be unambiguous: one joined with "/" took the
 * instruments BRK/B|USD and BRK|B/USD for one (found by review).
 */
function distinct<T>(
  items: T[],
  path: string,
  keys: readonly (readonly [string, (item: T) => string | undefined, ((item: T) => string)?])[],
): T[] {
  for (const [name, keyOf, shown] of keys) {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const key = keyOf(item);
      if (key === undefined) return;
      const first = seen.get(key);
      if (first !== undefined) fail(`${path}[${i}]`, `repeats the ${name} of ${path}[${first}] (${shown ? shown(item) : key})`);
      seen.set(key, i);
    });
  }
  return items;
}

function parseInstrument(json: Json, path: string): InstrumentConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, ["id", "underlyingAsset", "settlementAsset", "ttlMs"]);
  return {
    id: optional(o.id, `${path}.id`, readInstrumentId),
    underlyingAsset: readAsset(o.underlyingAsset, `${path}.underlyingAsset`),
    settlementAsset: readAsset(o.settlementAsset, `${path}.settlementAsset`),
    ttlMs: optional(o.ttlMs, `${path}.ttlMs`, nonNegative),
  };
}

/**
 * An account of the configuration's list. Not 0: on the wire 0 is "no account", so such an
 * entry could never be named by an order. (The shared reader still takes 0: policy settings
 * read by it are journaled, and old records must replay.)
 */
function configuredAccountId(json: Json, path: string): AccountConfig["id"] {
  const id = readAccountId(json, path);
  if (id === 0n) fail(path, "must not be 0: on the wire account id 0 means no account");
  return id;
}

function parseAccount(json: Json, path: string): AccountConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, ["id", "group", "currency"]);
  return {
    id: configuredAccountId(o.id, `${path}.id`),
    group: optional(o.group, `${path}.group`, readAccountGroupId),
    currency: optional(o.currency, `${path}.currency`, readAsset),
  };
}

function parsePolicy(json: Json, path: string): PolicyConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, ["type", "policyGroupId", "settings"]);
  const type = readString(o.type, `${path}.type`);
  if (!POLICY_CATALOG.has(type)) fail(`${path}.type`, `unknown policy type '${type}' (known: ${[...POLICY_CATALOG.keys()].join(", ")})`);
  return {
    type,
    policyGroupId: optional(o.policyGroupId, `${path}.policyGroupId`, (j, p) => readInteger(j, p, 0, 0xffff)),
    settings: o.settings,
  };
}

/**
 * Validates a whole configuration document. Every error names the field's path, e.g.
 * `config.policies[1].settings.broker.windowMs: must be a finite number`. Policy settings
 * are checked when the engine is built (`buildSidecar`), with the same path style.
 */
export function parseSidecarConfig(json: Json, path = "config"): SidecarConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, ["listen", "syncMode", "limits", "marketData", "accounts", "policies", "durability", "security", "network", "audit", "metrics", "replication", "ownership"]);
  const syncMode = (optional(o.syncMode, `${path}.syncMode`, readString) ?? "accountSync") as SyncMode;
  if (!SYNC_MODES.includes(syncMode)) fail(`${path}.syncMode`, `must be one of ${SYNC_MODES.join(", ")}`);
  const md = optional(o.marketData, `${path}.marketData`, readObject) ?? {};
  onlyKeys(md, `${path}.marketData`, ["defaultTtlMs", "instruments"]);
  const acc = optional(o.accounts, `${path}.accounts`, readObject) ?? {};
  onlyKeys(acc, `${path}.accounts`, ["strict", "defaultCurrency", "list"]);
  // The policy's name is its type: a type listed twice, or a policy group id other than 0
  // (none) given twice, would fail the engine build naming no field (exit 70, not 2).
  const policies = distinct(
    readArray(o.policies, `${path}.policies`).map((p, i) => parsePolicy(p, `${path}.policies[${i}]`)),
    `${path}.policies`,
    [
      ["type", (p) => p.type],
      ["policyGroupId", (p) => (p.policyGroupId ? String(p.policyGroupId) : undefined)],
    ],
  );
  if (policies.length === 0) fail(`${path}.policies`, "an engine needs at least one policy");
  const durability = optional(o.durability, `${path}.durability`, parseDurability) ?? { ...DEFAULT_DURABILITY };
  const replication = optional(o.replication, `${path}.replication`, parseReplication);
  if (durability.mode === "replicated" && replication === undefined) {
    fail(`${path}.replication`, `is required when ${path}.durability.mode is "replicated" (at least replication.servers)`);
  }
  const ownership = optional(o.ownership, `${path}.ownership`, parseOwnership);
  if (ownership && durability.mode !== "replicated") {
    fail(`${path}.ownership`, `needs ${path}.durability.mode "replicated" (leases decide who writes the replicated journal)`);
  }
  if (ownership && replication) checkOwnership(ownership, replication.shardCount, policies, path);
  return {
    listen: optional(o.listen, `${path}.listen`, readListen) ?? "127.0.0.1:50051",
    syncMode,
    limits: optional(o.limits, `${path}.limits`, parseLimits) ?? { ...DEFAULT_LIMITS },
    marketData: {
      defaultTtlMs: optional(md.defaultTtlMs, `${path}.marketData.defaultTtlMs`, nonNegative) ?? 0,
      instruments: distinct(
        (optional(md.instruments, `${path}.marketData.instruments`, readArray) ?? []).map((j, i) => parseInstrument(j, `${path}.marketData.instruments[${i}]`)),
        `${path}.marketData.instruments`,
        [
          ["id", (i) => (i.id === undefined ? undefined : String(i.id))],
          ["instrument", (i) => JSON.stringify([i.underlyingAsset, i.settlementAsset]), (i) => `${i.underlyingAsset}/${i.settlementAsset}`],
        ],
      ),
    },
    accounts: {
      strict: optional(acc.strict, `${path}.accounts.strict`, readBoolean) ?? false,
      defaultCurrency: optional(acc.defaultCurrency, `${path}.accounts.defaultCurrency`, readAsset),
      list: distinct(
        (optional(acc.list, `${path}.accounts.list`, readArray) ?? []).map((j, i) => parseAccount(j, `${path}.accounts.list[${i}]`)),
        `${path}.accounts.list`,
        [["id", (a) => String(a.id)]],
      ),
    },
    policies,
    durability,
    security: optional(o.security, `${path}.security`, parseSecurity) ?? { ...DEFAULT_SECURITY },
    network: optional(o.network, `${path}.network`, parseNetwork) ?? { ...DEFAULT_NETWORK },
    audit: optional(o.audit, `${path}.audit`, parseAudit) ?? { ...DEFAULT_AUDIT },
    metrics: optional(o.metrics, `${path}.metrics`, parseMetrics) ?? { ...DEFAULT_METRICS },
    replication,
    ownership,
  };
}
