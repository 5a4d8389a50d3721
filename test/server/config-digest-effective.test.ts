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
});
