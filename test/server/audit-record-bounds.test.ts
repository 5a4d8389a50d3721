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
import { SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { AccountChannel, callUnary } from "../../src/client/index.js";
import { AccountId } from "../../src/param/index.js";
import { AUDIT_ANSWER_BUDGET_BYTES, encodeAuditAnswer } from "../../src/server/codec/audit.js";
import type { AuditRecord } from "../../src/state/audit-log.js";
import { Credentials, startSecureHarness, type SecureHarness } from "../security/secure-harness.js";
import { startHarness, testConfig, type Harness } from "./harness.js";

const refusal = (e: ServiceError) => `${status[e.code]} ${e.details}`;

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
  let h: SecureHarness;
  beforeAll(async () => {
    creds = new Credentials();
    h = await startSecureHarness(creds.security());
  });
  afterAll(async () => {
    await h.close();
    creds.remove();
  });

  it("lists the first 1000 accounts named and counts the rest in its detail", async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => (1n << 62n) + BigInt(i));
    const ch = new AccountChannel(h.connect(creds.certificate("gateway-a")).channel);
    expect((await ch.one({ case: "bindAccounts", value: { accountIds: ids } })).result.case).toBe("error");
    await ch.end().catch(() => {});
    const operator = h.connect(creds.certificate("operator"));
    const [record] = (await callUnary<ad.QueryAuditResponse>(operator.admin, "queryAudit", create(ad.QueryAuditRequestSchema, { actor: "gateway-a", newestFirst: true, limit: 1 }))).records;
    expect(record!.accountIds).toEqual(ids.slice(0, 1000));
    expect(record!.detail).toBe(
      `commands[0].bind_accounts.account_ids[0]: principal 'gateway-a' may not use account ${ids[0]} (/openpit.sidecar.v1.AccountChannelService/Open); 4000 more accounts named, not listed`,
    );
  });
});

describe("an admin change naming many accounts", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(testConfig());
  });
  afterAll(async () => {
    await h.close();
  });
  const ids = (n: number) => Array.from({ length: n }, (_, i) => 1_000_000_000n + BigInt(i));

  it("more than 10 000 accounts or groups in one change is refused INVALID_ARGUMENT, naming the field", async () => {
    const tooMany = (field: string, what: string) =>
      `INVALID_ARGUMENT ${field}: names 10001 ${what}, at most 10000 in one change (its audit record must stay readable): send the rest in another`;
    for (const method of ["registerGroup", "unregisterGroup"] as const) {
      const request = create(method === "registerGroup" ? ad.RegisterGroupRequestSchema : ad.UnregisterGroupRequestSchema, { accountIds: ids(10_001), groupId: 5 });
      expect(await callUnary(h.clients.admin, method, request).then(() => "applied", refusal)).toBe(tooMany("account_ids", "accounts"));
    }
    const quote = { mark: "100" };
    const instrument = { underlyingAsset: "AAPL", settlementAsset: "USD" };
    const push = (accountIds: bigint[], groupIds: number[]) =>
      callUnary(h.clients.admin, "pushQuote", create(ad.PushQuoteRequestSchema, { target: { case: "instrument", value: instrument }, quote, accountIds, groupIds })).then(() => "applied", refusal);
    expect(await push(ids(10_001), [])).toBe(tooMany("account_ids", "accounts"));
    expect(await push([], Array.from({ length: 10_001 }, (_, i) => i + 1))).toBe(tooMany("group_ids", "groups"));
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
