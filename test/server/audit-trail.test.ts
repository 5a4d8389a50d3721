/**
 * The audit trail over the wire: an operator's change is a QueryAudit record with actor,
 * before and after, and an `audit_recorded` event (the change's own events carry the actor
 * too); a denial is a DENIED record and event; a durable sidecar has its records after a
 * restart, from the journal after a crash and from the snapshot after a graceful stop.
 */
import { startDurable, type DurableSidecar } from "./controls-world.js";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toJson } from "@bufbuild/protobuf";
import { status, type ClientWritableStream } from "@grpc/grpc-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome, AuditRecordSchema } from "../../gen/openpit/sidecar/v1/audit_pb.js";
import type { StartedSidecar } from "../../src/app/start-sidecar.js";
import { callUnary, connect, type SidecarClients } from "../../src/client/index.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { SidecarServer } from "../../src/server/server.js";
import { sha256Hex } from "../../src/server/security/bearer-tokens.js";
import type { ReplicationControl } from "../../src/replication/replication-control.js";
import { monitorEvents } from "../helpers/event-monitor.js";
import { ACCOUNT, startHarness, testConfig, type Harness } from "./harness.js";

const request = <T extends keyof typeof ad.AdminService.method>(method: T, init: Record<string, unknown>) =>
  create(ad.AdminService.method[method].input as never, init as never);
const queryAudit = (clients: SidecarClients, init: Record<string, unknown> = {}) => callUnary<ad.QueryAuditResponse>(clients.admin, "queryAudit", request("queryAudit", init));
const recordJson = (r: { records: readonly Parameters<typeof toJson<typeof AuditRecordSchema>>[1][] }) => r.records.map((x) => toJson(AuditRecordSchema, x));

