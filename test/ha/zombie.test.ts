/**
 * The zombie: the active sidecar is frozen (SIGSTOP) under a pipelined order flow until the
 * standby has taken over, then thawed (SIGCONT). Whatever it decides after waking must not
 * reach the gateway as accepted. Two lines of defence, each tested on its own:
 *
 * - the lease clock (the default): its lease counted as held for 80 % of the TTL after its
 *   last renewal, a clock that ran on while it was frozen, so it refuses the orders that
 *   waited in its socket (NOT_OWNER) and exits (75); frozen once every answer had come, so
 *   that no answer withheld for a refused append holds the refusals back;
 * - the log's fence: with `ownership.unsafeLeaseValidityMs` far above the freeze, the woken
 *   zombie still counts the lease as its own, takes the waiting orders and appends them; the
 *   stream refuses the append (the new owner's epoch markers moved every subject's last
 *   sequence: "wrong last sequence"), its journal fails, it stops serving, and the orders'
 *   answers are never written.
 *
 * Oracle: the new owner's state equals the reference fed a prefix of the pipelined orders
 * (those the old owner got into the journal before the takeover) plus the takeover's
 * rollbacks; every order the zombie answered as run lies in that prefix with the reference's
 * answer, and every order sent while it was frozen got no answer or a refusal.
 *
 * A third test: a command that waited at the frozen owner ends on the new owner through the
 * TypeScript client, because the zombie's refusal names it (or, until it has seen the new
 * owner's claim, says there is none yet, and the client retries there).
 */
import { create } from "@bufbuild/protobuf";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { NATS_READY } from "./nats-cluster.js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { OwnerFollowingChannel, callUnary } from "../../src/client/index.js";
import type { WireOp } from "../durability/reference.js";
import type { SidecarProcess } from "../durability/sidecar-process.js";
import { ACCOUNT, order as harnessOrder, seed } from "../server/harness.js";
import { as } from "../server/results.js";
import { ACCOUNTS, CRASH, Life, POLICIES, WorkloadLog, readDurable } from "./oracle.js";
import { exitOf } from "./replicated-sidecar.js";
import { LEASE_TTL_MS, logLines, replicatedSidecar, useNatsCluster, waitForRole } from "./replicated-sidecars.js";

const clusterOf = useNatsCluster();

/** A small committed buy, independent of every earlier answer (so it can be pipelined). */
function order(i: number): WireOp {
  const accountId = ACCOUNTS[i % ACCOUNTS.length]!;
  const command = create(ch.CommandSchema, {
    command: {
      case: "executePreTrade",
      value: {
        order: {
          instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
          accountId,
          side: pb.Side.BUY,
          tradeAmount: { case: "quantity", value: "1" },
          price: (95 + (i % 10)).toFixed(2),
        },
        commitOnAccept: true,
      },
    },
  });
  return { t: "channel", commands: [command] };
}

type Outcome = { kind: "answer"; answer: unknown } | { kind: "failed" } | { kind: "pending" };
type ResultJson = { error?: { code?: string; message?: string; ownerAddress?: string } };

const BEFORE = 100;
const WHILE_FROZEN = 20;

interface ZombieRun {
  readonly a: SidecarProcess;
  readonly b: SidecarProcess;
  readonly outcomes: readonly Outcome[];
  /** Fenced reason the zombie printed. */
  readonly fencedLine: string;
  readonly takeoverMs: number;
}

/**
 * The scenario: A active (with `ownership` extra keys), B standby; a pipelined flow on A,
 * frozen after BEFORE orders (mid-flow, or once all are answered: `quiesce`); WHILE_FROZEN
 * more sent to the frozen A; thawed once B serves.
 * Checks what holds in both variants (A exits 75; everything answered as run is in B's journal
 * as the reference answers it; nothing sent while frozen ran).
 */
