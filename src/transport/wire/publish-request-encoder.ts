/**
 * `PublishRequest` to bytes, specialised by hand for the TypeScript client's feed (a venue
 * adapter pays for encoding every fill too); the counterpart of publish-request-decoder.ts.
 * A report carrying unknown fields anywhere goes through protobuf-es's `toBinary`. Tests
 * compare both byte for byte on randomized messages.
 */
import { toBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema, type PublishRequest } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import { ExecutionReportSchema, type ExecutionReport } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { writeLock } from "./open-response-encoder.js";
import { ProtoWriter } from "./proto-writer.js";

const writer = new ProtoWriter();

export function encodePublishRequest(m: PublishRequest): Buffer {
  if (m.$unknown !== undefined) return Buffer.from(toBinary(PublishRequestSchema, m));
  const w = writer.reset();
  if (m.correlationId !== 0n) w.uint64Field(1, m.correlationId);
  for (const e of m.reports) {
    if (knownFieldsOnly(e)) writeReport(w, e);
    else w.bytesField(2, toBinary(ExecutionReportSchema, e));
  }
  return w.finish();
}

function knownFieldsOnly(e: ExecutionReport): boolean {
  return (
    e.$unknown === undefined &&
    e.instrument?.$unknown === undefined &&
    e.lastTrade?.$unknown === undefined &&
    e.fillFee?.$unknown === undefined &&
    e.lock?.$unknown === undefined &&
    (e.lock === undefined || e.lock.prices.every((p) => p.$unknown === undefined))
  );
}

function writeReport(w: ProtoWriter, e: ExecutionReport): void {
  const mark = w.beginMessage(2);
  const instrument = e.instrument;
  if (instrument !== undefined) {
    const inner = w.beginMessage(1);
    if (instrument.underlyingAsset !== "") w.stringField(1, instrument.underlyingAsset);
    if (instrument.settlementAsset !== "") w.stringField(2, instrument.settlementAsset);
    w.endMessage(inner);
  }
  if (e.accountId !== 0n) w.uint64Field(2, e.accountId);
  if (e.side !== 0) w.int32Field(3, e.side);
  if (e.pnl !== undefined) w.stringField(4, e.pnl);
  if (e.fee !== undefined) w.stringField(5, e.fee);
  if (e.lastTrade !== undefined) {
    const inner = w.beginMessage(6);
    if (e.lastTrade.price !== "") w.stringField(1, e.lastTrade.price);
    if (e.lastTrade.quantity !== "") w.stringField(2, e.lastTrade.quantity);
    w.endMessage(inner);
  }
  if (e.fillFee !== undefined) {
    const inner = w.beginMessage(7);
    if (e.fillFee.amount !== "") w.stringField(1, e.fillFee.amount);
    if (e.fillFee.currency !== "") w.stringField(2, e.fillFee.currency);
    w.endMessage(inner);
  }
  if (e.leavesQuantity !== undefined) w.stringField(8, e.leavesQuantity);
  if (e.lock !== undefined) writeLock(w, 9, e.lock);
  if (e.isFinal) w.boolField(10, true);
  if (e.positionEffect !== 0) w.int32Field(11, e.positionEffect);
  if (e.positionSide !== 0) w.int32Field(12, e.positionSide);
  if (e.clientOrderId !== undefined) w.stringField(13, e.clientOrderId);
  if (e.executionId !== undefined) w.stringField(14, e.executionId);
  w.endMessage(mark);
}
