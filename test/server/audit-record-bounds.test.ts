/**
 * Found by review (session 39): an audit record had no size bound but for a policy's settings,
 * and readers take at most 4 MiB a message by default. A scoped gateway's refused bind of a
 * message's worth of foreign ids (400 000) and an operator's RegisterGroup of 100 000 accounts
 * each made a record over 4 MiB: every monitor subscribed with default limits lost its stream
 * on it (again on each resume), and QueryAudit, which always sends at least one record, could
 * not page past it. QueryAudit's 1 MiB answer budget also counted only the records' JSON and
 * texts, not their account ids. Now a denial lists the first 1000 accounts named (the detail
 * counts the rest), an admin change names at most 10 000 accounts or groups, and the budget
 * counts each record's encoded bytes.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as tsp from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { AccountChannel, callUnary } from "../../src/client/index.js";
import { AccountId } from "../../src/param/index.js";
import { AUDIT_ANSWER_BUDGET_BYTES, encodeAuditAnswer } from "../../src/server/codec/audit.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import type { AuditRecord } from "../../src/state/audit-log.js";
import { Credentials, startSecureHarness, type SecureHarness } from "../security/secure-harness.js";
import { startHarness, testConfig, type Harness } from "./harness.js";

const refusal = (e: ServiceError) => `${status[e.code]} ${e.details}`;

/** One plain sidecar for the admin-change tests below (each reads only its own records). */
let h: Harness;
beforeAll(async () => {
  h = await startHarness(testConfig());
});
afterAll(async () => {
  await h.close();
});

describe("QueryAudit's answer budget", () => {
  it("counts each record's encoded bytes, account ids included: 200 records of 10 000 ids each stop near 1 MiB", () => {
    const accountIds = Array.from({ length: 10_000 }, (_, i) => AccountId.fromU64(1_000_000_000n + BigInt(i)));
    const records: AuditRecord[] = Array.from({ length: 200 }, (_, i) => ({
      sequence: BigInt(i + 1),
      time: 1000,
      actor: "local",
      action: "registerGroup",
      request: "{}",
      effect: undefined,
      outcome: "applied",
      reason: "",
      detail: "",
      accountIds,
    }));
    const answer = encodeAuditAnswer({ records, more: false }, 0n);
    const bytes = toBinary(ad.QueryAuditResponseSchema, answer).length;
    // About 50 kB a record: the answer stops at the record that passes 1 MiB, where the JSON alone (2 bytes each) let all 200 (10 MB) go.
    expect([answer.more, answer.records.length]).toEqual([true, 20]);
    expect(bytes).toBeLessThan(AUDIT_ANSWER_BUDGET_BYTES + 60_000);
  });
});

describe("a refused bind's denial record", () => {
  let creds: Credentials;
  let secure: SecureHarness;
  beforeAll(async () => {
    creds = new Credentials();
    secure = await startSecureHarness(creds.security());
  });
  afterAll(async () => {
    await secure.close();
    creds.remove();
  });

  it("lists the first 1000 accounts named and counts the rest in its detail", async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => (1n << 62n) + BigInt(i));
    const ch = new AccountChannel(secure.connect(creds.certificate("gateway-a")).channel);
    expect((await ch.one({ case: "bindAccounts", value: { accountIds: ids } })).result.case).toBe("error");
    await ch.end().catch(() => {});
    const operator = secure.connect(creds.certificate("operator"));
    const [record] = (await callUnary<ad.QueryAuditResponse>(operator.admin, "queryAudit", create(ad.QueryAuditRequestSchema, { actor: "gateway-a", newestFirst: true, limit: 1 }))).records;
    expect(record!.accountIds).toEqual(ids.slice(0, 1000));
    expect(record!.detail).toBe(
      `commands[0].bind_accounts.account_ids[0]: principal 'gateway-a' may not use account ${ids[0]} (/openpit.sidecar.v1.AccountChannelService/Open); 4000 more accounts named, not listed`,
    );
  });
});

