/**
 * `OpenResponse` to bytes, specialised by hand for the channel's hot results.
 *
 * Every order answer goes through here, and protobuf-es's reflective `toBinary` was the
 * largest single cost of the sidecar's order path (about a quarter of its CPU under
 * load; docs/performance.md). This encoder writes the same bytes directly for what an
 * order flow sends — execute, start, finalize and error results — and hands every other
 * result and the notices to `toBinary`, so rarely used shapes stay defined by the schema
 * alone. Tests compare both byte for byte on randomized
 * messages of every result kind.
 *
 * Emission follows proto3 and protobuf-es: fields in number order, implicit-presence
 * scalars skipped at their zero value, message fields written when set, `optional`
 * fields when not `undefined`. Unknown fields are a request's (a newer client's): the
 * sidecar builds its answers and never sets one. One on the response sends it whole to
 * `toBinary`, one on a result that result (notices always go there); deeper ones in a result
 * are not looked for and would not be written.
 */
import { toBinary } from "@bufbuild/protobuf";
import {
  ChannelNoticeSchema,
  CommandResultSchema,
  OpenResponseSchema,
  type CommandResult,
  type ExecuteResult,
  type OpenResponse,
  type StartResult,
} from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { CommandError } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import type { AccountOutcome, OutcomeAmount, PreTradeLock, Reject } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { isEncodedMessage, type EncodedMessage } from "./encoded-message.js";
import { ProtoWriter } from "./proto-writer.js";

// The writer is reused across messages: encoding is synchronous and never re-entered.
const writer = new ProtoWriter();

export function encodeOpenResponse(m: OpenResponse | EncodedMessage): Buffer {
  if (isEncodedMessage(m)) return m.bytes;
  // The sidecar never sets unknown fields; were one there, protobuf-es would place it.
  if (m.$unknown !== undefined) return asBuffer(toBinary(OpenResponseSchema, m));
  const w = writer.reset();
  if (m.correlationId !== 0n) w.uint64Field(1, m.correlationId);
  for (const r of m.results) writeCommandResult(w, r);
  if (m.notice !== undefined) w.bytesField(3, toBinary(ChannelNoticeSchema, m.notice));
  if (m.error !== undefined) writeError(w, 4, m.error);
  return w.finish();
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function writeCommandResult(w: ProtoWriter, r: CommandResult): void {
  if (r.$unknown === undefined) {
    const result = r.result;
    switch (result.case) {
      case "error": {
        const mark = w.beginMessage(2);
        writeError(w, 1, result.value);
        w.endMessage(mark);
        return;
      }
      case "start": {
        const mark = w.beginMessage(2);
        writeStart(w, result.value);
        w.endMessage(mark);
        return;
      }
      case "execute": {
        const mark = w.beginMessage(2);
        writeExecute(w, result.value);
        w.endMessage(mark);
        return;
      }
      case "finalize": {
        const mark = w.beginMessage(2);
        const inner = w.beginMessage(7);
        if (result.value.id !== 0n) w.uint64Field(1, result.value.id);
        w.endMessage(inner);
        w.endMessage(mark);
        return;
      }
    }
  }
  w.bytesField(2, toBinary(CommandResultSchema, r));
}

export function writeError(w: ProtoWriter, field: number, e: CommandError): void {
  const mark = w.beginMessage(field);
  if (e.code !== 0) w.int32Field(1, e.code);
  if (e.message !== "") w.stringField(2, e.message);
  if (e.field !== "") w.stringField(3, e.field);
  if (e.ownerAddress !== "") w.stringField(4, e.ownerAddress);
  w.endMessage(mark);
}

function writeStart(w: ProtoWriter, s: StartResult): void {
  const mark = w.beginMessage(3);
  if (s.accepted) w.boolField(1, true);
  if (s.requestId !== 0n) w.uint64Field(2, s.requestId);
  for (const r of s.rejects) writeReject(w, 3, r);
  w.endMessage(mark);
}

function writeExecute(w: ProtoWriter, x: ExecuteResult): void {
  const mark = w.beginMessage(4);
  if (x.accepted) w.boolField(1, true);
  if (x.reservationId !== 0n) w.uint64Field(2, x.reservationId);
  if (x.committed) w.boolField(3, true);
  if (x.lock !== undefined) writeLock(w, 4, x.lock);
  for (const o of x.accountAdjustments) writeOutcome(w, 5, o);
  for (const r of x.rejects) writeReject(w, 6, r);
  w.endMessage(mark);
}

export function writeLock(w: ProtoWriter, field: number, lock: PreTradeLock): void {
  const mark = w.beginMessage(field);
  for (const p of lock.prices) {
    const inner = w.beginMessage(1);
    if (p.policyGroupId !== 0) w.uint32Field(1, p.policyGroupId);
    if (p.price !== "") w.stringField(2, p.price);
    w.endMessage(inner);
  }
  w.endMessage(mark);
}

export function writeAmount(w: ProtoWriter, field: number, a: OutcomeAmount): void {
  const mark = w.beginMessage(field);
  if (a.delta !== "") w.stringField(1, a.delta);
  if (a.absolute !== "") w.stringField(2, a.absolute);
  w.endMessage(mark);
}

export function writeOutcome(w: ProtoWriter, field: number, o: AccountOutcome): void {
  const mark = w.beginMessage(field);
  if (o.policyGroupId !== 0) w.uint32Field(1, o.policyGroupId);
  if (o.asset !== "") w.stringField(2, o.asset);
  if (o.balance !== undefined) writeAmount(w, 3, o.balance);
  if (o.held !== undefined) writeAmount(w, 4, o.held);
  if (o.incoming !== undefined) writeAmount(w, 5, o.incoming);
  const pnl = o.realizedPnl;
  if (pnl !== undefined) {
    const inner = w.beginMessage(6);
    if (pnl.result.case === "value") writeAmount(w, 1, pnl.result.value);
    else if (pnl.result.case === "halted") w.int32Field(2, pnl.result.value);
    w.endMessage(inner);
  }
  if (o.averageEntryPrice !== undefined) w.stringField(7, o.averageEntryPrice);
  w.endMessage(mark);
}

function writeReject(w: ProtoWriter, field: number, r: Reject): void {
  const mark = w.beginMessage(field);
  if (r.policy !== "") w.stringField(1, r.policy);
  if (r.code !== 0) w.int32Field(2, r.code);
  if (r.reason !== "") w.stringField(3, r.reason);
  if (r.details !== "") w.stringField(4, r.details);
  if (r.scope !== 0) w.int32Field(5, r.scope);
  w.endMessage(mark);
}
