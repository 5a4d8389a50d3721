/**
 * `PublishRequest` (the execution-report feed) from bytes, specialised by hand like the
 * channel's open-request-decoder.ts: every fill the venue reports arrives here, and
 * protobuf-es's reflective `fromBinary` and `create` were a fifth of what the sidecar
 * allocated per report. It builds the same objects `fromBinary` builds; anything unusual
 * (unknown or repeated message fields, non-ASCII text, odd varints, truncation) sends the
 * whole message to `fromBinary`, which decodes it or reports the error the client would
 * otherwise get. Tests compare both on randomized and corrupted messages.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema, type PublishRequest } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { ExecutionReport, MonetaryAmount, Trade } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { readInstrument } from "./open-request-decoder.js";
import { readLock } from "./open-response-decoder.js";
import { LEN, ProtoReader, UNEXPECTED, VARINT } from "./proto-reader.js";

export function decodePublishRequest(bytes: Uint8Array): PublishRequest {
  try {
    return readPublishRequest(new ProtoReader(bytes));
  } catch {
    return fromBinary(PublishRequestSchema, bytes);
  }
}

function readPublishRequest(r: ProtoReader): PublishRequest {
  const m: PublishRequest = { $typeName: "openpit.sidecar.v1.PublishRequest", correlationId: 0n, reports: [] };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) m.correlationId = r.uint64();
    else if (tag === LEN(2)) m.reports.push(r.nested(readExecutionReport));
    else throw UNEXPECTED;
  }
  return m;
}

function readExecutionReport(r: ProtoReader): ExecutionReport {
  const e: ExecutionReport = {
    $typeName: "openpit.sidecar.v1.ExecutionReport",
    accountId: 0n,
    side: 0,
    isFinal: false,
    positionEffect: 0,
    positionSide: 0,
  };
  while (!r.done) {
    const tag = r.uint32();
    switch (tag) {
      // A message field seen twice merges: protobuf-es decodes that.
      case LEN(1):
        if (e.instrument !== undefined) throw UNEXPECTED;
        e.instrument = r.nested(readInstrument);
        break;
      case VARINT(2):
        e.accountId = r.uint64();
        break;
      case VARINT(3):
        e.side = r.int32();
        break;
      case LEN(4):
        e.pnl = r.string();
        break;
      case LEN(5):
        e.fee = r.string();
        break;
      case LEN(6):
        if (e.lastTrade !== undefined) throw UNEXPECTED;
        e.lastTrade = r.nested(readTrade);
        break;
      case LEN(7):
        if (e.fillFee !== undefined) throw UNEXPECTED;
        e.fillFee = r.nested(readMonetaryAmount);
        break;
      case LEN(8):
        e.leavesQuantity = r.string();
        break;
      case LEN(9):
        if (e.lock !== undefined) throw UNEXPECTED;
        e.lock = r.nested(readLock);
        break;
      case VARINT(10):
        e.isFinal = r.bool();
        break;
      case VARINT(11):
        e.positionEffect = r.int32();
        break;
      case VARINT(12):
        e.positionSide = r.int32();
        break;
      case LEN(13):
        e.clientOrderId = r.string();
        break;
      case LEN(14):
        e.executionId = r.string();
        break;
      default:
        throw UNEXPECTED;
    }
  }
  return e;
}

function readTrade(r: ProtoReader): Trade {
  const t: Trade = { $typeName: "openpit.sidecar.v1.Trade", price: "", quantity: "" };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) t.price = r.string();
    else if (tag === LEN(2)) t.quantity = r.string();
    else throw UNEXPECTED;
  }
  return t;
}

function readMonetaryAmount(r: ProtoReader): MonetaryAmount {
  const a: MonetaryAmount = { $typeName: "openpit.sidecar.v1.MonetaryAmount", amount: "", currency: "" };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) a.amount = r.string();
    else if (tag === LEN(2)) a.currency = r.string();
    else throw UNEXPECTED;
  }
  return a;
}
