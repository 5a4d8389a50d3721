/** AdminService.ListAccounts, ListChannels and GetServerStatus against the real server. */
import { create, toJson } from "@bufbuild/protobuf";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { configDigest, effectiveConfig } from "../../src/app/server-identity.js";
import { shownSettingsJson } from "../../src/policies/catalog.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { REPLAY_RULES } from "../../src/state/journal-writer.js";
import { ACCOUNT, OTHER_ACCOUNT, order, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { as } from "./results.js";

const GROUPED = 500n;

describe("operator queries", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  /** ACCOUNT: seeded and an open reservation on a channel; OTHER_ACCOUNT blocked; GROUPED in group 5. */
  async function workload() {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    expect(as(await ch.one({ case: "executePreTrade", value: { order: order() } }), "execute").accepted).toBe(true);
    await h.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "compliance hold" });
    await h.admin("registerGroup", { accountIds: [GROUPED], groupId: 5 });
    return ch;
  }

  const list = async (request: Record<string, unknown> = {}) =>
    toJson(op.ListAccountsResponseSchema, await h.admin<op.ListAccountsResponse>("listAccounts", request));

  it("lists the known accounts with their block, group, pin and holdings; filters and pages", async () => {
    await workload();
    const blocked = {
      accountId: "77",
      block: { policy: "Engine", code: "REJECT_CODE_ACCOUNT_BLOCKED", reason: "compliance hold", details: "compliance hold" },
      blockScope: "BLOCK_SCOPE_ACCOUNT",
      currency: "USD",
    };
    const grouped = { accountId: "500", groupId: 5, currency: "USD" };
    const holder = { accountId: String(ACCOUNT), currency: "USD", pinnedChannelId: "1", openReservations: 1, holdingAssets: ["AAPL", "USD"] };
    expect(await list()).toEqual({ accounts: [blocked, grouped, holder], total: "3" });
    expect(await list({ blocked: true })).toEqual({ accounts: [blocked], total: "1" });
    expect(await list({ blocked: false })).toEqual({ accounts: [grouped, holder], total: "2" });
    expect(await list({ groupId: 5 })).toEqual({ accounts: [grouped], total: "1" });
    expect(await list({ groupId: 0 })).toEqual({ accounts: [blocked, holder], total: "2" });
    expect(await list({ hasHoldings: true })).toEqual({ accounts: [holder], total: "1" });
    expect(await list({ limit: 1 })).toEqual({ accounts: [blocked], more: true, total: "3" });
    expect(await list({ limit: 1, afterAccountId: 77n })).toEqual({ accounts: [grouped], more: true, total: "3" });
    expect(await list({ limit: 1, afterAccountId: 500n })).toEqual({ accounts: [holder], total: "3" });
  });

  it("says whose the block shown is: the account's own, its group's, or the global kill switch's", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000", OTHER_ACCOUNT));
    await h.admin("registerGroup", { accountIds: [GROUPED, OTHER_ACCOUNT], groupId: 5 });
    await h.admin("blockGroup", { groupId: 5, reason: "desk closed" });
    await h.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "compliance hold" });
    const whose = async () => {
      type Row = { accountId: string; block?: { reason: string }; blockScope?: string };
      const rows = ((await list()) as { accounts: Row[] }).accounts;
      const states = await Promise.all(
        rows.map(
          async (r) => toJson(ad.GetAccountStateResponseSchema, await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: BigInt(r.accountId) })) as Omit<Row, "accountId">,
        ),
      );
      // GetAccountState says the same as the list.
      expect(states.map((s) => [s.block?.reason, s.blockScope])).toEqual(rows.map((r) => [r.block?.reason, r.blockScope]));
      return rows.map((r) => [r.accountId, r.block?.reason, r.blockScope]);
    };
    expect(await whose()).toEqual([
      ["77", "compliance hold", "BLOCK_SCOPE_ACCOUNT"],
      ["500", "desk closed", "BLOCK_SCOPE_GROUP"],
    ]);
    await h.admin("unblockAccount", { accountId: OTHER_ACCOUNT });
    expect(await whose()).toEqual([
      ["77", "desk closed", "BLOCK_SCOPE_GROUP"],
      ["500", "desk closed", "BLOCK_SCOPE_GROUP"],
    ]);
    await h.admin("unblockGroup", { groupId: 5 });
    expect(await whose()).toEqual([
      ["77", undefined, undefined],
      ["500", undefined, undefined],
    ]);
    // A loss past the broker barrier on a report without an account: the global latch.
    await ch.send({
      case: "applyExecutionReport",
      value: { report: create(pb.ExecutionReportSchema, { instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" }, accountId: 0n, side: pb.Side.BUY, pnl: "-2000", fee: "0" }) },
    });
    const global = "account is blocked due to kill-switch";
    expect(await whose()).toEqual([
      ["77", global, "BLOCK_SCOPE_GLOBAL"],
      ["500", global, "BLOCK_SCOPE_GLOBAL"],
    ]);
  });

  it("lists the live channels with principal, peer, pins and open handles", async () => {
    const ch = await workload();
    const answer = await h.admin<op.ListChannelsResponse>("listChannels", {});
    const channels = toJson(op.ListChannelsResponseSchema, answer) as { channels: { peer: string }[] };
    expect(channels.channels[0]!.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(channels).toEqual({
      channels: [{ channelId: "1", principal: "local", peer: channels.channels[0]!.peer, pinnedAccountIds: [String(ACCOUNT)], openReservations: 1 }],
    });
    const closed = h.nextChannelClose();
    await ch.end();
    expect(await closed).toBe(1n);
    expect(toJson(op.ListChannelsResponseSchema, await h.admin<op.ListChannelsResponse>("listChannels", {}))).toEqual({});
  });

  it("reports the server's status: version, replay rules, uptime, configuration digest, phase, listeners, counts", async () => {
    await workload();
    h.clock.advance(2_500);
    const status = toJson(op.GetServerStatusResponseSchema, await h.admin<op.GetServerStatusResponse>("getServerStatus", {}));
    const digest = configDigest(effectiveConfig(parseSidecarConfig(testConfig()), (type) => shownSettingsJson(h.server.state.engine.policy(type)!)));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    // The replay rules beside the version: two builds of 0.1.0 may not replay each other's journal.
    expect(REPLAY_RULES).toBeGreaterThan(0);
    expect(status).toEqual({
      version: "0.1.0",
      replayRules: REPLAY_RULES,
      uptimeMs: "2500",
      configDigest: digest,
      phase: "SERVING_PHASE_SERVING",
      durabilityMode: "ephemeral",
      listeners: [{ name: "grpc", address: h.address }],
      channels: 1,
      pinnedAccounts: 1,
      openHandles: 1,
      blockedAccounts: 1,
      policies: ["OrderValidationPolicy", "RateLimitPolicy", "OrderSizeLimitPolicy", "PnlBoundsKillSwitchPolicy", "SpotFundsPolicy"],
    });
  });
});
