/**
 * The raw generator's requests as bytes, written by hand: what varies per message (the
 * correlation id, the account, the side, the quantity) is written, everything fixed per
 * instrument (the instrument message, the price) was encoded once. No protobuf-es message
 * object is built per order. Tests (test/bench/raw-wire.test.ts) hold every encoder byte
 * for byte to protobuf-es's `toBinary` of the same message built with wire.ts.
 */
import { toBinary } from "@bufbuild/protobuf";
import { InstrumentSchema } from "../gen/openpit/sidecar/v1/types_pb.js";
import { ProtoWriter } from "../src/transport/wire/proto-writer.js";
import { SETTLEMENT, type BenchInstrument } from "./bench-config.js";
import type { Side } from "./wire.js";

const SIDE = { BUY: 1, SELL: 2 } as const;

/** One scratch writer: every encoder finishes (copies out) before the next one starts. */
const w = new ProtoWriter();

/** The `Instrument` message of each bench instrument, encoded once. */
const instrumentBytes = new Map<string, Uint8Array>();
function instrumentOf(instrument: BenchInstrument): Uint8Array {
  let bytes = instrumentBytes.get(instrument.underlying);
  if (!bytes) {
    bytes = toBinary(InstrumentSchema, { $typeName: "openpit.sidecar.v1.Instrument", underlyingAsset: instrument.underlying, settlementAsset: SETTLEMENT });
    instrumentBytes.set(instrument.underlying, bytes);
  }
  return bytes;
}

/** Quantities as decimal text, cached: the mix reuses a few hundred values. */
const quantityText: string[] = [];
const textOf = (n: number): string => (n < 4096 ? (quantityText[n] ??= String(n)) : String(n));

/** Correlation ids are uint64 on the wire; the generator's stay below 2^32 (a run sends far fewer). */
function correlation(cid: number): void {
  if (!(cid > 0 && cid <= 0xffff_ffff)) throw new Error(`correlation id ${cid} out of the generator's range`);
  w.uint32Field(1, cid);
}

/** `OpenRequest{cid, [Command{executePreTrade{order, commitOnAccept: true}}]}`, as wire.ts `orderCommand` builds it. */
export function encodeOrderRequest(cid: number, accountId: bigint, instrument: BenchInstrument, side: Side, quantity: number): Buffer {
  w.reset();
  correlation(cid);
  const command = w.beginMessage(2);
  const execute = w.beginMessage(6);
  const order = w.beginMessage(1);
  w.bytesField(1, instrumentOf(instrument));
  w.uint64Field(2, accountId);
  w.int32Field(3, SIDE[side]);
  w.stringField(4, textOf(quantity));
  w.stringField(6, instrument.price);
  w.endMessage(order);
  w.boolField(2, true);
  w.endMessage(execute);
  w.endMessage(command);
  return w.finish();
}

/** `OpenRequest{cid, [Command{applyAccountAdjustment{account, [balance of asset by delta]}}]}`, as wire.ts `balanceCommand` with a delta. */
export function encodeTopUpRequest(cid: number, accountId: bigint, asset: string, delta: string): Buffer {
  w.reset();
  correlation(cid);
  const command = w.beginMessage(2);
  const apply = w.beginMessage(13);
  w.uint64Field(1, accountId);
  const adjustment = w.beginMessage(2);
  const operation = w.beginMessage(1);
  w.stringField(1, asset);
  w.endMessage(operation);
  const amount = w.beginMessage(4);
  w.stringField(1, delta);
  w.endMessage(amount);
  w.endMessage(adjustment);
  w.endMessage(apply);
  w.endMessage(command);
  return w.finish();
}

/** One fill report: as wire.ts `fillReport(accountId, instrument, side, quantity, leaves)`. */
export interface FillReport {
  readonly accountId: bigint;
  readonly instrument: BenchInstrument;
  readonly side: Side;
  readonly quantity: number;
  readonly leaves: number;
}

/** `PublishRequest{cid, reports}` of fills at the order's lock price (pnl and fee 0). */
export function encodeFillRequest(cid: number, fills: readonly FillReport[]): Buffer {
  w.reset();
  correlation(cid);
  for (const f of fills) {
    const report = w.beginMessage(2);
    w.bytesField(1, instrumentOf(f.instrument));
    w.uint64Field(2, f.accountId);
    w.int32Field(3, SIDE[f.side]);
    w.stringField(4, "0");
    w.stringField(5, "0");
    const trade = w.beginMessage(6);
    w.stringField(1, f.instrument.price);
    w.stringField(2, textOf(f.quantity));
    w.endMessage(trade);
    w.stringField(8, textOf(f.leaves));
    const lock = w.beginMessage(9);
    const price = w.beginMessage(1);
    w.stringField(2, f.instrument.price);
    w.endMessage(price);
    w.endMessage(lock);
    if (f.leaves === 0) w.boolField(10, true);
    w.endMessage(report);
  }
  return w.finish();
}
