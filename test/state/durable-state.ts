/**
 * A durable (sync) sidecar state for tests of what survives a restart: recovered on its data
 * directory with automatic snapshots off, changed through journaled admin commands (account
 * blocks), and read back after the next start.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { DurableStateError, recoverState, type RecoveryReport } from "../../src/state/recovery.js";
import { expect } from "vitest";
import { testConfig } from "../server/harness.js";

/** The sync-mode configuration on `dataDir` (no snapshot taken unless asked for). */
export function durableConfig(dataDir: string, segmentBytes = 4096): SidecarConfig {
  return parseSidecarConfig(testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes } }));
}

/** A state built on `config` and recovered from its directory (a first start makes snapshot 0). */
export async function startState(config: SidecarConfig, clockMs = 1_000): Promise<{ state: SidecarState; report: RecoveryReport }> {
  const state = buildState(config, new ManualClock(clockMs));
  const report = await recoverState(state, config.durability);
  return { state, report };
}

/** Blocks accounts 1000+from .. 1000+from+count−1, reason `hold i`: one journaled command each. */
export function holdAccounts(state: SidecarState, from: number, count = 40): void {
  for (let i = from; i < from + count; i++) state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(1000 + i), reason: `hold ${i}` });
}

/** The block reasons of accounts 1000 .. 1000+count−1 (undefined where there is none). */
export function heldReasons(state: SidecarState, count: number): (string | undefined)[] {
  return Array.from({ length: count }, (_, i) => state.engine.accounts().blockOf(AccountId.fromU64(1000 + i))?.reason);
}

/** What heldReasons gives when every one of them is held. */
export function allHeld(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `hold ${i}`);
}

/** A first process at `clockMs` on `dir` journals one command (a hold on account 1000) and crashes: no last snapshot, its lock left behind. */
export async function oneCommandThenCrash(dir: string, clockMs: number): Promise<void> {
  const config = durableConfig(dir);
  const first = buildState(config, new ManualClock(clockMs));
  await recoverState(first, config.durability);
  holdAccounts(first, 0, 1);
  await first.journal.close();
  rmSync(join(dir, "LOCK"), { force: true });
}

/** The DurableStateError a start is refused with (fails the test if it starts). */
export async function startRefusal(start: Promise<unknown>): Promise<Error> {
  const e = await start.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DurableStateError);
  return e as Error;
}
