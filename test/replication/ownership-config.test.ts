import { describe, expect, it } from "vitest";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { testConfig } from "../server/harness.js";

const replicated = (ownership: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
  testConfig({
    durability: { mode: "replicated" },
    replication: { servers: ["nats://127.0.0.1:4222"], shardCount: 4 },
    ownership: { advertisedAddress: "10.0.0.5:50051", ...ownership },
    ...overrides,
  });

describe("the ownership section and the cross-shard rule", () => {
  it("defaults: every shard (one active owner), a 2 s lease, refuse", () => {
    expect(parseSidecarConfig(replicated({})).ownership).toEqual({
      advertisedAddress: "10.0.0.5:50051",
      shards: "all",
      leaseTtlMs: 2000,
      leaseBucket: "openpit_leases",
      crossShard: "refuse",
    });
  });

  it("needs the replicated journal and an advertised address", () => {
    expect(() => parseSidecarConfig(testConfig({ ownership: { advertisedAddress: "a:1" } }))).toThrow(
      'config.ownership: needs config.durability.mode "replicated" (leases decide who writes the replicated journal)',
    );
    expect(() => parseSidecarConfig(replicated({ advertisedAddress: undefined }))).toThrow(
      "config.ownership.advertisedAddress: is required (the host:port gateways dial to reach this instance)",
    );
    expect(() => parseSidecarConfig(replicated({ shards: [1, 4] }))).toThrow("config.ownership.shards[1]: shard 4 does not exist (config.replication.shardCount is 4)");
  });

  // Found by review (session 32): a bare host was accepted, and NOT_OWNER answers sent gateways
  // to it (grpc-js dials 443 then).
  it("the advertised address is a HOST:PORT gateways can dial", () => {
    const form = "expected HOST:PORT with a port in 1..65535";
    expect(() => parseSidecarConfig(replicated({ advertisedAddress: "sidecar-a" }))).toThrow(
      `config.ownership.advertisedAddress: 'sidecar-a' is not an address gateways can dial (no port); ${form}`,
    );
    expect(() => parseSidecarConfig(replicated({ advertisedAddress: "sidecar-a:0" }))).toThrow(
      `config.ownership.advertisedAddress: 'sidecar-a:0' is not an address gateways can dial (port 0); ${form}`,
    );
    expect(() => parseSidecarConfig(replicated({ advertisedAddress: "::1:50051" }))).toThrow(
      `config.ownership.advertisedAddress: '::1:50051' is not an address gateways can dial (an IPv6 address must be in brackets); ${form}`,
    );
    expect(parseSidecarConfig(replicated({ advertisedAddress: "[::1]:50051" })).ownership?.advertisedAddress).toBe("[::1]:50051");
    expect(parseSidecarConfig(replicated({ advertisedAddress: "sidecar-a.example:50051" })).ownership?.advertisedAddress).toBe("sidecar-a.example:50051");
  });

  // Found by review (session 40): only a blank name was refused; the KV library refused "openpit.leases" at start, naming no field.
  it("the lease bucket is a NATS name", () => {
    for (const leaseBucket of ["openpit.leases", "leases bucket", "leases/*", "l>"]) {
      expect(() => parseSidecarConfig(replicated({ leaseBucket }))).toThrow("config.ownership.leaseBucket: must be letters, digits, '-' or '_' (a NATS name)");
    }
    expect(parseSidecarConfig(replicated({ leaseBucket: "desk-1_leases" })).ownership?.leaseBucket).toBe("desk-1_leases");
  });

  it("several active owners: a barrier over many accounts is refused, naming it, unless declared per instance", () => {
    // testConfig's policies carry a broker rate limit, a broker order size limit (per order: exact anywhere) and a broker P&L barrier.
    expect(() => parseSidecarConfig(replicated({ shards: [0, 1] }))).toThrow(
      'config.policies[1].settings.broker: sums over many accounts, which other instances may own (config.ownership.shards lists 2 of 4 shards); remove it, own every shard ("all"), or declare config.ownership.crossShard = "per-instance" to enforce it over this instance\'s shards only',
    );
    const withoutRate = replicated({ shards: [0, 1] }, { policies: (testConfig().policies as unknown[]).filter((_, i) => i !== 1) });
    expect(() => parseSidecarConfig(withoutRate)).toThrow(/^config\.policies\[2\]\.settings\.brokerBarriers: sums over many accounts/);
    expect(parseSidecarConfig(replicated({ shards: [0, 1], crossShard: "per-instance" })).ownership?.crossShard).toBe("per-instance");
    // Every shard listed is one owner again: exact.
    expect(parseSidecarConfig(replicated({ shards: [0, 1, 2, 3] })).ownership?.shards).toEqual([0, 1, 2, 3]);
  });
});
