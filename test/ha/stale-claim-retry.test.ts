/**
 * A claim whose markers were refused retries with its given epoch (a lease revision), which
 * its own markers may carry if they landed unacknowledged. It used to retry with it also when
 * the stream held a higher epoch's markers, another instance's claim made while this one
 * stalled: the stale claimant's markers landed after the newer writer's, fenced that writer
 * (its next append refused), and broke "a subject's epochs never go down", so that with
 * signing every later reader halted on them as a replay (found by review). Such a retry is
 * now refused as stale.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JetStreamClient } from "@nats-io/jetstream";
import { claimJournal } from "../../src/replication/claim.js";
import { connectJournal, type JournalLink } from "../../src/replication/journal-stream.js";
import { JournalTail } from "../../src/replication/journal-tail.js";
import { RecordSigner } from "../../src/replication/record-signing.js";
import type { JournalFailedError } from "../../src/state/journal/journal.js";
import type { Command } from "../../src/state/commands.js";
import type { AccountId } from "../../src/param/ids.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";

const SHARDS = 2;
const feed = (accountId: bigint): Command => ({ kind: "feed", ts: 1, reports: [{ operation: { accountId: accountId as AccountId } }] });
const bytes = (t: string) => new TextEncoder().encode(t);
const KEY = Buffer.from("a review key that is long enough to be used for signing", "utf8");

describe.runIf(NATS_READY)("a stale claim retried after a newer writer's markers", () => {
  let cluster: NatsCluster;
  const links: JournalLink[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 30_000);
  afterAll(async () => {
    for (const l of links) await l.nc.close().catch(() => undefined);
    await cluster?.stop();
  });

  async function open(stream: string) {
    const prefix = stream.toLowerCase();
    const link = await connectJournal({ servers: cluster.urls, stream, subjectPrefix: prefix, replicas: 3 });
    links.push(link);
    return { link, subjects: { prefix, shardCount: SHARDS } };
  }
  const tailOf = (l: JournalLink, stream: string, signer?: RecordSigner, onError?: (e: Error) => void) =>
    new JournalTail({ js: l.js, jsm: l.jsm, stream, fromStreamSequence: 1, nextSequence: 1n, epoch: 0n, onRecord: () => undefined, ...(signer ? { signer } : {}), ...(onError ? { onError } : {}) });

  async function scenario(stream: string, signer?: RecordSigner) {
    const { link: l, subjects } = await open(stream);
    const sig = signer ? { signer } : {};
    // A: the first writer, epoch 10, one record.
    const tA = tailOf(l, stream, signer);
    await tA.start();
    const a = await claimJournal({ connection: l.nc, js: l.js, jsm: l.jsm, stream, subjects, tail: tA, instanceId: "a", epoch: 10n, ...sig });
    a.append(bytes("a1"), feed(1n));
    await a.flush();

    // B (epoch 20, its lease revision) and C (epoch 30, a later lease revision) are standbys.
    const tB = tailOf(l, stream, signer);
    await tB.start();
    const tC = tailOf(l, stream, signer);
    await tC.start();

    // B is held up between reading the stream and publishing its markers (a pause, a slow
    // link) long enough for its lease to lapse and C to claim; C takes the journal meanwhile.
    let cClaim: Promise<Awaited<ReturnType<typeof claimJournal>>> | undefined;
    const cFailures: JournalFailedError[] = [];
    const realB = l.js;
    const jsB = new Proxy(realB, {
      get(target, prop, receiver) {
        if (prop === "publish") {
          return async (...args: Parameters<JetStreamClient["publish"]>) => {
            cClaim ??= claimJournal({ connection: l.nc, js: l.js, jsm: l.jsm, stream, subjects, tail: tC, instanceId: "c", epoch: 30n, onFatal: (e) => cFailures.push(e), ...sig });
            await cClaim;
            return realB.publish(...args);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as JetStreamClient;
    const bOutcome = await claimJournal({ connection: l.nc, js: jsB, jsm: l.jsm, stream, subjects, tail: tB, instanceId: "b", epoch: 20n, ...sig }).then(
      (j) => ({ ok: true as const, j }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    const c = await cClaim!;
    expect(c.epoch).toBe(30n);
    return { l, c, cFailures, bOutcome };
  }

  it("B's retry with epoch 20 after C's epoch-30 markers is refused as stale; C keeps the journal", async () => {
    const { c, cFailures, bOutcome } = await scenario("RFS1");
    // B must not claim below an epoch the stream already holds.
    expect(bOutcome.ok, bOutcome.ok ? `B claimed at epoch ${bOutcome.j.epoch} after C's epoch-30 markers` : "").toBe(false);
    if (!bOutcome.ok) expect(String(bOutcome.e)).toBe("JournalClaimError: epoch 20 is stale: the stream already holds epoch 30");
    // And the legitimate newer writer C is not fenced by the stale one.
    c.append(bytes("c1"), feed(1n));
    await expect(c.flush()).resolves.toBeUndefined();
    expect(cFailures).toEqual([]);
  }, 60_000);

  it("with signing: after the race, a fresh reader of the stream is not halted (no lower epoch after a higher one)", async () => {
    const signer = new RecordSigner(KEY);
    const { l } = await scenario("RFS2", signer);
    const errors: Error[] = [];
    const reader = tailOf(l, "RFS2", signer, (e) => errors.push(e));
    await reader.start();
    await reader.catchUp(10_000).catch((e: unknown) => errors.push(e as Error));
    await reader.stop();
    expect(errors.map((e) => e.message)).toEqual([]);
  }, 60_000);
});
