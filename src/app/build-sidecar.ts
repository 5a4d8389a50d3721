/**
 * The composition root: builds the engine, market data, the door and the gRPC server a
 * configuration describes. Durable state is recovered by `startSidecar` (start-sidecar.ts).
 */
import { THIS_WRITER, type JournalWriter } from "../state/journal-writer.js";
import { AccountGroupId, PolicyGroupId } from "../param/index.js";
import { Engine, ManualClock, systemClock, type Clock } from "../engine/index.js";
import { MarketDataService, QuoteTtl } from "../marketdata/index.js";
import { ttlOf } from "../state/admin-commands.js";
import { POLICY_CATALOG, shownSettingsJson, unknownNamedPolicy } from "../policies/catalog.js";
import { policySettingsTooLarge } from "../server/config/settings-size.js";
import { longSettingsReason } from "../server/codec/reason.js";
import { ConfigError } from "../server/config/load-config.js";
import { SidecarState } from "../state/sidecar-state.js";
import { MemoryJournal } from "../state/journal/memory-journal.js";
import { SidecarServer, type DrainTimer } from "../server/server.js";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import { auditRetentionOf } from "../server/config/audit-config.js";
import { serverIdentity } from "./server-identity.js";
import { severalActiveOwners } from "../server/config/ownership-config.js";
import { shardOf } from "../replication/shard-of.js";
import type { SidecarLogger } from "../server/log/sidecar-log.js";

/** The engine, market data and door a configuration describes, at their configured start state. */
/** `writer`: the build whose records the state writes (tests play an earlier build with another; journal-writer.ts). */
export function buildState(config: SidecarConfig, timeSource: Clock = systemClock(), writer: JournalWriter = THIS_WRITER): SidecarState {
  // The engine and market data read time only from the command being run.
  const commandClock = new ManualClock(timeSource.nowMs());
  const marketData = new MarketDataService({ defaultTtl: ttlOf(config.marketData.defaultTtlMs) ?? QuoteTtl.infinite(), clock: commandClock });
  config.marketData.instruments.forEach((i, n) => {
    const instrument = { underlyingAsset: i.underlyingAsset, settlementAsset: i.settlementAsset };
    const instrumentTtl = ttlOf(i.ttlMs);
    try {
      if (i.id === undefined) marketData.register(instrument, instrumentTtl);
      else marketData.registerWithId(i.id, instrument, instrumentTtl);
    } catch (e) {
      // An explicit id an earlier entry without one already took: a configuration error (exit 2), not a crash.
      throw new ConfigError(`config.marketData.instruments[${n}]: ${e instanceof Error ? e.message : String(e)}`);
    }
  });

  const builder = Engine.builder()
    .syncMode(config.syncMode)
    .clock(commandClock)
    .executionIdBounds({ retainMs: config.limits.executionIdRetentionMs, maxRemembered: config.limits.maxExecutionIds });
  config.policies.forEach((p, i) => {
    const entry = POLICY_CATALOG.get(p.type)!;
    const policyGroupId = p.policyGroupId === undefined ? undefined : PolicyGroupId.fromU16(p.policyGroupId);
    builder.policy(entry.create(p.settings ?? {}, `config.policies[${i}].settings`, { policyGroupId, marketData }));
  });
  const engine = builder.build();
  config.policies.forEach((p, i) => {
    // A state's reason takes at most 4 KiB in the file as at runtime (reason.ts; found by
    // review, session 34: the file took any length). After the parse, which names worse errors.
    const long = longSettingsReason(POLICY_CATALOG.get(p.type), p.settings ?? {});
    if (long !== undefined) throw new ConfigError(`config.policies[${i}].settings.${long.path}: ${long.problem}`);
    // Bounded as they apply and read back, as a runtime change is (settings-size.ts).
    const policy = engine.policy(p.type);
    const tooLarge = policy === undefined ? undefined : policySettingsTooLarge(shownSettingsJson(policy));
    if (tooLarge !== undefined) throw new ConfigError(`config.policies[${i}].settings: ${tooLarge}`);
  });
  config.policies.forEach((p, i) => {
    const entry = POLICY_CATALOG.get(p.type)!;
    // Only policies whose settings name others (the update parser may refuse construction-only fields).
    const parse = entry.configurable?.namedPolicies && entry.configurable.parseUpdate;
    const unknown = parse && unknownNamedPolicy(entry, parse(p.settings ?? {}, `config.policies[${i}].settings`), engine.policies);
    if (unknown) {
      throw new ConfigError(`config.policies[${i}].settings.policies[${unknown.index}]: no policy named '${unknown.name}' (the configured policies: ${engine.policies.map((q) => q.name).join(", ")})`);
    }
  });

  const accounts = engine.accounts();
  if (config.accounts.defaultCurrency) accounts.setGroupCurrency(AccountGroupId.DEFAULT, config.accounts.defaultCurrency);
  const listed = ownAccountEntries(config);
  const byGroup = new Map<AccountGroupId, typeof config.accounts.list>();
  for (const a of listed) {
    if (a.currency) accounts.setCurrency(a.id, a.currency);
    if (a.group !== undefined) byGroup.set(a.group, [...(byGroup.get(a.group) ?? []), a]);
  }
  for (const [group, members] of byGroup) accounts.registerGroup(members.map((m) => m.id), group);

  return new SidecarState({
    engine,
    marketData,
    commandClock,
    timeSource,
    limits: config.limits,
    // Until recovery attaches the real journal (a replicated state follows the stream with a
    // FollowingJournal until its takeover: journal-replica.ts); ephemeral mode keeps this one.
    journal: new MemoryJournal(),
    knownAccounts: config.accounts.strict ? new Set(listed.map((a) => a.id)) : undefined,
    accountEntries: listed,
    writer,
    auditRetention: auditRetentionOf(config.audit),
    eventsKeptForResume: config.limits.eventsKeptForResume,
  });
}

/**
 * The `accounts.list` entries this instance's state holds: with several ownership groups
 * (ownership.shards a part of the shards), only those of its own shards. One file serves the
 * whole deployment, and every entry went into each group's engine, journal and snapshot: an
 * account only another group serves was admitted, grouped and listed here too, and kept the
 * file's group after its owner moved it (found by review, session 36). The gate refuses every
 * command naming such an account before the door, so nothing else put it here.
 */
function ownAccountEntries(config: SidecarConfig): SidecarConfig["accounts"]["list"] {
  const { ownership, replication } = config;
  if (config.durability.mode !== "replicated" || !ownership || !replication || !severalActiveOwners(ownership, replication.shardCount)) return config.accounts.list;
  const own = new Set(ownership.shards as readonly number[]);
  return config.accounts.list.filter((a) => own.has(shardOf(a.id, replication.shardCount)));
}

/**
 * The server around a freshly built state. An ephemeral configuration serves at once; a
 * durable one stays NOT_SERVING until `startSidecar` has recovered the journal.
 */
export function buildSidecar(config: SidecarConfig, timeSource: Clock = systemClock(), drainTimer?: DrainTimer, logger?: SidecarLogger): SidecarServer {
  const state = buildState(config, timeSource);
  return new SidecarServer(
    state,
    { ...config.limits, network: config.network, logger, latencySampleEvery: config.metrics.latencySampleEvery, identity: serverIdentity(config, (type) => shownSettingsJson(state.engine.policy(type)!), timeSource) },
    config.durability.mode === "ephemeral" ? "serving" : "recovering",
    config.security,
    drainTimer,
  );
}
