/**
 * End to end on a replicated sidecar: an admin change whose record is over nats-server's
 * max_payload (here 64 KiB, and a RegisterGroup of 10 000 accounts, the most one change may
 * name: about 0.1 MB as a journal record; with the default 1 MiB, 100 000 accounts showed it
 * until group changes were bounded, session 39) is answered RESOURCE_EXHAUSTED and changes
 * nothing; the journal goes on. Before, the record was taken, could never be
 * published, and failed the journal after appendTimeoutMs: no answer, the process exited,
 * and the same request failed the standby that took over. Found by review. (A BlockAccount
 * reason of 1.5 MB showed it until reasons were bounded to 4 KiB, session 34.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary } from "../../src/client/index.js";
import { ACCOUNTS } from "../durability/workload.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";
import { replicatedSetup, startInProcess, type InProcessSidecar } from "./replicated-sidecar.js";

describe.runIf(NATS_READY)("replicated: an admin change too large to journal", () => {
  let cluster: NatsCluster;
  let sidecar: InProcessSidecar | undefined;
  beforeAll(async () => {
    cluster = await startNatsCluster({ maxPayload: 64 * 1024 });
  }, 30_000);
  afterAll(async () => {
    await sidecar?.crash().catch(() => undefined);
    await cluster?.stop();
  });

  it("is refused RESOURCE_EXHAUSTED, changes nothing, and the journal goes on", async () => {
    const setup = replicatedSetup(cluster, "RVADM", { appendTimeoutMs: 3000 });
    try {
      const s = (sidecar = await startInProcess(setup));
      const accountId = ACCOUNTS[0]!;
      const block = (reason: string) => callUnary(s.clients.admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId, reason }));
      const many = Array.from({ length: 10_000 }, (_, i) => 5_000_000n + BigInt(i));
      const failure = await callUnary(s.clients.admin, "registerGroup", create(ad.RegisterGroupRequestSchema, { accountIds: many, groupId: 9 })).then(
        () => undefined,
        (e: ServiceError) => ({ code: e.code, details: e.details, kind: e.metadata.get("openpit-error-kind")[0] }),
      );
      expect(failure).toEqual({ code: 8, details: expect.stringMatching(/^command too large to journal: \d{6} bytes encoded, at most 64992$/), kind: "RESOURCE_EXHAUSTED" });
      const state = await callUnary<ad.GetAccountStateResponse>(s.clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId }));
      expect(state.block).toBeUndefined();

      await block("margin call");
      const after = await callUnary<ad.GetAccountStateResponse>(s.clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId }));
      expect(after.block?.reason).toBe("margin call");
      expect(s.failures).toHaveLength(0);
    } finally {
      setup.cleanup();
    }
  }, 60_000);
});
