/**
 * The execution-report feed's codecs (client encodes requests and decodes responses,
 * sidecar the reverse) must agree with protobuf-es exactly: the same bytes as `toBinary`
 * and the same message — or the same error — as `fromBinary`, for random messages of
 * every shape, unusual-but-valid shapes and corrupted input.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as fd from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { decodePublishRequest, decodePublishResponse, encodePublishRequest, encodePublishResponse } from "../../../src/transport/wire/index.js";
import { ascii, attempt, corrupted, forSeeds, len, randomPublishRequest, randomPublishResponse, varint } from "./random-messages.js";

const sameRequest = (bytes: Uint8Array) =>
  expect(attempt(() => decodePublishRequest(bytes))).toStrictEqual(attempt(() => fromBinary(fd.PublishRequestSchema, bytes)));
const sameResponse = (bytes: Uint8Array) =>
  expect(attempt(() => decodePublishResponse(bytes))).toStrictEqual(attempt(() => fromBinary(fd.PublishResponseSchema, bytes)));

describe("feed requests", () => {
  it("encodePublishRequest writes exactly toBinary's bytes for 3 000 random requests", () => {
    forSeeds(3_000, (seed) => {
      const m = randomPublishRequest(seed);
      expect(Buffer.from(toBinary(fd.PublishRequestSchema, m)).equals(encodePublishRequest(m))).toBe(true);
    });
  });

  it("places unknown fields of a report (and of its parts) the way toBinary does", () => {
    const unknown = [{ no: 99, wireType: 0, data: Uint8Array.of(1) }];
    const reports = [
      create(pb.ExecutionReportSchema, { accountId: 5n, $unknown: unknown }),
      create(pb.ExecutionReportSchema, { lastTrade: { price: "1", $unknown: unknown } }),
      create(pb.ExecutionReportSchema, { lock: { prices: [{ price: "2", $unknown: unknown }] } }),
    ];
    for (const report of reports) {
      const m = create(fd.PublishRequestSchema, { correlationId: 3n, reports: [report, create(pb.ExecutionReportSchema, { accountId: 1n })] });
      expect(Buffer.from(toBinary(fd.PublishRequestSchema, m)).equals(encodePublishRequest(m))).toBe(true);
    }
  });

  it("decodePublishRequest gives fromBinary's message for 3 000 random requests", () => {
    forSeeds(3_000, (seed) => {
      const bytes = toBinary(fd.PublishRequestSchema, randomPublishRequest(seed));
      expect(decodePublishRequest(bytes)).toStrictEqual(fromBinary(fd.PublishRequestSchema, bytes));
    });
  });

  it("decodePublishRequest gives fromBinary's message or error for 3 000 corrupted requests", () => {
    forSeeds(3_000, (seed) => sameRequest(corrupted(toBinary(fd.PublishRequestSchema, randomPublishRequest(seed)), seed)));
  });

  it("hands unusual but valid shapes to fromBinary: unknown fields, merged messages, non-ASCII, long varints", () => {
    const trade = len(6, [...len(1, ascii("185.25")), ...len(2, ascii("10"))]);
    const report = (extra: number[]) => len(2, [...varint(2 << 3), 7, ...trade, ...extra]);
    const cases: number[][] = [
      report([]), // plain: the fast path
      report([...varint(99 << 3), 5]), // unknown field inside the report
      report([...len(6, len(1, ascii("186")))]), // Trade repeated: merged
      report([...len(9, len(1, len(2, ascii("1")))), ...len(9, len(1, len(2, ascii("2"))))]), // lock repeated: merged
      report([...len(4, ascii("€"))]), // non-ASCII pnl
      report([...varint(3 << 3), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // side -1
      [...varint(1 << 3), 5, ...varint(1 << 3), 6], // correlation id twice: the last wins
      [...varint(7 << 3), 1], // unknown top-level field
    ];
    for (const c of cases) sameRequest(Uint8Array.from(c));
    expect(decodePublishRequest(Uint8Array.from(cases[0]!)).reports[0]).toMatchObject({ accountId: 7n, lastTrade: { price: "185.25", quantity: "10" } });
  });
});

describe("feed responses", () => {
  it("encodePublishResponse writes exactly toBinary's bytes for 3 000 random responses", () => {
    forSeeds(3_000, (seed) => {
      const m = randomPublishResponse(seed);
      expect(Buffer.from(toBinary(fd.PublishResponseSchema, m)).equals(encodePublishResponse(m))).toBe(true);
    });
  });

  it("decodePublishResponse gives fromBinary's message for 3 000 random responses", () => {
    forSeeds(3_000, (seed) => {
      const bytes = toBinary(fd.PublishResponseSchema, randomPublishResponse(seed));
      expect(decodePublishResponse(bytes)).toStrictEqual(fromBinary(fd.PublishResponseSchema, bytes));
    });
  });

  it("decodePublishResponse gives fromBinary's message or error for 3 000 corrupted responses", () => {
    forSeeds(3_000, (seed) => sameResponse(corrupted(toBinary(fd.PublishResponseSchema, randomPublishResponse(seed)), seed)));
  });

  it("hands a second oneof member and an unknown result field to fromBinary", () => {
    const post = len(2, []);
    const error = len(1, [...varint(1 << 3), 3]);
    for (const c of [len(2, [...post, ...error]), len(2, [...error, ...post]), len(2, [...varint(9 << 3), 1]), len(2, len(2, [...varint(9 << 3), 1]))]) {
      sameResponse(Uint8Array.from(c));
    }
  });
});
