/**
 * OpenPit's newer behaviour through the wire (openpit-newer.md): the SpotFunds position limit
 * (at the limit and one step past, dry run, runtime change, after a durable restart),
 * account retirement via AdminService, and a fatal drop-copy answering its rejects.
 */
import { startDurable, type DurableSidecar } from "./controls-world.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome } from "../../gen/openpit/sidecar/v1/audit_pb.js";
import * as rt from "../../gen/openpit/sidecar/v1/retirement_pb.js";
import { AccountChannel, callUnary } from "../../src/client/index.js";
import { ACCOUNT, OTHER_ACCOUNT, holdingsOf, order, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { json } from "./results.js";

const LIMIT_SETTINGS = { positionLimits: [{ accountId: ACCOUNT.toString(), asset: "AAPL", limit: "10" }] };
const SPOT_WITH_LIMIT = { type: "SpotFundsPolicy", settings: LIMIT_SETTINGS };

function withSpotFunds(spot: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const base = testConfig(overrides);
  const policies = (base.policies as { type: string }[]).map((p) => (p.type === "SpotFundsPolicy" ? spot : p));
  return { ...base, policies };
}

const limitReject = (projected: string, limit: string) => ({
  policy: "SpotFundsPolicy",
  code: "REJECT_CODE_POSITION_LIMIT_EXCEEDED",
  reason: "position limit exceeded",
  details: `asset AAPL, side long, projected worst-case position ${projected}, limit ${limit}`,
  scope: "REJECT_SCOPE_ORDER",
});

describe("SpotFunds position limit through the wire", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(withSpotFunds(SPOT_WITH_LIMIT));
  });
  afterEach(async () => {
    await h.close();
  });

  it("at the limit passes, one step past is refused (dry run alike), and a runtime change applies from the next order", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const dry = await ch.one({ case: "executePreTradeDryRun", value: { order: order({ qty: "10.0000000001", price: "1" }) } });
    expect(json(dry)).toMatchObject({ dryRun: { rejects: [limitReject("10.0000000001", "10")] } });
    const past = await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10.0000000001", price: "1" }) } });
    expect(json(past)).toEqual({ execute: { rejects: [limitReject("10.0000000001", "10")] } });
    const at = await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "1" }), commitOnAccept: true } });
    expect(json(at)).toMatchObject({ execute: { accepted: true, committed: true } });
    expect(json(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "1" }) } }))).toEqual({
      execute: { rejects: [limitReject("11", "10")] },
    });

    // Raised at runtime by name: the next order sees it (the open incoming 10 still counts).
    await h.admin("configurePolicy", {
      policyName: "SpotFundsPolicy",
      settingsJson: JSON.stringify({ positionLimits: [{ accountId: ACCOUNT.toString(), asset: "AAPL", limit: "12" }] }),
    });
    expect(JSON.parse((await h.admin<ad.GetPolicySettingsResponse>("getPolicySettings", { policyName: "SpotFundsPolicy" })).settingsJson)).toMatchObject({
      positionLimits: [{ accountId: ACCOUNT.toString(), asset: "AAPL", limit: "12" }],
    });
    expect(json(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "2", price: "1" }) } }))).toMatchObject({ execute: { accepted: true } });
    expect(json(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "1" }) } }))).toEqual({
      execute: { rejects: [limitReject("13", "12")] },
    });
  });

  it("a drop-copy is never position-checked; a drop-copy market order fails with its (fatal) rejects and changes nothing", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "100"));
    const tracked = await ch.one({ case: "executePreTradeDropCopy", value: { order: order({ qty: "20", price: "1" }), commitOnAccept: true } });
    expect(json(tracked)).toMatchObject({ dropCopy: { committed: true } });
    expect(await holdingsOf(h)).toMatchObject({ AAPL: { incoming: "20" } });

    const market = await ch.one({ case: "executePreTradeDropCopy", value: { order: order({ qty: "1", price: undefined }) } });
    expect(json(market)).toEqual({
      dropCopy: {
        failed: true,
        // OrderSizeLimit cannot value it at the start stage: an evaluation failure, so the
        // main stage (and SpotFunds' own "limit price is required for drop-copy") never runs.
        rejects: [
          {
            policy: "OrderSizeLimitPolicy",
            code: "REJECT_CODE_ORDER_VALUE_CALCULATION_FAILED",
            reason: "order value calculation failed",
            details: "price not provided for evaluating cash flow/notional/volume",
            scope: "REJECT_SCOPE_ORDER",
          },
        ],
      },
    });
    expect(await holdingsOf(h)).toEqual({
      USD: { available: "80", held: "20", incoming: "0" },
      AAPL: { available: "0", held: "0", incoming: "20" },
    });
  });
});

