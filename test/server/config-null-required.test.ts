/**
 * Found by review (the open item "JSON null read as absent"): every field the configuration
 * reference calls required refuses null; where null reads as absent, the documented default
 * applies, the same as leaving the field out.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { buildState } from "../../src/app/build-sidecar.js";

const base = () => JSON.parse(JSON.stringify(DEFAULT_CONFIG)) as Record<string, any>;
const build = (j: unknown) => buildState(parseSidecarConfig(j));
const repl = { mode: "replicated" };

describe("null on a required field is refused, never read as absent", () => {
  const cases: [string, (j: Record<string, any>) => void][] = [
    ["policies", (j) => (j.policies = null)],
    ["policies[].type", (j) => (j.policies[0].type = null)],
    ["accounts.list[].id", (j) => (j.accounts.list = [{ id: null }])],
    ["replication.servers", (j) => ((j.durability = repl), (j.replication = { servers: null }))],
    ["replication (mode replicated)", (j) => ((j.durability = repl), (j.replication = null))],
    ["ownership.advertisedAddress", (j) => ((j.durability = repl), (j.replication = { servers: ["nats://x:4222"] }), (j.ownership = { advertisedAddress: null }))],
    ["security.tls.certFile", (j) => (j.security = { tls: { certFile: null, keyFile: "k" } })],
    ["security.principals[].name", (j) => (j.security = { tokensFile: "t", principals: [{ name: null, roles: ["monitor"] }] })],
    ["security.principals[].roles", (j) => (j.security = { tokensFile: "t", principals: [{ name: "a", roles: null }] })],
    ["RateLimit limit.maxOrders", (j) => (j.policies[1].settings = { broker: { maxOrders: null, windowMs: 1000 } })],
    ["OrderSizeLimit limit.maxQuantity", (j) => (j.policies[2].settings = { broker: { maxQuantity: null, maxNotional: "1" } })],
    ["TradingState states[].state", (j) => (j.policies = [{ type: "TradingStatePolicy", settings: { states: [{ global: true, state: null }] } }])],
    ["RestrictedList entries[].underlyingAsset", (j) => (j.policies = [{ type: "RestrictedListPolicy", settings: { entries: [{ global: true, underlyingAsset: null }] } }])],
    ["SoftLimit shares", (j) => (j.policies = [{ type: "SoftLimitPolicy", settings: { shares: null } }])],
    ["tier limit", (j) => (j.policies = [{ type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: null } } }])],
  ];
  for (const [name, edit] of cases) {
    it(name, () => {
      const j = base();
      edit(j);
      expect(() => build(j)).toThrow();
    });
  }
});

// Found by review (session 36): two places read the raw settings, where null was a value.
describe("null reads as absent where the field is optional", () => {
  const band = { underlyingAsset: "AAPL", settlementAsset: "USD", limit: { maxDeviationPct: "3" } };

  it("PriceCollarPolicy with instrument bands only: default and groups null, as if left out", () => {
    const j = base();
    j.policies.push({ type: "PriceCollarPolicy", settings: { instruments: [band], default: null, groups: null, accounts: null } });
    expect(() => build(j)).not.toThrow();
  });

  it("the ownership cross-shard rule: a RateLimit broker of null is no broker barrier", () => {
    const j = base();
    j.durability = repl;
    j.replication = { servers: ["nats://127.0.0.1:4222"], shardCount: 16 };
    j.ownership = { advertisedAddress: "127.0.0.1:50061", shards: [0, 1] };
    j.policies = [{ type: "OrderValidationPolicy" }, { type: "RateLimitPolicy", settings: { broker: null, accountBarriers: [{ accountId: 1, limit: { maxOrders: 5, windowMs: 1000 } }] } }];
    expect(() => parseSidecarConfig(j)).not.toThrow();
    // And a broker barrier that is there is still refused.
    j.policies[1].settings.broker = { maxOrders: 5, windowMs: 1000 };
    expect(() => parseSidecarConfig(j)).toThrow(/policies\[1\]\.settings\.broker: sums over many accounts/);
  });
});
