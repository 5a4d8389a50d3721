/**
 * Found by review: the group and currency of an account a restart admits anew (accounts.list)
 * are journaled admin commands, so a replay after a crash puts them back and the next start
 * on the same file applies nothing more.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";
import { startState } from "./durable-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "openpit-account-entries-"));
  dirs.push(d);
  return d;
};
const config = (dataDir: string, list: readonly object[]): SidecarConfig =>
  parseSidecarConfig(testConfig({ accounts: { strict: true, list }, durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } }));
const crash = async (state: SidecarState) => {
  await state.journal.flush();
  await state.journal.close();
};
const TWO = AccountId.fromU64(2);

describe("accounts.list entries applied at a restart", () => {
  it("are journaled: a replay puts them back, and a start on the same file applies nothing more", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir, [{ id: 1 }]), 1_000);
    await crash(first);
    const added = config(dir, [{ id: 1 }, { id: 2, group: 9, currency: "EUR" }]);
    const { state: second, report } = await startState(added, 2_000);
    expect({ applied: report.accountEntriesApplied, settingsChanged: report.settingsChanged }).toEqual({ applied: [TWO], settingsChanged: true });
    await crash(second);
    const { state: third, report: again } = await startState(added, 3_000);
    expect(again).toMatchObject({ snapshotSequence: 0n, accountEntriesApplied: [], accountEntryDifferences: [], settingsChanged: false });
    expect([third.engine.accounts().groupOf(TWO), third.engine.accounts().ownCurrencyOf(TWO), third.isKnownAccount(TWO)]).toEqual([9, "EUR", true]);
    await crash(third);
  });

  it("an account taken off the strict list and put back with another group is moved to it", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir, [{ id: 1 }, { id: 2, group: 9 }]), 1_000);
    await crash(first);
    const { state: second } = await startState(config(dir, [{ id: 1 }]), 2_000);
    expect(second.isKnownAccount(TWO)).toBe(false);
    await crash(second);
    const { state: third, report } = await startState(config(dir, [{ id: 1 }, { id: 2, group: 4 }]), 3_000);
    expect(report.accountEntriesApplied).toEqual([TWO]);
    expect(third.engine.accounts().groupOf(TWO)).toBe(4);
    await crash(third);
  });
});