describe("the audit trail over the wire", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("an operator's change: a QueryAudit record with actor, request, before and after, and an audit_recorded event", async () => {
    h = await startHarness();
    const monitor = monitorEvents(h.clients);
    await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(1));
    h.clock.set(5_000);
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "compliance hold" });
    const block = { policy: "Engine", code: "AccountBlocked", reason: "compliance hold", details: "compliance hold" };
    const expected = {
      sequence: "1",
      timeMs: 5000,
      actor: "local",
      action: "blockAccount",
      requestJson: JSON.stringify({ accountId: ACCOUNT.toString(), reason: "compliance hold" }),
      beforeJson: JSON.stringify({ accountId: ACCOUNT.toString(), block: null }),
      afterJson: JSON.stringify({ accountId: ACCOUNT.toString(), block }),
      outcome: "AUDIT_OUTCOME_APPLIED",
      accountIds: [ACCOUNT.toString()],
    };
    const answer = await queryAudit(h.clients);
    expect(recordJson(answer)).toEqual([expected]);
    expect([answer.more, answer.droppedRecords]).toEqual([false, 0n]);

    await monitor.received(3);
    const wireBlock = { ...block, code: "REJECT_CODE_ACCOUNT_BLOCKED" };
    expect(monitor.events).toEqual([
      { sequence: "1", actor: "local", accountBlocked: { accountId: ACCOUNT.toString(), block: wireBlock } },
      // A block is a kill switch: the cancel notices went out (to no channel here).
      { sequence: "2", actor: "local", cancelWorkingOrdersSent: { block: wireBlock, blockedBy: "operator", scope: { accountId: ACCOUNT.toString() } } },
      { sequence: "3", actor: "local", auditRecorded: { record: expected } },
    ]);

    // A refused change is a FAILED record with the error; a malformed request is no record at all.
    await expect(h.admin("replaceAccountBlockReason", { accountId: 77n, reason: "x" })).rejects.toMatchObject({ details: "account_id: account is not blocked" });
    await expect(h.admin("blockAccount", { accountId: 77n })).rejects.toMatchObject({ details: "reason is required" });
    const failed = await queryAudit(h.clients, { outcome: AuditOutcome.FAILED });
    expect(recordJson(failed)).toMatchObject([{ sequence: "2", action: "replaceAccountBlockReason", outcome: "AUDIT_OUTCOME_FAILED", reason: "account is not blocked" }]);
    expect((await queryAudit(h.clients)).records).toHaveLength(2);
    monitor.cancel();
  });

  it("a policy change naming no such policy, or one without runtime settings, is a FAILED record; malformed settings are no record", async () => {
    h = await startHarness();
    await expect(h.admin("configurePolicy", { policyName: "NoSuchPolicy", settingsJson: "{}" })).rejects.toMatchObject({ code: 5, details: "no policy named 'NoSuchPolicy'" });
    await expect(h.admin("configurePolicy", { policyName: "OrderValidationPolicy", settingsJson: "{}" })).rejects.toMatchObject({ code: 9 });
    await expect(h.admin("configurePolicy", { policyName: "RateLimitPolicy", settingsJson: "{\"nope\": 1}" })).rejects.toMatchObject({ code: 3 });
    const failed = await queryAudit(h.clients);
    expect(failed.records.map((r) => [r.action, AuditOutcome[r.outcome], r.reason])).toEqual([
      ["configurePolicy", "FAILED", "no policy named 'NoSuchPolicy'"],
      ["configurePolicy", "FAILED", "policy 'OrderValidationPolicy' has no runtime settings"],
    ]);
  });

  it("StepDown: an APPLIED record naming the shards, made before the hand-over starts; none when there is nothing to hand over", async () => {
    h = await startHarness();
    h.clock.set(7_000);
    let active = true;
    const recordsAtHandOver: bigint[] = [];
    const control: ReplicationControl = {
      status: () => ({ role: active ? "active" : "standby", instanceId: "a", advertisedAddress: h.address, shardCount: 4, shards: [], appliedSequence: 0n }),
      async stepDown(starting) {
        if (!active) throw new Error("this instance ('a') is standby, not active: nothing to hand over");
        starting?.([0, 2]);
        // The hand-over (flush, lease release) comes after the record is in the door.
        recordsAtHandOver.push(BigInt(h.server.state.audit.size));
        active = false;
        return { shards: [0, 2], tookMs: 3 };
      },
    };
    const allowAll = { refuseAccount: () => undefined, refuseUnowned: () => undefined, refuseAccountless: () => undefined, refuseAdmin: () => undefined, ownerElsewhere: () => undefined };
    h.server.attachReplication(allowAll, control);
    expect(await h.admin("stepDown", {})).toMatchObject({ shards: [0, 2], tookMs: 3 });
    expect(recordsAtHandOver).toEqual([1n]);
    const expected = { sequence: "1", timeMs: 7000, actor: "local", action: "stepDown", requestJson: "{}", outcome: "AUDIT_OUTCOME_APPLIED", detail: "hands over shards 0,2" };
    expect(recordJson(await queryAudit(h.clients))).toEqual([expected]);
    // A second StepDown has nothing to hand over: refused, and no record.
    await expect(h.admin("stepDown", {})).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, details: "this instance ('a') is standby, not active: nothing to hand over" });
    expect(recordJson(await queryAudit(h.clients))).toEqual([expected]);
  });

  it("a denial: a DENIED record and event with the denied principal as actor", async () => {
    h = await startHarness();
    const monitor = monitorEvents(h.clients);
    await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(1));
    h.clock.set(8_000);
    h.server.state.recordDenial({
      actor: "mallory",
      action: "unblockAccount",
      detail: "UnblockAccount account 99224416",
      reason: "principal mallory (role gateway) may not call AdminService",
      accountIds: [AccountId.fromU64(ACCOUNT)],
    });
    const expected = {
      sequence: "1",
      timeMs: 8000,
      actor: "mallory",
      action: "unblockAccount",
      requestJson: "{}",
      outcome: "AUDIT_OUTCOME_DENIED",
      reason: "principal mallory (role gateway) may not call AdminService",
      detail: "UnblockAccount account 99224416",
      accountIds: [ACCOUNT.toString()],
    };
    expect(recordJson(await queryAudit(h.clients, { outcome: AuditOutcome.DENIED, accountId: ACCOUNT }))).toEqual([expected]);
    expect((await queryAudit(h.clients, { actor: "someone else" })).records).toEqual([]);
    await monitor.received(1);
    expect(monitor.events).toEqual([{ sequence: "1", actor: "mallory", auditRecorded: { record: expected } }]);
    monitor.cancel();
  });

  it("QueryAudit pages with after_sequence and a limit, newest first with before_sequence", async () => {
    h = await startHarness();
    for (let i = 1; i <= 5; i++) await h.admin("blockAccount", { accountId: BigInt(100 + i), reason: `hold ${i}` });
    const seqs = (r: ad.QueryAuditResponse) => [r.records.map((x) => Number(x.sequence)), r.more];
    expect(seqs(await queryAudit(h.clients, { limit: 2 }))).toEqual([[1, 2], true]);
    expect(seqs(await queryAudit(h.clients, { limit: 2, afterSequence: 2n }))).toEqual([[3, 4], true]);
    expect(seqs(await queryAudit(h.clients, { limit: 2, afterSequence: 4n }))).toEqual([[5], false]);
    expect(seqs(await queryAudit(h.clients, { limit: 2, newestFirst: true }))).toEqual([[5, 4], true]);
    expect(seqs(await queryAudit(h.clients, { limit: 2, newestFirst: true, beforeSequence: 4n }))).toEqual([[3, 2], true]);
    expect(seqs(await queryAudit(h.clients, { accountId: 103n }))).toEqual([[3], false]);
    expect(seqs(await queryAudit(h.clients, { action: "unblockAccount" }))).toEqual([[], false]);
  });
});

