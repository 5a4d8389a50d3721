/**
 * Found by review (session 30): a snapshot that kept failing (a full disk: ENOSPC at its
 * temporary file) was retried every event-loop turn. A failure did not move the sequence the
 * record count started from, so the count still held, and the check after every write started
 * the next attempt at once: a whole-state encode and a stderr line per turn, with no command
 * coming in. Now a failed attempt waits for the schedule again: another snapshotEveryRecords
 * records, or snapshotEverySeconds, counted from the attempt that failed.
 */
import { afterEach, expect, it, vi } from "vitest";
import { SnapshotSchedule } from "../../src/state/snapshot-schedule.js";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The schedule's journal and state, answering with the sequence `setLast` gives; stderr recorded. */
function stubs() {
  const stderr: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
  let last = 0n;
  const journal = {
    get lastSequence() {
      return last;
    },
    flush: async () => {},
    noteSnapshot: () => {},
  };
  const state = { onCommand: undefined as undefined | (() => void), snapshot: () => ({ sequence: last }) };
  return { stderr, journal, state, setLast: (to: bigint) => void (last = to) };
}

async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

it("a failing snapshot is tried again after another snapshotEveryRecords records or snapshotEverySeconds, not every turn", async () => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  let now = 0;
  vi.spyOn(performance, "now").mockImplementation(() => now);
  const { stderr, journal, state, setLast } = stubs();
  const attempts: bigint[] = [];
  const written: bigint[] = [];
  const pruned: bigint[] = [];
  let diskFull = true;
  const schedule = new SnapshotSchedule(state as never, journal as never, {
    dataDir: "",
    snapshotEveryRecords: 5,
    snapshotEverySeconds: 300,
    sink: {
      begin: (seq) => {
        attempts.push(seq);
        return async () => {
          if (diskFull) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
          written.push(seq);
        };
      },
      prune: async (previous) => void pruned.push(previous),
    },
  });
  schedule.start();
  const command = async (to: bigint) => {
    setLast(to);
    state.onCommand!();
    await turns();
  };

  // The count crosses 5: one attempt, which fails; then nothing, however many turns pass.
  await command(5n);
  expect(attempts).toEqual([5n]);
  expect(schedule.lastError).toMatch(/ENOSPC/);
  // Four more records: not yet another snapshotEveryRecords since the failed attempt.
  await command(9n);
  expect(attempts).toEqual([5n]);
  // The fifth: tried again (still failing).
  await command(10n);
  expect(attempts).toEqual([5n, 10n]);
  // No command for a while: the clock check once a second starts nothing before snapshotEverySeconds...
  now = 299_000;
  vi.advanceTimersByTime(1_000);
  await turns();
  expect(attempts).toEqual([5n, 10n]);
  // ...and one attempt once that much time passed since the failed attempt; the disk has room again.
  diskFull = false;
  now = 300_000;
  vi.advanceTimersByTime(1_000);
  await turns();
  expect({ attempts, written, pruned }).toEqual({ attempts: [5n, 10n, 10n], written: [10n], pruned: [0n] });
  expect(schedule.lastError).toBeUndefined();
  expect(stderr.filter((l) => l.includes("snapshot at record"))).toEqual([
    "openpit-sidecar: snapshot at record 5 failed: ENOSPC: no space left on device\n",
    "openpit-sidecar: snapshot at record 10 failed: ENOSPC: no space left on device\n",
  ]);

  // After a success, as before: the next one after snapshotEveryRecords records from it.
  await command(14n);
  expect(written).toEqual([10n]);
  await command(15n);
  expect({ attempts, written, pruned }).toEqual({ attempts: [5n, 10n, 10n, 15n], written: [10n, 15n], pruned: [0n, 10n] });
  schedule.stop();
});

// Found by review (session 31, fixed in 32): a snapshot written whose prune then failed was
// reported as "snapshot at record N failed", and lastError kept, though the snapshot stood.
it("a snapshot written whose removal of older files fails is reported as written; the schedule goes on from it", async () => {
  const { stderr, journal, state, setLast } = stubs();
  const written: bigint[] = [];
  const schedule = new SnapshotSchedule(state as never, journal as never, {
    dataDir: "",
    snapshotEveryRecords: 0,
    snapshotEverySeconds: 0,
    sink: {
      begin: (seq) => async () => void written.push(seq),
      prune: async () => {
        throw Object.assign(new Error("EACCES: permission denied, unlink 'journal-1.seg'"), { code: "EACCES" });
      },
    },
  });
  setLast(7n);
  expect(await schedule.take()).toBe(7n);
  expect({ written, lastError: schedule.lastError }).toEqual({ written: [7n], lastError: undefined });
  expect(stderr).toEqual([
    "openpit-sidecar: snapshot at record 7 written; removing what it supersedes failed (removed after the next snapshot): EACCES: permission denied, unlink 'journal-1.seg'\n",
  ]);
  // Nothing journaled since: the snapshot on disk stands (not written again).
  expect(await schedule.take()).toBe(7n);
  expect(written).toEqual([7n]);
});

// Found by review of the exit-70 stop (session 32): fenced (a lost lease, StepDown), an instance
// takes no last snapshot (they are the new owner's), so a scheduled failure from before was never
// cleared, and a SIGTERM in the fenced window exited 70, "the last snapshot failed".
it("fenced, the schedule reports no earlier failure: the snapshots are the new owner's", async () => {
  const { journal, state, setLast } = stubs();
  let storeDown = true;
  const schedule = new SnapshotSchedule(state as never, journal as never, {
    dataDir: "",
    snapshotEveryRecords: 1,
    snapshotEverySeconds: 0,
    sink: {
      begin: () => async () => {
        if (storeDown) throw new Error("TIMEOUT: object store put");
      },
      prune: async () => {},
    },
  });
  schedule.start();
  setLast(5n);
  state.onCommand!();
  await turns();
  expect(schedule.lastError).toBe("TIMEOUT: object store put");
  storeDown = false;
  // What onFenced and then server.shutdown() do.
  schedule.fence();
  schedule.stop();
  expect(await schedule.take()).toBeUndefined();
  expect(schedule.lastError).toBeUndefined();
});
