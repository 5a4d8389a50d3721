/**
 * The hand decoders (the channel's and the feed's direct decoders, and the transport's)
 * against the generated path (protobuf-es `fromBinary`, then the codec's domain decoding) on
 * crafted bytes: each must give the same commands or reports, or the same error (code, field,
 * text). Covers what random messages rarely make: non-minimal and over-long varints,
 * repeated scalars (last wins), reordered fields, unknown fields, edge decimals and ids,
 * blank and non-ASCII assets, invalid UTF-8. (Written by a review; passed as it was.)
 */
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import * as fd from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import { decodeOpenRequestToCommands } from "../../../src/server/codec/wire-commands.js";
import { decodePublishRequestToReports } from "../../../src/server/codec/wire-reports.js";
import { decodeOpenRequest, decodePublishRequest } from "../../../src/transport/wire/index.js";
import { channelOutcomes, feedOutcomes, shape } from "./decoder-outcomes.js";

function sameChannel(b: Uint8Array) {
  const gen = channelOutcomes((x) => fromBinary(ch.OpenRequestSchema, x), b);
  const tr = channelOutcomes(decodeOpenRequest, b);
  const fast = channelOutcomes(decodeOpenRequestToCommands, b);
  expect(shape(tr)).toStrictEqual(shape(gen));
  expect(shape(fast)).toStrictEqual(shape(gen));
}
function sameFeed(b: Uint8Array) {
  const gen = feedOutcomes((x) => fromBinary(fd.PublishRequestSchema, x), b);
  const tr = feedOutcomes(decodePublishRequest, b);
  const fast = feedOutcomes(decodePublishRequestToReports, b);
  expect(shape(tr)).toStrictEqual(shape(gen));
  expect(shape(fast)).toStrictEqual(shape(gen));
}

// ---- raw writer ------------------------------------------------------------------------
const vint = (n: bigint, pad = 0): number[] => {
  const out: number[] = [];
  let x = n;
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  for (let i = 0; i < pad; i++) {
    out[out.length - 1]! |= 0x80;
    out.push(0);
  }
  return out;
};
const tag = (f: number, t: number, pad = 0) => vint(BigInt(f * 8 + t), pad);
const V = (f: number, v: bigint | number, pad = 0, tpad = 0) => [...tag(f, 0, tpad), ...vint(BigInt(v), pad)];
const L = (f: number, body: number[] | string, pad = 0) => {
  const b = typeof body === "string" ? [...Buffer.from(body, "utf8")] : body;
  return [...tag(f, 2), ...vint(BigInt(b.length), pad), ...b];
};
const instr = (u = "AAPL", s = "USD") => L(1, [...L(1, u), ...L(2, s)]);
const orderBytes = (parts: number[][]) => parts.flat();
const baseOrder = (extra: number[][] = [], qty = "10") => orderBytes([instr(), V(2, 77), V(3, 1), L(4, qty), L(6, "100"), ...extra]);
const execCmd = (order: number[], extra: number[] = []) => L(2, L(6, [...L(1, order), ...extra]));
const req = (...cmds: number[][]) => new Uint8Array([...V(1, 5), ...cmds.flat()]);

