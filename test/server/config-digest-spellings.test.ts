/**
 * Found by review (session 44): GetServerStatus.config_digest promises "two sidecars with the
 * same digest run the same configuration", however their files were written, yet spellings the
 * sidecar treats as one configuration digested apart: `policyGroupId: 0` ("0 = none",
 * docs/configuration.md#policies) and the field left out; `ownership.shards` in another order,
 * or naming every shard ("the same as "all"").
 */
import { describe, expect, it } from "vitest";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { configDigest, effectiveConfig } from "../../src/app/server-identity.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { shownSettingsJson } from "../../src/policies/catalog.js";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";

/** The digest GetServerStatus reports for a sidecar built from `json` (buildSidecar's identity). */
const digest = (json: unknown) => {
  const config = parseSidecarConfig(json);
  const state = buildState(config);
  return configDigest(effectiveConfig(config, (type) => shownSettingsJson(state.engine.policy(type)!)));
};
const base = () => JSON.parse(JSON.stringify(DEFAULT_CONFIG)) as { policies: Record<string, unknown>[] } & Record<string, unknown>;

describe("the configuration digest of equivalent configurations", () => {
  it("policyGroupId 0 (none) and no policyGroupId build the same engine and digest alike", () => {
    const absent = base();
    const zero = base();
    zero.policies[1]!.policyGroupId = 0;
    const a = buildState(parseSidecarConfig(absent)).engine.policy("RateLimitPolicy")!;
    const b = buildState(parseSidecarConfig(zero)).engine.policy("RateLimitPolicy")!;
    expect(Number(b.policyGroupId ?? 0)).toBe(Number(a.policyGroupId ?? 0));
    expect(digest(zero)).toBe(digest(absent));
  });

  const replicated = (shards: unknown) => ({
    ...base(),
    durability: { mode: "replicated" },
    replication: { servers: ["nats://127.0.0.1:4222"], shardCount: 4 },
    ownership: { advertisedAddress: "127.0.0.1:50061", shards, crossShard: "per-instance" },
  });

  it("ownership.shards in another order is the same ownership group", () => {
    expect(digest(replicated([1, 0]))).toBe(digest(replicated([0, 1])));
  });

  it("ownership.shards naming every shard is the same as \"all\" (docs/configuration.md#ownership)", () => {
    expect(digest(replicated([0, 1, 2, 3]))).toBe(digest(replicated("all")));
  });
});

describe("the configuration digest still tells configurations apart", () => {
  it("another policy group, or another set of shards", () => {
    const grouped = base();
    grouped.policies[1]!.policyGroupId = 2;
    expect(digest(grouped)).not.toBe(digest(base()));
    const replicated = (shards: unknown) => ({
      ...base(),
      durability: { mode: "replicated" },
      replication: { servers: ["nats://127.0.0.1:4222"], shardCount: 4 },
      ownership: { advertisedAddress: "127.0.0.1:50061", shards, crossShard: "per-instance" },
    });
    expect(digest(replicated([0, 1, 2]))).not.toBe(digest(replicated("all")));
    expect(digest(replicated([0, 1]))).not.toBe(digest(replicated([0, 2])));
  });
});
