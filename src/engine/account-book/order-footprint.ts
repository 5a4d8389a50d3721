/** What an accepted order adds to the book: its account, instrument, side and pending quantity. */
import type { AccountId } from "../../param/ids.js";
import type { Side } from "../../param/enums.js";
import type { Instrument } from "../../param/instrument.js";
import { Quantity, type Price } from "../../param/values.js";
import type { Order } from "../../model/order.js";
import type { PreTradeLock } from "../../model/pre-trade-lock.js";

/**
 * An accepted order's entry in the book, and the record of the engine's book mutation in a
 * reservation (so a restored open reservation rolls back exactly what it added). Plain data.
 */
export interface OrderFootprint {
  readonly accountId: AccountId;
  /** Absent when the order carried no instrument or side: then only the open-order count moves. */
  readonly instrument?: Instrument;
  readonly side?: Side;
  /**
   * Pending quantity added on `side`; zero when it cannot be known (a market order by volume
   * that no policy priced, or volume / price past the decimal range), and then `unbounded`.
   */
  readonly quantity: Quantity;
  /**
   * Set when the units the order may trade have no bound (`unboundedQuantity`), or when its
   * quantity could not be computed (volume / price past the decimal range): `quantity` is
   * then only an estimate (zero when not computed), and the book counts the order among its
   * side's unbounded open orders (REDUCING refuses that side while one is open). Absent in
   * records from before it: such an order was not counted, so its rollback uncounts nothing.
   * Part of the record.
   */
  readonly unbounded?: true;
  /** The order's client order id: a report naming it while the reservation is open is matched to it. */
  readonly clientOrderId?: string;
  /**
   * Set (never cleared) when a report named this order while its reservation was still open:
   * the order is at the venue and its reports now move the book, so a rollback of the
   * reservation commits it instead (reservation.ts). Part of the record, so a snapshot keeps it.
   */
  reported?: true;
  /**
   * Set with `reported` by a final report naming it: the order has ended at the venue, and a
   * later report naming its id is another order's (the id reused), never matched to this one
   * (found by review: every later report marked the ended order, and the reusing order's
   * rollback released what its reports had released already). Part of the record.
   */
  ended?: true;
  /**
   * When the book took it, among the account book's footprints with a client order id (1, 2…;
   * 0 for one without): reports are matched to the oldest, and a restore puts them back in
   * this order, whichever channels hold them (found by review, session 30: restored channel by
   * channel, a fullSync account's reservations came back in channel order and a report marked
   * another one than the live run had). Part of the record, so a snapshot keeps it.
   */
  bookOrder?: number;
}

/**
 * The footprint of an order the main stage accepted, or undefined when it has no account
 * (nothing to attribute it to). A volume order counts its quantity at its limit price
 * (volume / |price|); a market order by volume at the price its main stage locked (the
 * market price SpotFunds reserved it at, the first of `lock`'s), else at a policy's sizing
 * price (gross exposure's reference price). Without any, or when volume / price is past the
 * decimal range, its quantity is unknown: it counts zero pending and is `unbounded` (found by
 * review, session 37: an open SELL of volume 1e20 limited at 1e-9, up to 1e29 units, counted
 * 0 and was not marked, so REDUCING let a SELL through as if nothing were open on its side).
 */
export function footprintOf(order: Order, lock?: PreTradeLock, sizingPrice?: Price): OrderFootprint | undefined {
  const op = order.operation;
  const accountId = op?.accountId;
  if (op === undefined || accountId === undefined) return undefined;
  const instrument = op.instrument;
  const side = op.side;
  const clientOrderId = order.clientOrderId;
  if (instrument === undefined || side === undefined) return { accountId, quantity: Quantity.zero(), clientOrderId, bookOrder: 0 };
  const quantity = quantityOf(order, lock, sizingPrice);
  if (quantity === undefined) return { accountId, instrument, side, quantity: Quantity.zero(), unbounded: true, clientOrderId, bookOrder: 0 };
  return unboundedQuantity(order) ? { accountId, instrument, side, quantity, unbounded: true, clientOrderId, bookOrder: 0 } : { accountId, instrument, side, quantity, clientOrderId, bookOrder: 0 };
}

/**
 * Whether the units an order may trade have no bound: a BUY by volume buys more units the
 * lower it fills, with no bound below its limit price; a SELL by volume limited at or below
 * zero sells more the nearer zero it fills; one without a price (a market order) either. Its
 * footprint's quantity (volume / |price|) is then no worst case (found by review, session 35).
 */
export function unboundedQuantity(order: Order): boolean {
  const op = order.operation;
  if (op?.tradeAmount?.kind !== "volume") return false;
  return op.side === "BUY" || op.price === undefined || !op.price.isPositive();
}

/**
 * The order's quantity, or undefined when an order by volume has none that can be computed:
 * no usable price, or volume / price past the decimal domain (the order is still open, its
 * size unknown). An order without a trade amount counts zero.
 */
function quantityOf(order: Order, lock: PreTradeLock | undefined, sizingPrice: Price | undefined): Quantity | undefined {
  const amount = order.operation?.tradeAmount;
  if (amount === undefined) return Quantity.zero();
  if (amount.kind === "quantity") return amount.value;
  const price = order.operation?.price ?? (lock === undefined ? undefined : firstPrice(lock)) ?? sizingPrice;
  if (price === undefined || price.isZero()) return undefined;
  try {
    return amount.value.calculateQuantity(price);
  } catch {
    return undefined;
  }
}

function firstPrice(lock: PreTradeLock): Price | undefined {
  const defaults = lock.defaultsOnly();
  return defaults !== undefined ? defaults[0] : lock.entries()[0]?.[1];
}
