/**
 * The open loop's stamp-then-check order (bench/deferred-checks.ts): every answer of a
 * received chunk is stamped before the oracle checks any of them, and every check still
 * runs, in arrival order, before the next macrotask. Driven through the raw order channel's
 * real correlation and decoding, with the chunk cut by the real frame splitter.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OpenResponseSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { INSTRUMENTS } from "../../bench/bench-config.js";
import { DeferredChecks, checkLater, stampThenCheck } from "../../bench/deferred-checks.js";
import { FrameSplitter, frameMessages } from "../../bench/grpc-frames.js";
import { RawOrderChannel } from "../../bench/raw-channel.js";
import type { RawGrpcConnection } from "../../bench/raw-grpc.js";

/** A connection whose one stream is fed by the test: what it gets is what a 'data' chunk would give. */
function fakeConnection(): { connection: RawGrpcConnection; deliver: (chunk: Buffer) => void } {
  let splitter: FrameSplitter | undefined;
  const connection = {
    open(_path: string, onMessage: (m: Buffer) => void) {
      splitter = new FrameSplitter(onMessage);
      return { queue() {}, sent: 0, writes: 0 };
    },
  } as unknown as RawGrpcConnection;
  return { connection, deliver: (chunk) => splitter!.push(chunk) };
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

  it("a throwing check does not leave the others to run twice", () => {
    const checks = new DeferredChecks();
    let runs = 0;
    const h = checkLater<number>((t) => {
      runs++;
      if (t === 1) throw new Error("boom");
    }, checks);
    h(1, new Error("x"));
    h(2, new Error("x"));
    expect(() => checks.run()).toThrow("boom");
    expect(checks.pending).toBe(0);
    checks.run();
    expect(runs).toBe(1);
  });
});
