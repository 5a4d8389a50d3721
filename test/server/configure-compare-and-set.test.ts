/**
 * ConfigurePolicy's compare-and-set (`expected_settings_json`): two operators who read one
 * policy's settings and each write an edit back must not silently undo each other. The
 * write applies only if the settings are still the ones read (key order and spacing aside);
 * otherwise it is refused ABORTED, nothing changes, and the audit trail records the refusal.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome } from "../../gen/openpit/sidecar/v1/audit_pb.js";
import { startHarness, type Harness } from "./harness.js";
import { adminFailure } from "./results.js";

const POLICY = "OrderSizeLimitPolicy";
const CONFLICT = `policy '${POLICY}': its settings changed since they were read (expected_settings_json no longer matches them); read them again and redo the change`;

describe("ConfigurePolicy with expected_settings_json", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });
  const read = async () => (await h.admin<ad.GetPolicySettingsResponse>("getPolicySettings", { policyName: POLICY })).settingsJson;
  /** The settings read, with the broker's max quantity set to `quantity`. */
  const edited = (json: string, quantity: string) => {
    const s = JSON.parse(json) as { broker: { maxQuantity: string } };
    s.broker.maxQuantity = quantity;
    return JSON.stringify(s);
  };
  const maxQuantity = async () => (JSON.parse(await read()) as { broker: { maxQuantity: string } }).broker.maxQuantity;

  it("applies when the settings are still the ones read, whatever the key order and spacing it sends them back in", async () => {
    h = await startHarness();
    const before = await read();
    await h.admin("configurePolicy", { policyName: POLICY, settingsJson: edited(before, "700"), expectedSettingsJson: before });
    expect(await maxQuantity()).toBe("700");

    // The same settings re-serialised: keys reversed at every level, indented.
    const reorder = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reorder) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)])) : v;
    const now = await read();
    const resent = JSON.stringify(reorder(JSON.parse(now)), null, 2);
    expect(resent).not.toBe(now);
    await h.admin("configurePolicy", { policyName: POLICY, settingsJson: edited(now, "650"), expectedSettingsJson: resent });
    expect(await maxQuantity()).toBe("650");
  });

  it("refuses ABORTED and changes nothing when someone changed them since; the refusal is audited; re-read, the edit applies", async () => {
    h = await startHarness();
    const first = await read();
    const second = await read();
    await h.admin("configurePolicy", { policyName: POLICY, settingsJson: edited(first, "700"), expectedSettingsJson: first });
    // The second operator's edit was made from settings that are no longer there.
    expect(await adminFailure(h, "configurePolicy", { policyName: POLICY, settingsJson: edited(second, "300"), expectedSettingsJson: second })).toEqual([
      status.ABORTED,
      CONFLICT,
      "ABORTED",
    ]);
    expect(await maxQuantity()).toBe("700");
    const audit = await h.admin<ad.QueryAuditResponse>("queryAudit", {});
    expect(audit.records.map((r) => [r.action, AuditOutcome[r.outcome], r.reason])).toEqual([
      ["configurePolicy", "APPLIED", ""],
      ["configurePolicy", "FAILED", CONFLICT],
    ]);
    // Read again: the edit is made on the first operator's change and applies.
    const again = await read();
    await h.admin("configurePolicy", { policyName: POLICY, settingsJson: edited(again, "300"), expectedSettingsJson: again });
    expect(await maxQuantity()).toBe("300");
  });

  it("a decimal written another way is other settings: the check compares values as GetPolicySettings shows them", async () => {
    h = await startHarness();
    const before = await read();
    const respelled = before.replace(`"maxQuantity":"${await maxQuantity()}"`, `"maxQuantity":"${await maxQuantity()}.0"`);
    expect(respelled).not.toBe(before);
    expect((await adminFailure(h, "configurePolicy", { policyName: POLICY, settingsJson: edited(before, "1"), expectedSettingsJson: respelled }))[0]).toBe(status.ABORTED);
    expect(await maxQuantity()).not.toBe("1");
  });

  it("without it, the later write wins, as before", async () => {
    h = await startHarness();
    const first = await read();
    const second = await read();
    await h.admin("configurePolicy", { policyName: POLICY, settingsJson: edited(first, "700") });
    await h.admin("configurePolicy", { policyName: POLICY, settingsJson: edited(second, "300") });
    expect(await maxQuantity()).toBe("300");
  });

  it("malformed expected settings are refused naming the field, with no record; an unknown policy is still NOT_FOUND", async () => {
    h = await startHarness();
    const before = await read();
    const [code, details, kind] = await adminFailure(h, "configurePolicy", { policyName: POLICY, settingsJson: before, expectedSettingsJson: "{broker:" });
    expect([code, kind]).toEqual([status.INVALID_ARGUMENT, "INVALID_VALUE"]);
    expect(details).toMatch(/^expected_settings_json is not JSON: /);
    expect(await adminFailure(h, "configurePolicy", { policyName: "NoSuchPolicy", settingsJson: "{}", expectedSettingsJson: "{}" })).toEqual([
      status.NOT_FOUND,
      "no policy named 'NoSuchPolicy'",
      "UNKNOWN_NAME",
    ]);
    const audit = await h.admin<ad.QueryAuditResponse>("queryAudit", {});
    expect(audit.records.map((r) => [r.action, AuditOutcome[r.outcome], r.reason])).toEqual([["configurePolicy", "FAILED", "no policy named 'NoSuchPolicy'"]]);
  });
});
