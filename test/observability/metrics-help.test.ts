/** The HELP lines that list label values list every one the series can carry (found by review, session 42: policy and retried were missing; docs/observability.md has the meanings). */
import { describe, expect, it } from "vitest";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { testConfig } from "../server/harness.js";

describe("metrics: HELP lines", () => {
  it("name every reason / outcome the series can carry", async () => {
    const server = buildSidecar(parseSidecarConfig(testConfig()));
    const text = await server.metrics.registry.metrics();
    const help = (m: string) => text.split("\n").find((l) => l.startsWith(`# HELP ${m} `))!;
    expect(help("openpit_channels_closed_total")).toBe("# HELP openpit_channels_closed_total Channels ended, by reason (lost, ended, shutdown, recovery, policy)");
    expect(help("openpit_reservations_rolled_back_total")).toContain("by reason (lost, ended, shutdown, recovery, policy, fenced, expired)");
    expect(help("openpit_commands_total")).toContain("retried: a safe retry answered with its first decision");
    await server.shutdown();
  });
});
