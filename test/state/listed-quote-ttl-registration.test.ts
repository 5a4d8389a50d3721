/**
 * Found by review, session 34: an instrument the file lists with a `ttlMs`, which the state
 * registers after the start that put the file in force (RegisterInstrument, as
 * docs/durability.md says; PushQuote by instrument), got no TTL until a later restart, so a
 * stale quote priced orders as fresh and a restart with an unchanged file changed verdicts.
 * The state keeps the file's list (journaled `settings`, snapshots) and a registration takes
 * its `ttlMs`, live and on replay alike; a RegisterInstrument naming another `ttl_ms` for a
 * listed instrument is refused (no AdminService call changes a TTL the file sets).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { QuoteTtl } from "../../src/marketdata/index.js";
import { InstrumentId, Price, type Instrument } from "../../src/param/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { encodeCommand } from "../../src/state/command-codec.js";
import { CommandError } from "../../src/state/command-error.js";
import type { AdminCommand } from "../../src/state/commands.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";
import { startState } from "./durable-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "openpit-listed-ttl-"));
  dirs.push(d);
  return d;
};

const AAPL = { underlyingAsset: "AAPL", settlementAsset: "USD" };
const MSFT = { underlyingAsset: "MSFT", settlementAsset: "USD" };
const GOOG = { underlyingAsset: "GOOG", settlementAsset: "USD" };
const IBM = { underlyingAsset: "IBM", settlementAsset: "USD" };
const AAPL_ONLY = [{ id: 1, ...AAPL }];
/** MSFT and GOOG listed with a TTL, IBM without one: none of them registered by a restart. */
const LISTED = [...AAPL_ONLY, { id: 2, ...MSFT, ttlMs: 5_000 }, { id: 3, ...GOOG, ttlMs: 7_000 }, { id: 4, ...IBM }];

function config(dataDir: string, instruments: readonly object[]): SidecarConfig {
  return parseSidecarConfig(testConfig({ marketData: { defaultTtlMs: 0, instruments }, durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } }));
}
const register = (instrument: Instrument, ttlMs?: number): AdminCommand => ({ kind: "registerInstrument", instrument, id: undefined, ttlMs });
const pushBy = (instrument: Instrument): AdminCommand => ({ kind: "pushQuote", target: { instrument }, quote: { mark: Price.fromString("100") }, accountIds: [], groups: [], patch: false });
/** The TTL a reader with no account gets for the instrument; "unregistered" if it is not. */
const ttlOf = (state: SidecarState, instrument: Instrument) => {
  const id = state.marketData.resolve(instrument);
  return id === undefined ? "unregistered" : state.marketData.effectiveTtl(id);
};
const crash = async (state: SidecarState) => {
  await state.journal.flush();
  await state.journal.close();
};
const refusal = (run: () => unknown) => {
  try {
    run();
    return "ran";
  } catch (e) {
    return e instanceof CommandError ? [e.code, e.field, e.message] : String(e);
  }
};

describe("an instrument the file lists, registered after the start that put the file in force", () => {
  it("takes the file's ttlMs, by RegisterInstrument and by PushQuote by instrument; a replay and a restart on the same file agree", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir, AAPL_ONLY), 1_000);
    await crash(first);
    const { state: second, report } = await startState(config(dir, LISTED), 2_000);
    // The list changed (instruments the state has not registered count): journaled as a settings record.
    expect(report.settingsChanged).toBe(true);
    second.admin(register(MSFT));
    second.admin(pushBy(GOOG));
    second.admin(register(IBM));
    const live = [ttlOf(second, MSFT), ttlOf(second, GOOG), ttlOf(second, IBM)];
    expect(live).toEqual([QuoteTtl.within(5_000), QuoteTtl.within(7_000), QuoteTtl.infinite()]);
    await crash(second);
    // No snapshot since the first start's: the settings record and the registrations are replayed.
    const { state: third, report: again } = await startState(config(dir, LISTED), 3_000);
    expect({ snapshot: again.snapshotSequence, settingsChanged: again.settingsChanged }).toEqual({ snapshot: 0n, settingsChanged: false });
    expect([ttlOf(third, MSFT), ttlOf(third, GOOG), ttlOf(third, IBM)]).toEqual(live);
    await crash(third);
  });

  it("a RegisterInstrument naming another ttl_ms is refused (FAILED_PRECONDITION on ttl_ms) and registers nothing; the file's is accepted", async () => {
    const { state } = await startState(config(tempDir(), AAPL_ONLY), 1_000);
    state.applySettings({ ...state.executionSettings(), quoteTtls: { defaultTtlMs: 0, instruments: LISTED.map(({ id: _id, ...i }) => i) } });
    expect(refusal(() => state.admin(register(MSFT, 3_000)))).toEqual([
      "FAILED_PRECONDITION",
      "ttl_ms",
      "ttl_ms: instrument MSFT/USD is listed in the configuration file (marketData.instruments) with ttlMs 5000: its TTL is set there; leave ttl_ms out or send 5000",
    ]);
    expect(refusal(() => state.admin(register(IBM, 0)))).toEqual([
      "FAILED_PRECONDITION",
      "ttl_ms",
      "ttl_ms: instrument IBM/USD is listed in the configuration file (marketData.instruments) without a ttlMs (the default TTL applies): its TTL is set there; leave ttl_ms out",
    ]);
    expect([ttlOf(state, MSFT), ttlOf(state, IBM)]).toEqual(["unregistered", "unregistered"]);
    state.admin(register(MSFT, 5_000));
    // An instrument the file does not list takes the request's, as before.
    const TSLA = { underlyingAsset: "TSLA", settlementAsset: "USD" };
    state.admin(register(TSLA, 3_000));
    expect([ttlOf(state, MSFT), ttlOf(state, TSLA)]).toEqual([QuoteTtl.within(5_000), QuoteTtl.within(3_000)]);
    // One registered already is refused as such, whatever ttl_ms says.
    expect(refusal(() => state.admin(register(MSFT, 3_000)))).toBe("MarketDataError: DuplicateInstrument: instrument MSFT/USD is already registered");
    await crash(state);
  });

  it("a snapshot carries the list: restored on a state built from another file, a replayed registration takes the same TTL as live", () => {
    const live = buildState(config(tempDir(), AAPL_ONLY), new ManualClock(1_000));
    live.applySettings({ ...live.executionSettings(), quoteTtls: { defaultTtlMs: 0, instruments: LISTED.map(({ id: _id, ...i }) => i) } });
    const snapshot = live.snapshot();
    live.admin(register(MSFT));
    const restored = buildState(config(tempDir(), AAPL_ONLY), new ManualClock(1_000));
    restored.restore(snapshot);
    restored.replay(encodeCommand({ kind: "admin", ts: 1_000, command: register(MSFT) }));
    expect([ttlOf(live, MSFT), ttlOf(restored, MSFT)]).toEqual([QuoteTtl.within(5_000), QuoteTtl.within(5_000)]);
    expect(restored.marketData.resolve(MSFT)).toEqual(InstrumentId.fromU64(0));
  });
});
