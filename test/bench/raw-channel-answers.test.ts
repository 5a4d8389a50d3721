/**
 * How the raw order channel hands answers over (bench/raw-channel.ts, deferred-checks.ts):
 * - the open loop's stamp-then-check order: every answer of a received chunk is stamped
 *   before the oracle checks any of them, and every check still runs, in arrival order,
 *   before the next macrotask;
 * - the correlation ring: answers in any order, more in flight than the ring holds, ids
 *   nobody waits for, and a failure handing every waiting message the error in id order.
 * Driven through the channel's real correlation and decoding, with chunks cut by the real
 * frame splitter.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OpenResponseSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { INSTRUMENTS } from "../../bench/bench-config.js";
import { DeferredChecks, checkLater, stampThenCheck } from "../../bench/deferred-checks.js";
import { FrameSplitter, frameMessages } from "../../bench/grpc-frames.js";
import { RawOrderChannel } from "../../bench/raw-channel.js";
import type { RawGrpcConnection } from "../../bench/raw-grpc.js";
import { seededRandom } from "../../bench/workload.js";

/** A connection whose one stream is fed by the test: what it gets is what a 'data' chunk would give. */
function fakeConnection(): { connection: RawGrpcConnection; deliver: (chunk: Buffer) => void; close: (e: Error) => void } {
  let splitter: FrameSplitter | undefined;
  let onClose: ((e: Error | undefined) => void) | undefined;
  const connection = {
    open(_path: string, onMessage: (m: Buffer) => void, closed: (e: Error | undefined) => void) {
      splitter = new FrameSplitter(onMessage);
      onClose = closed;
      return { queue() {}, sent: 0, writes: 0 };
    },
  } as unknown as RawGrpcConnection;
  return { connection, deliver: (chunk) => splitter!.push(chunk), close: (e) => onClose!(e) };
}

const answer = (cid: number) =>
  toBinary(OpenResponseSchema, create(OpenResponseSchema, { correlationId: BigInt(cid), results: [{ result: { case: "execute", value: { accepted: true, committed: true } } }] }));

describe("answers of one chunk are all stamped before any is checked", () => {
  it("stamps 1..3, then checks 1..3 at the end of the chunk, before the next macrotask", async () => {
    const { connection, deliver } = fakeConnection();
    const channel = new RawOrderChannel(connection, () => {
      throw new Error("stray answer");
    });
    const checks = new DeferredChecks();
    const events: string[] = [];
    const handler = stampThenCheck<number>(
      (i, a) => events.push(`stamp ${i} cid ${(a as { correlationId: number }).correlationId}`),
      (i) => events.push(`check ${i} after ${events.filter((e) => e.startsWith("stamp")).length} stamps`),
      checks,
    );
    for (let i = 0; i < 3; i++) channel.sendOrder({ accountId: 1n, instrument: INSTRUMENTS[0]!, side: "BUY", quantity: 1 }, handler, i);

    deliver(frameMessages([answer(1), answer(2), answer(3)]));
    // Synchronously after the chunk: every answer stamped, none checked yet.
    expect(events).toEqual(["stamp 0 cid 1", "stamp 1 cid 2", "stamp 2 cid 3"]);
    expect(checks.pending).toBe(3);

    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events.slice(3)).toEqual(["check 0 after 3 stamps", "check 1 after 3 stamps", "check 2 after 3 stamps"]);
    expect(checks.pending).toBe(0);
    expect(channel.inFlight).toBe(0);
  });

  it("keeps the checks of different handlers in arrival order, and run() drains them at once", () => {
    const checks = new DeferredChecks();
    const seen: string[] = [];
    const order = stampThenCheck<string>(
      (t) => seen.push(`stamp ${t}`),
      (t) => seen.push(`check ${t}`),
      checks,
    );
    const fill = checkLater<string>((t) => seen.push(`check ${t}`), checks);
    const err = new Error("lost");
    order("o1", err);
    fill("f1", err);
    order("o2", err);
    expect(seen).toEqual(["stamp o1", "stamp o2"]);
    checks.run();
    expect(seen).toEqual(["stamp o1", "stamp o2", "check o1", "check f1", "check o2"]);
    // The microtask that was scheduled finds nothing left: no check runs twice.
    checks.run();
    expect(seen).toHaveLength(5);
  });

  it("a throwing check costs no other check, none runs twice, and the first error is rethrown", () => {
    const checks = new DeferredChecks();
    const ran: number[] = [];
    const h = checkLater<number>((t) => {
      ran.push(t);
      if (t === 1 || t === 3) throw new Error(`boom ${t}`);
    }, checks);
    h(1, new Error("x"));
    h(2, new Error("x"));
    h(3, new Error("x"));
    expect(() => checks.run()).toThrow("boom 1");
    expect(ran).toEqual([1, 2, 3]);
    expect(checks.pending).toBe(0);
    checks.run();
    expect(ran).toEqual([1, 2, 3]);
  });
});

describe("the correlation ring", () => {
  const order = { accountId: 1n, instrument: INSTRUMENTS[0]!, side: "BUY" as const, quantity: 1 };

  it("matches answers in any order, with far more in flight than its first size, and reports strays", () => {
    const { connection, deliver } = fakeConnection();
    const strays: number[] = [];
    const channel = new RawOrderChannel(connection, (a) => strays.push(a.correlationId));
    const got = new Map<number, number>();
    const n = 1000;
    for (let i = 0; i < n; i++) channel.sendOrder(order, (token: number, a) => got.set(token, (a as { correlationId: number }).correlationId), i);
    expect(channel.inFlight).toBe(n);
    // Answers shuffled (cid k answers the message sent k-th, token k-1), delivered in chunks of 7.
    const random = seededRandom(5);
    const cids = Array.from({ length: n }, (_, k) => k + 1).sort(() => random() - 0.5);
    for (let k = 0; k < n; k += 7) deliver(frameMessages(cids.slice(k, k + 7).map(answer)));
    expect(channel.inFlight).toBe(0);
    expect(got.size).toBe(n);
    for (const [token, cid] of got) expect(cid).toBe(token + 1);
    // Ids nobody waits for, one of them sharing a slot with a message now waiting: strays, the waiting one untouched.
    channel.sendOrder(order, (token: number) => got.set(token, -1), 5000);
    deliver(frameMessages([answer(1), answer(n + 1 + 1024), answer(0)]));
    expect(strays).toEqual([1, n + 1 + 1024, 0]);
    expect(channel.inFlight).toBe(1);
    deliver(frameMessages([answer(n + 1)]));
    expect(got.get(5000)).toBe(-1);
    expect(channel.inFlight).toBe(0);
  });

  it("hands every waiting message the stream's failure, in the order they were sent", () => {
    const { connection, deliver, close } = fakeConnection();
    const channel = new RawOrderChannel(connection, () => {});
    const failed: number[] = [];
    for (let i = 0; i < 600; i++) channel.sendOrder(order, (token: number, a) => (a instanceof Error ? failed.push(token) : undefined), i);
    deliver(frameMessages([answer(3), answer(300)]));
    close(new Error("gone"));
    expect(failed).toEqual(Array.from({ length: 600 }, (_, i) => i).filter((i) => i !== 2 && i !== 299));
    expect(channel.inFlight).toBe(0);
    // After the failure, a send fails at once.
    channel.sendOrder(order, (token: number, a) => (a instanceof Error ? failed.push(token) : undefined), 999);
    expect(failed.at(-1)).toBe(999);
  });
});
