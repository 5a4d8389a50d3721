/**
 * Found by review (session 30): when snapshot files existed and none checked out, recovery
 * replayed the whole journal on a state built from the CURRENT configuration file, although
 * docs/durability.md promises that no later start rebuilds history from a file that may have
 * changed since the first start wrote it as snapshot 0. With a damaged snapshot 0 and a
 * tightened size limit in the file, an order the gateway saw accepted was rejected on replay,
 * its effect vanished, and the start reported success, with `skippedSnapshots: []`
 * (readLatestSnapshot dropped its list when none checked out). Now such a start is refused
 * (DurableStateError: exit 2), naming the damaged files and the way out: with the journal
 * still whole from record 1 and the first start's configuration, move them aside; else restore
 * a backup. A directory with no snapshot file at all still replays on the configuration.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { snapshotFileName } from "../../src/state/journal/segment-format.js";
import { encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";
import { balanceAdjustment, buy } from "../helpers/spot-funds.js";
import { durableConfig, holdAccounts, startRefusal, startState } from "./durable-state.js";
import { flipByte, useTempDirs } from "./journal/journal-test-helpers.js";

const tempDir = useTempDirs();

function config(dataDir: string, maxQuantity: string) {
  const base = testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0 } });
  const policies = (base.policies as { type: string; settings?: unknown }[]).map((p) =>
    p.type === "OrderSizeLimitPolicy" ? { type: p.type, settings: { broker: { maxQuantity, maxNotional: "1000000" } } } : p,
  );
  return parseSidecarConfig({ ...base, policies });
}

/** The whole engine state, as a snapshot encodes it. */
const engineState = (state: SidecarState): string => Buffer.from(encodePlain(state.snapshot().engine)).toString();

it("a damaged snapshot 0 and a changed configuration: the start is refused, not replayed on the file; moved aside under the first start's file, the acknowledged state comes back", async () => {
  const dataDir = tempDir();
  const { state } = await startState(config(dataDir, "1000"));
  const ch = state.openChannel().channelId;
  const account = AccountId.fromU64(42);
  state.runChannel(ch, [{ kind: "adjust", accountId: account, adjustments: [balanceAdjustment("USD", { balance: ["abs", "100000"] })] }]);
  const [answer] = state.runChannel(ch, [{ kind: "execute", order: buy("500", "100", { account }), commitOnAccept: true }]);
  expect(answer?.kind).toBe("executeAccepted");
  await state.journal.flush();
  const last = state.journal.lastSequence;
  await state.journal.close(); // a crash

  // Snapshot 0, the only one, is damaged; the size limit in the file has since been tightened.
  expect(fs.readdirSync(dataDir).filter((f) => f.endsWith(".snap"))).toEqual([snapshotFileName(0n)]);
  const snap0 = path.join(dataDir, snapshotFileName(0n));
  flipByte(snap0, fs.statSync(snap0).size - 3);
  const before = fs.readdirSync(dataDir).sort();

  const e = await startRefusal(startState(config(dataDir, "100")));
  expect(e.message).toBe(
    `no snapshot checks out: ${snapshotFileName(0n)} (data fails its CRC check); the journal's records ran on the state its first start wrote as snapshot 0, ` +
      `which the configuration file may no longer give, so it is not rebuilt from the file; the journal still holds every record from 1 to ${last}: ` +
      `if the configuration file is the one this directory was first started with, move that file out of the directory (e.g. into ${path.join(dataDir, "damaged-snapshots")}) ` +
      `and start again with the version that wrote the journal, which replays the whole journal on it; otherwise restore the directory from a backup`,
  );
  // Nothing was written, and the refused start released the lock it took.
  expect(fs.readdirSync(dataDir).sort()).toEqual(before.sort());

  // The way out, with the file the directory was first started with: the acknowledged order stands.
  fs.mkdirSync(path.join(dataDir, "damaged-snapshots"));
  fs.renameSync(snap0, path.join(dataDir, "damaged-snapshots", snapshotFileName(0n)));
  const { state: back, report } = await startState(config(dataDir, "1000"));
  expect({ snapshot: report.snapshotSequence, skipped: report.skippedSnapshots, replayed: report.replayed }).toEqual({ snapshot: undefined, skipped: [], replayed: Number(last) });
  // What the acknowledged commands made, run in memory on the first start's file.
  const reference = buildState(config(tempDir(), "1000"), new ManualClock(1_000));
  const rch = reference.openChannel().channelId;
  reference.runChannel(rch, [{ kind: "adjust", accountId: account, adjustments: [balanceAdjustment("USD", { balance: ["abs", "100000"] })] }]);
  reference.runChannel(rch, [{ kind: "execute", order: buy("500", "100", { account }), commitOnAccept: true }]);
  expect(engineState(back)).toContain('"held":{"$PositionSize":"50000"}');
  expect(engineState(back)).toBe(engineState(reference));
  await back.journal.close();
});

