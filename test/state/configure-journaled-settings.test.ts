/**
 * Found by review: ConfigurePolicy journaled the operator's raw settings JSON, not the settings it applied.
 * Whatever the parser fills in (ClientOrderIdPolicy's retentionMs default of one day,
 * SpotFunds' slippageBps/pricingSource/limitMode, RestrictedList's sellOnly) is decided
 * again by whichever binary replays the record: a crash, then a start of a version whose
 * default differs, replays a different limit than the one acknowledged and audited.
 * The record should carry the resolved settings (what GetPolicySettings / the audit
 * `after` show), so replay reproduces the change bit for bit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { recoverState } from "../../src/state/recovery.js";
import { decodeCommand } from "../../src/state/command-codec.js";
import { settingsJsonOf } from "../../src/policies/catalog.js";
import { CommandError } from "../../src/state/command-error.js";
import { testConfig } from "../server/harness.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A durable state recovered from `config`'s data directory, with every journal record it appends. */
async function recordingState(config: SidecarConfig) {
  const state = buildState(config, new ManualClock(1_000));
  await recoverState(state, config.durability);
  const payloads: Uint8Array[] = [];
  const append = state.journal.append.bind(state.journal);
  vi.spyOn(state.journal, "append").mockImplementation((payload: Uint8Array, ...rest: unknown[]) => {
    payloads.push(payload);
    return (append as (...a: unknown[]) => bigint)(payload, ...rest);
  });
  return { state, payloads };
}

describe("the journaled ConfigurePolicy", () => {
  it("carries the settings as applied, not the defaults left to the replaying binary", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-review-"));
    dirs.push(dataDir);
    const config = parseSidecarConfig(
      testConfig({
        policies: [{ type: "OrderValidationPolicy" }, { type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }],
        durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 },
      }),
    );
    const { state, payloads } = await recordingState(config);
    state.admin({ kind: "configurePolicy", policy: "ClientOrderIdPolicy", settings: {} });
    const applied = settingsJsonOf(state.engine.policy("ClientOrderIdPolicy")!);
    expect(applied).toEqual({ retentionMs: 86_400_000 });
    const record = payloads.map((p) => decodeCommand(p)).find((c) => c.kind === "admin") as { command: { settings: unknown } } | undefined;
    expect(record).toBeDefined();
    expect(record!.command.settings).toEqual(applied);
    await state.journal.close();
  });

  it("carries a compare-and-set's outcome, never the comparison: a replay fails or applies it as it went live", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-cas-"));
    dirs.push(dataDir);
    const config = parseSidecarConfig(
      testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } }),
    );
    const { state, payloads } = await recordingState(config);
    const policy = "OrderSizeLimitPolicy";
    const read = settingsJsonOf(state.engine.policy(policy)!) as { broker: Record<string, string> };
    const edit = (maxQuantity: string) => ({ ...read, broker: { ...read.broker, maxQuantity } });
    state.admin({ kind: "configurePolicy", policy, settings: edit("700"), expected: read });
    // Made from the same read: the settings have changed since.
    const stale = (() => {
      try {
        state.admin({ kind: "configurePolicy", policy, settings: edit("300"), expected: read });
      } catch (e) {
        return e;
      }
    })();
    expect(stale).toBeInstanceOf(CommandError);
    expect((stale as CommandError).code).toBe("ABORTED");
    const commands = payloads.map((p) => decodeCommand(p)).filter((c) => c.kind === "admin").map((c) => (c as { command: Record<string, unknown> }).command);
    expect(commands.map((c) => ["expected" in c, c.conflict])).toEqual([
      [false, undefined],
      [false, (stale as CommandError).message],
    ]);
    await state.journal.close();

    // The journal replayed: the applied change applies and the refused one fails, as live.
    const again = buildState(config, new ManualClock(1_000));
    await recoverState(again, config.durability);
    expect(settingsJsonOf(again.engine.policy(policy)!)).toEqual(edit("700"));
    expect(again.audit.query({ limit: 10, newestFirst: false }).records.map((r) => [r.action, r.outcome, r.reason])).toEqual([
      ["configurePolicy", "applied", ""],
      ["configurePolicy", "failed", (stale as CommandError).message],
    ]);
    await again.journal.close();
  });
});
