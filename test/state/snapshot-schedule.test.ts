import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { runOpenRequest, type StreamChannel } from "../../src/server/services/account-channel-service.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import { SnapshotSchedule } from "../../src/state/snapshot-schedule.js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { GroupWorkload } from "../ha/group-workload.js";
import { testConfig } from "../server/harness.js";

describe("snapshot schedule", () => {
  it("checks again once a snapshot is written: a burst during the write is not left behind until the next command", async () => {
    const state = buildSidecar(parseSidecarConfig(testConfig())).state;
    // A numbering journal the door writes to (an "ephemeral" one is skipped by the door).
    const journal = new MemoryJournal();
    Object.defineProperty(journal, "mode", { value: "async" });
    state.attachJournal(journal);
    const begun: bigint[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const schedule = new SnapshotSchedule(state, journal, {
      dataDir: "",
      snapshotEveryRecords: 5,
      snapshotEverySeconds: 0,
      sink: { begin: (seq) => (begun.push(seq), () => (begun.length === 1 ? held : Promise.resolve())), prune: async () => {} },
    });
    schedule.start();
    const session: StreamChannel = { channelId: undefined };
    const work = new GroupWorkload(7);
    const run = (op: ReturnType<GroupWorkload["fund"]>) => {
      if (op.t !== "channel") throw new Error("channel operations only");
      runOpenRequest(state, session, create(ch.OpenRequestSchema, { correlationId: 1n, commands: [...op.commands] }));
    };
    for (let i = 0; i < 5; i++) run(work.fund(BigInt(100 + i)));
    await new Promise((r) => setImmediate(r));
    expect(begun).toEqual([journal.lastSequence]);
    // Twenty more records while the first snapshot is being written, then silence.
    for (let i = 0; i < 20; i++) run(work.fund(BigInt(200 + i)));
    const burstEnd = journal.lastSequence;
    release();
    for (let i = 0; i < 10 && begun.length < 2; i++) await new Promise((r) => setImmediate(r));
    expect(begun).toEqual([begun[0], burstEnd]);
    schedule.stop();
  });

  it("after stop() no scheduled snapshot starts, and take() waits for the one being written: never two writes of one sequence", async () => {
    let last = 10n;
    const journal = {
      get lastSequence() {
        return last;
      },
      status: () => ({ lastSnapshotSequence: 10n }),
      flush: async () => {},
      noteSnapshot: () => {},
    };
    const state = { onCommand: undefined as undefined | (() => void), snapshot: () => ({ sequence: last }) };
    const begun: bigint[] = [];
    const pruned: bigint[] = [];
    const puts: (() => void)[] = [];
    const schedule = new SnapshotSchedule(state as never, journal as never, {
      dataDir: "",
      snapshotEveryRecords: 1,
      snapshotEverySeconds: 0,
      restoredSnapshot: 10n,
      sink: {
        begin: (seq) => {
          begun.push(seq);
          return () => new Promise<void>((r) => puts.push(r));
        },
        prune: async (previous) => {
          pruned.push(previous);
        },
      },
    });
    schedule.start();
    last = 11n;
    state.onCommand!(); // scheduled snapshot at 11
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(begun).toEqual([11n]);
    last = 12n; // e.g. shutdown closing a channel while it is written
    schedule.stop();
    const taken = schedule.take();
    puts.shift()!(); // the scheduled write completes
    // A file write takes longer than a turn: let a few turns pass before the next put completes.
    for (let i = 0; i < 20; i++) {
      for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
      while (puts.length > 0) puts.shift()!();
    }
    await taken;
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    // Snapshot 12 must be written once (by take), and pruning must go by the previous one only.
    expect(begun).toEqual([11n, 12n]);
    expect(pruned.every((p) => p < 12n)).toBe(true);
  });

  it("once fenced nothing is written: not take(), not a write that was flushing its journal when the fence came", async () => {
    const journal = { lastSequence: 10n, status: () => ({ lastSnapshotSequence: undefined }), flush: () => flushed, noteSnapshot: () => {} };
    let release!: () => void;
    const flushed = new Promise<void>((r) => (release = r));
    const begun: bigint[] = [];
    const put: bigint[] = [];
    const schedule = new SnapshotSchedule({ onCommand: undefined, snapshot: () => ({ sequence: 10n }) } as never, journal as never, {
      dataDir: "",
      snapshotEveryRecords: 1,
      snapshotEverySeconds: 0,
      sink: { begin: (seq) => (begun.push(seq), async () => void put.push(seq)), prune: async () => {} },
    });
    const first = schedule.take(); // reads the state, then waits for the journal's flush
    schedule.fence();
    release();
    expect(await first).toBeUndefined();
    expect(await schedule.take()).toBeUndefined();
    expect({ begun, put }).toEqual({ begun: [10n], put: [] });
  });
});