it("every snapshot damaged and the journal no longer from record 1: refused, restore a backup", async () => {
  const dataDir = tempDir();
  const cfg = durableConfig(dataDir); // 4 KiB segments
  const { state } = await startState(cfg);
  holdAccounts(state, 0, 80);
  await state.journal.flush();
  await state.snapshots!.take();
  const s1 = state.journal.lastSequence;
  holdAccounts(state, 80, 80);
  await state.journal.flush();
  await state.snapshots!.take(); // prunes the segments s1 covers, and snapshot 0
  const s2 = state.journal.lastSequence;
  await state.journal.close();
  expect(fs.readdirSync(dataDir).filter((f) => f.endsWith(".snap"))).toEqual([snapshotFileName(s1), snapshotFileName(s2)]);
  const first = fs.readdirSync(dataDir).filter((f) => f.endsWith(".seg")).sort()[0]!;
  expect(first).not.toBe("journal-00000000000000000001.seg");
  flipByte(path.join(dataDir, snapshotFileName(s1)), 40);
  fs.truncateSync(path.join(dataDir, snapshotFileName(s2)), 10);

  const e = await startRefusal(startState(cfg, 2_000));
  expect(e.message).toMatch(
    new RegExp(
      `^no snapshot checks out: ${snapshotFileName(s2)} \\(file is 10 bytes, shorter than the 32-byte header\\), ${snapshotFileName(s1)} \\(data fails its CRC check\\); .*; ` +
        `the journal no longer holds every record from 1 \\(journal corrupt: ${first} offset 0: the journal starts at record \\d+ but records from 1 are needed .*\\): restore the directory from a backup$`,
    ),
  );
});

it("skipped snapshots are reported: a damaged newer one passed over, and a damaged snapshot 0 over a journal with no record (nothing ever ran: a first start)", async () => {
  const dataDir = tempDir();
  const cfg = durableConfig(dataDir, 65536);
  const { state } = await startState(cfg);
  holdAccounts(state, 0, 5);
  await state.journal.flush();
  await state.snapshots!.take();
  const s1 = state.journal.lastSequence;
  await state.journal.close();
  flipByte(path.join(dataDir, snapshotFileName(s1)), 40);
  const { state: back, report } = await startState(cfg, 2_000);
  expect({ snapshot: report.snapshotSequence, skipped: report.skippedSnapshots }).toEqual({ snapshot: 0n, skipped: [`${snapshotFileName(s1)}: data fails its CRC check`] });
  await back.journal.close();

  const fresh = tempDir();
  fs.writeFileSync(path.join(fresh, snapshotFileName(0n)), Buffer.alloc(100, 7));
  const { state: first, report: firstReport } = await startState(durableConfig(fresh, 65536));
  expect({ snapshot: firstReport.snapshotSequence, skipped: firstReport.skippedSnapshots }).toEqual({ snapshot: undefined, skipped: [`${snapshotFileName(0n)}: bad magic`] });
  await first.journal.close();
});
