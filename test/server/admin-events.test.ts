import { create, fromBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { status, type ClientDuplexStream, type ClientReadableStream, type ClientWritableStream, type ServiceError } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HealthCheckRequestSchema, HealthCheckResponse_ServingStatus, type HealthCheckResponse } from "../../gen/grpc/health/v1/health_pb.js";
import {
  ServerReflection,
  ServerReflectionRequestSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountEventSchema, SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { AccountBlockSchema, RejectCode, RejectScope } from "../../gen/openpit/sidecar/v1/types_pb.js";
import { callUnary, makeClient } from "../../src/client/index.js";
import { ACCOUNT, OTHER_ACCOUNT, order, seed, startHarness, type Harness } from "./harness.js";
import { adminFailure, as, fill } from "./results.js";

const execute = (o = order()) => ({ case: "executePreTrade", value: { order: o, commitOnAccept: true } }) as const;
const operatorBlock = (text: string) => ({ policy: "Engine", code: "REJECT_CODE_ACCOUNT_BLOCKED", reason: text, details: text });

describe("admin service", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const state = (accountId = ACCOUNT) => h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId });
  const blockOf = async (accountId = ACCOUNT) => {
    const b = (await state(accountId)).block;
    return b && toJson(AccountBlockSchema, b);
  };
  const failure = (method: string, request: unknown) => adminFailure(h, method, request);

  it("blocks, re-words and unblocks an account", async () => {
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "compliance hold" });
    expect(await blockOf()).toEqual(operatorBlock("compliance hold"));
    const ch = h.channel();
    const refused = as(await ch.one(execute()), "execute");
    expect(refused.rejects.map((r) => [r.policy, r.reason, r.details, r.scope])).toEqual([
      ["Engine", "compliance hold", "compliance hold", RejectScope.ACCOUNT],
    ]);

    await h.admin("replaceAccountBlockReason", { accountId: ACCOUNT, reason: "under review" });
    expect(await blockOf()).toEqual(operatorBlock("under review"));

    await h.admin("unblockAccount", { accountId: ACCOUNT });
    expect(await blockOf()).toBeUndefined();
    await ch.send(seed("USD", "10000"));
    expect(as(await ch.one(execute()), "execute").accepted).toBe(true);

    expect(await failure("replaceAccountBlockReason", { accountId: ACCOUNT, reason: "x" })).toEqual([
      status.FAILED_PRECONDITION,
      "account_id: account is not blocked",
      "AccountNotBlocked",
    ]);
    expect(await failure("blockAccount", { accountId: 0n, reason: "x" })).toEqual([
      status.INVALID_ARGUMENT,
      "account_id is required",
      "MISSING_FIELD",
    ]);
  });

  it("blocks, re-words and unblocks a group; group 0 is refused", async () => {
    await h.admin("registerGroup", { accountIds: [ACCOUNT], groupId: 7 });
    await h.admin("blockGroup", { groupId: 7, reason: "desk closed" });
    expect(await blockOf()).toEqual(operatorBlock("desk closed"));
    expect(await blockOf(OTHER_ACCOUNT)).toBeUndefined();

    await h.admin("replaceGroupBlockReason", { groupId: 7, reason: "desk closed until 14:00" });
    expect(await blockOf()).toEqual(operatorBlock("desk closed until 14:00"));

    await h.admin("unblockGroup", { groupId: 7 });
    expect(await blockOf()).toBeUndefined();

    expect(await failure("replaceGroupBlockReason", { groupId: 7, reason: "x" })).toEqual([
      status.FAILED_PRECONDITION,
      "group_id: group 7 is not blocked",
      "GroupNotBlocked",
    ]);
    // Group 0 is "absent" on the wire (the reserved default group), like account id 0.
    for (const method of ["blockGroup", "unblockGroup", "replaceGroupBlockReason"]) {
      expect(await failure(method, { groupId: 0, reason: "x" })).toEqual([status.INVALID_ARGUMENT, "group_id is required", "MISSING_FIELD"]);
    }
  });

  it("registers and unregisters groups atomically", async () => {
    await h.admin("registerGroup", { accountIds: [ACCOUNT], groupId: 7 });
    expect((await state()).groupId).toBe(7);
    expect(await failure("registerGroup", { accountIds: [OTHER_ACCOUNT, ACCOUNT], groupId: 8 })).toEqual([
      status.FAILED_PRECONDITION,
      "account_ids: an account is already registered in group 7",
      "AlreadyRegistered",
    ]);
    // Atomic: OTHER_ACCOUNT, listed first, was not registered either.
    expect((await state(OTHER_ACCOUNT)).groupId).toBe(0);
    expect(await failure("unregisterGroup", { accountIds: [ACCOUNT], groupId: 8 })).toEqual([
      status.FAILED_PRECONDITION,
      "account_ids: an account is not in requested group 8 (current group: 7)",
      "NotInGroup",
    ]);
    await h.admin("unregisterGroup", { accountIds: [ACCOUNT], groupId: 7 });
    expect((await state()).groupId).toBe(0);
  });

  it("resolves the account currency: account, then group, then the default", async () => {
    expect((await state()).currency).toBe("USD");
    await h.admin("registerGroup", { accountIds: [ACCOUNT], groupId: 7 });
    await h.admin("setGroupCurrency", { groupId: 7, currency: "EUR" });
    expect((await state()).currency).toBe("EUR");
    await h.admin("setAccountCurrency", { accountId: ACCOUNT, currency: "CHF" });
    expect((await state()).currency).toBe("CHF");
    await h.admin("setAccountCurrency", { accountId: ACCOUNT, currency: "" });
    expect((await state()).currency).toBe("EUR");
    await h.admin("setGroupCurrency", { groupId: 7, currency: "" });
    expect((await state()).currency).toBe("USD");
    await h.admin("setGroupCurrency", { groupId: 0, currency: "GBP" });
    expect((await state(OTHER_ACCOUNT)).currency).toBe("GBP");
  });

  it("configurePolicy retunes RateLimit from JSON; bad settings leave the old ones in force", async () => {
    const settings = async () => {
      const r = await h.admin<ad.GetPolicySettingsResponse>("getPolicySettings", { policyName: "RateLimitPolicy" });
      return JSON.parse(r.settingsJson) as unknown;
    };
    const before = await settings();
    expect(before).toMatchObject({ broker: { maxOrders: 1000000, windowMs: 1000 } });

    await h.admin("configurePolicy", { policyName: "RateLimitPolicy", settingsJson: '{"broker":{"maxOrders":2,"windowMs":60000}}' });
    const after = await settings();
    expect(after).toMatchObject({ broker: { maxOrders: 2, windowMs: 60000 } });

    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const rs = await ch.send(execute(), execute(), execute());
    expect(rs.map((r) => as(r, "execute").accepted)).toEqual([true, true, false]);
    expect(as(rs[2], "execute").rejects.map((r) => [r.policy, r.code, r.reason, r.details])).toEqual([
      [
        "RateLimitPolicy",
        RejectCode.RATE_LIMIT_EXCEEDED,
        "rate limit exceeded: broker barrier",
        "submitted 3 orders in 60s window, max allowed: 2",
      ],
    ]);

    const [code, message, kind] = await failure("configurePolicy", { policyName: "RateLimitPolicy", settingsJson: "{broker:" });
    expect([code, kind]).toEqual([status.INVALID_ARGUMENT, "INVALID_VALUE"]);
    expect(message).toMatch(/^settings_json is not JSON: /);
    const zeroWindow = '{"broker":{"maxOrders":5,"windowMs":0}}';
    expect(await failure("configurePolicy", { policyName: "RateLimitPolicy", settingsJson: zeroWindow })).toEqual([
      status.INVALID_ARGUMENT,
      "settings_json.broker.windowMs: InvalidWindow: rate limit window must be positive and fit in u64 nanoseconds, got 0ns",
      "Validation",
    ]);
    expect(await settings()).toEqual(after);
    expect(await failure("configurePolicy", { policyName: "OrderValidationPolicy", settingsJson: "{}" })).toEqual([
      status.FAILED_PRECONDITION,
      "policy 'OrderValidationPolicy' has no runtime settings",
      "FAILED_PRECONDITION",
    ]);
  });

  it("setPnlAccumulator moves the kill switch's P&L; past the barrier orders are refused", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const set = (pnl: string) =>
      h.admin("setPnlAccumulator", { policyName: "PnlBoundsKillSwitchPolicy", accountId: ACCOUNT, settlementAsset: "USD", pnl });
    await set("-1000");
    expect((await state()).pnlAccumulators.map((a) => [a.policyName, a.settlementAsset, a.pnl])).toEqual([
      ["PnlBoundsKillSwitchPolicy", "USD", "-1000"],
    ]);
    // The comparison is strict: exactly at the lower bound still trades.
    expect(as(await ch.one(execute()), "execute").accepted).toBe(true);

    await set("-1000.01");
    const refused = as(await ch.one(execute()), "execute");
    expect(refused.rejects.map((r) => [r.reason, r.details])).toEqual([
      [
        "pnl kill switch triggered: broker barrier",
        "lower bound breached: realized pnl -1000.01, lower_bound Some(Pnl(-1000)), upper_bound None, settlement asset USD",
      ],
    ]);
  });

  it("setSpotFundsAccountPnl force-sets the ledger and reports the block a barrier earns", async () => {
    const set = (value: string) =>
      h.admin<ad.SetSpotFundsAccountPnlResponse>("setSpotFundsAccountPnl", {
        policyName: "SpotFundsPolicy",
        accountId: ACCOUNT,
        state: { state: { case: "value", value } },
      });
    expect((await set("-150")).accountBlocks).toEqual([]);
    expect((await state()).spotFundsPnls.map((p) => [p.policyName, p.state?.state])).toEqual([
      ["SpotFundsPolicy", { case: "value", value: "-150" }],
    ]);

    // OpenPit 3dec858: a new barrier re-evaluates the accounts at configure time, so the
    // account at -150 is blocked at once (it used to wait for the next P&L change).
    await h.admin("configurePolicy", { policyName: "SpotFundsPolicy", settingsJson: '{"pnlBarrier":{"lower":"-100"}}' });
    const block = (pnl: string) => ({
      policy: "SpotFundsPolicy",
      code: "REJECT_CODE_PNL_KILL_SWITCH_TRIGGERED",
      reason: "pnl kill switch triggered",
      details: `lower bound breached: realized pnl ${pnl}, lower_bound Some(Pnl(-100)), upper_bound None`,
    });
    expect(await blockOf()).toEqual(block("-150"));
    // A forced state still reports the block it earns; the stored one keeps its first cause.
    const response = await set("-200");
    expect(toJson(ad.SetSpotFundsAccountPnlResponseSchema, response)).toEqual({ accountBlocks: [block("-200")] });
    expect(await blockOf()).toEqual(block("-150"));
  });

  it("registerInstrument + pushQuote price a market order; streamQuotes counts what it applied", async () => {
    const MSFT = { underlyingAsset: "MSFT", settlementAsset: "USD" };
    const registered = await h.admin<ad.RegisterInstrumentResponse>("registerInstrument", { instrument: MSFT });
    // Automatic ids start at 0 and skip taken ones (AAPL/USD is configured as 1).
    expect(registered.instrumentId).toBe(0n);
    const pushed = await h.admin<ad.PushQuoteResponse>("pushQuote", { target: { case: "instrumentId", value: 0n }, quote: { mark: "50" } });
    expect(pushed.instrumentId).toBe(0n);

    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const msft = order({ instrument: MSFT, price: undefined });
    // OrderSizeLimit's broker limit needs a price to value an order, so it refuses market orders.
    const refused = as(await ch.one(execute(msft)), "execute");
    expect(refused.rejects.map((r) => [r.policy, r.reason, r.details])).toEqual([
      ["OrderSizeLimitPolicy", "order value calculation failed", "price not provided for evaluating cash flow/notional/volume"],
    ]);
    // Replacing its settings with a EUR-only limit takes USD orders out of its scope.
    const eurOnly = { assetBarriers: [{ settlementAsset: "EUR", limit: { maxQuantity: "1", maxNotional: "1" } }], accountAssetBarriers: [] };
    await h.admin("configurePolicy", { policyName: "OrderSizeLimitPolicy", settingsJson: JSON.stringify(eurOnly) });
    const shown = await h.admin<ad.GetPolicySettingsResponse>("getPolicySettings", { policyName: "OrderSizeLimitPolicy" });
    expect(JSON.parse(shown.settingsJson)).toEqual(eurOnly);

    const market = as(await ch.one(execute(msft)), "execute");
    expect(market.lock?.prices.map((p) => p.price)).toEqual(["50"]);
    expect(market.accountAdjustments[0]?.held?.delta).toBe("500");

    const call = await new Promise<ad.StreamQuotesResponse>((resolve, reject) => {
      type StreamQuotes = (cb: (e: Error | null, r: ad.StreamQuotesResponse) => void) => ClientWritableStream<ad.StreamQuotesRequest>;
      const stream = (h.clients.admin.streamQuotes as StreamQuotes)((e, r) => (e ? reject(e) : resolve(r)));
      const push = (init: ad.PushQuoteRequest["target"], mark: string) =>
        stream.write(create(ad.StreamQuotesRequestSchema, { push: { target: init, quote: { mark } } }));
      push({ case: "instrumentId", value: 0n }, "51");
      push({ case: "instrumentId", value: 42n }, "1");
      push({ case: "instrumentId", value: 0n }, "60");
      stream.end();
    });
    expect(toJson(ad.StreamQuotesResponseSchema, call)).toEqual({
      accepted: "2",
      failed: "1",
      firstError: "push.instrument_id: UnknownInstrumentId: instrument id 42 is not registered",
    });
    const after = as(await ch.one(execute(msft)), "execute");
    expect(after.lock?.prices.map((p) => p.price)).toEqual(["60"]);

    // An instrument target is registered on first sight, under the next free id.
    const BTC = { underlyingAsset: "BTC", settlementAsset: "USD" };
    const auto = await h.admin<ad.PushQuoteResponse>("pushQuote", { target: { case: "instrument", value: BTC }, quote: { mark: "1" } });
    expect(auto.instrumentId).toBe(2n);
  });
});

