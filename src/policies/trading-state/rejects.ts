/** TradingStatePolicy's reject texts. Never an account id: where the state is set is named by its kind. */
import type { ControlScope } from "../../model/control-scope.js";
import { whereSet } from "../policy-texts.js";
import type { PolicyReject } from "../../model/reject.js";
import type { Decimal } from "decimal.js";
import { PositionSize, type Quantity } from "../../param/values.js";
import type { Side } from "../../param/enums.js";


export function halted(scope: ControlScope): readonly PolicyReject[] {
  return [{ code: "TradingHalted", reason: "trading halted", details: `trading state HALTED is set ${whereSet(scope)}`, scope: "order" }];
}

/**
 * An order REDUCING refuses: it would grow or flip the position once every open order on
 * its side filled first (worst case). The numbers let the trader see why.
 */
/** `position`: the book's, or its exact value when the book holds it rounded (plain notation either way). */
export function notReducing(scope: ControlScope, side: Side, position: PositionSize | Decimal, pending: Quantity, quantity: Quantity): readonly PolicyReject[] {
  return [
    {
      code: "TradingReducingOnly",
      reason: "order does not reduce the position",
      details:
        `trading state REDUCING is set ${whereSet(scope)}: position ${position instanceof PositionSize ? position.toString() : position.toFixed()}, ` +
        `open ${side} orders ${pending.toString()}, order ${side} ${quantity.toString()} would not shrink it without flipping`,
      scope: "order",
    },
  ];
}

/** REDUCING cannot judge an order whose quantity is unknown (by volume, no price): fail closed. */
export function quantityUnknown(scope: ControlScope): readonly PolicyReject[] {
  return [
    {
      code: "TradingReducingOnly",
      reason: "order does not reduce the position",
      details: `trading state REDUCING is set ${whereSet(scope)}: the order's quantity cannot be known (volume without a positive limit price, or a buy by volume)`,
      scope: "order",
    },
  ];
}

/**
 * REDUCING cannot take the worst case of a side with an open order whose units have no bound
 * (by volume: a buy, a sell without a positive limit price, accepted while ACTIVE, or one whose
 * volume / price is past the decimal range), or whose open orders' total the book rounded
 * (`pendingRounded`): its
 * pending quantity is an estimate, so no order on that side can be shown not to flip: fail closed.
 */
export function openQuantityUnknown(scope: ControlScope, side: Side): readonly PolicyReject[] {
  return [
    {
      code: "TradingReducingOnly",
      reason: "order does not reduce the position",
      details:
        `trading state REDUCING is set ${whereSet(scope)}: an open ${side} order's quantity cannot be known (volume without a positive limit price, a buy by volume, a volume past the decimal range at its price, or a total of open orders rounded past 29 digits), ` +
        `so no ${side} order can be shown not to flip the position until it ends`,
      scope: "order",
    },
  ];
}
