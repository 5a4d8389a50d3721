/**
 * Found by review, session 34: without a strict list, a restart applied an `accounts.list`
 * entry to every account the restored state showed nothing for. An account whose only state
 * was the group or currency an operator had just taken away looked new, and its entry put it
 * back (out of a HALTED group, then in it again). The door now keeps the accounts whose group
 * and currency a command decided (decided-accounts.ts), rebuilt by a replay and carried in
 * snapshots; a snapshot from before it was kept restores with the set rebuilt from its registry.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccountGroupId, AccountId } from "../../src/param/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
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
  const d = mkdtempSync(join(tmpdir(), "openpit-entries-decided-"));
  dirs.push(d);
  return d;
};
const LIST = [{ id: 7, group: 5 }, { id: 8, currency: "EUR" }];
const config = (dataDir: string, list: readonly object[] = LIST, strict = false): SidecarConfig =>
  parseSidecarConfig(
    testConfig({
      accounts: { defaultCurrency: "USD", strict, list },
      durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 1 << 20 },
    }),
  );
const crash = async (state: SidecarState) => {
  await state.journal.flush();
  await state.journal.close();
};
const SEVEN = AccountId.fromU64(7);
const EIGHT = AccountId.fromU64(8);
const NINE = AccountId.fromU64(9);
const GROUP5 = AccountGroupId.fromU32(5);

/** The operator's changes of the probe: 7 out of group 5, 8's own currency cleared. */
const operatorChanges = (state: SidecarState) => {
  state.admin({ kind: "unregisterGroup", accountIds: [SEVEN], group: GROUP5 });
  state.admin({ kind: "setAccountCurrency", accountId: EIGHT, currency: undefined });
};
const look = (state: SidecarState) => ({ group7: state.engine.accounts().groupOf(SEVEN), currency8: state.engine.accounts().ownCurrencyOf(EIGHT) });
const appliedByConfiguration = (state: SidecarState) => state.audit.toData().records.filter((r) => r.action === "applyAccountEntries").length;
const OPERATORS = { group7: undefined, currency8: undefined };

/** Rewrites the newest snapshot as a build from before the set was kept wrote it (no `decidedAccounts`). */
async function withoutDecided(dir: string): Promise<void> {
  const latest = readSnapshots(dir).latest!;
  const { decidedAccounts: _d, ...legacy } = decodePlain(latest.data) as StateSnapshot;
  await writeSnapshot(dir, latest.seq, encodePlain(legacy));
  expect((decodePlain(readSnapshots(dir).latest!.data) as StateSnapshot).decidedAccounts).toBeUndefined();
}

describe("an operator's group and currency changes of listed accounts (no strict list) survive a restart", () => {
  it("after a crash: replayed, and the start applies no entry (it warns of both differences)", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir), 1_000);
    expect(look(first)).toEqual({ group7: GROUP5, currency8: "EUR" });
    operatorChanges(first);
    await crash(first);
    const { state: second, report } = await startState(config(dir), 2_000);
    expect(report.snapshotSequence).toBe(0n);
    expect(look(second)).toEqual(OPERATORS);
    expect(report.accountEntriesApplied).toEqual([]);
    expect(report.accountEntryDifferences).toEqual([
      { accountId: SEVEN, field: "group", file: "5", state: undefined },
      { accountId: EIGHT, field: "currency", file: "EUR", state: undefined },
    ]);
    expect(appliedByConfiguration(second)).toBe(0);
    await crash(second);
  });

  it("from a snapshot taken between the change and the restart (nothing replayed)", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir), 1_000);
    operatorChanges(first);
    await first.snapshots!.take();
    const carried = first.snapshot().decidedAccounts;
    const covered = first.journal.lastSequence;
    await crash(first);
    const { state: second, report } = await startState(config(dir), 2_000);
    expect(report.snapshotSequence).toBe(covered);
    expect(look(second)).toEqual(OPERATORS);
    expect(report.accountEntriesApplied).toEqual([]);
    expect(appliedByConfiguration(second)).toBe(0);
    // And the start after that, from the same snapshot and this start's records.
    await crash(second);
    const { state: third, report: again } = await startState(config(dir), 3_000);
    expect([look(third), again.accountEntriesApplied]).toEqual([OPERATORS, []]);
    expect(carried).toEqual([SEVEN, EIGHT]);
    await crash(third);
  });

  it("a snapshot from before the set was kept restores, the set rebuilt from its registry, and changes replayed after it stay", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir), 1_000);
    await crash(first);
    // Snapshot 0 of the first start, as an older build wrote it: 7 in group 5, 8 with EUR.
    await withoutDecided(dir);
    const { state: second, report: restored } = await startState(config(dir), 2_000);
    expect(restored.snapshotSequence).toBe(0n);
    const rebuilt = second.snapshot().decidedAccounts;
    operatorChanges(second);
    await crash(second);
    const { state: third, report } = await startState(config(dir), 3_000);
    expect(report.snapshotSequence).toBe(0n);
    expect(look(third)).toEqual(OPERATORS);
    expect(report.accountEntriesApplied).toEqual([]);
    // What the old snapshot showed: the accounts it held a group or currency of.
    expect(rebuilt).toEqual([SEVEN, EIGHT]);
    await crash(third);
  });

  // The two below hold with or without the set: they keep it from deciding too much.
  it("a refused RegisterGroup decides nothing: an account it named still gets its entry when the file adds it", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir), 1_000);
    // 7 is in group 5 already: the whole command is refused, 9 joins nothing.
    expect(() => first.admin({ kind: "registerGroup", accountIds: [NINE, SEVEN], group: AccountGroupId.fromU32(6) })).toThrow();
    expect(first.snapshot().decidedAccounts ?? []).not.toContain(NINE);
    await crash(first);
    const { state: second, report } = await startState(config(dir, [...LIST, { id: 9, group: 4 }]), 2_000);
    expect(report.accountEntriesApplied).toEqual([NINE]);
    expect(second.engine.accounts().groupOf(NINE)).toBe(4);
    await crash(second);
  });

  it("a retired account looks new again: its entry applies at the next restart", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir), 1_000);
    first.admin({ kind: "unregisterGroup", accountIds: [SEVEN], group: GROUP5 });
    expect(first.admin({ kind: "retireAccount", accountId: SEVEN }).retirement).toEqual({ ok: true });
    expect(first.snapshot().decidedAccounts ?? []).not.toContain(SEVEN);
    await crash(first);
    const { state: second, report } = await startState(config(dir), 2_000);
    expect(report.accountEntriesApplied).toEqual([SEVEN]);
    expect(second.engine.accounts().groupOf(SEVEN)).toBe(GROUP5);
    await crash(second);
  });

  it("a strict list decides by the list alone, as before: 7 stays out of its group, an account put back on the list gets its entry", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir, LIST, true), 1_000);
    operatorChanges(first);
    await crash(first);
    const { state: second, report } = await startState(config(dir, LIST, true), 2_000);
    expect([look(second), report.accountEntriesApplied]).toEqual([OPERATORS, []]);
    await crash(second);
    // Taken off the list, then put back: admitted anew, so its entry applies (docs/configuration.md).
    const { state: third } = await startState(config(dir, [{ id: 8, currency: "EUR" }], true), 3_000);
    await crash(third);
    const { state: fourth, report: back } = await startState(config(dir, LIST, true), 4_000);
    expect([back.accountEntriesApplied, fourth.engine.accounts().groupOf(SEVEN)]).toEqual([[SEVEN], GROUP5]);
    await crash(fourth);
  });
});
