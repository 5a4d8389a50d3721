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
});
