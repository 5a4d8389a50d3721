/**
 * The channel's `OpenRequest` from bytes straight to the door's commands, for the commands
 * an order flow sends (execute pre-trade, start, execute request, commit, rollback).
 *
 * The generated-message path (open-request-decoder.ts, then `decodeChannelCommand`) built
 * a generated `Command`, its oneof, the `ExecutePreTrade`, the `Order`, its `Instrument`,
 * the trade amount's oneof and a string per decimal and asset, only to turn them into the
 * domain order at once. Here each hot command is read field by field into scratch and
 * built as the domain command it becomes, inside a `DecodedCommand` (the message keeps its
 * generated shape for everyone else; see decoded-messages.ts).
 *
 * Only the plain, valid case is recognised: any command this path does not know, any
 * field it would have to judge (a malformed decimal, a missing account, an unknown enum,
 * leverage), and anything unusual on the wire sends the whole message to the
 * generated-message decoder, which decodes it or reports the error exactly as before. A
 * test compares both paths on random and corrupted messages.
 */
import type { OpenRequest } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { Price, Quantity, Volume, type AccountId, type Instrument, type PositionSide, type Side } from "../../param/index.js";
import type { Order } from "../../model/index.js";
import type { ChannelCommand } from "../../state/commands.js";
import { decodeOpenRequest } from "../../transport/wire/open-request-decoder.js";
import { readOrderHolder } from "../../transport/wire/order-holder.js";
import { LEN, ProtoReader, UNEXPECTED, VARINT, WIRE_LEN } from "../../transport/wire/proto-reader.js";
import { MAX_CLIENT_ORDER_ID_LENGTH } from "./decode-order.js";
import { longerThan } from "../../param/index.js";
import { DecodedCommand } from "./decoded-messages.js";
import { appended, nextListItem, readAsset, readMantissa, readSharedUint64 } from "./wire-values.js";

/** `OpenRequest` whose hot commands are already the door's commands; anything else decoded as before. */
export function decodeOpenRequestToCommands(bytes: Uint8Array): OpenRequest {
  try {
    return readOpenRequest(new ProtoReader(bytes));
  } catch {
    // UNEXPECTED: the generated-message decoder decides (and names any error).
    return decodeOpenRequest(bytes);
  }
}

function readOpenRequest(r: ProtoReader): OpenRequest {
  const m: OpenRequest = { $typeName: "openpit.sidecar.v1.OpenRequest", correlationId: 0n, commands: [] };
  let commands: OpenRequest["commands"] | undefined;
  while (nextListItem(r, m)) commands = appended(commands, readCommand(r));
  if (commands !== undefined) m.commands = commands;
  return m;
}

/** One `Command` holding exactly one hot member whose body is the whole command. */
function readCommand(r: ProtoReader): OpenRequest["commands"][number] {
  const end = r.lengthDelimitedEnd();
  const start = r.pos;
  const outer = r.end;
  r.end = end;
  if (r.done) throw UNEXPECTED; // no command: the generated path names the error
  const tag = r.uint32();
  if ((tag & 7) !== WIRE_LEN) throw UNEXPECTED;
  const bodyEnd = r.lengthDelimitedEnd();
  if (bodyEnd !== end) throw UNEXPECTED;
  const command = readHotCommand(r, tag >>> 3);
  r.end = outer;
  r.pos = end;
  return { $typeName: "openpit.sidecar.v1.Command", command: new DecodedCommand(command, r.buf, start, end).asOneof() };
}

function readHotCommand(r: ProtoReader, field: number): ChannelCommand {
  switch (field) {
    case 3:
      return { kind: "start", order: requiredOrder(r, false) };
    case 4:
      return { kind: "executeRequest", requestId: r.singleId() };
    case 6: {
      const order = requiredOrder(r, true);
      return { kind: "execute", order, commitOnAccept: r.flag };
    }
    case 10:
      return { kind: "commit", reservationId: r.singleId() };
    case 11:
      return { kind: "rollback", reservationId: r.singleId() };
    default:
      throw UNEXPECTED;
  }
}

/** An order holder whose order is required (a missing one goes to the generated path, which names the error). */
function requiredOrder(r: ProtoReader, hasFlag: boolean): Order {
  const order = readOrderHolder(r, hasFlag, readOrder);
  if (order === undefined) throw UNEXPECTED;
  return order;
}

/*
 * The enums' names and the value types' sign rules, as constants of the code. An order runs
 * cold (its pages' translations are gone after the read that brought it), and reading them
 * from lookup arrays and from the classes' static fields touched objects of their own — each
 * a page the order otherwise does not use — in the decoder's costliest stalls
 * (docs/performance.md, "Session 24"). test/server/wire/direct-decoders.test.ts holds them to
 * the generated enums and the classes.
 */

/** `Side`'s name (BUY = 1, SELL = 2); undefined for anything else. */
export function sideName(n: number): Side | undefined {
  return n === 1 ? "BUY" : n === 2 ? "SELL" : undefined;
}

