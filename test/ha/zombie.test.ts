/**
 * The zombie: the active sidecar is frozen (SIGSTOP) under a pipelined order flow until the
 * standby has taken over, then thawed (SIGCONT). Whatever it decides after waking must not
 * reach the gateway as accepted: it refuses commands at once (its lease clock ran on while it
 * was frozen), an append it had sealed before the freeze is refused by the journal's fence
 * (the new owner's epoch markers moved every subject's last sequence), and it exits (75).
 *
 * Oracle: the new owner's state equals the reference fed a prefix of the pipelined orders
 * (those the old owner got into the journal before the takeover) plus the takeover's
 * rollbacks; every order the zombie answered as run lies in that prefix with the reference's
 * answer, and every order after it got no answer or a refusal.
 */
import { create } from "@bufbuild/protobuf";
import { isDeepStrictEqual } from "node:util";
import { expect, it } from "vitest";
import { NATS_READY } from "./nats-cluster.js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import type { WireOp } from "../durability/reference.js";
import { ACCOUNTS, CRASH, Life, POLICIES, WorkloadLog, readDurable } from "./oracle.js";
import { exitOf } from "./replicated-sidecar.js";
import { LEASE_TTL_MS, replicatedSidecar, useNatsCluster, waitForRole } from "./replicated-sidecars.js";

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

it.runIf(NATS_READY)("SIGSTOP the active until the standby took over, SIGCONT: nothing the zombie decides afterwards reaches the gateway as accepted", async () => {
  const sa = await replicatedSidecar(clusterOf(), "zombie", "a");
  const a = await sa.start();
  await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
  const b = await (await replicatedSidecar(clusterOf(), "zombie", "b")).start();
  await waitForRole(b, ReplicationRole.STANDBY, 10_000);

  const log = new WorkloadLog(sa.config, 21);
  const gw = new Life(a);
  // Bind and fund the accounts (acknowledged), then pipeline orders without waiting.
  await log.runAcknowledged(gw, 0, true);
  const base = log.ops.length;
  const orders: WireOp[] = [];
  const outcomes: Outcome[] = [];
  const send = () => {
    const i = orders.length;
    const op = order(i);
    orders.push(op);
    outcomes.push({ kind: "pending" });
    gw.run(op).then(
      (answer) => (outcomes[i] = { kind: "answer", answer }),
      () => (outcomes[i] = { kind: "failed" }),
    );
  };
  // A steady flow (an order every ~2 ms), frozen in the middle: some orders answered, some in
  // the journal unanswered, perhaps some sealed and not yet sent to the stream.
  const BEFORE = 100;
  for (let i = 0; i < BEFORE; i++) {
    send();
    await new Promise((r) => setTimeout(r, 2));
  }
  a.child.kill("SIGSTOP");
  const stoppedAt = performance.now();
  // Orders sent to the frozen process wait in its socket: it reads them only after waking.
  for (let i = 0; i < 20; i++) send();
  await waitForRole(b, ReplicationRole.ACTIVE, LEASE_TTL_MS + 5_000);
  const takeoverMs = performance.now() - stoppedAt;
  const answeredWhileFrozen = outcomes.filter((o) => o.kind === "answer").length;

  const aExit = exitOf(a);
  a.child.kill("SIGCONT");
  expect(await aExit).toBe(75);
  // Everything the gateway will ever hear from the zombie has arrived (its connection is gone).
  await new Promise((r) => setTimeout(r, 100));
  const fencedLine = /NOT_SERVING for good: ([^\n]*)/.exec(a.stdout())?.[1] ?? "";
  expect(fencedLine).toMatch(/^(lost the lease of shard \d+: |the journal refused an append: )/);

  // The prefix of the pipelined orders that reached the journal: the one whose reference equals B's state.
  const durable = await readDurable(b, expect, "after the zombie's takeover");
  const { view } = durable;
  const lastSequence = durable.journal.lastSequence;
  let prefix = -1;
  let ref: ReturnType<WorkloadLog["reference"]> | undefined;
  for (let j = orders.length; j >= 0 && prefix < 0; j--) {
    const r = log.reference([...orders.slice(0, j), CRASH]);
    if (r.ref.commands === lastSequence && isDeepStrictEqual(r.ref.view(ACCOUNTS, POLICIES), view)) {
      prefix = j;
      ref = r;
    }
  }
  expect(prefix, "no prefix of the pipelined orders explains the new owner's state").toBeGreaterThanOrEqual(0);

  let accepted = 0;
  let refused = 0;
  const refusals = new Set<string>();
  for (let i = 0; i < orders.length; i++) {
    const o = outcomes[i]!;
    if (o.kind !== "answer") continue;
    const result = (o.answer as { error?: { code?: string; message?: string } }[])[0]!;
    if (result.error !== undefined) {
      // Refused before the door (NOT_OWNER, or SHUTTING_DOWN once fenced): it changed nothing anywhere.
      refused++;
      refusals.add(`${result.error.code}: ${result.error.message}`);
      continue;
    }
    // Answered as run: it must be in the journal, answered as the reference answers it.
    expect(i, `order ${i} was answered as run by the zombie but is not in the new owner's journal (prefix ${prefix}): ${JSON.stringify(o.answer)}`).toBeLessThan(prefix);
    expect(o.answer).toEqual(ref!.answers[base + i]);
    accepted++;
  }
  const appendRefused = /the journal refused an append[^\n]*/.exec(a.stdout())?.[0];
  console.log(
    `zombie: ${appendRefused ? `its sealed append was refused by the log ("${appendRefused}")` : "no append of it was left to refuse"}; standby serving ${takeoverMs.toFixed(0)} ms after SIGSTOP; ${orders.length} orders pipelined, ${answeredWhileFrozen} answered before/while frozen, ` +
      `${accepted} answered as run (all in the journal, prefix ${prefix}), ${refused} refused (${[...refusals].join(" | ")}), ${orders.length - accepted - refused} unanswered; zombie: "${fencedLine}"`,
  );
  // The orders sent while it was frozen were read after it woke: none ran.
  for (let i = BEFORE; i < orders.length; i++) {
    const o = outcomes[i]!;
    expect(o.kind === "answer" ? (o.answer as { error?: unknown }[])[0]!.error !== undefined : true, `order ${i}, sent while frozen`).toBe(true);
  }
  await b.crash();
}, 90_000);
