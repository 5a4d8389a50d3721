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
} from "../../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { Instrument, Order } from "../../../../gen/openpit/sidecar/v1/types_pb.js";
import { ProtoReader, UNEXPECTED, WIRE_LEN, WIRE_VARINT } from "./proto-reader.js";

export function decodeOpenRequest(bytes: Uint8Array): OpenRequest {
  try {
    return readOpenRequest(new ProtoReader(bytes));
  } catch {
    // UNEXPECTED, or a rare command's own decoding failed: the whole message's verdict
    // (and error text) is fromBinary's.
    return fromBinary(OpenRequestSchema, bytes);
  }
}

/** Reads a tag; the field number and wire type come back packed as `field * 8 + wire`. */
function nextTag(r: ProtoReader): number {
  return r.uint32();
}

function expectWire(tag: number, wire: number): void {
  if ((tag & 7) !== wire) throw UNEXPECTED;
}

function readOpenRequest(r: ProtoReader): OpenRequest {
  const m: OpenRequest = { $typeName: "openpit.sidecar.v1.OpenRequest", correlationId: 0n, commands: [] };
  while (!r.done) {
    const tag = nextTag(r);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_VARINT);
        m.correlationId = r.uint64();
        break;
      case 2: {
        expectWire(tag, WIRE_LEN);
        const end = r.lengthDelimitedEnd();
        m.commands.push(readCommand(r, end));
        r.pos = end;
        break;
      }
      default:
        throw UNEXPECTED;
    }
  }
  return m;
}

function readCommand(r: ProtoReader, end: number): Command {
  const start = r.pos;
  const outer = r.end;
  r.end = end;
  try {
    if (r.done) return { $typeName: "openpit.sidecar.v1.Command", command: { case: undefined } };
    const tag = nextTag(r);
    if ((tag & 7) === WIRE_LEN) {
      const bodyEnd = r.lengthDelimitedEnd();
      // One command per Command: a second oneof member (merge or override) is fromBinary's.
      if (bodyEnd === end) {
        const command = readHotCommand(r, tag >>> 3, bodyEnd);
        if (command !== undefined) return { $typeName: "openpit.sidecar.v1.Command", command };
      }
    }
    return fromBinary(CommandSchema, r.buf.subarray(start, end));
  } finally {
    r.end = outer;
  }
}

function readHotCommand(r: ProtoReader, field: number, end: number): Command["command"] | undefined {
  r.end = end;
  switch (field) {
    case 3:
    {
      const { order } = readOrderHolder(r, false);
      return { case: "startPreTrade", value: { $typeName: "openpit.sidecar.v1.StartPreTrade", ...(order && { order }) } };
    }
    case 4:
      return { case: "executeRequest", value: { $typeName: "openpit.sidecar.v1.ExecuteRequest", requestId: readSingleId(r) } };
    case 6: {
      const { order, flag } = readOrderHolder(r, true);
      const value = { $typeName: "openpit.sidecar.v1.ExecutePreTrade" as const, commitOnAccept: flag, ...(order && { order }) };
      return { case: "executePreTrade", value };
    }
    case 10:
      return { case: "commitReservation", value: { $typeName: "openpit.sidecar.v1.CommitReservation", reservationId: readSingleId(r) } };
    case 11:
      return { case: "rollbackReservation", value: { $typeName: "openpit.sidecar.v1.RollbackReservation", reservationId: readSingleId(r) } };
    default:
      return undefined;
  }
}

/** A message whose only field is a uint64 id at number 1. */
function readSingleId(r: ProtoReader): bigint {
  let id = 0n;
  while (!r.done) {
    const tag = nextTag(r);
    if (tag !== (1 << 3) + WIRE_VARINT) throw UNEXPECTED;
    id = r.uint64();
  }
  return id;
}

/** `{ order = 1; bool flag = 2 }` (ExecutePreTrade) or `{ order = 1 }` (StartPreTrade). */
function readOrderHolder(r: ProtoReader, hasFlag: boolean): { order?: Order; flag: boolean } {
  let order: Order | undefined;
  let flag = false;
  while (!r.done) {
    const tag = nextTag(r);
    if (tag === (1 << 3) + WIRE_LEN && order === undefined) {
      const end = r.lengthDelimitedEnd();
      order = readOrder(r, end);
    } else if (hasFlag && tag === (2 << 3) + WIRE_VARINT) {
      flag = r.bool();
    } else {
      throw UNEXPECTED;
    }
  }
  return order === undefined ? { flag } : { order, flag };
}

function readOrder(r: ProtoReader, end: number): Order {
  const outer = r.end;
  r.end = end;
  const o: Order = {
    $typeName: "openpit.sidecar.v1.Order",
    accountId: 0n,
    side: 0,
    tradeAmount: { case: undefined },
    positionSide: 0,
    reduceOnly: false,
    closePosition: false,
    autoBorrow: false,
  };
  while (!r.done) {
    const tag = nextTag(r);
    switch (tag) {
      case (1 << 3) + WIRE_LEN: {
        if (o.instrument !== undefined) throw UNEXPECTED; // a repeated message field merges
        const bodyEnd = r.lengthDelimitedEnd();
        o.instrument = readInstrument(r, bodyEnd);
        break;
      }
      case (2 << 3) + WIRE_VARINT:
        o.accountId = r.uint64();
        break;
      case (3 << 3) + WIRE_VARINT:
        o.side = r.int32();
        break;
      case (4 << 3) + WIRE_LEN:
        o.tradeAmount = { case: "quantity", value: r.string() };
        break;
      case (5 << 3) + WIRE_LEN:
        o.tradeAmount = { case: "volume", value: r.string() };
        break;
      case (6 << 3) + WIRE_LEN:
        o.price = r.string();
        break;
      case (7 << 3) + WIRE_VARINT:
        o.positionSide = r.int32();
        break;
      case (8 << 3) + WIRE_VARINT:
        o.reduceOnly = r.bool();
        break;
      case (9 << 3) + WIRE_VARINT:
        o.closePosition = r.bool();
        break;
      case (10 << 3) + WIRE_LEN:
        o.leverage = r.string();
        break;
      case (11 << 3) + WIRE_LEN:
        o.collateralAsset = r.string();
        break;
      case (12 << 3) + WIRE_VARINT:
        o.autoBorrow = r.bool();
        break;
      default:
        throw UNEXPECTED;
    }
  }
  r.end = outer;
  return o;
}

function readInstrument(r: ProtoReader, end: number): Instrument {
  const outer = r.end;
  r.end = end;
  const i: Instrument = { $typeName: "openpit.sidecar.v1.Instrument", underlyingAsset: "", settlementAsset: "" };
  while (!r.done) {
    const tag = nextTag(r);
    if (tag === (1 << 3) + WIRE_LEN) i.underlyingAsset = r.string();
    else if (tag === (2 << 3) + WIRE_LEN) i.settlementAsset = r.string();
    else throw UNEXPECTED;
  }
  r.end = outer;
  return i;
}
