/**
 * `PublishResponse` to bytes, specialised by hand for the feed's results (post-trade and
 * error), the counterpart of publish-request-decoder.ts and the channel's
 * open-response-encoder.ts (whose field writers it shares). Anything else — unknown
 * fields on the response or a result, an empty result — goes through protobuf-es's
 * `toBinary` (unknown fields deeper are not looked for: the sidecar never sets any, as in
 * open-response-encoder.ts). Tests compare both byte for byte on randomized messages.
 */
import { toBinary } from "@bufbuild/protobuf";
import { PublishResponseSchema, ReportResultSchema, type PublishResponse, type ReportResult } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { AccountBlock, AccountPnl, PostTradeResult } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { writeAmount, writeError, writeOutcome } from "./open-response-encoder.js";
import { isEncodedMessage, type EncodedMessage } from "./encoded-message.js";
import { ProtoWriter } from "./proto-writer.js";

// Reused across messages: encoding is synchronous and never re-entered.
const writer = new ProtoWriter();

export function encodePublishResponse(m: PublishResponse | EncodedMessage): Buffer {
  if (isEncodedMessage(m)) return m.bytes;
  if (m.$unknown !== undefined) {
    const bytes = toBinary(PublishResponseSchema, m);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const w = writer.reset();
  if (m.correlationId !== 0n) w.uint64Field(1, m.correlationId);
  for (const r of m.results) writeReportResult(w, r);
  if (m.error !== undefined) writeError(w, 3, m.error);
  return w.finish();
}

export function writeReportResult(w: ProtoWriter, r: ReportResult): void {
  if (r.$unknown === undefined) {
    const result = r.result;
    if (result.case === "error") {
      const mark = w.beginMessage(2);
      writeError(w, 1, result.value);
      w.endMessage(mark);
      return;
    }
    if (result.case === "postTrade") {
      const mark = w.beginMessage(2);
      writePostTrade(w, 2, result.value);
      w.endMessage(mark);
      return;
    }
  }
  w.bytesField(2, toBinary(ReportResultSchema, r));
}

function writePostTrade(w: ProtoWriter, field: number, p: PostTradeResult): void {
  const mark = w.beginMessage(field);
  for (const b of p.accountBlocks) writeBlock(w, 1, b);
  for (const a of p.accountPnls) writeAccountPnl(w, 2, a);
  for (const o of p.accountAdjustments) writeOutcome(w, 3, o);
  if (p.duplicateExecutionId) w.boolField(4, true);
  w.endMessage(mark);
}

function writeBlock(w: ProtoWriter, field: number, b: AccountBlock): void {
  const mark = w.beginMessage(field);
  if (b.policy !== "") w.stringField(1, b.policy);
  if (b.code !== 0) w.int32Field(2, b.code);
  if (b.reason !== "") w.stringField(3, b.reason);
  if (b.details !== "") w.stringField(4, b.details);
  w.endMessage(mark);
}

function writeAccountPnl(w: ProtoWriter, field: number, a: AccountPnl): void {
  const mark = w.beginMessage(field);
  if (a.accountId !== 0n) w.uint64Field(1, a.accountId);
  if (a.policyGroupId !== 0) w.uint32Field(2, a.policyGroupId);
  const pnl = a.result;
  if (pnl !== undefined) {
    const inner = w.beginMessage(3);
    if (pnl.result.case === "value") writeAmount(w, 1, pnl.result.value);
    else if (pnl.result.case === "halted") w.int32Field(2, pnl.result.value);
    w.endMessage(inner);
  }
  w.endMessage(mark);
}
