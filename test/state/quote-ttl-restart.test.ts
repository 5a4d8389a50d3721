/**
 * Found by review: the file's quote TTLs at a restart are journaled as part of the `settings`
 * command (so a replay puts them back where they took effect), an instrument the restored
 * state has not registered is passed over, and a `settings` record written before the TTLs
 * were journaled keeps the TTLs the state has.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { InstrumentId } from "../../src/param/index.js";
import { QuoteTtl } from "../../src/marketdata/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { encodeCommand } from "../../src/state/command-codec.js";
import { readSnapshots, writeSnapshot } from "../../src/state/journal/snapshot-files.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";
import { startState } from "./durable-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "openpit-quote-ttl-"));
  dirs.push(d);
  return d;
};

const AAPL = { underlyingAsset: "AAPL", settlementAsset: "USD" };
const MSFT = { underlyingAsset: "MSFT", settlementAsset: "USD" };
function config(dataDir: string, marketData: { defaultTtlMs: number; instruments: readonly object[] }): SidecarConfig {
  return parseSidecarConfig(testConfig({ marketData, durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } }));
}
const ttlOf = (state: SidecarState, id: number) => state.marketData.effectiveTtl(InstrumentId.fromU64(id));
/** A crash: the journal is closed without the last snapshot a graceful shutdown takes. */
const crash = async (state: SidecarState) => {
  await state.journal.flush();
  await state.journal.close();
};

describe("quote TTLs from the file at a restart", () => {
  it("are journaled where they took effect: a replay puts them back, and a start on the same file journals nothing more", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir, { defaultTtlMs: 0, instruments: [{ id: 1, ...AAPL }] }), 1_000);
    await crash(first);
    const lowered = config(dir, { defaultTtlMs: 5_000, instruments: [{ id: 1, ...AAPL, ttlMs: 3_000 }] });
    const { state: second, report } = await startState(lowered, 2_000);
    expect(report.settingsChanged).toBe(true);
    expect(ttlOf(second, 1)).toEqual(QuoteTtl.within(3_000));
    expect(second.marketData.defaultTtl()).toEqual(QuoteTtl.within(5_000));
    await crash(second);
    // No snapshot since the first start's: the settings record is replayed, and the file asks for nothing new.
    const { state: third, report: again } = await startState(lowered, 3_000);
    expect(again.snapshotSequence).toBe(0n);
    expect(again.settingsChanged).toBe(false);
    expect([ttlOf(third, 1), third.marketData.defaultTtl()]).toEqual([QuoteTtl.within(3_000), QuoteTtl.within(5_000)]);
    await crash(third);
  });

  it("an instrument the file lists that the restored state never registered is passed over (not registered)", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir, { defaultTtlMs: 0, instruments: [{ id: 1, ...AAPL }] }), 1_000);
    await crash(first);
    const { state } = await startState(config(dir, { defaultTtlMs: 0, instruments: [{ id: 1, ...AAPL, ttlMs: 3_000 }, { id: 2, ...MSFT, ttlMs: 4_000 }] }), 2_000);
    expect(ttlOf(state, 1)).toEqual(QuoteTtl.within(3_000));
    expect(state.marketData.resolve(MSFT)).toBeUndefined();
    await crash(state);
  });

  it("a settings record without quote TTLs (an older journal) keeps the TTLs the state has", () => {
    const state = buildState(config(tempDir(), { defaultTtlMs: 5_000, instruments: [{ id: 1, ...AAPL, ttlMs: 3_000 }] }), new ManualClock(1_000));
    state.replay(encodeCommand({ kind: "settings", ts: 1_000, settings: { maxOpenHandlesPerChannel: 100, reservationTtlMs: 0, knownAccounts: undefined, pinning: true } }));
    expect([ttlOf(state, 1), state.marketData.defaultTtl()]).toEqual([QuoteTtl.within(3_000), QuoteTtl.within(5_000)]);
  });

  it("a snapshot carries the file's in its settings (kept for registrations; session 34): restoring one keeps the market data's as they are", () => {
    const live = buildState(config(tempDir(), { defaultTtlMs: 5_000, instruments: [{ id: 1, ...AAPL, ttlMs: 3_000 }] }), new ManualClock(1_000));
    const snapshot = live.snapshot();
    expect(snapshot.settings.quoteTtls).toEqual({ defaultTtlMs: 5_000, instruments: [{ ...AAPL, ttlMs: 3_000 }] });
    const restored = buildState(config(tempDir(), { defaultTtlMs: 0, instruments: [{ id: 1, ...AAPL }] }), new ManualClock(1_000));
    restored.restore(snapshot);
    expect([ttlOf(restored, 1), restored.marketData.defaultTtl()]).toEqual([QuoteTtl.within(3_000), QuoteTtl.within(5_000)]);
    expect(restored.executionSettings().quoteTtls).toEqual(snapshot.settings.quoteTtls);
  });

  it("a snapshot written before they were kept: a start on the same file journals the file's, so the state keeps them", async () => {
    const dir = tempDir();
    const file = config(dir, { defaultTtlMs: 5_000, instruments: [{ id: 1, ...AAPL, ttlMs: 3_000 }] });
    const { state: first } = await startState(file, 1_000);
    await crash(first);
    const snap = readSnapshots(dir).latest!;
    const written = decodePlain(snap.data) as StateSnapshot;
    const { quoteTtls: _kept, ...older } = written.settings;
    await writeSnapshot(dir, snap.seq, encodePlain({ ...written, settings: older }));
    const { state, report } = await startState(file, 2_000);
    expect([report.settingsChanged, ttlOf(state, 1), state.executionSettings().quoteTtls]).toEqual([
      true,
      QuoteTtl.within(3_000),
      { defaultTtlMs: 5_000, instruments: [{ ...AAPL, ttlMs: 3_000 }] },
    ]);
    await crash(state);
  });
});