describe("SpotFunds alone through the wire", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ ...testConfig(), policies: [SPOT_WITH_LIMIT] });
  });
  afterEach(async () => {
    await h.close();
  });

  it("zero-price Volume orders are refused", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "100"));
    const r = await ch.one({ case: "executePreTrade", value: { order: order({ tradeAmount: { case: "volume", value: "10" }, price: "0" }) } });
    expect(json(r)).toEqual({
      execute: {
        rejects: [
          {
            policy: "SpotFundsPolicy",
            code: "REJECT_CODE_ORDER_VALUE_CALCULATION_FAILED",
            reason: "price calculation failed",
            details: "price or volume could not be used to evaluate order quantity",
            scope: "REJECT_SCOPE_ORDER",
          },
        ],
      },
    });
  });

  it("a drop-copy market order fails with SpotFunds' MissingRequiredField", async () => {
    const ch = h.channel();
    const market = await ch.one({ case: "executePreTradeDropCopy", value: { order: order({ qty: "1", price: undefined }) } });
    expect(json(market)).toEqual({
      dropCopy: {
        failed: true,
        rejects: [
          {
            policy: "SpotFundsPolicy",
            code: "REJECT_CODE_MISSING_REQUIRED_FIELD",
            reason: "limit price is required for drop-copy",
            details: "historical market orders cannot be valued at the current market price",
            scope: "REJECT_SCOPE_ORDER",
          },
        ],
      },
    });
  });
});

describe("RetireAccount through AdminService", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("refuses with every policy's refusal, then retires once the state is zero; both are audited", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10"));
    await h.admin("setAccountCurrency", { accountId: ACCOUNT, currency: "EUR" });
    const refused = await h.admin<rt.RetireAccountResponse>("retireAccount", { accountId: ACCOUNT });
    expect(refused).toMatchObject({
      retired: false,
      error: rt.AccountRetirementError.REFUSED,
      message: "account retirement refused by one or more policies",
      refusals: [{ policy: "SpotFundsPolicy", refusal: rt.AccountRetirementRefusal.NON_ZERO_STATE, text: "policy holds non-zero account state" }],
    });
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "10" } });

    await ch.send(seed("USD", "0"));
    await ch.end();
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "closing" });
    expect(await h.admin<rt.RetireAccountResponse>("retireAccount", { accountId: ACCOUNT })).toMatchObject({ retired: true, refusals: [] });
    const after = await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACCOUNT });
    expect(after.block).toBeUndefined();
    // The account's own currency is gone: it resolves to the engine default again.
    expect(after.currency).toBe("USD");

    const audit = await h.admin<ad.QueryAuditResponse>("queryAudit", { action: "retireAccount" });
    expect(audit.records.map((r) => [r.outcome, r.reason])).toEqual([
      [AuditOutcome.FAILED, "account retirement refused by one or more policies: SpotFundsPolicy: policy holds non-zero account state"],
      [AuditOutcome.APPLIED, ""],
    ]);
  });

  it("a missing account id is INVALID_ARGUMENT naming the field", async () => {
    await expect(h.admin("retireAccount", {})).rejects.toMatchObject({ details: expect.stringContaining("account_id") });
  });
});

describe("position limit after a durable restart", () => {
  const dirs: string[] = [];
  const started: DurableSidecar[] = [];
  afterEach(async () => {
    for (const d of started.splice(0)) await d.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function start(dataDir: string, clockMs: number) {
    const d = await startDurable(withSpotFunds(SPOT_WITH_LIMIT), dataDir, clockMs);
    started.push(d);
    return d;
  }

  const configure = (limit: string) =>
    create(ad.ConfigurePolicyRequestSchema, {
      policyName: "SpotFundsPolicy",
      settingsJson: JSON.stringify({ positionLimits: [{ accountId: ACCOUNT.toString(), asset: "AAPL", limit }] }),
    });

  it("the runtime limit and the open position survive a crash (journal replay) and a graceful stop (snapshot)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-limit-"));
    dirs.push(dataDir);
    const first = await start(dataDir, 1_000);
    await callUnary(first.clients.admin, "configurePolicy", configure("5"));
    const ch1 = new AccountChannel(first.clients.channel);
    await ch1.send(seed("USD", "100"));
    expect(json(await ch1.one({ case: "executePreTrade", value: { order: order({ qty: "4", price: "1" }), commitOnAccept: true } }))).toMatchObject({
      execute: { committed: true },
    });
    await ch1.end();
    // A retirement is a journaled command too: it must replay.
    await callUnary(first.clients.admin, "setAccountCurrency", create(ad.SetAccountCurrencyRequestSchema, { accountId: OTHER_ACCOUNT, currency: "EUR" }));
    const retired = await callUnary(first.clients.admin, "retireAccount", create(rt.RetireAccountRequestSchema, { accountId: OTHER_ACCOUNT }));
    expect(retired).toMatchObject({ retired: true });
    await first.crash();

    const second = await start(dataDir, 2_000);
    const other = await callUnary<ad.GetAccountStateResponse>(second.clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId: OTHER_ACCOUNT }));
    expect(other.currency).toBe("USD");
    const ch2 = new AccountChannel(second.clients.channel);
    expect(json(await ch2.one({ case: "executePreTrade", value: { order: order({ qty: "2", price: "1" }) } }))).toEqual({
      execute: { rejects: [limitReject("6", "5")] },
    });
    await ch2.end();
    await second.stop();

    const third = await start(dataDir, 3_000);
    const ch3 = new AccountChannel(third.clients.channel);
    expect(json(await ch3.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "1" }) } }))).toMatchObject({ execute: { accepted: true } });
    expect(json(await ch3.one({ case: "executePreTrade", value: { order: order({ qty: "2", price: "1" }) } }))).toEqual({
      execute: { rejects: [limitReject("7", "5")] },
    });
    await ch3.end();
  });
});
