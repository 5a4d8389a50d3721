/**
 * Found by review (session 33): a policy's settings take at most 1 MiB of JSON in the file
 * and at runtime (docs/configuration.md; settings-size.ts), and TradingStatePolicy's settings
 * are its states, which SetTradingState changes one scope at a time, without that bound:
 * halts with long reasons grew them past 4 MiB, so GetPolicySettings and the audit record of
 * the next change stuck every default client. A SetTradingState that would take the settings
 * past 1 MiB is now refused INVALID_VALUE on `reason`, before the journal.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { TradingState } from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { startHarness, testConfig, type Harness } from "./harness.js";
import { adminFailure } from "./results.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const config = () => testConfig({ policies: [{ type: "OrderValidationPolicy" }, { type: "TradingStatePolicy", settings: {} }] });
const halt = (accountId: bigint, reason: string) => ({ scope: { scope: { case: "accountId", value: accountId } }, state: TradingState.HALTED, reason });

describe("SetTradingState and the 1 MiB settings bound", () => {
  it("the halt that would take the settings past 1 MiB is refused, nothing journaled; the settings read back and can be sent back", async () => {
    h = await startHarness(config());
    const reason = "r".repeat(200_000);
    for (let i = 1; i <= 5; i++) await h.admin("setTradingState", halt(BigInt(i), reason));
    const before = h.server.state.journal.lastSequence;
    const [code, message, kind] = await adminFailure(h as never, "setTradingState", halt(6n, reason));
    expect([code, kind]).toEqual([status.INVALID_ARGUMENT, "INVALID_VALUE"]);
    expect(message).toMatch(/^reason: settings take 1200\d{3} bytes of JSON, more than 1048576 \(the audit trail records them before and after a change in one record: use groups or tiers for large books\)$/);
    expect(h.server.state.journal.lastSequence).toBe(before);
    // Replacing a halt's reason with a short one, or clearing it, still goes through.
    await h.admin("setTradingState", halt(5n, "short"));
    await h.admin("setTradingState", { ...halt(4n, ""), state: TradingState.ACTIVE });
    const settings = (await h.admin<ad.GetPolicySettingsResponse>("getPolicySettings", { policyName: "TradingStatePolicy" })).settingsJson;
    expect(Buffer.byteLength(settings)).toBeLessThanOrEqual(1024 * 1024);
    await h.admin("configurePolicy", { policyName: "TradingStatePolicy", settingsJson: settings });
    const audit = await h.admin<ad.QueryAuditResponse>("queryAudit", { newestFirst: true, limit: 1 });
    expect(audit.records.length).toBe(1);
  }, 30_000);
});
