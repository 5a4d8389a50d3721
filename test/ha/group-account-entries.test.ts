/**
 * With several ownership groups, one configuration file serves the whole deployment, and its
 * `accounts.list` names accounts of every shard. Each group's engine, journal and snapshot
 * held every entry: the owner of shards {0,1} admitted, grouped and listed an account of shard
 * 2, which only the other group serves (found by review, session 36). Now a group's state
 * takes only the entries of its own shards, on a strict list as well.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { callUnary } from "../../src/client/index.js";
import { AccountId } from "../../src/param/index.js";
import { NATS_READY } from "./nats-cluster.js";
import { useNatsCluster } from "./replicated-sidecars.js";
import { failoverConfig, startFailoverInstance, waitRole, engineGroupOf } from "./failover-instances.js";
import { accountsByShard } from "./group-workload.js";

const clusterOf = useNatsCluster();

describe.runIf(NATS_READY).sequential("accounts.list entries with several ownership groups", () => {
  for (const strict of [false, true]) {
    it(`the owner of shards {0,1} holds only the entries of its shards${strict ? " (strict list)" : ""}`, async () => {
      const byShard = accountsByShard(1);
      const own = byShard[0]![0]!;
      const foreign = byShard[2]![0]!;
      const config = await failoverConfig(clusterOf(), `entries-${strict}`, "a", {
        accounts: { strict, defaultCurrency: "USD", list: [{ id: Number(own), group: 9 }, { id: Number(foreign), group: 9 }] },
      });
      (config.ownership as Record<string, unknown>).shards = [0, 1];
      (config.ownership as Record<string, unknown>).crossShard = "per-instance";
      const a = await startFailoverInstance("a", config);
      try {
        await waitRole(a, ReplicationRole.ACTIVE, 15_000);
        const listed = await callUnary<op.ListAccountsResponse>(a.clients.admin, "listAccounts", create(op.ListAccountsRequestSchema, {}));
        const ids = listed.accounts.map((x) => x.accountId);
        expect({
          own: engineGroupOf(a, own),
          ownListed: ids.includes(own),
          foreign: engineGroupOf(a, foreign),
          foreignListed: ids.includes(foreign),
          foreignKnown: a.started.server.state.knownAccounts?.has(AccountId.fromU64(foreign)) ?? "no strict list",
        }).toEqual({ own: 9, ownListed: true, foreign: undefined, foreignListed: false, foreignKnown: strict ? false : "no strict list" });
      } finally {
        await a.stop();
      }
    }, 60_000);
  }
});
