/**
 * The direct decoders (bytes straight to the door's commands and reports:
 * src/server/codec/wire-commands.ts, wire-reports.ts) must give exactly what the
 * generated-message path gives — the transport's decoder, then `decodeChannelCommand` /
 * `decodeExecutionReport` — command by command: the same domain values (same classes, same
 * keys in the same order, same undefined-valued keys) or the same per-command error, and
 * the same per-message error for bytes that do not decode. Compared over random messages
 * that are mostly valid (so the direct path is taken) with invalid values mixed in, and
 * over corrupted ones.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import * as fd from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { decodeOpenRequest, decodePublishRequest } from "../../../src/transport/wire/index.js";
import { decodeExecutionReport } from "../../../src/server/codec/index.js";
import { DecodedCommand, DecodedReport } from "../../../src/server/codec/decoded-messages.js";
import { PRICE_NON_NEGATIVE, QUANTITY_NON_NEGATIVE, VOLUME_NON_NEGATIVE, decodeOpenRequestToCommands, positionSideName, sideName } from "../../../src/server/codec/wire-commands.js";
import { decodePublishRequestToReports, positionEffectName } from "../../../src/server/codec/wire-reports.js";
import { Fee, Pnl, Price, Quantity, Volume } from "../../../src/param/index.js";
import { ProtoReader } from "../../../src/transport/wire/proto-reader.js";
import { readAsset, readDecimal, readSharedUint64 } from "../../../src/server/codec/wire-values.js";
import { attempt, corrupted, forSeeds, len, rng, ascii, varint } from "./random-messages.js";
import { channelOutcomes, feedOutcomes, shape } from "./decoder-outcomes.js";

function sameChannel(bytes: Uint8Array): boolean {
  const slow = channelOutcomes(decodeOpenRequest, bytes);
  const fast = channelOutcomes(decodeOpenRequestToCommands, bytes);
  expect(fast).toStrictEqual(slow);
  expect(shape(fast)).toStrictEqual(shape(slow));
  const m = attempt(() => decodeOpenRequestToCommands(bytes));
  return m.ok && m.message.commands.some((c) => c.command instanceof DecodedCommand);
}

/** The 5 000-message comparisons (deep equality of every decoded value): 2–6 s alone, over 16 s in a loaded full run; the default 20 s was too near. */
const HEAVY_MS = 90_000;

function sameFeed(bytes: Uint8Array): boolean {
  const slow = feedOutcomes(decodePublishRequest, bytes);
  const fast = feedOutcomes(decodePublishRequestToReports, bytes);
  expect(fast).toStrictEqual(slow);
  expect(shape(fast)).toStrictEqual(shape(slow));
  const m = attempt(() => decodePublishRequestToReports(bytes));
  return m.ok && m.message.reports.some((r) => r instanceof DecodedReport);
}

/** Valid values (every one in half the messages), with the edge cases of each reader and some invalid ones. */
function values(seed: number) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const clean = chance(0.5);
  /** Pick an invalid (or unusual) value this time: never in a clean message. */
  const bad = (p: number) => !clean && chance(p);
  const decimal = () =>
    !bad(0.15)
      ? pick(["10", "185.25", "0.5", "100", "3", "2.000", "123456789012345", "12345678901234.5", "0", "0.00", "007.50", "1"])
      : pick(["-0.5", "-0", "-0.00", "-12", "", "1.", ".5", "-", "1e5", " 5", "5 ", "1.2.3", "1234567890123456", "0.000000000000001", "99999999999999999999999999999", "0.1234567890123456789012345678", "é"]);
  const asset = () => (!bad(0.1) ? pick(["BTC", "USD", "AAPL", "EUR", "X", "a-long-asset-name-0123"]) : pick(["", " ", "\t", " USD ", "é", "x".repeat(40)]));
  const id = () => (!bad(0.1) ? pick([1n, 7n, 127n, 128n, 2n ** 49n - 1n, 2n ** 53n + 1n, BigInt(1 + int(1e6))]) : pick([0n, 2n ** 64n - 1n, 2n ** 63n]));
  const text = () => (!bad(0.1) ? pick(["ord-1", "A", "x".repeat(128)]) : pick(["", "x".repeat(129), "é"]));
  const maybe = <T>(p: number, f: () => T): T | undefined => (chance(p) ? f() : undefined);
  const side = () => (!bad(0.1) ? pick([1, 2]) : pick([0, 3, -1]));
  const optionalEnum = () => (!bad(0.1) ? pick([0, 0, 1, 2]) : pick([3, -1]));
  return { int, chance, bad, pick, decimal, asset, id, text, maybe, side, optionalEnum };
}

