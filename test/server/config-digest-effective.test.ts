/**
 * Found by review (session 30): GetServerStatus.config_digest promises the SHA-256 of the
 * effective configuration, "however their files were written", but hashed each policy's
 * settings as written: omitted defaults and the same defaults written out digested apart. It
 * now hashes the settings as the built engine applies them (what GetPolicySettings shows).
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { callUnary } from "../../src/client/index.js";
import { shownSettingsJson } from "../../src/policies/catalog.js";
import { sidecarsPerTest } from "./controls-world.js";
import { testConfig } from "./harness.js";

type Admin = { admin<R>(method: string, request: unknown): Promise<R> };
const TIGHT_SIZE_LIMIT = { broker: { maxQuantity: "1", maxNotional: "1000000" } };
const retune = (h: Admin, settings: unknown) => h.admin("configurePolicy", { policyName: "OrderSizeLimitPolicy", settingsJson: JSON.stringify(settings) });
const statusDigest = async (clients: { admin: unknown }) =>
  (await callUnary<op.GetServerStatusResponse>(clients.admin as never, "getServerStatus", create(op.GetServerStatusRequestSchema, {}))).configDigest;
const sizeLimitSettings = async (h: Admin) => (await h.admin<{ settingsJson: string }>("getPolicySettings", { policyName: "OrderSizeLimitPolicy" })).settingsJson;

function withSpotFunds(settings: Record<string, unknown> | undefined): Record<string, unknown> {
  const base = testConfig();
  const policies = (base.policies as { type: string; settings?: unknown }[]).map((p) =>
    p.type === "SpotFundsPolicy" ? (settings === undefined ? { type: p.type } : { type: p.type, settings }) : p,
  );
  return { ...base, policies };
}

describe("the configuration digest", () => {
  const sidecars = sidecarsPerTest();
  const digestOf = async (config: Record<string, unknown>) => {
    const h = await sidecars.harness(config);
    const status = await callUnary<op.GetServerStatusResponse>(h.clients.admin, "getServerStatus", create(op.GetServerStatusRequestSchema, {}));
    return { digest: status.configDigest, settings: JSON.stringify(h.server.state.engine.policies.map((p) => [p.name, shownSettingsJson(p)])) };
  };

  it("omitted defaults and the same defaults written out run the same settings and report the same digest; other settings another", async () => {
    const omitted = await digestOf(withSpotFunds(undefined));
    const explicit = await digestOf(withSpotFunds({ limitMode: "Enforce", pricingSource: "Mark", slippageBps: 0 }));
    const other = await digestOf(withSpotFunds({ limitMode: "Enforce", pricingSource: "Mark", slippageBps: 5 }));
    expect(explicit.settings).toBe(omitted.settings);
    expect(explicit.digest).toBe(omitted.digest);
    expect(other.digest).not.toBe(omitted.digest);
  });

  // Found by review (session 31): the digest was computed once at build, from the file. A
  // ConfigurePolicy, or a restart whose journal put a retune back, left it naming settings no
  // longer in force, and two sidecars enforcing different limits reported the same digest.
  it("follows a ConfigurePolicy: another digest while the settings differ, the file's again once they are back", async () => {
    const a = await sidecars.harness(testConfig());
    const b = await sidecars.harness(testConfig());
    const fileSettings = await sizeLimitSettings(b);
    expect(await statusDigest(b.clients)).toBe(await statusDigest(a.clients));
    await retune(b, TIGHT_SIZE_LIMIT);
    expect(await sizeLimitSettings(b)).not.toBe(await sizeLimitSettings(a));
    expect(await statusDigest(b.clients)).not.toBe(await statusDigest(a.clients));
    await retune(b, JSON.parse(fileSettings));
    expect(await statusDigest(b.clients)).toBe(await statusDigest(a.clients));
  });

  it("after a restart on the same file and directory, names the settings the journal put back", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(testConfig(), dir, 1_000);
    const fileDigest = await statusDigest(first.clients);
    await retune(first, TIGHT_SIZE_LIMIT);
    const retunedDigest = await statusDigest(first.clients);
    expect(retunedDigest).not.toBe(fileDigest);
    await first.stop();
    const restarted = await sidecars.durable(testConfig(), dir, 2_000);
    expect(JSON.parse(await sizeLimitSettings(restarted))).toMatchObject(TIGHT_SIZE_LIMIT);
    expect(await statusDigest(restarted.clients)).toBe(retunedDigest);
  });
});
