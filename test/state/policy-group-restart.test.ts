/**
 * Found by review (session 37): `policies[].policyGroupId` was read from the file at every
 * start and checked against nothing. A SpotFundsPolicy's group edited between two runs replayed
 * the journal's execution reports (their locks name the old group) under the new one: the fill
 * that released the hold live found no lock price on replay, and its 1 850 USD were held again.
 * The snapshot now records each policy's group, and a start whose file names another is
 * refused, saying how to get out (not by moving snapshots aside: none would restore).
 */
import { cpSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId, PolicyGroupId } from "../../src/param/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { DurableStateError, recoverState } from "../../src/state/recovery.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { snapshotFileName } from "../../src/state/journal/segment-format.js";
import { ACCOUNT, testConfig } from "../server/harness.js";
import { balanceAdjustment, buy, fillReport, lockAt } from "../helpers/spot-funds.js";
import { useTempDirs } from "./journal/journal-test-helpers.js";

const tempDir = useTempDirs();

function config(dataDir: string, spotFundsGroup: number): SidecarConfig {
  const base = testConfig();
  const policies = (base.policies as Record<string, unknown>[]).map((p) => (p.type === "SpotFundsPolicy" ? { ...p, policyGroupId: spotFundsGroup } : p));
  return parseSidecarConfig({ ...base, policies, durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } });
}

function usd(state: SidecarState): [string, string] {
  const policy = state.engine.policy("SpotFundsPolicy") as unknown as { holdings(a: AccountId): Map<string, { available: { toString(): string }; held: { toString(): string } }> };
  const slot = policy.holdings(AccountId.fromU64(ACCOUNT)).get("USD")!;
  return [slot.available.toString(), slot.held.toString()];
}

/** A first life under group 5: funded, a buy committed and filled (its report's lock names group 5); then the process dies. Returns a copy of what it left. */
async function firstLife(): Promise<{ dir: string; live: [string, string] }> {
  const dir = tempDir();
  const account = AccountId.fromU64(ACCOUNT);
  const first = buildState(config(dir, 5), new ManualClock(1_000));
  await recoverState(first, config(dir, 5).durability);
  const channel = first.openChannel().channelId;
  first.runChannel(channel, [{ kind: "adjust", accountId: account, adjustments: [balanceAdjustment("USD", { balance: ["abs", "10000"] })] }]);
  const [executed] = first.runChannel(channel, [{ kind: "execute", order: buy("10", "185", { account }), commitOnAccept: true }]);
  expect(executed?.kind).toBe("executeAccepted");
  first.applyReports([fillReport("BUY", "10", "185", { account, lock: lockAt("185", PolicyGroupId.fromU16(5)), final: true })]);
  const live = usd(first);
  expect(live).toEqual(["8150", "0"]);
  await first.journal.flush();
  await first.journal.close();
  // What the dead process left, in a directory of its own (this process holds the first one's lock).
  const after = tempDir();
  cpSync(dir, after, { recursive: true, filter: (src) => !src.endsWith("LOCK") });
  return { dir: after, live };
}

describe("a policy's policyGroupId at a restart on an existing data directory", () => {
  it("another group in the file: the start is refused, naming the policy, both groups and the way out", async () => {
    const { dir } = await firstLife();
    const second = buildState(config(dir, 7), new ManualClock(2_000));
    const refused = await recoverState(second, config(dir, 7).durability).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DurableStateError);
    expect((refused as Error).message).toBe(
      `snapshot ${snapshotFileName(0n)} was written by an engine with other policies than the configuration builds: ` +
        "policy 'SpotFundsPolicy' has policyGroupId 5 in the snapshot and 7 in the engine: its state and the journal's locks are under group 5; " +
        "start with the policies (and policy group ids) the state was written with, or on a new data directory",
    );
  });

  it("the same group: the replay reproduces what was acknowledged live", async () => {
    const { dir, live } = await firstLife();
    const second = buildState(config(dir, 5), new ManualClock(2_000));
    expect((await recoverState(second, config(dir, 5).durability)).snapshotSequence).toBe(0n);
    expect(usd(second)).toEqual(live);
    await second.journal.close();
  });

  it("another policy list in the file: refused the same way (no snapshot here would restore)", async () => {
    const { dir } = await firstLife();
    const base = config(dir, 5);
    const withoutRateLimit = parseSidecarConfig({
      ...testConfig(),
      policies: (testConfig().policies as Record<string, unknown>[]).filter((p) => p.type !== "RateLimitPolicy").map((p) => (p.type === "SpotFundsPolicy" ? { ...p, policyGroupId: 5 } : p)),
      durability: { mode: "sync", dataDir: dir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 },
    });
    const second = buildState(withoutRateLimit, new ManualClock(2_000));
    const refused = await recoverState(second, base.durability).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refused as Error).message).toMatch(
      new RegExp(
        `^snapshot ${snapshotFileName(0n)} was written by an engine with other policies than the configuration builds: snapshot policies \\[OrderValidationPolicy, RateLimitPolicy, .+\\]: at position 1 .+; start with the policies \\(and policy group ids\\) the state was written with, or on a new data directory$`,
      ),
    );
  });
});