async function zombie(tag: string, ownership: Record<string, unknown>, quiesce: boolean): Promise<ZombieRun> {
  const sa = await replicatedSidecar(clusterOf(), tag, "a", ownership);
  const a = await sa.start();
  await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
  const b = await (await replicatedSidecar(clusterOf(), tag, "b")).start();
  await waitForRole(b, ReplicationRole.STANDBY, 10_000);

  const log = new WorkloadLog(sa.config, 21);
  const gw = new Life(a);
  // Bind and fund the accounts (acknowledged), then pipeline orders without waiting.
  await log.runAcknowledged(gw, 0, true);
  const base = log.ops.length;
  const orders: WireOp[] = [];
  const outcomes: Outcome[] = [];
  const settled: Promise<unknown>[] = [];
  const send = () => {
    const i = orders.length;
    const op = order(i);
    orders.push(op);
    outcomes.push({ kind: "pending" });
    settled.push(
      gw.run(op).then(
        (answer) => (outcomes[i] = { kind: "answer", answer }),
        () => (outcomes[i] = { kind: "failed" }),
      ),
    );
  };
  // A steady flow (an order every ~2 ms), frozen in the middle: some orders answered, some in
  // the journal unanswered, perhaps some sealed and not yet sent to the stream.
  for (let i = 0; i < BEFORE; i++) {
    send();
    await new Promise((r) => setTimeout(r, 2));
  }
  // Quiesced: every answer before the freeze has come, so the zombie owes none when it wakes
  // (a channel's answers go in order: one withheld for an append the stream refuses holds back
  // the refusals after it).
  if (quiesce) await Promise.all(settled);
  a.child.kill("SIGSTOP");
  const stoppedAt = performance.now();
  // Orders sent to the frozen process wait in its socket: it reads them only after waking.
  for (let i = 0; i < WHILE_FROZEN; i++) send();
  await waitForRole(b, ReplicationRole.ACTIVE, LEASE_TTL_MS + 5_000);
  const takeoverMs = performance.now() - stoppedAt;

  const aExit = exitOf(a);
  a.child.kill("SIGCONT");
  expect(await aExit, `the zombie's exit; stderr:\n${a.stderr()}`).toBe(75);
  // Everything the gateway will ever hear from the zombie has arrived: its connection is gone.
  await Promise.all(settled);
  const fencedLine = /NOT_SERVING for good: ([^\n]*)/.exec(a.stdout())?.[1] ?? "";

  // The prefix of the pipelined orders that reached the journal: the one whose reference equals B's state.
  const durable = await readDurable(b, expect, "after the zombie's takeover");
  const lastSequence = durable.journal.lastSequence;
  let prefix = -1;
  let ref: ReturnType<WorkloadLog["reference"]> | undefined;
  for (let j = orders.length; j >= 0 && prefix < 0; j--) {
    const r = log.reference([...orders.slice(0, j), CRASH]);
    if (r.ref.commands === lastSequence && isDeepStrictEqual(r.ref.view(ACCOUNTS, POLICIES), durable.view)) {
      prefix = j;
      ref = r;
    }
  }
  expect(prefix, "no prefix of the pipelined orders explains the new owner's state").toBeGreaterThanOrEqual(0);
  // Nothing sent while A was frozen reached the journal.
  expect(prefix).toBeLessThanOrEqual(BEFORE);

  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < orders.length; i++) {
    const o = outcomes[i]!;
    if (o.kind !== "answer") continue;
    const result = (o.answer as ResultJson[])[0]!;
    // Refused before the door (NOT_OWNER, or SHUTTING_DOWN once fenced): it changed nothing anywhere.
    if (result.error !== undefined) {
      refused++;
      continue;
    }
    // Answered as run: it must be in the new owner's journal, answered as the reference answers it.
    expect(i, `order ${i} was answered as run by the zombie but is not in the new owner's journal (prefix ${prefix}): ${JSON.stringify(o.answer)}`).toBeLessThan(prefix);
    expect(o.answer).toEqual(ref!.answers[base + i]);
    accepted++;
  }
  console.log(
    `zombie (${tag}): standby serving ${takeoverMs.toFixed(0)} ms after SIGSTOP; ${orders.length} orders pipelined, ${accepted} answered as run (all in the journal, prefix ${prefix}), ` +
      `${refused} refused, ${orders.length - accepted - refused} unanswered; zombie: "${fencedLine}"`,
  );
  for (let i = BEFORE; i < orders.length; i++) {
    const o = outcomes[i]!;
    expect(o.kind === "answer" ? (o.answer as ResultJson[])[0]!.error !== undefined : true, `order ${i}, sent while frozen, was answered as run`).toBe(true);
  }
  await b.crash();
  return { a, b, outcomes, fencedLine, takeoverMs };
}

