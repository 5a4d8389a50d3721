/**
 * Two instances of one group on a new deployment, started together, each with its own
 * configuration file (here: account 2 in group 7 in A's, in group 8 in B's). The journal's
 * records run on the state its first writer started from, which that writer stores as its
 * snapshot 0 (docs/durability.md: no later start rebuilds history from a file that may have
 * changed since). Found by review: the instance that lost the lease race had followed the
 * stream from record 1 on the state ITS file built, before snapshot 0 existed; it held group
 * 8 as a standby and served with it after a StepDown, while the journal (and any instance
 * started later from the snapshot) held 7. A standby that finds no snapshot now waits for the
 * first writer's, restores it and follows after it.
 *
 * The race is made deterministic: a stand-in holds the deployment's leases while both start,
 * so both have looked for a snapshot and found none; then it lets go, and one of them takes over.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { NATS_READY } from "./nats-cluster.js";
import { replicationStatus, useNatsCluster } from "./replicated-sidecars.js";
import {
  engineGroupOf,
  failoverConfig,
  gauge,
  holdLeases,
  roleOf,
  startFailoverInstance,
  stepDown,
  until,
  waitRole,
  type FailoverInstance,
} from "./failover-instances.js";

const clusterOf = useNatsCluster();
const all: FailoverInstance[] = [];
afterAll(async () => {
  for (const i of all) await i.stop().catch(() => undefined);
});

const accounts = (group: number) => ({ accounts: { defaultCurrency: "USD", list: [{ id: 2, group }] } });
/**
 * Every hand-over here deletes the leases (the stand-in's release, a StepDown): nothing waits for
 * one to lapse. A long TTL keeps a loaded machine from fencing the active between two steps (a
 * full run beside other HA work once saw the winner fenced before its StepDown).
 */
const TTL = 10_000;
const applied = async (i: FailoverInstance): Promise<bigint> => (await replicationStatus(i.clients)).appliedSequence;
const events = (i: FailoverInstance, event: string) => i.log.filter((l) => l.event === event);

describe.runIf(NATS_READY).sequential("a new deployment's instances started together with different files", () => {
  it("the standby follows the winner's snapshot 0, not its own file; so does the instance that takes over from it", async () => {
    const ca = await failoverConfig(clusterOf(), "first", "a", accounts(7), TTL);
    const cb = await failoverConfig(clusterOf(), "first", "b", accounts(8), TTL);
    const holder = await holdLeases(ca);
    const [a, b] = await Promise.all([startFailoverInstance("a", ca), startFailoverInstance("b", cb)]);
    all.push(a, b);
    const fileGroup = new Map([
      [a, 7],
      [b, 8],
    ]);
    // Both standbys, neither follows yet: no snapshot is stored, nothing is applied.
    for (const i of [a, b]) {
      expect(await roleOf(i)).toBe(ReplicationRole.STANDBY);
      expect(events(i, "standby")).toMatchObject([{ waitingForSnapshot: true, snapshotSequence: null, fromStreamSequence: null }]);
      expect(await gauge(i, "openpit_replication_waiting_for_snapshot")).toBe(1);
      expect(await applied(i)).toBe(0n);
    }

    await holder.release();
    let winner: FailoverInstance | undefined;
    await until("one of them active", 10_000, async () => {
      for (const i of [a, b]) if ((await roleOf(i)) === ReplicationRole.ACTIVE) winner = i;
      return winner !== undefined;
    });
    const loser = winner === a ? b : a;
    const journalGroup = fileGroup.get(winner!)!;
    // Said on failure: the CI run on 603b732 (a loaded machine) saw the winner hold the other's
    // file group once, not reproduced since; which instance claimed when, and whether one was
    // fenced, tells a lease lost under load from a wrong restore.
    const story = () =>
      [a, b]
        .map((i) => `${i.id}: fenced ${i.fenced ?? "no"}; ${i.log.map((l) => String(l.event)).filter((e) => /standby|claim|active|fenced|takeover|serving/i.test(e)).join(", ")}`)
        .join(" | ");
    expect(engineGroupOf(winner!, 2n), `winner ${winner!.id}: ${story()}`).toBe(journalGroup);
    // The loser restores the winner's snapshot 0 (taken before it served) and follows after it.
    const end = await applied(winner!);
    await until(`${loser.id} at the winner's record ${end}`, 10_000, async () => (await applied(loser)) === end);
    expect(await roleOf(loser)).toBe(ReplicationRole.STANDBY);
    expect(await gauge(loser, "openpit_replication_waiting_for_snapshot")).toBe(0);
    expect(events(loser, "standby_following")).toMatchObject([{ snapshotSequence: expect.any(String), fromStreamSequence: expect.any(Number) }]);
    expect({ standby: engineGroupOf(loser, 2n) }, `winner ${winner!.id} (file group ${journalGroup}), loser ${loser.id} (file group ${fileGroup.get(loser)})`).toEqual({
      standby: journalGroup,
    });

    // Handed over, the loser serves the journal's group (its file's differs: logged, not applied).
    await stepDown(winner!);
    await waitRole(loser, ReplicationRole.ACTIVE, 5_000);
    expect(engineGroupOf(loser, 2n)).toBe(journalGroup);

    // An instance started later restores the snapshot at once, and holds the same.
    const c = await startFailoverInstance("c", await failoverConfig(clusterOf(), "first", "c", accounts(9), TTL));
    all.push(c);
    expect(events(c, "standby")).toMatchObject([{ waitingForSnapshot: false, snapshotSequence: expect.any(String) }]);
    const now = await applied(loser);
    await until(`c at record ${now}`, 10_000, async () => (await applied(c)) === now);
    expect(engineGroupOf(c, 2n)).toBe(journalGroup);
  }, 60_000);

  it("a first writer that died before its snapshot 0: the waiting standby takes over from the stream's first record, on its own file", async () => {
    const cb = await failoverConfig(clusterOf(), "died", "b", accounts(8), TTL);
    // It claimed the journal (its markers are the stream's records) and wrote no snapshot.
    const holder = await holdLeases(cb, { claim: true });
    const b = await startFailoverInstance("b", cb);
    all.push(b);
    expect(events(b, "standby")).toMatchObject([{ waitingForSnapshot: true }]);
    await holder.release();
    await waitRole(b, ReplicationRole.ACTIVE, 10_000);
    // Nothing else to replay on (docs/durability.md: no snapshot, the journal replayed on the file).
    expect(engineGroupOf(b, 2n)).toBe(8);
    expect(events(b, "standby_following")).toEqual([]);
    expect(await gauge(b, "openpit_replication_waiting_for_snapshot")).toBe(0);
    // Its takeover stored snapshot 0: a standby started now restores it (its own file says 9).
    const c = await startFailoverInstance("c", await failoverConfig(clusterOf(), "died", "c", accounts(9), TTL));
    all.push(c);
    expect(events(c, "standby")).toMatchObject([{ waitingForSnapshot: false, snapshotSequence: expect.any(String) }]);
    const now = await applied(b);
    await until(`c at record ${now}`, 10_000, async () => (await applied(c)) === now);
    expect(engineGroupOf(c, 2n)).toBe(8);
  }, 60_000);
});
