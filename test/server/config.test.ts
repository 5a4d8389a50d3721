import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { grpcServerOptions } from "../../src/server/config/network-config.js";
import { AccountId } from "../../src/param/index.js";

function configError(json: unknown): string {
  try {
    buildSidecar(parseSidecarConfig(json));
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a configuration error");
}

const base = () => JSON.parse(JSON.stringify(DEFAULT_CONFIG)) as Record<string, any>;

describe("configuration", () => {
  it("the embedded default builds the five built-ins on 127.0.0.1:50051", () => {
    const config = parseSidecarConfig(DEFAULT_CONFIG);
    expect(config.listen).toBe("127.0.0.1:50051");
    const server = buildSidecar(config);
    expect(server.state.engine.policies.map((p) => p.name)).toEqual([
      "OrderValidationPolicy",
      "RateLimitPolicy",
      "OrderSizeLimitPolicy",
      "PnlBoundsKillSwitchPolicy",
      "SpotFundsPolicy",
    ]);
  });

  it("the documented sample file builds, with groups, currencies and strict accounts", () => {
    const config = parseSidecarConfig(JSON.parse(readFileSync("examples/sidecar.json", "utf8")));
    const server = buildSidecar(config);
    const accounts = server.state.engine.accounts();
    expect(config.metrics).toEqual({ listen: "127.0.0.1:9464", latencySampleEvery: 4 });
    expect(accounts.groupOf(AccountId.fromU64(99224416))).toBe(7);
    expect(accounts.currencyOf(AccountId.fromU64(18446744073709551615n))).toBe("EUR");
    expect(accounts.currencyOf(AccountId.fromU64(42))).toBe("USD");
    expect(server.state.isKnownAccount(AccountId.fromU64(42))).toBe(true);
    expect(server.state.isKnownAccount(AccountId.fromU64(43))).toBe(false);
  });

  it("errors name the bad field", () => {
    const c1 = base();
    c1.policies[1].settings.broker.windowMs = 0;
    expect(configError(c1)).toMatch(/^config\.policies\[1\]\.settings\.broker\.windowMs: /);
    const c2 = base();
    c2.policies.push({ type: "NoSuchPolicy" });
    expect(configError(c2)).toBe(
      "config.policies[5].type: unknown policy type 'NoSuchPolicy' (known: OrderValidationPolicy, RateLimitPolicy, OrderSizeLimitPolicy, PnlBoundsKillSwitchPolicy, SpotFundsPolicy, PriceCollarPolicy, TwoTierThrottlePolicy, RepeatedExecutionThrottlePolicy, GrossExposureLimitPolicy, MaxOpenOrdersPolicy, SoftLimitPolicy, TradingStatePolicy, RestrictedListPolicy, ClientOrderIdPolicy)",
    );
    const c3 = base();
    c3.limits = { maxQueuedMessages: -1 };
    expect(configError(c3)).toBe(`config.limits.maxQueuedMessages: must be an integer in 1..${Number.MAX_SAFE_INTEGER}`);
    const c4 = base();
    c4.lisen = "x";
    expect(configError(c4)).toMatch(/^config\.lisen: unknown field/);
    const c5 = base();
    c5.policies[3].settings.brokerBarriers[0].lowerBound = "-1e5";
    expect(configError(c5)).toMatch(/^config\.policies\[3\]\.settings\.brokerBarriers\[0\]\.lowerBound: /);
  });

  it("a repeated account or instrument is a configuration error naming the entry, not a failed build", () => {
    const accounts = base();
    accounts.accounts = { list: [{ id: 5, group: 1 }, { id: 6 }, { id: 5, group: 2 }] };
    expect(configError(accounts)).toBe("config.accounts.list[2]: repeats the id of config.accounts.list[0] (5)");
    // Found by review (session 19): 0 is "no account" on the wire, so it was accepted here and
    // could never be used (with `strict`, a configured account no order could name).
    const zero = base();
    zero.accounts = { strict: true, list: [{ id: 5 }, { id: 0 }] };
    expect(configError(zero)).toBe("config.accounts.list[1].id: must not be 0: on the wire account id 0 means no account");
    const ids = base();
    ids.marketData.instruments[1].id = 1;
    expect(configError(ids)).toBe("config.marketData.instruments[1]: repeats the id of config.marketData.instruments[0] (1)");
    const pairs = base();
    pairs.marketData.instruments.push({ underlyingAsset: "AAPL", settlementAsset: "USD" });
    expect(configError(pairs)).toBe("config.marketData.instruments[4]: repeats the instrument of config.marketData.instruments[0] (AAPL/USD)");
  });

  it("liveness and bounds: defaults, strict validation naming the field", () => {
    const parsed = parseSidecarConfig(base());
    expect(parsed.network).toEqual({ keepaliveTimeMs: 5000, keepaliveTimeoutMs: 5000, idleConnectionTimeoutMs: 300000, maxReceiveMessageBytes: 4194304, maxConcurrentStreams: 1000 });
    expect(parsed.limits).toMatchObject({ maxOpenHandles: 250000, maxPinnedAccountsPerOwner: 100000, maxQueuedEventsPerSubscriber: 4096 });
    const withNetwork = (network: unknown) => configError({ ...base(), network });
    expect(withNetwork({ keepaliveTimeMs: 5 })).toBe("config.network.keepaliveTimeMs: must be 0 (off) or at least 10");
    expect(withNetwork({ keepaliveTimeoutMs: 0 })).toBe("config.network.keepaliveTimeoutMs: must be an integer in 1..2147483647");
    expect(withNetwork({ idleConnectionTimeoutMs: 2 ** 31 })).toBe("config.network.idleConnectionTimeoutMs: must be an integer in 0..2147483647");
    expect(withNetwork({ maxReceiveMessageBytes: 10 })).toBe("config.network.maxReceiveMessageBytes: must be an integer in 1024..2147483647");
    expect(withNetwork({ keepalive: 1 })).toMatch(/^config\.network\.keepalive: unknown field/);
    expect(parsed.limits.maxRecordsAwaitingDurability).toBe(16384);
    for (const key of ["maxOpenHandles", "maxPinnedAccountsPerOwner", "maxQueuedEventsPerSubscriber", "maxRecordsAwaitingDurability"]) {
      expect(configError({ ...base(), limits: { [key]: 0 } })).toBe(`config.limits.${key}: must be an integer in 1..${Number.MAX_SAFE_INTEGER}`);
    }
    // The shutdown's two durations become timers: past 2^31 - 1 ms Node fires a timer after
    // 1 ms, so a 30-day grace would have cut the clients at once. Refused, naming the bound.
    for (const key of ["shutdownDrainMs", "shutdownGraceMs"]) {
      expect(configError({ ...base(), limits: { [key]: 30 * 24 * 3600 * 1000 } })).toBe(`config.limits.${key}: must be an integer in 0..2147483647`);
      expect(parseSidecarConfig({ ...base(), limits: { [key]: 2 ** 31 - 1 } }).limits[key as "shutdownGraceMs"]).toBe(2 ** 31 - 1);
    }
    // Execution ids: a day and a million by default; a retention of 0 would remember nothing
    // while looking on (0 ids is the way to say that), and each id is memory and snapshot.
    expect(parsed.limits).toMatchObject({ executionIdRetentionMs: 86_400_000, maxExecutionIds: 100_000 });
    expect(configError({ ...base(), limits: { executionIdRetentionMs: 0 } })).toBe(`config.limits.executionIdRetentionMs: must be an integer in 1..${Number.MAX_SAFE_INTEGER}`);
    expect(configError({ ...base(), limits: { maxExecutionIds: 2_000_001 } })).toBe("config.limits.maxExecutionIds: must be an integer in 0..2000000");
    expect(parseSidecarConfig({ ...base(), limits: { maxExecutionIds: 0 } }).limits.maxExecutionIds).toBe(0);
    // reservationTtlMs is a span added to command timestamps, never a timer: it keeps the wide bound.
    expect(parseSidecarConfig({ ...base(), limits: { reservationTtlMs: 30 * 24 * 3600 * 1000 } }).limits.reservationTtlMs).toBe(2_592_000_000);
    expect(grpcServerOptions(parsed.network)).toEqual({
      "grpc.max_receive_message_length": 4194304,
      "grpc.max_concurrent_streams": 1000,
      "grpc.keepalive_time_ms": 5000,
      "grpc.keepalive_timeout_ms": 5000,
      "grpc.max_connection_idle_ms": 300000,
    });
    expect(grpcServerOptions({ ...parsed.network, keepaliveTimeMs: 0, idleConnectionTimeoutMs: 0 })).toEqual({ "grpc.max_receive_message_length": 4194304, "grpc.max_concurrent_streams": 1000 });
  });

  it("flags override the environment, which overrides the file", () => {
    expect(loadConfig({ argv: [], env: {} }).listen).toBe("127.0.0.1:50051");
    expect(loadConfig({ argv: [], env: { OPENPIT_LISTEN: "127.0.0.1:6000" } }).listen).toBe("127.0.0.1:6000");
    expect(loadConfig({ argv: ["--listen", "127.0.0.1:7000"], env: { OPENPIT_LISTEN: "127.0.0.1:6000" } }).listen).toBe(
      "127.0.0.1:7000",
    );
    expect(loadConfig({ argv: ["--config", "examples/sidecar.json"], env: {} }).accounts.strict).toBe(true);
    expect(() => loadConfig({ argv: ["--config", "/nonexistent.json"], env: {} })).toThrow(/cannot read config file \/nonexistent\.json/);
    expect(() => loadConfig({ argv: ["--bogus"], env: {} })).toThrow(/unknown option --bogus/);
  });
});
