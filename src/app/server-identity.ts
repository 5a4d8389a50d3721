/** What GetServerStatus says this sidecar is: the package version and the journal's replay rules, a digest of its configuration, its uptime. */
import { createHash } from "node:crypto";
import type { Clock } from "../engine/index.js";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import type { ServerIdentity } from "../server/server.js";
import { REPLAY_RULES } from "../state/journal-writer.js";
import { VERSION } from "../version.js";

/** A value as canonical JSON: keys sorted, bigints as digit strings, Maps and Sets as arrays. */
function canonical(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return [...value].map(([k, v]) => [canonical(k), canonical(v)]);
  if (value instanceof Set) return [...value].map(canonical);
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/**
 * SHA-256 of the effective configuration (as parsed, defaults filled in): two sidecars
 * reporting the same digest run the same configuration, however their files were written.
 * `config` is the effective one (`effectiveConfig`): the parser keeps policy settings as
 * written, and only the built engine fills in their defaults.
 */
export function configDigest(config: SidecarConfig): string {
  return createHash("sha256").update(JSON.stringify(canonical(config)), "utf8").digest("hex");
}

/**
 * `config` with each policy's settings as the built engine applies them (what GetPolicySettings
 * shows), so omitted defaults, defaults written out and decimals spelled differently digest
 * alike (found by review, session 30: they did not). So do the other spellings of one meaning
 * (found by review, session 44): a policy group 0 and none; an ownership's shards in any order,
 * and every shard listed and "all".
 */
export function effectiveConfig(config: SidecarConfig, settingsOf: (policyType: string) => unknown): SidecarConfig {
  const policies = config.policies.map((p) => ({ ...p, policyGroupId: p.policyGroupId || undefined, settings: settingsOf(p.type) }));
  const ownership = config.ownership;
  if (ownership === undefined || ownership.shards === "all") return { ...config, policies };
  const shards = [...ownership.shards].sort((a, b) => a - b);
  // Validated distinct and below shardCount (ownership-config.ts): as many as there are is every one.
  const every = config.replication !== undefined && shards.length === config.replication.shardCount;
  return { ...config, policies, ownership: { ...ownership, shards: every ? "all" : shards } };
}

/**
 * The identity of a server built now from `config`; uptime is read from `timeSource`, as the
 * time it has run (`runningMs`: a systemClock moved forward at a restart on a host clock behind
 * the journal made a 2-second-old process an hour old; found by review). The
 * digest is of the configuration in force when asked: `config` with each policy's settings as
 * `settingsOf` reads them from the live engine. Fixed at build, it named the file's settings
 * while a ConfigurePolicy, or a restart whose journal put a retune back, enforced others, and
 * two sidecars enforcing different limits showed the same digest (found by review, session 31).
 */
export function serverIdentity(config: SidecarConfig, settingsOf: (policyType: string) => unknown, timeSource: Clock): ServerIdentity {
  const running = (): number => (timeSource.runningMs !== undefined ? timeSource.runningMs() : timeSource.nowMs());
  const startedAt = running();
  return {
    version: VERSION,
    replayRules: REPLAY_RULES,
    configDigest: () => configDigest(effectiveConfig(config, settingsOf)),
    durabilityMode: config.durability.mode,
    uptimeMs: () => running() - startedAt,
  };
}
