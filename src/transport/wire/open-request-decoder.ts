/**
 * `OpenRequest` from bytes, specialised by hand for the channel's hot commands.
 *
 * The counterpart of open-response-encoder.ts: protobuf-es's reflective `fromBinary` was
 * the second largest cost of the sidecar's order path. This decoder builds the same
 * message objects `fromBinary` builds for the commands an order flow sends (execute
 * pre-trade, start, execute request, commit, rollback); every other command is decoded
 * by `fromBinary` from its own bytes. Anything unusual — unknown or repeated message
 * fields, non-ASCII text, odd varints, truncation — sends the whole message to
 * `fromBinary`, which decodes it or reports the error the client would otherwise get.
 * Tests compare both on randomized and corrupted messages.
 */
import { fromBinary } from "@bufbuild/protobuf";
import {
  CommandSchema,
  OpenRequestSchema,
  type Command,
  type OpenRequest,
} from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { Instrument, Order } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { readOrderHolder } from "./order-holder.js";
import { LEN, ProtoReader, UNEXPECTED, VARINT, WIRE_LEN } from "./proto-reader.js";

export function decodeOpenRequest(bytes: Uint8Array): OpenRequest {
  try {
    return readOpenRequest(new ProtoReader(bytes));
  } catch {
    // UNEXPECTED, or a rare command's own decoding failed: the whole message's verdict
    // (and error text) is fromBinary's.
    return fromBinary(OpenRequestSchema, bytes);
  }
}

function readOpenRequest(r: ProtoReader): OpenRequest {
  const m: OpenRequest = { $typeName: "openpit.sidecar.v1.OpenRequest", correlationId: 0n, commands: [] };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) m.correlationId = r.uint64();
    else if (tag === LEN(2)) m.commands.push(r.nested(readCommand));
    else throw UNEXPECTED;
  }
  return m;
}

function readCommand(r: ProtoReader): Command {
  const start = r.pos;
  if (r.done) return { $typeName: "openpit.sidecar.v1.Command", command: { case: undefined } };
  const tag = r.uint32();
  if ((tag & 7) === WIRE_LEN) {
    // One command per Command: a second oneof member (merge or override) is fromBinary's.
    const commandEnd = r.end;
    const command = r.nested((body) => (body.end === commandEnd ? readHotCommand(body, tag >>> 3) : undefined));
    if (command !== undefined) return { $typeName: "openpit.sidecar.v1.Command", command };
  }
  return fromBinary(CommandSchema, r.buf.subarray(start, r.end));
}

function readHotCommand(r: ProtoReader, field: number): Command["command"] | undefined {
  switch (field) {
    case 3: {
      const order = readOrderHolder(r, false, readOrder);
      const value = order === undefined ? { $typeName: "openpit.sidecar.v1.StartPreTrade" as const } : { $typeName: "openpit.sidecar.v1.StartPreTrade" as const, order };
      return { case: "startPreTrade", value };
    }
    case 4:
      return { case: "executeRequest", value: { $typeName: "openpit.sidecar.v1.ExecuteRequest", requestId: r.singleId() } };
    case 6: {
      // Literals of their final shape (no `...(order && { order })` copy): every order.
      const order = readOrderHolder(r, true, readOrder);
      const commitOnAccept = r.flag;
      const value =
        order === undefined
          ? { $typeName: "openpit.sidecar.v1.ExecutePreTrade" as const, commitOnAccept }
          : { $typeName: "openpit.sidecar.v1.ExecutePreTrade" as const, commitOnAccept, order };
      return { case: "executePreTrade", value };
    }
    case 10:
      return { case: "commitReservation", value: { $typeName: "openpit.sidecar.v1.CommitReservation", reservationId: r.singleId() } };
    case 11:
      return { case: "rollbackReservation", value: { $typeName: "openpit.sidecar.v1.RollbackReservation", reservationId: r.singleId() } };
    default:
      return undefined;
  }
}

function readOrder(r: ProtoReader): Order {
  const o: Order = {
    $typeName: "openpit.sidecar.v1.Order",
    accountId: 0n,
    side: 0,
    tradeAmount: { case: undefined },
    positionSide: 0,
    reduceOnly: false,
    closePosition: false,
    autoBorrow: false,
    retry: false,
  };
  while (!r.done) {
    const tag = r.uint32();
    switch (tag) {
      case LEN(1): {
        if (o.instrument !== undefined) throw UNEXPECTED; // a repeated message field merges
        o.instrument = r.nested(readInstrument);
        break;
      }
      case VARINT(2):
        o.accountId = r.uint64();
        break;
      case VARINT(3):
        o.side = r.int32();
        break;
      case LEN(4):
        o.tradeAmount = { case: "quantity", value: r.string() };
        break;
      case LEN(5):
        o.tradeAmount = { case: "volume", value: r.string() };
        break;
      case LEN(6):
        o.price = r.string();
        break;
      case VARINT(7):
        o.positionSide = r.int32();
        break;
      case VARINT(8):
        o.reduceOnly = r.bool();
        break;
      case VARINT(9):
        o.closePosition = r.bool();
        break;
      case LEN(10):
        o.leverage = r.string();
        break;
      case LEN(11):
        o.collateralAsset = r.string();
        break;
      case VARINT(12):
        o.autoBorrow = r.bool();
        break;
      case LEN(13):
        o.clientOrderId = r.string();
        break;
      case VARINT(14):
        o.retry = r.bool();
        break;
      default:
        throw UNEXPECTED;
    }
  }
  return o;
}

/** Shared with the feed's decoder (publish-request-decoder.ts). */
export function readInstrument(r: ProtoReader): Instrument {
  const i: Instrument = { $typeName: "openpit.sidecar.v1.Instrument", underlyingAsset: "", settlementAsset: "" };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) i.underlyingAsset = r.string();
    else if (tag === LEN(2)) i.settlementAsset = r.string();
    else throw UNEXPECTED;
  }
  return i;
}