describe("an admin change naming many accounts", () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => 1_000_000_000n + BigInt(i));

  it("more than 10 000 accounts in one group change is refused INVALID_ARGUMENT, naming the field", async () => {
    const tooMany = (field: string, what: string) =>
      `INVALID_ARGUMENT ${field}: names 10001 ${what}, at most 10000 in one change (its audit record must stay readable): send the rest in another`;

    for (const method of ["registerGroup", "unregisterGroup"] as const) {
      const request = create(method === "registerGroup" ? ad.RegisterGroupRequestSchema : ad.UnregisterGroupRequestSchema, { accountIds: ids(10_001), groupId: 5 });
      expect(await callUnary(h.clients.admin, method, request).then(() => "applied", refusal)).toBe(tooMany("account_ids", "accounts"));
    }
    expect(h.server.state.audit.query({ action: "registerGroup", newestFirst: false, limit: 10 }).records).toEqual([]);
  });

  it("a RegisterGroup of 10 000 accounts is applied, and its record reaches a monitor and QueryAudit with the default receive limit", async () => {
    const call = h.clients.events.subscribe!(create(SubscribeRequestSchema, {})) as ClientReadableStream<SubscribeResponse>;
    const heard = new Promise<string>((resolve) => {
      call.on("data", (m: SubscribeResponse) => {
        if (m.event?.event.case === "auditRecorded" && m.event.event.value.record?.action === "registerGroup") resolve(`heard ${m.event.event.value.record.accountIds.length}`);
      });
      call.on("error", (e: ServiceError) => resolve(refusal(e)));
    });
    await expect.poll(() => h.server.state.events.subscriberCount, { timeout: 10_000 }).toBe(1);
    await callUnary(h.clients.admin, "registerGroup", create(ad.RegisterGroupRequestSchema, { accountIds: ids(10_000), groupId: 5 }));
    expect(await heard).toBe("heard 10000");
    call.cancel();
    const answer = await callUnary<ad.QueryAuditResponse>(h.clients.admin, "queryAudit", create(ad.QueryAuditRequestSchema, { action: "registerGroup" }));
    expect(answer.records.map((r) => [r.action, r.accountIds.length])).toEqual([["registerGroup", 10_000]]);
    expect(toBinary(ad.QueryAuditResponseSchema, answer).length).toBeLessThan(2 * 1024 * 1024);
  });
});

/**
 * Found by review of the bounds above: records still passed 4 MiB within them. A PushQuote of
 * 10 000 accounts and 10 000 groups (each bucket in the record's before and after with three
 * prices), a 2 MB currency or asset name, a 1.5 MB policy name, and a 1 MB ConfigurePolicy to
 * a policy without runtime settings (journaled and recorded FAILED with its settings as sent,
 * unbounded, re-written longer). Now a push names at most 1000 buckets, names take at most 128
 * characters, and such settings are bounded as every policy's.
 */
describe("names, quote buckets and unparsed settings", () => {
  const applied = (p: Promise<unknown>) => p.then(() => "applied", refusal);
  const long = (n: number, c = "A") => c.repeat(n);

  it("a PushQuote names at most 1000 accounts and groups together; at the bound its record is well under 1 MiB", async () => {
    const price = "7.9228162514264337593543950335";
    const maxU64 = (1n << 64n) - 1n;
    const push = (accounts: number, groups: number) =>
      callUnary(
        h.clients.admin,
        "pushQuote",
        create(ad.PushQuoteRequestSchema, {
          target: { case: "instrument", value: { underlyingAsset: "AAPL", settlementAsset: "USD" } },
          quote: { mark: price, bid: price, ask: price },
          accountIds: Array.from({ length: accounts }, (_, i) => maxU64 - BigInt(i)),
          groupIds: Array.from({ length: groups }, (_, i) => 4_294_967_295 - i),
        }),
      );
    expect(await applied(push(501, 500))).toBe(
      "INVALID_ARGUMENT account_ids: names 1001 accounts and groups, at most 1000 in one push (its audit record must stay readable): push to a group, or send the rest in another",
    );
    expect(await applied(push(0, 1001))).toMatch(/^INVALID_ARGUMENT group_ids: names 1001 accounts and groups, at most 1000 in one push/);
    expect(await applied(push(500, 500))).toBe("applied");
    const answer = await callUnary<ad.QueryAuditResponse>(h.clients.admin, "queryAudit", create(ad.QueryAuditRequestSchema, { action: "pushQuote", newestFirst: true, limit: 1 }));
    expect(toBinary(ad.QueryAuditResponseSchema, answer).length).toBeLessThan(1024 * 1024);
  });

  it("an asset or policy name takes at most 128 characters (code points), on the admin service and on the channel", async () => {
    const currency = (text: string) => applied(callUnary(h.clients.admin, "setAccountCurrency", create(ad.SetAccountCurrencyRequestSchema, { accountId: 5n, currency: text })));
    expect(await currency(long(129))).toBe("INVALID_ARGUMENT currency: must be at most 128 characters");
    expect(await currency(long(128, "💶"))).toBe("applied");
    const configure = (policyName: string) => applied(callUnary(h.clients.admin, "configurePolicy", create(ad.ConfigurePolicyRequestSchema, { policyName, settingsJson: "{}" })));
    expect(await configure(long(129))).toBe("INVALID_ARGUMENT policy_name: must be at most 128 characters");
    expect(await configure(long(128))).toMatch(/^NOT_FOUND /);
    // The channel's direct decoder hands a long asset to the generated one, which names the field.
    const ch = new AccountChannel(h.clients.channel);
    const order = { instrument: { underlyingAsset: long(129), settlementAsset: "USD" }, accountId: 5n, side: 1, tradeAmount: { case: "quantity", value: "1" }, price: "1" } as const;
    const answered = await ch.one({ case: "executePreTrade", value: { order, commitOnAccept: true } });
    await ch.end().catch(() => {});
    expect(answered.result).toMatchObject({ case: "error", value: { message: "commands[0].execute_pre_trade.order.instrument.underlying_asset: must be at most 128 characters" } });
  });

  it("a ConfigurePolicy to a policy without runtime settings is bounded as any: past 1 MiB refused before the journal, never recorded", async () => {
    const before = h.server.state.audit.query({ action: "configurePolicy", newestFirst: true, limit: 10 }).records.length;
    const settingsJson = JSON.stringify(Array.from({ length: 60_000 }, () => 1e20));
    expect(await applied(callUnary(h.clients.admin, "configurePolicy", create(ad.ConfigurePolicyRequestSchema, { policyName: "NoSuchPolicy", settingsJson })))).toMatch(
      /^INVALID_ARGUMENT settings_json: settings take \d+ bytes of JSON, more than 1048576 /,
    );
    expect(h.server.state.audit.query({ action: "configurePolicy", newestFirst: true, limit: 10 }).records.length).toBe(before);
  });
});

