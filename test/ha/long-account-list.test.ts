/**
 * A replicated sidecar on a journal stream capped at 64 KiB (max_msg_size 65 536: a record
 * bound of 64 992 bytes), restarted with a strict accounts.list of 5 000 accounts with 20-digit
 * ids, 1 500 of them new with a group and a currency. Before, that start failed before it
 * served: the `applyAccountEntries` commands (up to 1000 entries, about 71 000 bytes) and the
 * `settings` record holding the whole list (about 150 000 bytes) were refused, "command too
 * large to journal" (docs/high-availability.md). Now it serves, and a cold start replaying the
 * stream holds exactly that list and those groups and currencies, journaling nothing again.
 * (test/state/long-account-list-bounded.test.ts cuts such a start at each of its records.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { connect as natsConnect } from "@nats-io/transport-node";
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary } from "../../src/client/index.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { crashConfig } from "../durability/workload.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";
import { replicatedSetup, startInProcess, type InProcessSidecar } from "./replicated-sidecar.js";

const STREAM = "LONGLIST";
/** 20-digit account ids: 10^19 + i. */
const id = (i: number) => 10_000_000_000_000_000_000n + BigInt(i);
const OLD = Array.from({ length: 3_500 }, (_, i) => ({ id: String(id(i)) }));
const NEW = Array.from({ length: 1_500 }, (_, i) => ({ id: String(id(3_500 + i)), group: 9, currency: "EUR" }));

describe.runIf(NATS_READY)("replicated: a long strict accounts.list on a stream capped at 64 KiB", () => {
  let cluster: NatsCluster;
  const started: InProcessSidecar[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 30_000);
  afterAll(async () => {
    for (const s of started) await s.crash().catch(() => undefined);
    await cluster?.stop();
  });

  const setupWith = (list: readonly object[]) => replicatedSetup(cluster, STREAM, {}, {}, { accounts: { ...(crashConfig().accounts as object), strict: true, list } });
  const stateOf = (s: InProcessSidecar) => (s.started.replicated!.replica as unknown as { state: SidecarState }).state;
  const accountState = (s: InProcessSidecar, accountId: bigint) => callUnary<ad.GetAccountStateResponse>(s.clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId }));

  it("starts with 5 000 accounts (1 500 new with a group and a currency), serves, and a cold start replays exactly that list", async () => {
    const nc = await natsConnect({ servers: [...cluster.urls] });
    await (await jetstreamManager(nc)).streams.add({
      name: STREAM, subjects: [`${STREAM.toLowerCase()}.>`], num_replicas: 3, storage: StorageType.File,
      retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old, max_msg_size: 64 * 1024, duplicate_window: 120_000_000_000,
    });
    await nc.close();
    const setups = [setupWith(OLD), setupWith([...OLD, ...NEW])];
    try {
      const first = await startInProcess(setups[0]!);
      started.push(first);
      await first.crash();

      const second = await startInProcess(setups[1]!);
      started.push(second);
      const report = second.started.replicated!.takeover;
      expect(report.accountEntriesApplied).toHaveLength(1_500);
      expect(report.settingsChanged).toBe(true);
      const fresh = await accountState(second, id(4_999));
      expect([fresh.groupId, fresh.currency]).toEqual([9, "EUR"]);
      const old = await accountState(second, id(0));
      expect([old.groupId, old.currency]).toEqual([0, "USD"]);
      const list = [...stateOf(second).configuredAccounts()].sort((a, b) => (a < b ? -1 : 1));
      expect(list).toEqual(Array.from({ length: 5_000 }, (_, i) => id(i)));
      expect(second.failures).toHaveLength(0);
      const live = stateOf(second).executionSettings();
      await second.crash();

      const third = await startInProcess(setups[1]!);
      started.push(third);
      const again = third.started.replicated!.takeover;
      expect(again.replayed).toBeGreaterThan(0);
      expect([again.settingsChanged, again.accountEntriesApplied]).toEqual([false, []]);
      expect(stateOf(third).executionSettings()).toEqual(live);
      const replayed = await accountState(third, id(3_500));
      expect([replayed.groupId, replayed.currency]).toEqual([9, "EUR"]);
      await third.crash();
    } finally {
      for (const s of setups) s.cleanup();
    }
  }, 90_000);
});
