/**
 * `PublishResponse` from bytes, specialised by hand for the feed's results (post-trade
 * and error); the TypeScript client's side of publish-response-encoder.ts, sharing the
 * channel decoder's readers. Anything unusual sends the whole message to `fromBinary`
 * (see proto-reader.ts); tests compare both on randomized and corrupted messages.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { PublishResponseSchema, ReportResultSchema, type PublishResponse, type ReportResult } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { AccountBlock, AccountPnl, PostTradeResult } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { readError, readOutcome, readPnl } from "./open-response-decoder.js";
import { LEN, ProtoReader, UNEXPECTED, VARINT } from "./proto-reader.js";

export function decodePublishResponse(bytes: Uint8Array): PublishResponse {
  try {
    return readPublishResponse(new ProtoReader(bytes));
  } catch {
    return fromBinary(PublishResponseSchema, bytes);
  }
}

function readPublishResponse(r: ProtoReader): PublishResponse {
  const m: PublishResponse = { $typeName: "openpit.sidecar.v1.PublishResponse", correlationId: 0n, results: [] };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) m.correlationId = r.uint64();
    else if (tag === LEN(2)) m.results.push(r.nested(readReportResult));
    // A second occurrence would merge into the first: protobuf-es decodes that message.
    else if (tag === LEN(3) && m.error === undefined) m.error = r.nested(readError);
    else throw UNEXPECTED;
  }
  return m;
}

function readReportResult(r: ProtoReader): ReportResult {
  const start = r.pos;
  if (r.done) return { $typeName: "openpit.sidecar.v1.ReportResult", result: { case: undefined } };
  const tag = r.uint32();
  let result: ReportResult["result"] | undefined;
  if (tag === LEN(1)) result = { case: "error", value: r.nested(readError) };
  else if (tag === LEN(2)) result = { case: "postTrade", value: r.nested(readPostTrade) };
  // Anything else, or a second oneof member after the first: protobuf-es decodes this one.
  if (result === undefined || !r.done) return fromBinary(ReportResultSchema, r.buf.subarray(start, r.end));
  return { $typeName: "openpit.sidecar.v1.ReportResult", result };
}

function readPostTrade(r: ProtoReader): PostTradeResult {
  const p: PostTradeResult = { $typeName: "openpit.sidecar.v1.PostTradeResult", accountBlocks: [], accountPnls: [], accountAdjustments: [], duplicateExecutionId: false };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) p.accountBlocks.push(r.nested(readBlock));
    else if (tag === LEN(2)) p.accountPnls.push(r.nested(readAccountPnl));
    else if (tag === LEN(3)) p.accountAdjustments.push(r.nested(readOutcome));
    else if (tag === VARINT(4)) p.duplicateExecutionId = r.bool();
    else throw UNEXPECTED;
  }
  return p;
}

function readBlock(r: ProtoReader): AccountBlock {
  const b: AccountBlock = { $typeName: "openpit.sidecar.v1.AccountBlock", policy: "", code: 0, reason: "", details: "" };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) b.policy = r.string();
    else if (tag === VARINT(2)) b.code = r.int32();
    else if (tag === LEN(3)) b.reason = r.string();
    else if (tag === LEN(4)) b.details = r.string();
    else throw UNEXPECTED;
  }
  return b;
}

function readAccountPnl(r: ProtoReader): AccountPnl {
  const a: AccountPnl = { $typeName: "openpit.sidecar.v1.AccountPnl", accountId: 0n, policyGroupId: 0 };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) a.accountId = r.uint64();
    else if (tag === VARINT(2)) a.policyGroupId = r.uint32();
    else if (tag === LEN(3) && a.result === undefined) a.result = r.nested(readPnl);
    else throw UNEXPECTED;
  }
  return a;
}
