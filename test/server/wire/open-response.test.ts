/**
 * The account channel's response codecs (sidecar encodes, client decodes) must agree
 * with protobuf-es exactly: the same bytes as `toBinary` for every result kind (encoded
 * by hand or handed over), every presence rule and length class, and the same message —
 * or the same error — as `fromBinary`, for valid and corrupted bytes.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import { decodeOpenResponse, encodeOpenResponse, encodePublishResponse } from "../../../src/transport/wire/index.js";
import { EncodedMessage } from "../../../src/transport/wire/encoded-message.js";
import { ascii, attempt, corrupted, forSeeds, len, randomResponse, varint } from "./random-messages.js";

const same = (bytes: Uint8Array) =>
  expect(attempt(() => decodeOpenResponse(bytes))).toStrictEqual(attempt(() => fromBinary(ch.OpenResponseSchema, bytes)));

const accepted = create(ch.OpenResponseSchema, {
  correlationId: 42n,
  results: [
    create(ch.CommandResultSchema, {
      result: {
        case: "execute",
        value: {
          accepted: true,
          committed: true,
          lock: { prices: [{ price: "185.25" }] },
          accountAdjustments: [{ asset: "USD", balance: { delta: "-1852.50", absolute: "999999998147.50" }, held: { delta: "1852.50", absolute: "1852.50" } }],
        },
      },
    }),
  ],
});

describe("encodeOpenResponse", () => {
  it("writes exactly toBinary's bytes for 3 000 random responses of every result kind", () => {
    forSeeds(3_000, (seed) => {
      const m = randomResponse(seed);
      expect(Buffer.from(toBinary(ch.OpenResponseSchema, m)).equals(encodeOpenResponse(m))).toBe(true);
    });
  });

  it("encodes an accepted order's answer that decodes back to the same message", () => {
    const bytes = encodeOpenResponse(accepted);
    expect(Buffer.from(toBinary(ch.OpenResponseSchema, accepted)).equals(bytes)).toBe(true);
    expect(fromBinary(ch.OpenResponseSchema, bytes)).toEqual(accepted);
  });

  it("writes a whole-message error (field 4) as toBinary does, and it decodes back", () => {
    const refused = create(ch.OpenResponseSchema, { correlationId: 7n, error: { code: ErrorCode.BATCH_TOO_LARGE, message: "commands: 5 commands in one message; at most 4", field: "commands" } });
    const bytes = encodeOpenResponse(refused);
    expect(Buffer.from(toBinary(ch.OpenResponseSchema, refused)).equals(bytes)).toBe(true);
    expect(decodeOpenResponse(bytes)).toStrictEqual(refused);
    const empty = create(ch.OpenResponseSchema, { error: {} });
    expect([...encodeOpenResponse(empty)]).toEqual([34, 0]);
    expect(decodeOpenResponse(encodeOpenResponse(empty))).toStrictEqual(empty);
  });

  it("passes bytes already written through unchanged, and encodes a generated message, even one with no field set", () => {
    const written = new EncodedMessage(9n, Buffer.from([8, 9]));
    expect(encodeOpenResponse(written)).toBe(written.bytes);
    expect(encodePublishResponse(written)).toBe(written.bytes);
    const bare = create(ch.OpenResponseSchema);
    expect(encodeOpenResponse(bare)).not.toBe(written.bytes);
    expect([...encodeOpenResponse(bare)]).toEqual([]);
    expect([...encodeOpenResponse(accepted)]).toEqual([...toBinary(ch.OpenResponseSchema, accepted)]);
  });

  it("returns a fresh buffer each time (grpc-js keeps it until the frame is written)", () => {
    const a = encodeOpenResponse(create(ch.OpenResponseSchema, { correlationId: 1n }));
    const b = encodeOpenResponse(create(ch.OpenResponseSchema, { correlationId: 2n }));
    expect([...a]).toEqual([8, 1]);
    expect([...b]).toEqual([8, 2]);
  });
});

describe("decodeOpenResponse", () => {
  it("gives fromBinary's message for 3 000 random responses of every result kind", () => {
    forSeeds(3_000, (seed) => {
      const bytes = toBinary(ch.OpenResponseSchema, randomResponse(seed));
      expect(decodeOpenResponse(bytes)).toStrictEqual(fromBinary(ch.OpenResponseSchema, bytes));
    });
  });

  it("gives fromBinary's message or error for 3 000 corrupted responses (overwritten bytes, truncation)", () => {
    forSeeds(3_000, (seed) => same(corrupted(toBinary(ch.OpenResponseSchema, randomResponse(seed)), seed)));
  });

  it("hands unusual but valid shapes to fromBinary: merged messages, a second oneof member, unknown fields", () => {
    const amount = len(1, ascii("5"));
    const execute = (body: number[]) => len(2, len(4, body));
    const cases: number[][] = [
      execute([...varint(1 << 3), 1, ...len(4, len(1, len(2, ascii("1.5"))))]), // plain: the fast path
      execute([...len(4, []), ...len(4, len(1, []))]), // lock twice: merged
      execute([...len(5, [...len(3, amount), ...len(3, len(2, ascii("7")))])]), // balance twice: merged
      execute([...len(5, len(6, [...len(1, amount), ...varint(2 << 3), 1]))]), // P&L value then halted
      len(2, [...len(4, []), ...len(7, [])]), // execute then finalize in one CommandResult
      execute([...varint(9 << 3), 1]), // unknown field
      len(2, len(1, len(2, ascii("état")))), // non-ASCII error text
      len(4, [...varint(1 << 3), 10, ...len(2, ascii("too many"))]), // a whole-message error: the fast path
      [...len(4, varint((1 << 3) | 0).concat([10])), ...len(4, len(3, ascii("commands")))], // the error twice: merged
      [...len(4, []), ...len(2, len(7, []))], // an empty error before a result
    ];
    for (const c of cases) same(Uint8Array.from(c));
    expect(decodeOpenResponse(encodeOpenResponse(accepted))).toStrictEqual(accepted);
  });
});
