/**
 * Found by review (session 34): an operator's reason was bounded (4 KiB) only for a REDUCING
 * or HALTED trading state. Clearing a state (ACTIVE) and the block calls took any length: a
 * 2.1 MB reason of quotes made an audit record (the request escaped as JSON) past a default
 * client's 4 MiB, so QueryAudit stuck every reader, and a block's reason travels in the
 * reject of every order it stops. Now every reason takes at most 4 KiB of UTF-8, refused
 * INVALID_VALUE on `reason` before the journal, whatever the call.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome } from "../../gen/openpit/sidecar/v1/audit_pb.js";
import { TradingState } from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { startHarness, testConfig, type Harness } from "./harness.js";
import { adminFailure } from "./results.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TOO_LONG = '"'.repeat(4097);
const LONGEST = "ü".repeat(2048);

it("every call that takes a reason refuses one past 4 KiB, and takes one of 4 KiB", async () => {
  h = await startHarness(testConfig({ policies: [{ type: "OrderValidationPolicy" }, { type: "TradingStatePolicy", settings: {} }] }));
  const active = (reason: string) => ({ scope: { scope: { case: "accountId", value: 7n } }, state: TradingState.ACTIVE, reason });
  const calls: [string, (reason: string) => unknown][] = [
    ["blockAccount", (reason) => ({ accountId: 42n, reason })],
    ["blockGroup", (reason) => ({ groupId: 5, reason })],
    ["replaceAccountBlockReason", (reason) => ({ accountId: 42n, reason })],
    ["replaceGroupBlockReason", (reason) => ({ groupId: 5, reason })],
    ["setTradingState", active],
  ];
  const before = (await h.admin<ad.QueryAuditResponse>("queryAudit", { newestFirst: true, limit: 1 })).records[0]?.sequence;
  for (const [method, request] of calls) {
    expect([method, ...(await adminFailure(h, method, request(TOO_LONG)))]).toEqual([method, status.INVALID_ARGUMENT, "reason: takes 4097 bytes, more than 4096", "INVALID_VALUE"]);
  }
  // Refused before the door: nothing audited.
  expect((await h.admin<ad.QueryAuditResponse>("queryAudit", { newestFirst: true, limit: 1 })).records[0]?.sequence).toBe(before);
  for (const [method, request] of calls) await h.admin(method, request(LONGEST));
  const last = await h.admin<ad.QueryAuditResponse>("queryAudit", { newestFirst: true, limit: 5 });
  expect(last.records.map((r) => [r.action, r.outcome])).toEqual([
    ["setTradingState", AuditOutcome.APPLIED],
    ["replaceGroupBlockReason", AuditOutcome.APPLIED],
    ["replaceAccountBlockReason", AuditOutcome.APPLIED],
    ["blockGroup", AuditOutcome.APPLIED],
    ["blockAccount", AuditOutcome.APPLIED],
  ]);
});