function randomOrder(v: ReturnType<typeof values>): pb.Order {
  const amount = v.decimal();
  return create(pb.OrderSchema, {
    instrument: !v.bad(0.05) ? { underlyingAsset: v.asset(), settlementAsset: v.asset() } : undefined,
    accountId: v.id(),
    side: v.side(),
    tradeAmount: !v.bad(0.05) ? { case: v.chance(0.7) ? "quantity" : "volume", value: amount } : { case: undefined },
    price: v.maybe(0.7, v.decimal),
    positionSide: v.optionalEnum(),
    reduceOnly: v.chance(0.2),
    closePosition: v.chance(0.2),
    leverage: v.bad(0.05) ? v.pick(["10", "2.5", "0"]) : undefined,
    collateralAsset: v.maybe(0.1, () => v.pick(["USD", "", "é"])),
    autoBorrow: v.chance(0.1),
    clientOrderId: v.maybe(0.3, v.text),
    retry: v.bad(0.1),
  });
}

function randomOrderRequest(seed: number): ch.OpenRequest {
  const v = values(seed);
  const command = (): ch.Command["command"] =>
    v.pick<ch.Command["command"]>([
      { case: "executePreTrade", value: create(ch.ExecutePreTradeSchema, { order: !v.bad(0.03) ? randomOrder(v) : undefined, commitOnAccept: v.chance(0.5) }) },
      { case: "executePreTrade", value: create(ch.ExecutePreTradeSchema, { order: randomOrder(v), commitOnAccept: v.chance(0.5) }) },
      { case: "startPreTrade", value: create(ch.StartPreTradeSchema, { order: !v.bad(0.03) ? randomOrder(v) : undefined }) },
      { case: "executeRequest", value: create(ch.ExecuteRequestSchema, { requestId: v.id() }) },
      { case: "commitReservation", value: create(ch.CommitReservationSchema, { reservationId: v.id() }) },
      { case: "rollbackReservation", value: create(ch.RollbackReservationSchema, { reservationId: v.id() }) },
      ...(v.bad(0.1) ? [{ case: "bindAccounts" as const, value: create(ch.BindAccountsSchema, { accountIds: [v.id()] }) }, { case: undefined }] : []),
    ]);
  const n = v.chance(0.6) ? 1 : v.int(5);
  return create(ch.OpenRequestSchema, { correlationId: v.id(), commands: Array.from({ length: n }, () => create(ch.CommandSchema, { command: command() })) });
}

function randomReportRequest(seed: number): fd.PublishRequest {
  const v = values(seed);
  const report = (): pb.ExecutionReport =>
    create(pb.ExecutionReportSchema, {
      instrument: v.chance(0.9) ? { underlyingAsset: v.asset(), settlementAsset: v.asset() } : undefined,
      accountId: v.chance(0.95) ? v.id() : 0n,
      side: v.chance(0.95) ? v.side() : 0,
      pnl: v.maybe(0.1, v.decimal),
      fee: v.maybe(0.1, v.decimal),
      lastTrade: v.maybe(0.8, () => ({ price: v.decimal(), quantity: v.decimal() })),
      fillFee: v.maybe(0.3, () => ({ amount: v.decimal(), currency: v.asset() })),
      leavesQuantity: v.maybe(0.6, v.decimal),
      lock: v.maybe(0.85, () => ({
        prices: Array.from({ length: v.chance(0.8) ? 1 : v.int(4) }, () => ({ policyGroupId: !v.bad(0.15) ? v.pick([0, 0, 0, 1, 65_535]) : v.pick([65_536, 2 ** 32 - 1]), price: v.decimal() })),
      })),
      isFinal: v.chance(0.5),
      positionEffect: v.optionalEnum(),
      positionSide: v.optionalEnum(),
      clientOrderId: v.maybe(0.3, v.text),
    });
  const n = v.chance(0.3) ? 8 : v.int(6);
  return create(fd.PublishRequestSchema, { correlationId: v.id(), reports: Array.from({ length: n }, report) });
}