describe.runIf(NATS_READY).sequential("the zombie: SIGSTOP the active until the standby took over, then SIGCONT", () => {
  it("the lease clock: the woken zombie refuses what waited in its socket (NOT_OWNER) and exits", async () => {
    const { b, outcomes, fencedLine, a } = await zombie("zclock", {}, true);
    // Its lease clock ran while it was frozen: the first thing it does awake is give the lease up.
    expect(fencedLine).toMatch(/^lost the lease of shard \d+: the lease was not renewed within 1200 ms; exiting \(75\)/);
    // It owed no answer when frozen, so every order sent while it was frozen was answered:
    // refused NOT_OWNER, naming the new owner, or nobody yet when the zombie had not read the
    // new owner's claim from the bucket.
    for (let i = BEFORE; i < BEFORE + WHILE_FROZEN; i++) {
      const o = outcomes[i]!;
      expect(o.kind, `order ${i}`).toBe("answer");
      const error = ((o as { answer: ResultJson[] }).answer[0]!).error!;
      expect(error.code).toBe("ERROR_CODE_NOT_OWNER");
      if (error.ownerAddress === undefined) expect(error.message).toMatch(/: no instance owns it yet \(a failover is under way\): retry shortly$/);
      else {
        expect(error.ownerAddress).toBe(b.address);
        expect(error.message).toMatch(new RegExp(`: owned by instance 'b' at ${b.address}; send it there$`));
      }
    }
    const lines = logLines(a);
    expect(lines.find((l) => l.event === "lease_lost")).toMatchObject({ level: "warn", reason: "the lease was not renewed within 1200 ms" });
    expect(lines.find((l) => l.event === "fenced_exit")).toMatchObject({ newOwnerKnown: true });
  }, 90_000);

  it("the log's fence: a zombie that still counts the lease as its own appends what waited in its socket, the stream refuses it, and nothing of it is answered", async () => {
    // Far above the freeze (about the TTL): on waking the lease clock still says "held".
    const { a, outcomes, fencedLine } = await zombie("zfence", { unsafeLeaseValidityMs: 60_000 }, false);
    const lines = logLines(a);
    expect(lines.find((l) => l.event === "unsafe_lease_validity")).toMatchObject({ level: "warn", validityMs: 60_000 });
    // The refusal itself: the stream refused the zombie's append (expected last subject sequence).
    const refusal = lines.find((l) => l.event === "journal_refused");
    expect(refusal, `no journal_refused line in:\n${a.stderr()}`).toBeDefined();
    expect(refusal).toMatchObject({ level: "error" });
    expect(refusal!.msg).toMatch(/^replicated journal failed: fenced: another writer has appended to \S+ since this writer's last acknowledged append there \(stream sequence \d+\); this instance no longer owns the journal \(.*wrong last sequence.*\)/);
    expect(Number(refusal!.epoch)).toBeGreaterThan(0);
    // It stopped serving: fenced (by that refusal, or by the renewal that found the new owner's lease), and exited.
    expect(fencedLine).toMatch(/^(the journal refused an append: |lost the lease of shard \d+: another instance holds the lease)/);
    expect(lines.find((l) => l.event === "fenced")).toMatchObject({ level: "warn" });
    // The orders it took awake were appended, so none was refused up front by the lease clock:
    // each got no answer (the stream never acknowledged it) or a refusal after the fence.
    const frozen = outcomes.slice(BEFORE);
    expect(frozen.filter((o) => o.kind === "answer" && (o.answer as ResultJson[])[0]!.error === undefined)).toEqual([]);
    expect(frozen.some((o) => o.kind === "failed")).toBe(true);
  }, 90_000);

  it("a command that waited at the frozen owner ends on the new owner: the client follows the zombie's refusal", async () => {
    const a = await (await replicatedSidecar(clusterOf(), "zfollow", "a")).start();
    await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
    const b = await (await replicatedSidecar(clusterOf(), "zfollow", "b")).start();
    await waitForRole(b, ReplicationRole.STANDBY, 10_000);
    const moves: string[] = [];
    let noOwnerPauses = 0;
    const client = new OwnerFollowingChannel(a.address, { onRedirect: (from, to) => moves.push(`${from} -> ${to}`), onNoOwner: () => noOwnerPauses++ });
    try {
      const [seeded, first] = await client.send(seed("USD", "10000"), { case: "executePreTrade", value: { order: harnessOrder(), commitOnAccept: true } });
      expect(seeded!.result.case).toBe("adjustment");
      expect(as(first, "execute").accepted).toBe(true);
      expect(moves).toEqual([]);

      a.child.kill("SIGSTOP");
      const waiting = client.send({ case: "executePreTrade", value: { order: harnessOrder({ qty: "5" }), commitOnAccept: true } });
      await waitForRole(b, ReplicationRole.ACTIVE, LEASE_TTL_MS + 5_000);
      const aExit = exitOf(a);
      a.child.kill("SIGCONT");
      const [second] = await waiting;
      // Refused by the zombie (changed nothing), sent again to the owner it named, run there.
      expect(as(second, "execute").accepted).toBe(true);
      expect(moves).toEqual([`${a.address} -> ${b.address}`]);
      expect(client.address).toBe(b.address);
      console.log(`zombie follow: the client moved to the new owner after ${noOwnerPauses} pause(s) for 'no owner yet'`);
      expect(await aExit).toBe(75);
      // B holds both orders: 10 and 5 at 100 held against the 10 000.
      expect(await usdOf(b)).toEqual({ available: "8500", held: "1500" });
    } finally {
      await client.close();
      await b.crash();
    }
  }, 90_000);
});

/** The test account's USD holdings on `proc`, read through AdminService. */
async function usdOf(proc: SidecarProcess): Promise<{ available: string; held: string } | undefined> {
  const s = await callUnary<ad.GetAccountStateResponse>(proc.clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId: ACCOUNT }));
  const usd = s.holdings.find((h) => h.asset === "USD");
  return usd && { available: usd.available, held: usd.held };
}