describe("the actor is the principal the security layer admitted the call as", () => {
  it("each change is recorded as its caller's, on StreamQuotes ticks too; a refused change as the refused caller's; events carry the actor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-audit-actors-"));
    const names = ["risk-officer-1", "risk-officer-2", "md-feed", "watcher"] as const;
    const tokens = new Map(names.map((n) => [n, randomBytes(18).toString("base64url")]));
    const tokensFile = join(dir, "tokens.json");
    writeFileSync(tokensFile, JSON.stringify({ tokens: [...tokens].map(([principal, token]) => ({ principal, sha256: sha256Hex(token) })) }));
    const principals = [
      ...names.slice(0, 3).map((name) => ({ name, roles: ["operator"] })),
      { name: "watcher", roles: ["monitor"] },
    ];
    const config = parseSidecarConfig(testConfig({ security: { tokensFile, principals } }));
    const server = new SidecarServer(buildState(config, new ManualClock(1_000)), config.limits, "serving", config.security);
    const state = server.state;
    const port = await server.listen("127.0.0.1:0");
    const opened: SidecarClients[] = [];
    const as = (who: (typeof names)[number]) => {
      const c = connect(`127.0.0.1:${port}`, { bearerToken: tokens.get(who)!, channelOptions: { "grpc.use_local_subchannel_pool": 1 } });
      opened.push(c);
      return c;
    };
    try {
      const watcher = as("watcher");
      const monitor = monitorEvents(watcher);
      await vi.waitFor(() => expect(state.events.subscriberCount).toBe(1));
      await callUnary(as("risk-officer-1").admin, "blockAccount", request("blockAccount", { accountId: ACCOUNT, reason: "hold" }));
      await callUnary(as("risk-officer-2").admin, "unblockAccount", request("unblockAccount", { accountId: ACCOUNT }));
      const mdFeed = as("md-feed");
      await new Promise<ad.StreamQuotesResponse>((resolve, reject) => {
        type StreamQuotes = (cb: (e: Error | null, r: ad.StreamQuotesResponse) => void) => ClientWritableStream<ad.StreamQuotesRequest>;
        const call = (mdFeed.admin.streamQuotes as StreamQuotes)((e, r) => (e ? reject(e) : resolve(r)));
        call.write(create(ad.StreamQuotesRequestSchema, { push: { target: { case: "instrumentId", value: 1n }, quote: { mark: "101" } } }));
        call.end();
      });
      // A monitor may read, not change: refused, and the refusal is on the trail under the same action name.
      await expect(callUnary(watcher.admin, "blockAccount", request("blockAccount", { accountId: ACCOUNT, reason: "x" }))).rejects.toMatchObject({
        code: status.PERMISSION_DENIED,
      });
      const records = (await queryAudit(watcher)).records.map((r) => [r.actor, r.action, r.outcome]);
      expect(records).toEqual([
        ["risk-officer-1", "blockAccount", AuditOutcome.APPLIED],
        ["risk-officer-2", "unblockAccount", AuditOutcome.APPLIED],
        ["md-feed", "pushQuote", AuditOutcome.APPLIED],
        ["watcher", "blockAccount", AuditOutcome.DENIED],
      ]);
      expect((await queryAudit(watcher, { actor: "risk-officer-2" })).records.map((r) => r.action)).toEqual(["unblockAccount"]);
      expect((await queryAudit(watcher, { action: "blockAccount" })).records.map((r) => r.actor)).toEqual(["risk-officer-1", "watcher"]);
      await monitor.received(7);
      expect(monitor.events.map((e) => [(e as { actor?: string }).actor, Object.keys(e as object).find((k) => k !== "sequence" && k !== "actor")])).toEqual([
        ["risk-officer-1", "accountBlocked"],
        ["risk-officer-1", "cancelWorkingOrdersSent"],
        ["risk-officer-1", "auditRecorded"],
        ["risk-officer-2", "accountUnblocked"],
        ["risk-officer-2", "auditRecorded"],
        ["md-feed", "auditRecorded"],
        ["watcher", "auditRecorded"],
      ]);
      monitor.cancel();
    } finally {
      opened.forEach((c) => c.close());
      await server.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the audit trail of a durable sidecar across restarts", () => {
  const dirs: string[] = [];
  const started: DurableSidecar[] = [];
  afterEach(async () => {
    for (const d of started.splice(0)) await d.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function start(dataDir: string, clockMs: number) {
    const d = await startDurable(testConfig({ listen: "127.0.0.1:0" }), dataDir, clockMs);
    started.push(d);
    return d;
  }

  async function makeHistory(clients: SidecarClients, sidecar: StartedSidecar) {
    await callUnary(clients.admin, "blockAccount", request("blockAccount", { accountId: ACCOUNT, reason: "hold" }));
    await callUnary(clients.admin, "setPnlAccumulator", request("setPnlAccumulator", { policyName: "PnlBoundsKillSwitchPolicy", accountId: ACCOUNT, settlementAsset: "USD", pnl: "-5.50" }));
    sidecar.server.state.recordDenial({ actor: "mallory", action: "configurePolicy", detail: "ConfigurePolicy RateLimitPolicy", reason: "not an operator" });
    await sidecar.server.state.journal.flush();
    const records = recordJson(await queryAudit(clients));
    expect(records.map((r) => [(r as { actor: string }).actor, (r as { action: string }).action])).toEqual([
      ["local", "blockAccount"],
      ["local", "setPnlAccumulator"],
      ["mallory", "configurePolicy"],
    ]);
    return records;
  }

  it("after a crash: the records come back from the journal, bit for bit, and numbering goes on", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-audit-"));
    dirs.push(dataDir);
    const first = await start(dataDir, 1_000);
    const before = await makeHistory(first.clients, first.sidecar);
    await first.crash();

    const second = await start(dataDir, 2_000);
    expect(second.sidecar.recovery).toMatchObject({ snapshotSequence: 0n, replayed: 4 });
    expect(recordJson(await queryAudit(second.clients))).toEqual(before);
    await callUnary(second.clients.admin, "unblockAccount", request("unblockAccount", { accountId: ACCOUNT }));
    expect((await queryAudit(second.clients, { newestFirst: true, limit: 1 })).records.map((r) => [r.sequence, r.action])).toEqual([[4n, "unblockAccount"]]);
  });

  it("after a graceful stop: the records come back from the last snapshot", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-audit-"));
    dirs.push(dataDir);
    const first = await start(dataDir, 1_000);
    const before = await makeHistory(first.clients, first.sidecar);
    await first.stop();

    const second = await start(dataDir, 2_000);
    expect(second.sidecar.recovery).toMatchObject({ replayed: 0 });
    expect(recordJson(await queryAudit(second.clients))).toEqual(before);
  });
});