describe("direct channel decoder (bytes to the door's commands)", () => {
  it("gives the generated path's commands or errors for 5 000 random order messages, most of them through the direct path", () => {
    let direct = 0;
    forSeeds(5_000, (seed) => {
      if (sameChannel(toBinary(ch.OpenRequestSchema, randomOrderRequest(seed)))) direct++;
    });
    expect(direct).toBeGreaterThan(1_500);
  }, HEAVY_MS);

  it("gives the generated path's outcome, or its per-message error, for 5 000 corrupted order messages", () => {
    let direct = 0;
    forSeeds(5_000, (seed) => {
      if (sameChannel(corrupted(toBinary(ch.OpenRequestSchema, randomOrderRequest(seed)), seed))) direct++;
    });
    expect(direct).toBeGreaterThan(20);
  });

  it("hands unusual wire shapes to the generated path", () => {
    const order = [...len(1, [...len(1, ascii("BTC")), ...len(2, ascii("USD"))]), ...[2 << 3, 7], ...[3 << 3, 1], ...len(4, ascii("10"))];
    const execute = (extra: number[]) => len(2, len(6, [...len(1, [...order, ...extra])]));
    const cases: number[][] = [
      execute([]), // plain: the direct path
      execute([...len(1, [...len(1, ascii("ETH"))])]), // instrument repeated: merged
      execute([...[99 << 3, 5]]), // unknown field in the order
      execute([...len(10, ascii("5"))]), // leverage
      execute([...[3 << 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]]), // side -1
      len(2, []), // an empty command
      len(2, [...len(6, len(1, order)), ...len(6, len(1, order))]), // two members in one command
      [...execute([]), ...len(2, len(1, len(1, [8, 5])))], // a bind beside an order
    ];
    const taken = cases.map((c) => sameChannel(Uint8Array.from(c)));
    expect(taken).toStrictEqual([true, false, false, false, false, false, false, false]);
  });

  it("names sides and position sides as the generated enums number them, and reads decimals under the value types' own sign rules", () => {
    for (let n = -1; n <= 4; n++) {
      expect(sideName(n)).toBe(n === pb.Side.BUY ? "BUY" : n === pb.Side.SELL ? "SELL" : undefined);
      expect(positionSideName(n)).toBe(n === pb.PositionSide.LONG ? "LONG" : n === pb.PositionSide.SHORT ? "SHORT" : undefined);
      expect(positionEffectName(n)).toBe(n === pb.PositionEffect.OPEN ? "OPEN" : n === pb.PositionEffect.CLOSE ? "CLOSE" : undefined);
    }
    expect([QUANTITY_NON_NEGATIVE, VOLUME_NON_NEGATIVE, PRICE_NON_NEGATIVE]).toStrictEqual([Quantity.nonNegative, Volume.nonNegative, Price.nonNegative]);
  });

  it("takes the correlation id wherever it stands (the last one wins), as the generated path does, and gives each empty message a list of its own", () => {
    const order = [...len(1, [...len(1, ascii("BTC")), ...len(2, ascii("USD"))]), ...[2 << 3, 7], ...[3 << 3, 1], ...len(4, ascii("10"))];
    const command = len(2, len(6, len(1, order)));
    const id = (v: number) => [1 << 3, v];
    const cases: number[][] = [
      [...command, ...id(5)], // after the command
      [...id(3), ...command, ...id(9), ...command], // before, between, last wins
      [...id(4)], // no command
      [], // nothing at all
    ];
    for (const c of cases) {
      const bytes = Uint8Array.from(c);
      expect(sameChannel(bytes)).toBe(c.length > 2);
      const fast = decodeOpenRequestToCommands(bytes);
      expect(fast.correlationId).toBe(fromBinary(ch.OpenRequestSchema, bytes).correlationId);
    }
    expect(decodeOpenRequestToCommands(Uint8Array.from(cases[1]!)).commands).toHaveLength(2);
    // A decoded message is the caller's: an empty list is never shared between two.
    const a = decodeOpenRequestToCommands(new Uint8Array(0));
    const b = decodeOpenRequestToCommands(new Uint8Array(0));
    expect(a.commands).toStrictEqual([]);
    expect(a.commands).not.toBe(b.commands);
    a.commands.push(decodeOpenRequestToCommands(Uint8Array.from(command)).commands[0]!);
    expect(b.commands).toStrictEqual([]);
  });

  it("still offers the generated oneof: its case as a field, its value decoded on first read", () => {
    forSeeds(500, (seed) => {
      const bytes = toBinary(ch.OpenRequestSchema, randomOrderRequest(seed));
      const fast = decodeOpenRequestToCommands(bytes);
      const slow = fromBinary(ch.OpenRequestSchema, bytes);
      fast.commands.forEach((c, i) => {
        expect(c.command.case).toBe(slow.commands[i]!.command.case);
        expect(c.command.value).toStrictEqual(slow.commands[i]!.command.value);
      });
    });
  });
});