describe("hand decoders vs generated path on crafted channel bytes", () => {
  const decimals = ["0", "-0", "00", "0.0", "-0.00", "+1", " 1", "1 ", "1e3", "1E3", ".5", "5.", "1..2", "١", "1_0", "123456789012345", "1234567890123456", "0.000000000000001", "0.0000000000000001", "-1", "-1.5", "9".repeat(30), "0x10", "NaN", "Infinity", "1,5", "1\u0000"];
  it("decimals in quantity, volume and price", () => {
    for (const d of decimals) {
      sameChannel(req(execCmd(orderBytes([instr(), V(2, 77), V(3, 1), L(4, d)]))));
      sameChannel(req(execCmd(orderBytes([instr(), V(2, 77), V(3, 2), L(5, d)]))));
      sameChannel(req(execCmd(baseOrder([L(6, d)]))));
    }
  });
  it("ids and varint encodings", () => {
    const ids = [0n, 1n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 49n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
    for (const id of ids) {
      for (const pad of [0, 1, 3]) {
        sameChannel(req(execCmd(orderBytes([instr(), V(2, id, pad), V(3, 1), L(4, "1")]))));
        sameChannel(req(L(2, L(10, V(1, id, pad)))));
        sameChannel(req(L(2, L(4, V(1, id, pad)))));
        sameChannel(req(L(2, L(11, V(1, id, pad)))));
        sameChannel(new Uint8Array([...V(1, id, pad), ...L(2, L(10, V(1, 3)))]));
      }
    }
    // 10-byte varints with garbage high bits, 11-byte varints
    const ten = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    const eleven = [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    for (const v of [ten, eleven, [0x81, 0x80, 0x80, 0x80, 0x10], [0x81, 0x80, 0x80, 0x80, 0x00]]) {
      sameChannel(req(execCmd(orderBytes([instr(), [...tag(2, 0), ...v], V(3, 1), L(4, "1")]))));
      sameChannel(req(execCmd(orderBytes([instr(), V(2, 77), [...tag(3, 0), ...v], L(4, "1")]))));
      sameChannel(req(execCmd(baseOrder([[...tag(8, 0), ...v]]))));
      sameChannel(req(execCmd(baseOrder(), [...tag(2, 0), ...v])));
      sameChannel(req(L(2, L(10, [...tag(1, 0), ...v]))));
    }
  });
  it("enums, bools, repeated scalars, order of fields", () => {
    for (const side of [0, 1, 2, 3, -1, 2 ** 31]) {
      for (const ps of [0, 1, 2, 3, -1]) {
        sameChannel(req(execCmd(orderBytes([instr(), V(2, 77), V(3, BigInt.asUintN(64, BigInt(side))), L(4, "1"), V(7, BigInt.asUintN(64, BigInt(ps)))]))));
      }
    }
    sameChannel(req(execCmd(baseOrder([V(3, 9), V(3, 2)]))));
    sameChannel(req(execCmd(baseOrder([V(2, 0)]))));
    sameChannel(req(execCmd(baseOrder([V(2, 0), V(2, 88)]))));
    sameChannel(req(execCmd(baseOrder([L(5, "3")]))));
    sameChannel(req(execCmd(baseOrder([L(5, "3"), L(4, "4")]))));
    sameChannel(req(execCmd(baseOrder([L(4, "x"), L(4, "4")]))));
    sameChannel(req(execCmd(orderBytes([L(6, "100"), L(4, "1"), V(3, 1), V(2, 77), instr()]))));
    sameChannel(req(execCmd(baseOrder([V(8, 2), V(9, 1), V(12, 1), L(11, ""), L(13, "a"), V(14, 1)]))));
    sameChannel(req(execCmd(baseOrder([V(14, 1)]))));
    sameChannel(req(execCmd(baseOrder([L(13, "")]))));
    sameChannel(req(execCmd(baseOrder([L(13, "x".repeat(128))]))));
    sameChannel(req(execCmd(baseOrder([L(13, "x".repeat(129))]))));
    sameChannel(req(execCmd(baseOrder([L(13, "é")]))));
    sameChannel(req(execCmd(baseOrder([L(11, "é")]))));
    sameChannel(req(execCmd(baseOrder([L(10, "2")]))));
    sameChannel(req(execCmd(baseOrder([L(13, [0xff, 0xfe])]))));
    sameChannel(req(execCmd(baseOrder([L(99, "zz")]))));
    sameChannel(req(execCmd(baseOrder(), V(2, 1)), execCmd(baseOrder(), [...V(2, 1), ...V(2, 0)])));
    sameChannel(req(execCmd(baseOrder(), L(1, baseOrder()))));
    sameChannel(req(L(2, L(3, L(1, baseOrder())))));
    sameChannel(req(L(2, L(3, [...L(1, baseOrder()), ...V(2, 1)]))));
    sameChannel(req(L(2, []), L(2, L(6, []))));
    sameChannel(req(L(2, [...L(6, L(1, baseOrder())), ...L(3, L(1, baseOrder()))])));
  });
  it("instruments and assets", () => {
    const assets = ["", " ", "\t", "\u000b", "\u001c", "\u00a0", "A", " A ", "é", "A".repeat(200)];
    for (const u of assets) {
      for (const s of ["USD", u]) {
        sameChannel(req(execCmd(orderBytes([instr(u, s), V(2, 77), V(3, 1), L(4, "1")]))));
      }
    }
    sameChannel(req(execCmd(orderBytes([L(1, L(1, "AAPL")), V(2, 77), V(3, 1), L(4, "1")]))));
    sameChannel(req(execCmd(orderBytes([L(1, [...L(1, " "), ...L(1, "AAPL"), ...L(2, "USD")]), V(2, 77), V(3, 1), L(4, "1")]))));
    sameChannel(req(execCmd(orderBytes([L(1, []), V(2, 77), V(3, 1), L(4, "1")]))));
  });
});

describe("hand decoders vs generated path on crafted feed bytes", () => {
  const report = (parts: number[][]) => L(2, parts.flat());
  const preq = (...reports: number[][]) => new Uint8Array([...V(1, 9), ...reports.flat()]);
  const trade = (p = "100", q = "1") => L(6, [...L(1, p), ...L(2, q)]);
  const lock = (...prices: [number, string][]) => L(9, prices.flatMap(([g, p]) => L(1, [...(g ? V(1, g) : []), ...L(2, p)])));
  it("reports", () => {
    const decimals = ["0", "-0", "-0.0", "1", "-1", "+1", "1e2", " 1", "", "0.10", "123456789012345", "1234567890123456"];
    for (const d of decimals) {
      sameFeed(preq(report([instr(), V(2, 77), V(3, 1), L(4, d)])));
      sameFeed(preq(report([instr(), V(2, 77), V(3, 1), L(5, d)])));
      sameFeed(preq(report([instr(), V(2, 77), trade(d, "1")])));
      sameFeed(preq(report([instr(), V(2, 77), trade("1", d)])));
      sameFeed(preq(report([instr(), V(2, 77), L(8, d), V(10, 1)])));
      sameFeed(preq(report([instr(), V(2, 77), L(7, [...L(1, d), ...L(2, "USD")])])));
      sameFeed(preq(report([instr(), V(2, 77), trade("100"), lock([0, d])])));
      sameFeed(preq(report([instr(), V(2, 77), trade(d), lock([0, d], [3, d])])));
    }
    sameFeed(preq(report([])));
    sameFeed(preq(report([V(2, 0)])));
    sameFeed(preq(report([V(2, 2n ** 64n - 1n)])));
    sameFeed(preq(report([lock()])));
    sameFeed(preq(report([L(9, [])])));
    sameFeed(preq(report([lock([70000, "1"])])));
    sameFeed(preq(report([lock([65535, "1"], [0, "2"], [65535, "3"])])));
    sameFeed(preq(report([L(9, L(1, V(1, 1)))])));
    sameFeed(preq(report([trade("100"), lock([0, "100"]), trade("101")])));
    sameFeed(preq(report([L(6, [])])));
    sameFeed(preq(report([L(7, L(2, " "))])));
    sameFeed(preq(report([V(11, 3)])));
    sameFeed(preq(report([V(12, 3)])));
    sameFeed(preq(report([V(3, 3)])));
    sameFeed(preq(report([L(13, "")])));
    sameFeed(preq(report([L(4, "1"), L(4, "x")])));
    sameFeed(preq(report([L(4, "x"), L(4, "1")])));
    sameFeed(preq(report([instr(" ", "USD")])));
    sameFeed(preq(report([trade("100")]), report([lock([0, "100"])])));
  });
});
