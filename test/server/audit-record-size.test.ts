/**
 * Found by review (session 30): the audit record of a ConfigurePolicy carries the settings in
 * its request and as they were before and after, and QueryAudit always sends at least one
 * record: 1.4 MB of settings, configured twice, made a 4.2 MB record that no client with the
 * default 4 MiB receive limit could read (QueryAudit and a resuming monitor stuck on it for
 * ever). Settings are now at most 1 MiB of JSON (settings-size.ts), refused past it on the
 * wire and in the configuration file; at the bound the record still reaches every reader.
 */
import { create } from "@bufbuild/protobuf";
import { status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { callUnary } from "../../src/client/index.js";
import { MAX_POLICY_SETTINGS_JSON_BYTES, policySettingsJsonBytes } from "../../src/server/config/settings-size.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { sidecarsPerTest } from "./controls-world.js";
import { testConfig } from "./harness.js";

/** RateLimitPolicy settings with per-account barriers filling `bytes` of JSON at most (exactly, when the filler allows). */
function settingsOf(bytes: number): Record<string, unknown> {
  const barrier = (i: number) => ({ accountId: 1_000_000 + i, limit: { maxOrders: 100, windowMs: 1000 } });
  const settings = { broker: { maxOrders: 1_000_000, windowMs: 1000 }, accountBarriers: [] as unknown[] };
  const each = policySettingsJsonBytes(barrier(0)) + 1;
  const n = Math.floor((bytes - policySettingsJsonBytes(settings)) / each);
  settings.accountBarriers = Array.from({ length: n }, (_, i) => barrier(i));
  return settings;
}

describe("policy settings and the audit record's size", () => {
  const sidecars = sidecarsPerTest();

  it("settings at the bound, configured twice: QueryAudit and a monitor resuming before them read the record with the default receive limit", async () => {
    const h = await sidecars.harness(testConfig());
    // Under the bound as applied (defaults filled in: a few per cent more than written).
    const settings = settingsOf(MAX_POLICY_SETTINGS_JSON_BYTES * 0.96);
    const settingsJson = JSON.stringify(settings);
    for (let i = 0; i < 2; i++) await callUnary(h.clients.admin, "configurePolicy", create(ad.ConfigurePolicyRequestSchema, { policyName: "RateLimitPolicy", settingsJson }));
    const newest = await callUnary<ad.QueryAuditResponse>(h.clients.admin, "queryAudit", create(ad.QueryAuditRequestSchema, { newestFirst: true })).then(
      (r) => r.records.map((x) => [x.action, x.beforeJson.length > MAX_POLICY_SETTINGS_JSON_BYTES / 2, x.afterJson.length > MAX_POLICY_SETTINGS_JSON_BYTES / 2]),
      (e: ServiceError) => `${status[e.code]} ${e.details}`,
    );
    expect(newest).toEqual([["configurePolicy", true, true]]);
    const last = h.server.state.audit.query({ newestFirst: true, limit: 1 }).records[0]!.sequence;
    const call = h.clients.events.subscribe!(create(SubscribeRequestSchema, { afterSequence: 0n })) as ClientReadableStream<SubscribeResponse>;
    const heard = await new Promise<string>((resolve) => {
      call.on("data", (m: SubscribeResponse) => {
        if (m.event?.event.case === "auditRecorded" && m.event.event.value.record?.sequence === last) resolve("the record");
      });
      call.on("error", (e: ServiceError) => resolve(`${status[e.code]} ${e.details}`));
    });
    call.cancel();
    expect(heard).toBe("the record");
  });

  it("past the bound: ConfigurePolicy is refused INVALID_VALUE naming settings_json; nothing changes", async () => {
    const h = await sidecars.harness(testConfig());
    const before = h.server.state.audit.query({ newestFirst: false, limit: 1000 }).records.length;
    const refused = await callUnary(h.clients.admin, "configurePolicy", create(ad.ConfigurePolicyRequestSchema, { policyName: "RateLimitPolicy", settingsJson: JSON.stringify(settingsOf(MAX_POLICY_SETTINGS_JSON_BYTES + 200)) })).then(
      () => "accepted",
      (e: ServiceError) => `${status[e.code]} ${e.details}`,
    );
    expect(refused).toMatch(/^INVALID_ARGUMENT settings_json: settings take \d+ bytes of JSON, more than 1048576 \(the audit trail records them/);
    expect(h.server.state.audit.query({ newestFirst: false, limit: 1000 }).records.length).toBe(before);
  });

  // Found by review (session 30): the bound first counted a compare-and-set's expected settings
  // too, so the CLI and the console (which always send them) could not change settings of more
  // than half the bound. They are decided before the command is journaled: not in the record.
  it("a compare-and-set at the bound: the expected settings are not counted (the CLI and the console send them)", async () => {
    const h = await sidecars.harness(testConfig());
    const settingsJson = JSON.stringify(settingsOf(MAX_POLICY_SETTINGS_JSON_BYTES * 0.96));
    await callUnary(h.clients.admin, "configurePolicy", create(ad.ConfigurePolicyRequestSchema, { policyName: "RateLimitPolicy", settingsJson }));
    const read = await callUnary<ad.GetPolicySettingsResponse>(h.clients.admin, "getPolicySettings", create(ad.GetPolicySettingsRequestSchema, { policyName: "RateLimitPolicy" }));
    expect(read.settingsJson.length).toBeGreaterThan(MAX_POLICY_SETTINGS_JSON_BYTES * 0.96);
    const changed = JSON.stringify({ ...(JSON.parse(read.settingsJson) as object), broker: { maxOrders: 999, windowMs: 1000 } });
    await callUnary(h.clients.admin, "configurePolicy", create(ad.ConfigurePolicyRequestSchema, { policyName: "RateLimitPolicy", settingsJson: changed, expectedSettingsJson: read.settingsJson }));
    const record = h.server.state.audit.query({ newestFirst: true, limit: 1 }).records[0]!;
    expect([record.action, record.outcome, record.request.length < MAX_POLICY_SETTINGS_JSON_BYTES + 1000]).toEqual(["configurePolicy", "applied", true]);
  });

  it("past the bound in the configuration file: refused at start, naming the policy's settings", () => {
    const config = testConfig({ policies: [{ type: "RateLimitPolicy", settings: settingsOf(MAX_POLICY_SETTINGS_JSON_BYTES + 200) }] });
    expect(() => buildSidecar(parseSidecarConfig(config), new ManualClock(1_000))).toThrow(/^config\.policies\[0\]\.settings: settings take \d+ bytes of JSON, more than 1048576/);
  });
});
