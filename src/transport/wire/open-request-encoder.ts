/**
 * `OpenRequest` to bytes, specialised by hand for the client's hot commands (execute
 * pre-trade, start, execute request, commit, rollback); every other command goes through
 * protobuf-es's `toBinary`. The TypeScript client's side of open-response-encoder.ts:
 * a gateway pays for encoding on every order too. Tests compare it with `toBinary` byte
 * for byte.
 */
import { toBinary } from "@bufbuild/protobuf";
import { CommandSchema, OpenRequestSchema, type Command, type OpenRequest } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { Order } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { ProtoWriter } from "./proto-writer.js";

const writer = new ProtoWriter();

export function encodeOpenRequest(m: OpenRequest): Buffer {
  if (m.$unknown !== undefined) return Buffer.from(toBinary(OpenRequestSchema, m));
  const w = writer.reset();
  if (m.correlationId !== 0n) w.uint64Field(1, m.correlationId);
  for (const c of m.commands) writeCommand(w, c);
  return w.finish();
}

function writeCommand(w: ProtoWriter, c: Command): void {
  const command = c.command;
  if (c.$unknown === undefined && command.value?.$unknown === undefined && knownFieldsOnly(command)) {
    switch (command.case) {
      case "startPreTrade": {
        const mark = w.beginMessage(2);
        const inner = w.beginMessage(3);
        if (command.value.order !== undefined) writeOrder(w, 1, command.value.order);
        w.endMessage(inner);
        w.endMessage(mark);
        return;
      }
      case "executePreTrade": {
        const mark = w.beginMessage(2);
        const inner = w.beginMessage(6);
        if (command.value.order !== undefined) writeOrder(w, 1, command.value.order);
        if (command.value.commitOnAccept) w.boolField(2, true);
        w.endMessage(inner);
        w.endMessage(mark);
        return;
      }
      case "executeRequest":
        return writeIdCommand(w, 4, command.value.requestId);
      case "commitReservation":
        return writeIdCommand(w, 10, command.value.reservationId);
      case "rollbackReservation":
        return writeIdCommand(w, 11, command.value.reservationId);
    }
  }
  w.bytesField(2, toBinary(CommandSchema, c));
}

/** Unknown fields anywhere in an order are for `toBinary` to place. */
function knownFieldsOnly(command: Command["command"]): boolean {
  if (command.case !== "startPreTrade" && command.case !== "executePreTrade") return true;
  const order = command.value.order;
  return order === undefined || (order.$unknown === undefined && order.instrument?.$unknown === undefined);
}

function writeIdCommand(w: ProtoWriter, field: number, id: bigint): void {
  const mark = w.beginMessage(2);
  const inner = w.beginMessage(field);
  if (id !== 0n) w.uint64Field(1, id);
  w.endMessage(inner);
  w.endMessage(mark);
}

function writeOrder(w: ProtoWriter, field: number, o: Order): void {
  const mark = w.beginMessage(field);
  const instrument = o.instrument;
  if (instrument !== undefined) {
    const inner = w.beginMessage(1);
    if (instrument.underlyingAsset !== "") w.stringField(1, instrument.underlyingAsset);
    if (instrument.settlementAsset !== "") w.stringField(2, instrument.settlementAsset);
    w.endMessage(inner);
  }
  if (o.accountId !== 0n) w.uint64Field(2, o.accountId);
  if (o.side !== 0) w.int32Field(3, o.side);
  if (o.tradeAmount.case === "quantity") w.stringField(4, o.tradeAmount.value);
  else if (o.tradeAmount.case === "volume") w.stringField(5, o.tradeAmount.value);
  if (o.price !== undefined) w.stringField(6, o.price);
  if (o.positionSide !== 0) w.int32Field(7, o.positionSide);
  if (o.reduceOnly) w.boolField(8, true);
  if (o.closePosition) w.boolField(9, true);
  if (o.leverage !== undefined) w.stringField(10, o.leverage);
  if (o.collateralAsset !== undefined) w.stringField(11, o.collateralAsset);
  if (o.autoBorrow) w.boolField(12, true);
  if (o.clientOrderId !== undefined) w.stringField(13, o.clientOrderId);
  if (o.retry) w.boolField(14, true);
  w.endMessage(mark);
}