/**
 * Found by review of the bounds above: a compare-and-set that conflicts is journaled and
 * recorded with its settings as sent, and 0.9 MB of settings as they apply were 3 MB as sent
 * (ids written with 200 leading zeros): a 5 MB record. A collateral asset and GetTradingStates'
 * policy name were not bounded, and a name in the configuration file reached the audit trail
 * (a restart's account entries) at any length.
 */
describe("settings as sent, the collateral asset, GetTradingStates and the configuration file", () => {
  const applied = (p: Promise<unknown>) => p.then(() => "applied", refusal);

  it("a ConfigurePolicy's settings are bounded as sent too: 0.9 MB as they apply but 3 MB as sent is refused, compare-and-set or not", async () => {
    const entries = (pad: number) =>
      Array.from({ length: 10_000 }, (_, i) => ({ accountId: "0".repeat(pad) + String(i + 1), settlementAsset: "USD", limit: { maxQuantity: "1000", maxNotional: "1000000" } }));
    const configure = (pad: number, expectedSettingsJson = "") =>
      applied(
        callUnary(
          h.clients.admin,
          "configurePolicy",
          create(ad.ConfigurePolicyRequestSchema, {
            policyName: "OrderSizeLimitPolicy",
            settingsJson: JSON.stringify({ broker: { maxQuantity: "1000", maxNotional: "1000000" }, accountAssetBarriers: entries(pad) }),
            expectedSettingsJson,
          }),
        ),
      );
    expect(await configure(0)).toBe("applied");
    const recorded = () => h.server.state.audit.query({ action: "configurePolicy", newestFirst: true, limit: 10 }).records.length;
    const before = recorded();
    for (const expected of ["", JSON.stringify({ stale: true })]) {
      expect(await configure(200, expected)).toMatch(/^INVALID_ARGUMENT settings_json: settings take 29\d{5} bytes of JSON, more than 1048576 /);
    }
    expect(recorded()).toBe(before);
  }, 60_000);

  it("a collateral asset and GetTradingStates' policy name take at most 128 characters", async () => {
    const ch = new AccountChannel(h.clients.channel);
    const order = {
      instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
      accountId: 5n,
      side: 1,
      tradeAmount: { case: "quantity", value: "1" },
      price: "1",
      collateralAsset: "C".repeat(129),
    } as const;
    const answered = await ch.one({ case: "executePreTradeDryRun", value: { order } });
    await ch.end().catch(() => {});
    expect(answered.result).toMatchObject({ case: "error", value: { message: "commands[0].execute_pre_trade_dry_run.order.collateral_asset: must be at most 128 characters" } });
    expect(await applied(callUnary(h.clients.admin, "getTradingStates", create(tsp.GetTradingStatesRequestSchema, { policyName: "P".repeat(129) })))).toBe(
      "INVALID_ARGUMENT policy_name: must be at most 128 characters",
    );
  });

  it("a name in the configuration file (an account currency, an instrument's asset) takes at most 128 characters, naming its path", () => {
    const load = (config: Record<string, unknown>) => {
      try {
        parseSidecarConfig(testConfig(config));
        return "loaded";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(load({ accounts: { defaultCurrency: "USD", list: [{ id: 2, currency: "C".repeat(129) }] } })).toContain("accounts.list[0].currency: must be at most 128 characters");
    expect(load({ accounts: { defaultCurrency: "USD", list: [{ id: 2, currency: "💶".repeat(128) }] } })).toBe("loaded");
  });
});
