/**
 * Found by review (session 30): a cold start on a stream purged past its snapshot's resume
 * point was refused with a JournalTailError that reached main.ts as "cannot start" (exit 70,
 * "the next start recovers": a supervisor would restart it in a loop). It is "the durable
 * state cannot be recovered" (exit 2), and the message says what is gone and what to do.
 *
 * Found by review (session 30) too: that failed start's shutdown closed every channel the
 * snapshot restored, logging channel_closed / reservations_rolled_back at journal sequences
 * nothing had journaled (test/replication/shutdown-unserved.test.ts checks it in-process).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Life } from "../durability/wire-life.js";
import { Workload } from "../durability/workload.js";
import type { WireOp } from "../durability/reference.js";
import { killAllSidecars } from "../durability/sidecar-process.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";
import { replicatedSetup, runOps, startInProcess, type InProcessSidecar } from "./replicated-sidecar.js";

describe.runIf(NATS_READY)("a cold start on a stream purged past its snapshot", () => {
  let cluster: NatsCluster;
  const inProcess: InProcessSidecar[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 30_000);
  afterAll(async () => {
    for (const s of inProcess) await s.crash().catch(() => undefined);
    await killAllSidecars();
    await cluster?.stop();
  });

  /** The failed start of the sidecar process on a stream purged past its snapshot: its exit code and output. */
  let outcome: Promise<{ code: number | null; text: string }> | undefined;
  const failedStart = () =>
    (outcome ??= (async () => {
      const setup = replicatedSetup(cluster, "PURGED", {}, { snapshotEveryRecords: 10 });
      try {
        const first = new Life(await startInProcess(setup));
        inProcess.push(first.proc);
        await runOps(first, new Workload(7), [] as WireOp[], 30, true);
        await first.proc.crash();
        // Records after the snapshot, then every message purged (an operator's `nats stream purge`).
        const nc = await connect({ servers: [...cluster.urls] });
        const jsm = await jetstreamManager(nc);
        const before = (await jsm.streams.info("PURGED")).state;
        await jsm.streams.purge("PURGED");
        await nc.close();
        expect(before.last_seq).toBeGreaterThan(10);
        return await setup.start().then(
          async (p) => {
            await p.crash();
            return { code: -1 as number | null, text: "it started and listened" };
          },
          (e: Error) => ({ code: Number(/code (\d+)/.exec(e.message)?.[1]), text: e.message }),
        );
      } finally {
        setup.cleanup();
      }
    })());

  it("is refused as durable state that cannot be recovered: exit 2, naming the messages gone and the way out", async () => {
    const o = await failedStart();
    expect(o.text).toMatch(/cannot recover durable state: stream PURGED starts at sequence \d+, but reading must start at \d+ \(after the snapshot\): messages \d+\.\.\d+ are gone/);
    expect(o.text).toMatch(/Restore the stream that matches the snapshot .*, or start on a new stream and snapshot bucket/);
    expect(o.code, o.text).toBe(2);
  }, 60_000);

  it("reports no rollback of the snapshot's reservations: nothing was journaled, the next start that recovers rolls them back", async () => {
    const o = await failedStart();
    expect(o.text).toMatch(/are gone/);
    const claimed = o.text.split("\n").filter((l) => /"event":"(reservations_rolled_back|channel_closed)"/.test(l));
    expect(claimed, claimed.join("\n")).toEqual([]);
  }, 60_000);
});