describe("direct feed decoder (bytes to the door's reports)", () => {
  it("shares a P&L and fee of exactly \"0\" and reuses the trade price as a lock price of the same bytes, values as the generated path's", () => {
    const fill = (price: string, lockPrice: string, pnl: string, fee: string, lastTrade = true) =>
      create(pb.ExecutionReportSchema, {
        instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
        accountId: 7n,
        side: 1,
        pnl,
        fee,
        lastTrade: lastTrade ? { price, quantity: "3" } : undefined,
        leavesQuantity: "0",
        lock: { prices: [{ price: lockPrice }] },
        isFinal: true,
      });
    const cases = [
      fill("185.25", "185.25", "0", "0"),
      fill("185.25", "185.250", "0.0", "00"),
      fill("185.25", "185.25", "0", "0", false), // no trade: the lock price is its own value
      fill("5", "5", "-0", "0"),
      fill("7.5", "185.25", "1.5", "0"),
      fill("185.25", "185.25", "0", "0"),
    ];
    const bytes = toBinary(fd.PublishRequestSchema, create(fd.PublishRequestSchema, { correlationId: 9n, reports: cases }));
    expect(sameFeed(bytes)).toBe(true);
    // Every value against the generated path's: text, scale, class.
    const fast = decodePublishRequestToReports(bytes).reports.map((r) => decodeExecutionReport(r));
    const slow = decodePublishRequest(bytes).reports.map((r) => decodeExecutionReport(r));
    const values = (r: ReturnType<typeof decodeExecutionReport>) =>
      [r.financialImpact?.pnl, r.financialImpact?.fee, r.fill?.lastTrade?.price, r.fill?.lock?.prices()[0]].map((v) => v && [v.constructor.name, v.toString(), v.scale]);
    expect(fast.map(values)).toEqual(slow.map(values));
    const lockPrice = (k: number) => fast[k]!.fill!.lock!.prices()[0];
    expect(lockPrice(0)).toBe(fast[0]!.fill!.lastTrade!.price);
    expect(lockPrice(1)).not.toBe(fast[1]!.fill!.lastTrade!.price); // other bytes, equal number
    expect(fast.slice(0, 2).some((r) => r.fill!.lastTrade!.price === lockPrice(2))).toBe(false); // nothing carried over from an earlier report
    expect(lockPrice(3)).toBe(fast[3]!.fill!.lastTrade!.price);
    expect(lockPrice(4)).not.toBe(fast[4]!.fill!.lastTrade!.price);
    expect(fast[0]!.financialImpact!.pnl).toBe(fast[5]!.financialImpact!.pnl);
    expect(fast[0]!.financialImpact!.fee).toBe(fast[5]!.financialImpact!.fee);
    expect(fast[1]!.financialImpact!.pnl).not.toBe(fast[0]!.financialImpact!.pnl); // "0.0": scale 1, its own value
  });

  it("gives the generated path's reports or errors for 5 000 random feed messages, most of them through the direct path", () => {
    let direct = 0;
    forSeeds(5_000, (seed) => {
      if (sameFeed(toBinary(fd.PublishRequestSchema, randomReportRequest(seed)))) direct++;
    });
    expect(direct).toBeGreaterThan(500);
  }, HEAVY_MS);

  it("takes the feed's correlation id wherever it stands, and gives each empty message a list of its own", () => {
    forSeeds(200, (seed) => {
      const m = randomReportRequest(seed);
      const id = seed + 1;
      // The id written after the reports: the generated encoder writes it first.
      const bytes = Uint8Array.from([...toBinary(fd.PublishRequestSchema, create(fd.PublishRequestSchema, { reports: m.reports })), 1 << 3, ...varint(id)]);
      sameFeed(bytes);
      expect(decodePublishRequestToReports(bytes).correlationId).toBe(BigInt(id));
    });
    const a = decodePublishRequestToReports(Uint8Array.from([8, 7]));
    const b = decodePublishRequestToReports(Uint8Array.from([8, 7]));
    expect(a.correlationId).toBe(7n);
    expect(a.reports).toStrictEqual([]);
    expect(a.reports).not.toBe(b.reports);
  });

  it("gives the generated path's outcome, or its per-message error, for 5 000 corrupted feed messages", () => {
    forSeeds(5_000, (seed) => void sameFeed(corrupted(toBinary(fd.PublishRequestSchema, randomReportRequest(seed)), seed)));
  });

  it("still offers every field of the generated report, decoded on first read", () => {
    forSeeds(500, (seed) => {
      const bytes = toBinary(fd.PublishRequestSchema, randomReportRequest(seed));
      const fast = decodePublishRequestToReports(bytes);
      const slow = fromBinary(fd.PublishRequestSchema, bytes);
      fast.reports.forEach((r, i) => {
        const s = slow.reports[i]!;
        for (const key of Object.keys(s).filter((k) => k !== "$typeName")) expect((r as unknown as Record<string, unknown>)[key]).toStrictEqual((s as unknown as Record<string, unknown>)[key]);
        expect(r.$typeName).toBe(s.$typeName);
      });
    });
  });
});