describe("events, health and reflection", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("the events stream numbers every block, unblock and configuration change, kill switch included", async () => {
    const call = (h.clients.events.subscribe as (r: unknown) => ClientReadableStream<SubscribeResponse>)(create(SubscribeRequestSchema));
    const events: JsonValue[] = [];
    let wanted = 0;
    let wake: () => void = () => {};
    call.on("data", (m: SubscribeResponse) => {
      events.push(toJson(AccountEventSchema, m.event!));
      if (events.length >= wanted) wake();
    });
    call.on("error", () => {});
    const received = (n: number) =>
      new Promise<void>((resolve) => {
        wanted = n;
        wake = resolve;
        if (events.length >= n) resolve();
      });
    // The subscription is live once the server has registered it; events before that are not replayed.
    await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(1));

    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "ops" });
    await h.admin("unblockAccount", { accountId: ACCOUNT });
    await h.admin("blockGroup", { groupId: 7, reason: "desk" });
    await h.admin("configurePolicy", { policyName: "RateLimitPolicy", settingsJson: '{"broker":{"maxOrders":5,"windowMs":1000}}' });
    // A realized loss past the -1000 barrier arrives on the feed.
    const [post] = await h.feed().publish({ ...fill({ qty: "1", price: "100", accountId: OTHER_ACCOUNT }), pnl: "-1500" });
    const killSwitch = {
      policy: "PnlBoundsKillSwitchPolicy",
      code: "REJECT_CODE_PNL_KILL_SWITCH_TRIGGERED",
      reason: "pnl kill switch triggered",
      details: "realized pnl -1500, settlement asset USD",
    };
    expect(post?.result.case === "postTrade" && post.result.value.accountBlocks.map((b) => b.reason)).toEqual(["pnl kill switch triggered"]);

    await received(12);
    // Each operator change is followed by its audit record; both carry the actor. The kill
    // switch fired on a fill: nobody asked for it, so it has no actor.
    const audit = (sequence: string, action: string) => ({ sequence, actor: "local", auditRecorded: action });
    // Every block is a kill switch: the channels holding its accounts are told to cancel
    // (none hold these here), and monitors hear it, naming the operator who blocked.
    const cancelSent = (sequence: string, block: object, scope: object) => ({
      sequence,
      actor: "local",
      cancelWorkingOrdersSent: { block, blockedBy: "operator", scope },
    });
    expect(events.map((e) => (typeof e === "object" && e !== null && "auditRecorded" in e ? { ...e, auditRecorded: (e.auditRecorded as { record: { action: string } }).record.action } : e))).toEqual([
      { sequence: "1", actor: "local", accountBlocked: { accountId: ACCOUNT.toString(), block: operatorBlock("ops") } },
      cancelSent("2", operatorBlock("ops"), { accountId: ACCOUNT.toString() }),
      audit("3", "blockAccount"),
      { sequence: "4", actor: "local", accountUnblocked: { accountId: ACCOUNT.toString() } },
      audit("5", "unblockAccount"),
      { sequence: "6", actor: "local", groupBlocked: { groupId: 7, block: operatorBlock("desk") } },
      cancelSent("7", operatorBlock("desk"), { groupId: 7 }),
      audit("8", "blockGroup"),
      { sequence: "9", actor: "local", policyConfigured: { policyName: "RateLimitPolicy" } },
      audit("10", "configurePolicy"),
      { sequence: "11", accountBlocked: { accountId: OTHER_ACCOUNT.toString(), block: killSwitch } },
      { sequence: "12", cancelWorkingOrdersSent: { block: killSwitch, blockedBy: "policy", scope: { accountId: OTHER_ACCOUNT.toString() } } },
    ]);
    call.cancel();
  });

  it("health answers SERVING for the process and each service, NOT_FOUND for others", async () => {
    const check = (service: string) => callUnary<HealthCheckResponse>(h.clients.health, "check", create(HealthCheckRequestSchema, { service }));
    expect((await check("")).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await check("openpit.sidecar.v1.AccountChannelService")).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const unknown = (await check("no.such.Service").then(
      () => expect.fail("unknown service answered"),
      (e: unknown) => e,
    )) as ServiceError;
    expect([unknown.code, unknown.details]).toEqual([status.NOT_FOUND, "unknown service 'no.such.Service'"]);
  });

  it("reflection lists our services and serves their descriptors", async () => {
    const client = makeClient(ServerReflection, h.address);
    const call = (client.serverReflectionInfo as () => ClientDuplexStream<unknown, ServerReflectionResponse>)();
    const responses: ServerReflectionResponse[] = [];
    const two = new Promise<void>((resolve) => {
      call.on("data", (m: ServerReflectionResponse) => {
        if (responses.push(m) === 2) resolve();
      });
    });
    const ask = (messageRequest: ServerReflectionRequest["messageRequest"]) => call.write(create(ServerReflectionRequestSchema, { messageRequest }));
    ask({ case: "listServices", value: "*" });
    ask({ case: "fileContainingSymbol", value: "openpit.sidecar.v1.AccountChannelService" });
    await two;
    call.end();
    client.close();

    const listed = responses[0]!.messageResponse;
    expect(listed.case === "listServicesResponse" && listed.value.service.map((s) => s.name)).toEqual([
      "openpit.sidecar.v1.AccountChannelService",
      "openpit.sidecar.v1.ExecutionReportFeedService",
      "openpit.sidecar.v1.AccountEventService",
      "openpit.sidecar.v1.AdminService",
      "grpc.health.v1.Health",
    ]);
    const files = responses[1]!.messageResponse;
    if (files.case !== "fileDescriptorResponse") expect.fail(`expected descriptors, got ${files.case}`);
    // The file that defines the symbol comes first, then what it imports.
    expect(files.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name)).toEqual([
      "openpit/sidecar/v1/channel.proto",
      "openpit/sidecar/v1/trading_state.proto",
      "openpit/sidecar/v1/types.proto",
      "openpit/sidecar/v1/errors.proto",
      "openpit/sidecar/v1/controls.proto",
    ]);
  });
});
