/**
 * Found by review (session 33): a policy's settings take at most 1 MiB of JSON in the file
 * and at runtime (docs/configuration.md; settings-size.ts), and TradingStatePolicy's settings
 * are its states, which SetTradingState changes one scope at a time, without that bound:
 * halts with long reasons grew them past 4 MiB, so GetPolicySettings and the audit record of
 * the next change stuck every default client. Now a reason takes at most 4 KiB, and a change
 * that would grow the settings past 1 MiB is refused INVALID_VALUE on `reason` before the
 * journal, except the global state: the operator's stop-everything button is never refused
 * for size (found by the review of that fix).
 */
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import type * as tsp from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
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
const REASON = "r".repeat(4096);

describe("SetTradingState and the 1 MiB settings bound", () => {
  it("a reason over 4 KiB is refused, nothing journaled", async () => {
    h = await startHarness(config());
    const before = h.server.state.journal.lastSequence;
    expect(await adminFailure(h, "setTradingState", halt(1n, REASON + "r"))).toEqual([status.INVALID_ARGUMENT, "reason: takes 4097 bytes, more than 4096", "INVALID_VALUE"]);
    expect(h.server.state.journal.lastSequence).toBe(before);
  });

  it("past the bound, a halt that grows the settings is refused; the global halt, a shorter reason and a cleared state go through", async () => {
    h = await startHarness(config());
    let account = 1n;
    let before = h.server.state.journal.lastSequence;
    for (;;) {
      const refused = await h.admin("setTradingState", halt(account, REASON)).then(() => undefined, (e: { details: string }) => e.details);
      if (refused !== undefined) {
        expect(refused).toMatch(/^reason: settings take 10\d{5} bytes of JSON, more than 1048576 \(the audit trail records them before and after a change in one record: use groups or tiers for large books\)$/);
        break;
      }
      before = h.server.state.journal.lastSequence;
      account++;
    }
    expect(account).toBeGreaterThan(200n);
    expect(h.server.state.journal.lastSequence).toBe(before);
    // The stop-everything button.
    await h.admin("setTradingState", { scope: { scope: { case: "global", value: true } }, state: TradingState.HALTED, reason: REASON, cancelWorkingOrders: true });
    const states = await h.admin<tsp.GetTradingStatesResponse>("getTradingStates", {});
    expect(states.entries.some((e) => e.scope?.scope.case === "global" && e.state === TradingState.HALTED)).toBe(true);
    // What reads them back still can, past the bound by the global entry at most, and can send
    // them back (found by review: ConfigurePolicy refused them for size).
    const settings = (await h.admin<ad.GetPolicySettingsResponse>("getPolicySettings", { policyName: "TradingStatePolicy" })).settingsJson;
    expect(Buffer.byteLength(settings)).toBeGreaterThan(1024 * 1024);
    expect(Buffer.byteLength(settings)).toBeLessThanOrEqual(1024 * 1024 + 4096 + 100);
    await h.admin("configurePolicy", { policyName: "TradingStatePolicy", settingsJson: settings });
    const grown = JSON.stringify({ states: [...(JSON.parse(settings) as { states: unknown[] }).states, { accountId: 999999, state: "HALTED", reason: "more" }] });
    expect(await adminFailure(h, "configurePolicy", { policyName: "TradingStatePolicy", settingsJson: grown })).toEqual([
      status.INVALID_ARGUMENT,
      expect.stringMatching(/^settings_json: settings take 10\d{5} bytes of JSON, more than 1048576 /),
      "INVALID_VALUE",
    ]);
    // Changes that do not grow the settings.
    await h.admin("setTradingState", halt(1n, "short"));
    await h.admin("setTradingState", { ...halt(2n, ""), state: TradingState.ACTIVE });
    const audit = await h.admin<ad.QueryAuditResponse>("queryAudit", { newestFirst: true, limit: 1 });
    expect(audit.records.length).toBe(1);
  }, 60_000);

  it("the reason's bound holds for the global state too, and for clearing a state", async () => {
    h = await startHarness(config());
    const global = { scope: { scope: { case: "global", value: true } }, cancelWorkingOrders: false };
    expect(await adminFailure(h, "setTradingState", { ...global, state: TradingState.HALTED, reason: "é".repeat(2049) })).toEqual([
      status.INVALID_ARGUMENT,
      "reason: takes 4098 bytes, more than 4096",
      "INVALID_VALUE",
    ]);
    await h.admin("setTradingState", { ...global, state: TradingState.HALTED, reason: "é".repeat(2048) });
    // Clearing takes no room in the settings, but its reason is still journaled and audited.
    expect(await adminFailure(h, "setTradingState", { ...global, state: TradingState.ACTIVE, reason: "é".repeat(4000) })).toEqual([
      status.INVALID_ARGUMENT,
      "reason: takes 8000 bytes, more than 4096",
      "INVALID_VALUE",
    ]);
    await h.admin("setTradingState", { ...global, state: TradingState.ACTIVE, reason: "é".repeat(2048) });
  });
});
