/**
 * Found by review (session 44): after the first snapshot the durable state's policy settings
 * win over the file's (docs/durability.md), and a restart on a file whose settings had been
 * changed said nothing, while account entries and listed instruments that differ are warned
 * of: an operator who tightened a limit in the file believed it in force.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { startSidecar } from "../../src/app/start-sidecar.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { ManualClock } from "../../src/engine/index.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const config = (dataDir: string, maxQuantity: string) =>
  parseSidecarConfig({
    listen: "127.0.0.1:0",
    metrics: { listen: "off" },
    policies: [{ type: "OrderValidationPolicy" }, { type: "OrderSizeLimitPolicy", settings: { broker: { maxQuantity, maxNotional: "1000000" } } }],
    durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 },
    limits: { shutdownDrainMs: 0, shutdownGraceMs: 0 },
  });

/** A logger whose JSON lines land in `lines`. */
function capturedLog(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return createLogger("info", sink as never);
}

async function start(dataDir: string, maxQuantity: string, clockMs: number) {
  const lines: Record<string, unknown>[] = [];
  const started = await startSidecar(config(dataDir, maxQuantity), new ManualClock(clockMs), () => {}, capturedLog(lines));
  await started.server.shutdown();
  return lines.filter((l) => l.event === "policy_settings_differ");
}

describe("a restart on a file whose policy settings are not the durable state's", () => {
  it("warns once per such policy, with both settings, and the state's stay in force", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-settings-"));
    dirs.push(dataDir);
    expect(await start(dataDir, "1000", 1_000)).toEqual([]);
    // The same file again: nothing to say.
    expect(await start(dataDir, "1000", 2_000)).toEqual([]);
    const [warned, ...more] = await start(dataDir, "1", 3_000);
    expect(more).toEqual([]);
    expect(warned).toMatchObject({
      level: "warn",
      index: 1,
      policy: "OrderSizeLimitPolicy",
      file: { broker: { maxQuantity: "1", maxNotional: "1000000" } },
      state: { broker: { maxQuantity: "1000", maxNotional: "1000000" } },
      msg: "policies[1] (OrderSizeLimitPolicy): the durable state's settings are in force, not the configuration file's (the file's seed a fresh state only); change them with ConfigurePolicy (openpit configure OrderSizeLimitPolicy --set …)",
    });
  });
});

describe("a restart after SetTradingState, on the same file", () => {
  it("does not report the halt as the file's settings out of force (found by review of the warning)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-settings-"));
    dirs.push(dataDir);
    const tradingState = parseSidecarConfig({
      listen: "127.0.0.1:0",
      metrics: { listen: "off" },
      policies: [{ type: "OrderValidationPolicy" }, { type: "TradingStatePolicy" }],
      durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 },
      limits: { shutdownDrainMs: 0, shutdownGraceMs: 0 },
    });
    const warnings = async (clockMs: number, halt: boolean) => {
      const lines: Record<string, unknown>[] = [];
      const started = await startSidecar(tradingState, new ManualClock(clockMs), () => {}, capturedLog(lines));
      if (halt) {
        started.server.state.admin({ kind: "setTradingState", policy: undefined, scope: { kind: "global" }, state: "HALTED", reason: "market closed", cancelWorkingOrders: false } as never);
        await started.server.state.journal.flush();
      }
      await started.server.shutdown();
      return lines.filter((l) => l.event === "policy_settings_differ");
    };
    expect(await warnings(1_000, true)).toEqual([]);
    expect(await warnings(2_000, false)).toEqual([]);
  });
});
