/**
 * The journal holds commands, and a replay decides them by the replaying build's rules: a
 * build that decides some command differently, replaying another build's records after a
 * crash, rebuilt a state the live run never had and started on it without a word (the
 * upgrade of session 32: a rollback after a report released holds in one build and commits
 * in the next). A snapshot now names the build that wrote the records it covers, a start
 * restored from another build's snapshot journals its own first, and a replay refuses a
 * record of another build, naming it and the way out.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountId } from "../../src/param/index.js";
import { decodeCommand } from "../../src/state/command-codec.js";
import { readJournal } from "../../src/state/journal/journal-reader.js";
import { readSnapshots, writeSnapshot } from "../../src/state/journal/snapshot-files.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import { recoverState } from "../../src/state/recovery.js";
import { ForeignRecordsError, REPLAY_RULES, THIS_WRITER, type JournalWriter } from "../../src/state/journal-writer.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";
import { VERSION } from "../../src/version.js";
import { durableConfig, heldReasons, holdAccounts } from "./durable-state.js";

const OLDER: JournalWriter = { version: VERSION, rules: REPLAY_RULES - 1 };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "openpit-writer-"));
  dirs.push(d);
  return d;
}

async function start(dir: string, writer: JournalWriter = THIS_WRITER): Promise<SidecarState> {
  const config = durableConfig(dir);
  const state = buildState(config, new ManualClock(1_000), writer);
  await recoverState(state, config.durability);
  return state;
}

/** A crash: the journal closed (every record durable), no last snapshot, the lock left for the next start. */
async function crash(state: SidecarState, dir: string): Promise<void> {
  await state.journal.close();
  fs.rmSync(path.join(dir, "LOCK"), { force: true });
}

async function startError(dir: string): Promise<string> {
  try {
    await crash(await start(dir), dir);
    return "started";
  } catch (e) {
    return (e as Error).message;
  }
}

function kinds(dir: string): string[] {
  const out: string[] = [];
  readJournal(dir, { onRecord: (r) => void out.push(decodeCommand(r.payload).kind) });
  return out;
}

const REFUSED_BY_OLDER = new RegExp(
  String.raw`^journal-\d+\.seg offset \d+: record 1 cannot be replayed: it was written by openpit-sidecar \S+ \(replay rules ${REPLAY_RULES - 1}\), and this is openpit-sidecar \S+ \(replay rules ${REPLAY_RULES}\), whose rules may decide it differently: start the version that wrote it on this state once, let it recover and stop it gracefully \(its last snapshot then covers every record\), then start this one \(docs\/operating\.md, Upgrading\)$`,
);

describe("records of another build", () => {
  it("are refused by a replay, naming the record and both builds; the state is not rebuilt under other rules", async () => {
    const dir = dataDir();
    const older = await start(dir, OLDER);
    holdAccounts(older, 0, 3);
    await crash(older, dir);
    expect(readSnapshots(dir).latest?.seq).toBe(0n);
    expect((decodePlain(readSnapshots(dir).latest!.data) as StateSnapshot).writer).toEqual(OLDER);
    expect(await startError(dir)).toMatch(REFUSED_BY_OLDER);
    // The way out: the build that wrote them recovers and stops gracefully (a last snapshot)...
    const again = await start(dir, OLDER);
    expect(heldReasons(again, 3)).toEqual(["hold 0", "hold 1", "hold 2"]);
    await again.snapshots!.take();
    await crash(again, dir);
    // ... and this one starts with nothing to replay, its own records marked from the first.
    const upgraded = await start(dir);
    expect(heldReasons(upgraded, 3)).toEqual(["hold 0", "hold 1", "hold 2"]);
    holdAccounts(upgraded, 3, 1);
    await crash(upgraded, dir);
    expect(kinds(dir).slice(-3)).toEqual(["writer", "served", "admin"]);
    // After its own crash it replays them (the writer record first) and comes back whole.
    const recovered = await start(dir);
    expect(heldReasons(recovered, 4)).toEqual(["hold 0", "hold 1", "hold 2", "hold 3"]);
    await crash(recovered, dir);
  });

  it("a snapshot of a build that did not record its writer, with records after it: refused", async () => {
    const dir = dataDir();
    const first = await start(dir);
    holdAccounts(first, 0, 2);
    await crash(first, dir);
    // Snapshot 0 as an earlier build wrote it: no writer.
    const snap = readSnapshots(dir).latest!;
    const { writer: _w, ...legacy } = decodePlain(snap.data) as StateSnapshot;
    expect(_w).toEqual(THIS_WRITER);
    await writeSnapshot(dir, snap.seq, encodePlain(legacy));
    expect((decodePlain(readSnapshots(dir).latest!.data) as StateSnapshot).writer).toBeUndefined();
    expect(await startError(dir)).toMatch(
      new RegExp(String.raw`record 1 cannot be replayed: it was written by a version that did not record itself \(before writer records\), and this is openpit-sidecar \S+ \(replay rules ${REPLAY_RULES}\)`),
    );
  });

  it("a standby following another build's records stops on the first", async () => {
    const dir = dataDir();
    const older = await start(dir, OLDER);
    older.admin({ kind: "blockAccount", accountId: AccountId.fromU64(7), reason: "x" });
    await crash(older, dir);
    const records: Uint8Array[] = [];
    readJournal(dir, { onRecord: (r) => void records.push(r.payload) });
    const standby = buildState(durableConfig(dataDir()), new ManualClock(1_000));
    standby.restore(decodePlain(readSnapshots(dir).latest!.data) as StateSnapshot);
    expect(() => standby.follow(records.at(-1)!)).toThrow(ForeignRecordsError);
    expect(standby.engine.accounts().blockOf(AccountId.fromU64(7))).toBeUndefined();
  });
});

