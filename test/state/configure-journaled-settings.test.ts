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
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { recoverState } from "../../src/state/recovery.js";
import { decodeCommand } from "../../src/state/command-codec.js";
import { settingsJsonOf } from "../../src/policies/catalog.js";
import { testConfig } from "../server/harness.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

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
    const state = buildState(config, new ManualClock(1_000));
    await recoverState(state, config.durability);
    const payloads: Uint8Array[] = [];
    const append = state.journal.append.bind(state.journal);
    vi.spyOn(state.journal, "append").mockImplementation((payload: Uint8Array, ...rest: unknown[]) => {
      payloads.push(payload);
      return (append as (...a: unknown[]) => bigint)(payload, ...rest);
    });
    state.admin({ kind: "configurePolicy", policy: "ClientOrderIdPolicy", settings: {} });
    const applied = settingsJsonOf(state.engine.policy("ClientOrderIdPolicy")!);
    expect(applied).toEqual({ retentionMs: 86_400_000 });
    const record = payloads.map((p) => decodeCommand(p)).find((c) => c.kind === "admin") as { command: { settings: unknown } } | undefined;
    expect(record).toBeDefined();
    expect(record!.command.settings).toEqual(applied);
    await state.journal.close();
  });
});
