/**
 * Crash consistency of the durable sidecar, end to end: a seeded random workload through
 * the wire (one account channel per process life, the fill feed, operator calls) against
 * `src/main.ts --data-dir DIR`, SIGKILLed at random points with one operation in flight,
 * restarted on the same directory each time. After every restart each account's state and
 * each policy's live settings must equal an in-process reference fed exactly the
 * acknowledged operations plus the recovery rollbacks, with or without the operation that
 * was in flight (all or nothing): nothing acknowledged lost, nothing applied twice.
 * The reference must also have answered every acknowledged operation exactly as the
 * durable process did (same results, reservation ids, rejects: a replay is deterministic).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, describe, it, type ExpectStatic } from "vitest";
import { listSegments } from "../../src/state/journal/journal-files.js";
import { CRASH, Reference, type Answer, type WireOp } from "./reference.js";
import { Life, differences, readDurable } from "./wire-life.js";
import { killAllSidecars, startSidecarProcess } from "./sidecar-process.js";
import { ACCOUNTS, POLICIES, Workload, crashConfig } from "./workload.js";

const SEEDS = [1, 2, 3];
const KILLS_PER_SEED = 8;
/**
 * Acknowledged operations per process life before the kill (inclusive range). About 300
 * journal records per seed: with 16 KiB segments (~150 compact records each) and a snapshot every
 * 40 records, every seed rolls a segment over and prunes one behind a snapshot.
 */
const LIFE_OPS: [number, number] = [25, 50];

interface Stats {
  kills: number;
  ackedOps: number;
  /** In-flight operations the restarted process turned out to have applied (and of those, answered before the kill). */
  inFlightApplied: number;
  inFlightAnswered: number;
  /** Reservations open at a crash, rolled back by recovery. */
  rolledBack: number;
  maxSnapshotSeq: bigint;
  /** Restarts that loaded a snapshot before replaying the journal's tail. */
  restartsFromSnapshot: number;
  /** Restarts that found a torn last record (cut off). */
  tornTails: number;
  maxSegmentFirstSeq: bigint;
  /** The journal's first segment was deleted behind a snapshot. */
  pruned: boolean;
  lastSequence: bigint;
}


