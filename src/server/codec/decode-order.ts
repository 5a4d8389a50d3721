/** Orders from the wire, every malformed field named. */
import type * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { path } from "./field-path.js";
import { Leverage, ParamError, Price, Quantity, Volume, type Instrument } from "../../param/index.js";
import { TradeAmount, type Order, type TradeAmount as DomainTradeAmount } from "../../model/index.js";
import { invalid, missing } from "../../state/command-error.js";
import { decodeAccountId, decodeAsset, decodeDecimal, decodeOptionalAsset, decodeOptionalDecimal } from "./scalars.js";
import { longerThan, MAX_NAME_LENGTH } from "../../param/index.js";
import { decodePositionSide, decodeSide } from "./enums.js";

export function decodeInstrument(i: pb.Instrument | undefined, field: string): Instrument {
  if (!i) missing(field);
  return {
    underlyingAsset: decodeAsset(i.underlyingAsset, path(field, ".underlying_asset")),
    settlementAsset: decodeAsset(i.settlementAsset, path(field, ".settlement_asset")),
  };
}

function decodeTradeAmount(o: pb.Order, field: string): DomainTradeAmount {
  switch (o.tradeAmount.case) {
    case "quantity":
      return TradeAmount.quantity(decodeDecimal(o.tradeAmount.value, path(field, ".quantity"), Quantity));
    case "volume":
      return TradeAmount.volume(decodeDecimal(o.tradeAmount.value, path(field, ".volume"), Volume));
    default:
      return missing(path(field, ".quantity|volume"));
  }
}

function decodeLeverage(text: string | undefined, field: string): Leverage | undefined {
  if (text === undefined) return undefined;
  try {
    return Leverage.fromString(text);
  } catch (e) {
    if (e instanceof ParamError) invalid(field, e.message);
    throw e;
  }
}

/** The longest client order id accepted: the bound of every name (FIX ClOrdID values are far shorter in practice). */
export const MAX_CLIENT_ORDER_ID_LENGTH = MAX_NAME_LENGTH;

/** Absent stays absent; present must be 1..128 characters. */
export function decodeClientOrderId(text: string | undefined, field: string): string | undefined {
  if (text === undefined) return undefined;
  if (text.length === 0) invalid(field, "must not be empty when present");
  if (longerThan(text, MAX_CLIENT_ORDER_ID_LENGTH)) invalid(field, `must be at most ${MAX_CLIENT_ORDER_ID_LENGTH} characters`);
  return text;
}

/**
 * The wire requires what every deployment needs to route and pin an order: instrument,
 * account, side and trade amount. Price is optional (market order).
 */
export function decodeOrder(o: pb.Order | undefined, field = "order"): Order {
  if (!o) missing(field);
  const positionSide = decodePositionSide(o.positionSide, path(field, ".position_side"), false);
  const leverage = decodeLeverage(o.leverage, path(field, ".leverage"));
  const clientOrderId = decodeClientOrderId(o.clientOrderId, path(field, ".client_order_id"));
  if (o.retry && clientOrderId === undefined) invalid(path(field, ".retry"), "a retry must carry client_order_id");
  const order: { -readonly [K in keyof Order]: Order[K] } = {
    operation: {
      instrument: decodeInstrument(o.instrument, path(field, ".instrument")),
      accountId: decodeAccountId(o.accountId, path(field, ".account_id")),
      side: decodeSide(o.side, path(field, ".side"), true),
      tradeAmount: decodeTradeAmount(o, field),
      price: decodeOptionalDecimal(o.price, path(field, ".price"), Price),
    },
  };
  // Optional parts added only when present, in this order (the journal's and the tests'
  // key order): assigned, not spread from conditional literals, which built an empty
  // object and copied it through the runtime's slow path on every order.
  if (positionSide || o.reduceOnly || o.closePosition) order.position = { positionSide, reduceOnly: o.reduceOnly, closePosition: o.closePosition };
  // An asset name as every other (spec §3.6: non-blank; it was taken empty or blank, found by
  // review), bounded (kept in client-order-id fingerprints for the id's retention).
  if (o.collateralAsset !== undefined) decodeOptionalAsset(o.collateralAsset, path(field, ".collateral_asset"));
  if (leverage || o.collateralAsset !== undefined || o.autoBorrow) order.margin = { leverage, collateralAsset: o.collateralAsset, autoBorrow: o.autoBorrow };
  if (clientOrderId !== undefined) {
    order.clientOrderId = clientOrderId;
    if (o.retry) order.retry = true;
  }
  return order;
}
