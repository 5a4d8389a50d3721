/**
 * Replicated mode: a read never shows a change the stream has not acknowledged (found by
 * review). With no quorum, a block's record is never acknowledged; GetAccountState used to
 * report the block at once, and still did after the journal had failed (the next owner never
 * gets the record). Now the read waits for the acknowledgement as the change's answer does,
 * is dropped with it when the journal fails, and a read after the failure is refused at once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { create } from "@bufbuild/protobuf";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary } from "../../src/client/index.js";
import { AccountId } from "../../src/param/index.js";
import { Life } from "../durability/wire-life.js";
import { ACCOUNTS, Workload } from "../durability/workload.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";
import { replicatedSetup, runOps, startInProcess, type InProcessSidecar } from "./replicated-sidecar.js";

describe.runIf(NATS_READY)("replicated mode: reads of state the stream has not acknowledged", () => {
  let cluster: NatsCluster;
  const sidecars: InProcessSidecar[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 20_000);
  afterAll(async () => {
    for (const s of sidecars) await s.crash().catch(() => undefined);
    await cluster?.stop();
  });

  it("GetAccountState never reports a block whose record was not acknowledged", async () => {
    // Long enough for a loaded machine's first appends (the set-up's): at 2 s the journal failed
    // there once in a CI run of the whole suite, an operation was never answered, and the test
    // waited out its 60 s. A failure during the set-up now says so at once.
    const setup = replicatedSetup(cluster, "DIRTY", { appendTimeoutMs: 6000 });
    try {
      const s = await startInProcess(setup);
      sidecars.push(s);
      await Promise.race([
        runOps(new Life(s), new Workload(11), [], 0),
        s.failed.then((e) => Promise.reject(new Error(`the journal failed during the set-up, before the quorum was taken away: ${e.message}`))),
      ]);
      const accountId = ACCOUNTS[0]!;
      const admin = s.clients.admin;
      const read = () => callUnary<ad.GetAccountStateResponse>(admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId }));
      expect((await read()).block).toBeUndefined();

      // No quorum: nothing appended from now on is acknowledged.
      await cluster.kill(0, "SIGSTOP");
      await cluster.kill(1, "SIGSTOP");
      try {
        const answered: string[] = [];
        void callUnary(admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId, reason: "review" })).then(() => answered.push("block"), () => undefined);
        // The block is in the state (its record not acknowledged) before the read is sent: a read
        // sent at once may overtake it and be answered, before the block, with the clean state.
        await vi.waitFor(() => expect(s.started.server.state.engine.accounts().blockOf(AccountId.fromU64(accountId))?.reason).toBe("review"), { timeout: 5_000 });
        void read().then((r) => answered.push(`read: ${r.block?.reason ?? "no block"}`), () => undefined);
        const failure = await s.failed; // the append is never acknowledged: the journal fails
        expect(failure.message).toMatch(/no acknowledgement/);
        // Neither the change nor the read that saw it was answered; a read now is refused.
        await expect(read()).rejects.toThrow(
          /^14 UNAVAILABLE: the journal failed \(.*no acknowledgement.*\): this instance's state may hold changes that were never made durable$/,
        );
        expect(answered).toEqual([]);
      } finally {
        await cluster.kill(0, "SIGCONT");
        await cluster.kill(1, "SIGCONT");
      }
    } finally {
      setup.cleanup();
    }
  }, 60_000);
});