const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function runSeed(seed: number, expect: ExpectStatic): Promise<Stats> {
  const stats: Stats = {
    kills: 0,
    ackedOps: 0,
    inFlightApplied: 0,
    inFlightAnswered: 0,
    rolledBack: 0,
    maxSnapshotSeq: 0n,
    restartsFromSnapshot: 0,
    tornTails: 0,
    maxSegmentFirstSeq: 0n,
    pruned: false,
    lastSequence: 0n,
  };
  const config = crashConfig();
  const root = mkdtempSync(join(tmpdir(), "openpit-crash-"));
  roots.add(root);
  const dataDir = join(root, "data");
  const configFile = join(root, "sidecar.json");
  writeFileSync(configFile, JSON.stringify(config));

  const work = new Workload(seed);
  const log: WireOp[] = [];
  const whats: string[] = [];
  /** The durable process's answer to log[i], when it gave one (undefined: a crash, or in flight at one). */
  const wireAnswers: (Answer | undefined)[] = [];

  let life: Life | undefined;
  try {
    life = new Life(await startSidecarProcess(configFile, dataDir));
    for (let k = 0; k < KILLS_PER_SEED; k++) {
      const where = `seed ${seed}, kill ${k + 1}`;
      const acked = [...work.lifeStart(k === 0)];
      const n = work.lifeLength(...LIFE_OPS);
      for (let i = 0; i < n || acked.length > 0; i++) {
        const planned = acked.shift() ?? work.next();
        const answer = await life.run(planned.op);
        log.push(planned.op);
        whats.push(planned.what);
        wireAnswers.push(answer);
        planned.update?.(answer);
        stats.ackedOps++;
      }

      // One more, not awaited: in flight when the process dies.
      const inFlight = work.next();
      let answered: Answer | undefined;
      life.run(inFlight.op).then(
        (a) => (answered = a),
        () => {},
      );
      // A few event-loop turns (seeded, 0-8) only vary how far it got before the kill: sent
      // or not, journaled or not, answered or not. Every outcome is checked, none is awaited.
      for (let t = work.killDelayTurns(); t > 0; t--) await turn();
      const answeredBeforeKill = answered;
      await life.proc.crash();
      stats.kills++;

      life = new Life(await startSidecarProcess(configFile, dataDir));
      const durable = await readDurable(life.proc, expect, where);

      // The two possible pasts: without the in-flight operation, and with it.
      const without = Reference.replay(config, [...log, CRASH]);
      const withIt = Reference.replay(config, [...log, inFlight.op, CRASH]);
      const viewWithout = without.ref.view(ACCOUNTS, POLICIES);
      const viewWith = withIt.ref.view(ACCOUNTS, POLICIES);
      const matchesWith = isDeepStrictEqual(durable.view, viewWith);
      const matchesWithout = isDeepStrictEqual(durable.view, viewWithout);
      const inFlightText = `in flight at the kill: ${inFlight.what}${answeredBeforeKill === undefined ? "" : " (answered before the kill)"}`;
      const lastSequence = durable.journal.lastSequence;

      let applied: boolean;
      if (answeredBeforeKill !== undefined) {
        // Acknowledged: it must have survived.
        expect(durable.view, `${where}: an acknowledged operation was lost; ${inFlightText}`).toEqual(viewWith);
        applied = true;
      } else if (matchesWith !== matchesWithout) {
        applied = matchesWith;
      } else if (matchesWith) {
        // Indistinguishable by state (e.g. a rejected order, a quote): the journal says whether it was recorded.
        expect([without.ref.commands, withIt.ref.commands], `${where}: journal last sequence ${lastSequence} fits neither past; ${inFlightText}`).toContain(lastSequence);
        applied = lastSequence === withIt.ref.commands;
      } else {
        // Neither: the diff is against the past without it; the message carries the other one.
        expect(
          durable.view,
          `${where}: the restarted state equals neither the acknowledged operations alone nor them plus the one ${inFlightText}; ` +
            `against the past with it, it differs at ${differences(durable.view, viewWith).join("; ")}`,
        ).toEqual(viewWithout);
        throw new Error("unreachable");
      }
      const chosen = applied ? withIt : without;
      if (applied) {
        log.push(inFlight.op);
        whats.push(`${inFlight.what} [in flight at kill ${k + 1}, applied]`);
        wireAnswers.push(answeredBeforeKill);
        // The client learns what the reference answered (the determinism check below vouches for it).
        inFlight.update?.(chosen.answers[chosen.answers.length - 2]!);
        stats.inFlightApplied++;
      }
      if (answeredBeforeKill !== undefined) stats.inFlightAnswered++;

      // Recovery rolled back exactly the reservations the client held open, and said so; the
      // result is what rolling each of them back by hand would have left.
      const rolledBack = chosen.answers[chosen.answers.length - 1] as number;
      expect(rolledBack, `${where}: reservations open at the crash (reference) vs held open by the client`).toBe(work.known.open.length);
      expect(life.proc.stdout(), `${where}: recovery line`).toMatch(new RegExp(`; ${rolledBack} open reservations rolled back`));
      const byHand = work.rollbackEverythingOpen();
      if (byHand) {
        const explicit = Reference.replay(config, [...log, byHand, CRASH]);
        const answer = explicit.answers[explicit.answers.length - 2] as { finalize?: unknown }[];
        expect(answer.every((r) => r.finalize !== undefined), `${where}: explicit rollbacks ${JSON.stringify(answer)}`).toBe(true);
        const viewByHand = explicit.ref.view(ACCOUNTS, POLICIES);
        expect(durable.view, `${where}: after recovery vs every open reservation rolled back by hand: ${differences(durable.view, viewByHand).join("; ")}`).toEqual(viewByHand);
      }
      stats.rolledBack += rolledBack;

      log.push(CRASH);
      whats.push(`crash ${k + 1}`);
      wireAnswers.push(undefined);
      work.crashed();

      // Determinism: the reference answered every acknowledged operation exactly as the durable process did.
      for (let i = 0; i < log.length; i++) {
        if (wireAnswers[i] === undefined) continue;
        expect(chosen.answers[i], `${where}: the reference answered op #${i} ${whats[i]} differently`).toEqual(wireAnswers[i]);
      }

      // One journal record per door command of the reference: nothing lost, nothing recorded twice.
      expect(lastSequence, `${where}: journal last sequence vs commands the reference ran (${inFlightText}, applied: ${applied})`).toBe(chosen.ref.commands);

      if (durable.journal.lastSnapshotSequence > stats.maxSnapshotSeq) stats.maxSnapshotSeq = durable.journal.lastSnapshotSequence;
      const segments = listSegments(dataDir);
      for (const s of segments) if (s.firstSequence > stats.maxSegmentFirstSeq) stats.maxSegmentFirstSeq = s.firstSequence;
      if (segments.length > 0 && segments[0]!.firstSequence > 1n) stats.pruned = true;
      stats.lastSequence = lastSequence;
      const recoveryLine = /openpit-sidecar: recovered (no snapshot|snapshot at record \d+) \+ \d+ records[^\n]*/.exec(life.proc.stdout())?.[0] ?? "";
      if (recoveryLine.includes("snapshot at record")) stats.restartsFromSnapshot++;
      if (recoveryLine.includes("torn tail")) stats.tornTails++;
    }
  } finally {
    await life?.proc.crash();
    rmSync(root, { recursive: true, force: true });
    roots.delete(root);
  }
  return stats;
}

/** Temp directories of seeds still running (removed by their `finally`, or here after a timeout). */
const roots = new Set<string>();

afterAll(async () => {
  await killAllSidecars();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

// Concurrent: each seed mostly waits for processes to start.
describe.concurrent("durable sidecar: SIGKILL at random points, restart, compare with a reference", () => {
  for (const seed of SEEDS) {
    it(
      `seed ${seed}: ${KILLS_PER_SEED} kills; after each restart every account and policy equals the reference of the acknowledged operations (+ the in-flight one, all or nothing) + recovery rollbacks`,
      async ({ expect }) => {
        const stats = await runSeed(seed, expect);
        console.log(`seed ${seed}: ${JSON.stringify(stats, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`);
        expect(stats.kills).toBe(KILLS_PER_SEED);
        // The run went through what durability is made of: reservations open at a crash,
        // snapshots, segment rollover, and pruning behind a snapshot.
        expect(stats.rolledBack, "reservations rolled back by recovery").toBeGreaterThan(0);
        expect(stats.maxSnapshotSeq, "a snapshot was taken").toBeGreaterThan(0n);
        expect(stats.restartsFromSnapshot, "restarts that loaded a snapshot").toBeGreaterThan(0);
        expect(stats.maxSegmentFirstSeq, "a segment rolled over").toBeGreaterThan(1n);
        expect(stats.pruned, "the first segment was pruned behind a snapshot").toBe(true);
      },
      240_000,
    );
  }
});