describe("values read from bytes", () => {
  const reader = (text: string) => {
    const bytes = Uint8Array.from(len(1, ascii(text))).subarray(1);
    return new ProtoReader(bytes);
  };

  it("reads a decimal exactly as fromString does, or gives up", () => {
    const texts = ["0", "-0", "0.000", "-0.000", "1", "-1", "10.50", "007", "007.0100", "123456789012345", "-123456789012345", "1234567890.12345", "0.00000000000001"];
    const refused = ["", "-", ".", "1.", ".1", "1e3", "+1", " 1", "1 ", "1234567890123456", "0.000000000000001", "1,5", "--1", "1.-1"];
    for (const type of [Price, Quantity, Volume, Pnl, Fee]) {
      for (const text of texts) {
        const slow = attempt(() => type.fromString(text));
        const fast = attempt(() => readDecimal(reader(text), type));
        if (fast.ok) expect(fast).toStrictEqual(slow);
        // Only a negative non-negative value is left to the string path among the valid ones.
        else expect(text.startsWith("-") && type.nonNegative && !/^-0(\.0*)?$/.test(text)).toBe(true);
      }
      for (const text of refused) expect(attempt(() => readDecimal(reader(text), type)).ok).toBe(false);
    }
  });

  it("reads an asset as one shared string, and refuses blank or non-ASCII ones", () => {
    const a = readAsset(reader("BTC"));
    expect(a).toBe("BTC");
    expect(readAsset(reader("BTC"))).toBe(a);
    expect(readAsset(reader(" USD "))).toBe(" USD ");
    for (const text of ["", " ", "\t\n", "é"]) expect(attempt(() => readAsset(reader(text))).ok).toBe(false);
  });
});

describe("account ids read from bytes", () => {
  it("reads every uint64 as ProtoReader.uint64 does, sharing the bigint of small values", () => {
    const values = [0n, 1n, 127n, 128n, 16_383n, 16_384n, 2n ** 21n - 1n, 2n ** 21n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 35n + 3n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    const encode = (v: bigint) => {
      const out: number[] = [];
      while (v >= 0x80n) {
        out.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      return Uint8Array.from([...out, Number(v), 0x2a]);
    };
    for (const v of values) {
      const a = new ProtoReader(encode(v));
      const b = new ProtoReader(encode(v));
      expect(readSharedUint64(a)).toBe(b.uint64());
      expect(a.pos).toBe(b.pos);
    }
    // Non-minimal encodings (a protobuf writer may pad) read as their value.
    expect(readSharedUint64(new ProtoReader(Uint8Array.of(0x85, 0x80, 0x00)))).toBe(5n);
    for (const truncated of [Uint8Array.of(0x85), Uint8Array.of(0x85, 0x80, 0x80, 0x80, 0x80)]) {
      expect(attempt(() => readSharedUint64(new ProtoReader(truncated))).ok).toBe(false);
    }
  });
});