/** `PositionSide`'s name (LONG = 1, SHORT = 2); undefined for anything else. */
export function positionSideName(n: number): PositionSide | undefined {
  return n === 1 ? "LONG" : n === 2 ? "SHORT" : undefined;
}

/** `Quantity.nonNegative`, `Volume.nonNegative`, `Price.nonNegative`. */
export const QUANTITY_NON_NEGATIVE = true;
export const VOLUME_NON_NEGATIVE = true;
export const PRICE_NON_NEGATIVE = false;

/**
 * An order as `decodeOrder` builds it (same keys, same order, same values), for orders
 * `decodeOrder` accepts without leverage; `UNEXPECTED` otherwise.
 */
function readOrder(r: ProtoReader): Order {
  let instrument: Instrument | undefined;
  let accountId = 0n;
  let side = 0;
  let quantity: Quantity | undefined;
  let volume: Volume | undefined;
  let price: Price | undefined;
  let positionSide = 0;
  let reduceOnly = false;
  let closePosition = false;
  let collateralAsset: string | undefined;
  let autoBorrow = false;
  let clientOrderId: string | undefined;
  let retry = false;
  while (!r.done) {
    const tag = r.uint32();
    switch (tag) {
      case LEN(1): {
        if (instrument !== undefined) throw UNEXPECTED; // a repeated message field merges
        instrument = r.nested(readInstrument);
        break;
      }
      case VARINT(2):
        accountId = readSharedUint64(r);
        break;
      case VARINT(3):
        side = r.int32();
        break;
      case LEN(4):
        // The oneof: the last member on the wire wins.
        quantity = new Quantity(readMantissa(r, QUANTITY_NON_NEGATIVE), undefined, r.scale);
        volume = undefined;
        break;
      case LEN(5):
        volume = new Volume(readMantissa(r, VOLUME_NON_NEGATIVE), undefined, r.scale);
        quantity = undefined;
        break;
      case LEN(6):
        price = new Price(readMantissa(r, PRICE_NON_NEGATIVE), undefined, r.scale);
        break;
      case VARINT(7):
        positionSide = r.int32();
        break;
      case VARINT(8):
        reduceOnly = r.bool();
        break;
      case VARINT(9):
        closePosition = r.bool();
        break;
      case LEN(11):
        // Blank, non-ASCII or longer than decodeOrder takes: it names the field.
        collateralAsset = readAsset(r);
        break;
      case VARINT(12):
        autoBorrow = r.bool();
        break;
      case LEN(13):
        clientOrderId = r.string();
        break;
      case VARINT(14):
        retry = r.bool();
        break;
      default:
        // Leverage (10) and anything else: the generated path judges them.
        throw UNEXPECTED;
    }
  }
  // decodeOrder's checks, recognised rather than reported.
  const decodedSide = sideName(side);
  const decodedPositionSide = positionSideName(positionSide);
  if (instrument === undefined || accountId === 0n || decodedSide === undefined) throw UNEXPECTED;
  if (quantity === undefined && volume === undefined) throw UNEXPECTED;
  if (positionSide !== 0 && decodedPositionSide === undefined) throw UNEXPECTED;
  checkClientOrderId(clientOrderId);
  if (retry && clientOrderId === undefined) throw UNEXPECTED;
  const order: { -readonly [K in keyof Order]: Order[K] } = {
    operation: {
      instrument,
      // A varint uint64 is in AccountId's range by construction: `AccountId.fromU64`'s check
      // could not fail, and its companion object and bound were cold pages of every order
      // (docs/performance.md, "Session 24").
      accountId: accountId as AccountId,
      side: decodedSide,
      tradeAmount: quantity !== undefined ? { kind: "quantity", value: quantity } : { kind: "volume", value: volume! },
      price,
    },
  };
  if (decodedPositionSide || reduceOnly || closePosition) order.position = { positionSide: decodedPositionSide, reduceOnly, closePosition };
  if (collateralAsset !== undefined || autoBorrow) order.margin = { leverage: undefined, collateralAsset, autoBorrow };
  if (clientOrderId !== undefined) {
    order.clientOrderId = clientOrderId;
    if (retry) order.retry = true;
  }
  return order;
}

/** `decodeClientOrderId`'s rule (absent, or 1..128 characters), recognised: `UNEXPECTED` otherwise. */
export function checkClientOrderId(text: string | undefined): void {
  if (text !== undefined && (text.length === 0 || longerThan(text, MAX_CLIENT_ORDER_ID_LENGTH))) throw UNEXPECTED;
}

/** An `Instrument` as `decodeInstrument` builds it (both assets present and not blank). */
export function readInstrument(r: ProtoReader): Instrument {
  let underlyingAsset: string | undefined;
  let settlementAsset: string | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) underlyingAsset = readAsset(r);
    else if (tag === LEN(2)) settlementAsset = readAsset(r);
    else throw UNEXPECTED;
  }
  if (underlyingAsset === undefined || settlementAsset === undefined) throw UNEXPECTED;
  return { underlyingAsset, settlementAsset };
}
