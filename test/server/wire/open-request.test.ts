/**
 * The account channel's request codecs (client encodes, sidecar decodes) must agree with
 * protobuf-es exactly: the same bytes as `toBinary`, and the same message — or the same
 * error — as `fromBinary`, for every command kind, unusual-but-valid shapes and
 * corrupted input. A client can never tell which path handled its message.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { decodeOpenRequest, encodeOpenRequest } from "../../../src/transport/wire/index.js";
import { ascii, attempt, corrupted, forSeeds, len, randomRequest, varint } from "./random-messages.js";

const same = (bytes: Uint8Array) =>
  expect(attempt(() => decodeOpenRequest(bytes))).toStrictEqual(attempt(() => fromBinary(ch.OpenRequestSchema, bytes)));

describe("encodeOpenRequest", () => {
  it("writes exactly toBinary's bytes for 3 000 random requests of every command kind", () => {
    forSeeds(3_000, (seed) => {
      const m = randomRequest(seed);
      expect(Buffer.from(toBinary(ch.OpenRequestSchema, m)).equals(encodeOpenRequest(m))).toBe(true);
    });
  });

  it("places unknown fields of an order the way toBinary does", () => {
    const m = randomRequest(7);
    const order = create(ch.ExecutePreTradeSchema, { order: { accountId: 5n, $unknown: [{ no: 99, wireType: 0, data: Uint8Array.of(1) }] } });
    m.commands = [create(ch.CommandSchema, { command: { case: "executePreTrade", value: order } })];
    expect(Buffer.from(toBinary(ch.OpenRequestSchema, m)).equals(encodeOpenRequest(m))).toBe(true);
  });
});

describe("decodeOpenRequest", () => {
  it("gives fromBinary's message for 3 000 random requests of every command kind", () => {
    forSeeds(3_000, (seed) => {
      const bytes = toBinary(ch.OpenRequestSchema, randomRequest(seed));
      expect(decodeOpenRequest(bytes)).toStrictEqual(fromBinary(ch.OpenRequestSchema, bytes));
    });
  });

  it("gives fromBinary's message or error for 3 000 corrupted requests (overwritten bytes, truncation)", () => {
    forSeeds(3_000, (seed) => same(corrupted(toBinary(ch.OpenRequestSchema, randomRequest(seed)), seed)));
  });

  it("hands unusual but valid shapes to fromBinary: unknown fields, merged messages, non-ASCII, long varints, a second oneof member", () => {
    const instrument = len(1, [...len(1, ascii("AAPL")), ...len(2, ascii("USD"))]);
    const order = (extra: number[]) => len(1, [...instrument, ...varint(2 << 3), 7, ...extra]);
    const command = (body: number[]) => len(2, len(6, body));
    const cases: number[][] = [
      command([...order([]), ...varint(2 << 3), 1]), // plain: the fast path
      command([...order([...varint(99 << 3), 5])]), // unknown field inside Order
      command([...order([...len(1, len(1, ascii("MSFT")))])]), // Instrument repeated: merged
      command([...order([...len(4, ascii("10")), ...len(5, ascii("20"))])]), // quantity then volume
      command([...order([...len(1, len(2, ascii("€UR")))])]), // non-ASCII asset
      command([...order([...varint(3 << 3), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]), // side -1
      len(2, [...len(6, order([])), ...len(10, [...varint(1 << 3), 3])]), // two oneof members in one Command
      [...varint(1 << 3), 5, ...varint(1 << 3), 6], // correlation id twice: the last wins
      [...varint(7 << 3), 1], // unknown top-level field
    ];
    for (const c of cases) same(Uint8Array.from(c));
    // And the fast path really decodes the plain one.
    expect(decodeOpenRequest(Uint8Array.from(cases[0]!)).commands[0]!.command).toMatchObject({
      case: "executePreTrade",
      value: { commitOnAccept: true, order: { accountId: 7n, instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" } } },
    });
  });
});
