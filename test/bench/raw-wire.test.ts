/**
 * The raw generator's wire (bench/order-wire.ts, answer-wire.ts, grpc-frames.ts,
 * raw-grpc.ts, raw-channel.ts): its requests byte for byte what protobuf-es encodes for
 * the same messages, its answer views what protobuf-es decodes, the framing across any
 * split or merge of chunks, and the whole path against the real server with the oracle.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { OpenRequestSchema, OpenResponseSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { PublishRequestSchema, PublishResponseSchema } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { PnlHaltReason, RejectCode } from "../../gen/openpit/sidecar/v1/types_pb.js";
import { decodeOpenAnswer, decodePublishAnswer } from "../../bench/answer-wire.js";
import { benchSidecarConfig, INSTRUMENTS } from "../../bench/bench-config.js";
import { FrameSplitter, frameMessages } from "../../bench/grpc-frames.js";
import { Oracle } from "../../bench/oracle.js";
import { encodeFillRequest, encodeOrderRequest, encodeTopUpRequest } from "../../bench/order-wire.js";
import { RawGrpcConnection } from "../../bench/raw-grpc.js";
import { seededRandom } from "../../bench/workload.js";
import { balanceCommand, fillReport, openRequest, orderCommand, type Side } from "../../bench/wire.js";
import { openWorld } from "../../bench/world.js";
import { startHarness, type Harness } from "../server/harness.js";

const CIDS = [1, 127, 128, 16_383, 16_384, 300_000, 0xffff_ffff];
const ACCOUNTS = [1n, 127n, 1_000_000n, 1_001_999n, 2n ** 40n, 2n ** 63n + 5n];
const QUANTITIES = [1, 20, 540, 4095, 4096, 123_456];

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("raw generator requests are byte for byte protobuf-es's", () => {
  it("orders (every instrument, both sides, ids and quantities across varint sizes)", () => {
    for (const instrument of INSTRUMENTS)
      for (const side of ["BUY", "SELL"] as Side[])
        for (const cid of CIDS)
          for (const accountId of ACCOUNTS)
            for (const quantity of QUANTITIES) {
              const expected = toBinary(OpenRequestSchema, openRequest(BigInt(cid), [orderCommand(accountId, instrument, side, quantity)]));
              expect(hex(encodeOrderRequest(cid, accountId, instrument, side, quantity))).toBe(hex(expected));
            }
  });

  it("top-ups", () => {
    for (const cid of CIDS)
      for (const accountId of ACCOUNTS) {
        const expected = toBinary(OpenRequestSchema, openRequest(BigInt(cid), [balanceCommand(accountId, "USD", { delta: "50000" })]));
        expect(hex(encodeTopUpRequest(cid, accountId, "USD", "50000"))).toBe(hex(expected));
      }
  });

  it("fill reports, final and partial, one or many per message (bodies over 127 bytes included)", () => {
    const random = seededRandom(7);
    for (const cid of CIDS)
      for (const count of [1, 2, 3, 40]) {
        const fills = Array.from({ length: count }, () => {
          const quantity = 1 + Math.floor(random() * 5000);
          return {
            accountId: ACCOUNTS[Math.floor(random() * ACCOUNTS.length)]!,
            instrument: INSTRUMENTS[Math.floor(random() * INSTRUMENTS.length)]!,
            side: (random() < 0.5 ? "BUY" : "SELL") as Side,
            quantity,
            leaves: random() < 0.5 ? 0 : Math.floor(random() * 5000),
          };
        });
        const expected = toBinary(
          PublishRequestSchema,
          create(PublishRequestSchema, { correlationId: BigInt(cid), reports: fills.map((f) => fillReport(f.accountId, f.instrument, f.side, f.quantity, f.leaves)) }),
        );
        expect(hex(encodeFillRequest(cid, fills))).toBe(hex(expected));
      }
  });

  it("refuses a correlation id outside 1..2^32-1", () => {
    expect(() => encodeOrderRequest(0, 1n, INSTRUMENTS[0]!, "BUY", 1)).toThrow("correlation id 0 out of the generator's range");
    expect(() => encodeTopUpRequest(2 ** 32, 1n, "USD", "1")).toThrow("out of the generator's range");
  });
});

describe("raw generator answer views", () => {
  const accepted = create(OpenResponseSchema, {
    correlationId: 300_000n,
    results: [
      {
        result: {
          case: "execute",
          value: {
            accepted: true,
            reservationId: 77n,
            committed: true,
            lock: { prices: [{ policyGroupId: 3, price: "185.25" }, { price: "1" }] },
            accountAdjustments: [
              { policyGroupId: 1, asset: "USD", balance: { delta: "-1852.5", absolute: "48147.5" }, held: { delta: "1", absolute: "2" }, realizedPnl: { result: { case: "value", value: { delta: "0", absolute: "0" } } } },
              { asset: "AAPL", incoming: { delta: "10", absolute: "10" } },
            ],
          },
        },
      },
      { result: { case: "execute", value: { rejects: [{ policy: "SpotFunds", code: RejectCode.INSUFFICIENT_FUNDS, reason: "r", details: "needs 5 — has 3", scope: 1 }, { code: RejectCode.ORDER_EXCEEDS_LIMIT }] } } },
      { result: { case: "adjustment", value: { accepted: true, failedIndex: 2, outcomes: [{ asset: "USD" }] } } },
      { result: { case: "error", value: { code: ErrorCode.INVALID_VALUE, message: "bad price", field: "order.price" } } },
      { result: { case: "finalize", value: { id: 5n } } },
      { result: { case: undefined } },
    ],
  });

  it("decode what the oracle reads from an OpenResponse, as protobuf-es has it", () => {
    const a = decodeOpenAnswer(Buffer.from(toBinary(OpenResponseSchema, accepted)));
    expect(a.correlationId).toBe(300_000);
    expect(a.error).toBeUndefined();
    expect(a.notice).toBe(false);
    expect(a.results.map((r) => r.result)).toEqual([
      {
        case: "execute",
        value: {
          accepted: true,
          committed: true,
          reservationId: 77,
          lock: { prices: [{ price: "185.25" }, { price: "1" }] },
          accountAdjustments: [
            { asset: "USD", balance: { delta: "-1852.5", absolute: "48147.5" }, held: { delta: "1", absolute: "2" }, realizedPnl: { result: { case: "value", value: { delta: "0", absolute: "0" } } } },
            { asset: "AAPL", incoming: { delta: "10", absolute: "10" } },
          ],
          rejects: [],
        },
      },
      {
        case: "execute",
        value: {
          accepted: false,
          committed: false,
          reservationId: 0,
          lock: undefined,
          accountAdjustments: [],
          rejects: [
            { code: RejectCode.INSUFFICIENT_FUNDS, details: "needs 5 — has 3" },
            { code: RejectCode.ORDER_EXCEEDS_LIMIT, details: "" },
          ],
        },
      },
      { case: "adjustment", value: { accepted: true, failedIndex: 2, rejects: [], outcomes: [{ asset: "USD" }], accountBlocks: [] } },
      { case: "error", value: { code: ErrorCode.INVALID_VALUE, message: "bad price" } },
      { case: "other", value: { field: 7 } },
      { case: "other", value: { field: 0 } },
    ]);
  });

  it("decode a whole-message refusal and a notice", () => {
    const refused = decodeOpenAnswer(Buffer.from(toBinary(OpenResponseSchema, create(OpenResponseSchema, { correlationId: 9n, error: { code: ErrorCode.BATCH_TOO_LARGE, message: "too many" } }))));
    expect(refused).toEqual({ correlationId: 9, results: [], error: { code: ErrorCode.BATCH_TOO_LARGE, message: "too many" }, notice: false });
    const notice = decodeOpenAnswer(Buffer.from(toBinary(OpenResponseSchema, create(OpenResponseSchema, { notice: { notice: { case: "shuttingDown", value: {} } } }))));
    expect(notice).toEqual({ correlationId: 0, results: [], error: undefined, notice: true });
  });

  it("skip fields they do not know (every wire type) and fail on a truncated answer", () => {
    const known = Buffer.from(toBinary(OpenResponseSchema, accepted));
    // field 20 varint, field 21 fixed64, field 22 length-delimited, field 23 fixed32
    const unknown = Buffer.from([0xa0, 0x01, 0x96, 0x01, 0xa9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0xb2, 0x01, 2, 0x61, 0x62, 0xbd, 0x01, 1, 2, 3, 4]);
    expect(decodeOpenAnswer(Buffer.concat([unknown, known]))).toEqual(decodeOpenAnswer(known));
    expect(() => decodeOpenAnswer(known.subarray(0, known.length - 3))).toThrow(/truncated|malformed/);
    expect(() => decodeOpenAnswer(Buffer.from([0x0b]))).toThrow("wire type 3 of field 1");
  });

  it("decode a PublishResponse: post-trade account blocks, errors, a whole-message refusal", () => {
    const m = create(PublishResponseSchema, {
      correlationId: 12n,
      results: [
        {
          result: {
            case: "postTrade",
            value: {
              accountBlocks: [{ policy: "PnlBoundsKillSwitch", code: RejectCode.PNL_KILL_SWITCH_TRIGGERED, reason: "loss", details: "d" }],
              accountPnls: [
                { accountId: 7n, policyGroupId: 1, result: { result: { case: "value", value: { delta: "-1.5", absolute: "-3" } } } },
                { accountId: 8n, result: { result: { case: "halted", value: PnlHaltReason.MISSING_FX } } },
              ],
              accountAdjustments: [
                { asset: "USD" },
                { asset: "AAPL", balance: { delta: "2", absolute: "2" }, incoming: { delta: "-2", absolute: "0" }, averageEntryPrice: "185.25" },
              ],
            },
          },
        },
        { result: { case: "postTrade", value: {} } },
        { result: { case: "error", value: { code: ErrorCode.INVALID_VALUE, message: "no lock" } } },
      ],
    });
    expect(decodePublishAnswer(Buffer.from(toBinary(PublishResponseSchema, m)))).toEqual({
      correlationId: 12,
      results: [
        {
          result: {
            case: "postTrade",
            value: {
              accountBlocks: [{ reason: "loss" }],
              accountPnls: [
                { accountId: 7, result: { result: { case: "value", value: { delta: "-1.5", absolute: "-3" } } } },
                { accountId: 8, result: { result: { case: "halted", value: PnlHaltReason.MISSING_FX } } },
              ],
              accountAdjustments: [
                { asset: "USD" },
                { asset: "AAPL", balance: { delta: "2", absolute: "2" }, incoming: { delta: "-2", absolute: "0" }, averageEntryPrice: "185.25" },
              ],
            },
          },
        },
        { result: { case: "postTrade", value: { accountBlocks: [], accountPnls: [], accountAdjustments: [] } } },
        { result: { case: "error", value: { code: ErrorCode.INVALID_VALUE, message: "no lock" } } },
      ],
      error: undefined,
      notice: false,
    });
    const refused = create(PublishResponseSchema, { correlationId: 13n, error: { code: ErrorCode.BATCH_TOO_LARGE, message: "x" } });
    expect(decodePublishAnswer(Buffer.from(toBinary(PublishResponseSchema, refused))).error).toEqual({ code: ErrorCode.BATCH_TOO_LARGE, message: "x" });
  });
});

describe("gRPC framing", () => {
  const messages = [Buffer.from("a"), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from("the last one")];
  const framed = frameMessages(messages);

  const split = (chunks: Buffer[]) => {
    const out: string[] = [];
    const s = new FrameSplitter((m) => out.push(m.toString("hex")));
    for (const c of chunks) s.push(c);
    return { out, pending: s.pending };
  };

  it("prefixes each message with flag 0 and its big-endian length, all in one buffer", () => {
    expect(framed.length).toBe(messages.reduce((n, m) => n + 5 + m.length, 0));
    expect([...framed.subarray(0, 7)]).toEqual([0, 0, 0, 0, 1, 0x61, 0]);
    expect([...framed.subarray(11, 16)]).toEqual([0, 0, 0, 0x01, 0x2c]);
  });

  it("gets the same messages back however the bytes are cut: merged, byte by byte, at random", () => {
    const expected = messages.map((m) => m.toString("hex"));
    expect(split([framed])).toEqual({ out: expected, pending: 0 });
    expect(split([...framed].map((b) => Buffer.from([b])))).toEqual({ out: expected, pending: 0 });
    const random = seededRandom(3);
    for (let round = 0; round < 50; round++) {
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < framed.length; ) {
        const n = 1 + Math.floor(random() * 40);
        chunks.push(framed.subarray(pos, pos + n));
        pos += n;
      }
      expect(split(chunks)).toEqual({ out: expected, pending: 0 });
    }
    // Two frames' worth merged with the start of a third: the third waits for its rest.
    expect(split([framed.subarray(0, 14)])).toEqual({ out: expected.slice(0, 2), pending: 3 });
  });

  it("refuses a compressed message (the generator never asks for compression)", () => {
    const compressed = Buffer.from([1, 0, 0, 0, 1, 0x61]);
    expect(() => split([compressed])).toThrow("compressed gRPC message (flag 1)");
  });
});

describe("the raw generator against the real server", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("runs the open-loop mix (orders, top-ups, fills) with every outcome checked by the oracle", async () => {
    h = await startHarness(benchSidecarConfig());
    const oracle = new Oracle();
    const world = await openWorld(h.address, oracle, { accounts: 8, seed: 11, fillFlushMs: 0 });
    let messages = 0;
    const lanes = Array.from({ length: 16 }, async () => {
      for (let k = 0; k < 40; k++) {
        const sent = await world.decideNext();
        messages += sent;
        world.fills.maybeFlush(process.hrtime.bigint());
      }
    });
    await Promise.all(lanes);
    await world.fills.drain();
    await world.close();
    const s = oracle.summary();
    expect(s.samples).toEqual([]);
    expect(s.decisionsChecked).toBe(640);
    expect(s.fillsChecked).toBe(s.accepted);
    expect(s.accepted).toBeGreaterThan(500);
    expect(s.rejectedByCode.ORDER_NOTIONAL_EXCEEDS_LIMIT).toBeGreaterThan(0);
    expect(s.rejectedByCode.INSUFFICIENT_FUNDS).toBeGreaterThan(0);
    // The seeds (one message of 8) plus every top-up, each checked.
    expect(s.adjustmentsChecked).toBe(8 + (messages - 640));
    expect(messages).toBeGreaterThan(640);
    // Sends of one turn left together: fewer writes than messages.
    expect(world.channel.stream.writes).toBeLessThan(world.channel.stream.sent);
  });

  it("reports a call's non-OK gRPC status from the trailers", async () => {
    h = await startHarness(benchSidecarConfig());
    const connection = new RawGrpcConnection(h.address);
    const closed = new Promise<Error | undefined>((resolve) => connection.open("/openpit.sidecar.v1.NoSuchService/Open", () => {}, resolve));
    expect((await closed)?.message).toMatch(/^\/openpit\.sidecar\.v1\.NoSuchService\/Open ended with gRPC status 12/);
    connection.close();
  });
});
