/**
 * Replicated mode through the wire, on a 3-node JetStream cluster: an answer leaves only
 * after the stream acknowledged its record, and the fence lives in the log (a sidecar whose
 * journal another one claimed is refused at its next append and stops, answering nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JournalFailedError } from "../../src/state/journal/journal.js";
import { CRASH, Reference, type Answer, type WireOp } from "../durability/reference.js";
import { Life, readDurable } from "../durability/wire-life.js";
import { ACCOUNTS, POLICIES, Workload } from "../durability/workload.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";
import { replicatedSetup, runOps, startInProcess, type InProcessSidecar } from "./replicated-sidecar.js";

/** Sends one operation; what it was answered, if anything ("not answered" stays undefined; a dropped call is not an answer). */
function watch(life: Life<InProcessSidecar>, op: WireOp): { answer: Answer | undefined } {
  const seen: { answer: Answer | undefined } = { answer: undefined };
  void life.run(op).then(
    (a) => {
      const transport = (a as { error?: { code?: number } }).error?.code === 14; // UNAVAILABLE: the connection went
      if (!transport) seen.answer = a;
    },
    () => undefined,
  );
  return seen;
}

describe.runIf(NATS_READY)("replicated sidecar: answers after the stream's ack, fenced writers", () => {
  let cluster: NatsCluster;
  const sidecars: InProcessSidecar[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 20_000);
  afterAll(async () => {
    for (const s of sidecars) await s.crash().catch(() => undefined);
    await cluster?.stop();
  });
  const start = async (setup: ReturnType<typeof replicatedSetup>) => {
    const s = await startInProcess(setup);
    sidecars.push(s);
    return s;
  };

  it("answers nothing while no quorum acknowledges, then fails the journal (the process would stop)", async () => {
    const setup = replicatedSetup(cluster, "ACKS", { appendTimeoutMs: 2000 });
    try {
      const life = new Life(await start(setup));
      const work = new Workload(11);
      await runOps(life, work, [], 0);
      // Two of three servers frozen: the stream has no quorum.
      await cluster.kill(0, "SIGSTOP");
      await cluster.kill(1, "SIGSTOP");
      try {
        const op = watch(life, work.next().op);
        const failure = await life.proc.failed;
        expect(failure).toBeInstanceOf(JournalFailedError);
        expect(failure.message).toMatch(/^replicated journal failed: no acknowledgement for an append to acks\.(\d|ctl) within 2000 ms/);
        // The command ran (write-ahead: appended first) but its answer was dropped with the batch.
        await new Promise((r) => setTimeout(r, 100));
        expect(op.answer).toBeUndefined();
        expect(life.proc.started.server.state.journal.status().failure).toBe(failure.message);
      } finally {
        await cluster.kill(0, "SIGCONT");
        await cluster.kill(1, "SIGCONT");
      }
    } finally {
      setup.cleanup();
    }
  });

  it("fences the first sidecar once a second one claimed the journal: its next command is not answered, its journal fails", async () => {
    const setup = replicatedSetup(cluster, "FENCE");
    try {
      const a = new Life(await start(setup));
      expect(a.proc.started.replicated?.takeover.epoch).toBe(1n);
      const work = new Workload(12);
      const log: WireOp[] = [];
      await runOps(a, work, log, 6);

      // The second sidecar reads everything the first acknowledged and claims the journal.
      const b = new Life(await start(setup));
      expect(b.proc.started.replicated?.takeover.epoch).toBe(2n);
      expect(b.proc.started.replicated?.takeover.replayed).toBe(Number(a.proc.started.server.state.journal.lastSequence));

      const op = watch(a, work.next().op);
      const failure = await a.proc.failed;
      expect(failure.message).toMatch(/^replicated journal failed: fenced: another writer has appended to fence\.(\d|ctl) since this writer's last acknowledged append there/);
      await new Promise((r) => setTimeout(r, 100));
      expect(op.answer).toBeUndefined();

      // The second holds exactly what the first acknowledged, the first's channel closed as a crash closes it.
      const held = await readDurable(b.proc, expect, "second sidecar");
      const reference = Reference.replay(setup.config, [...log, CRASH]).ref;
      expect(held.view).toEqual(reference.view(ACCOUNTS, POLICIES));
      expect(held.journal.lastSequence).toBe(reference.commands);
    } finally {
      setup.cleanup();
    }
  });
});
