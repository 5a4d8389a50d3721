/**
 * Builders for the start-stage built-in tests (order validation, rate limit, order size):
 * orders in quantity or volume, with or without price/account/instrument, and an engine
 * on a manual clock.
 */
import { Engine, ManualClock, type ExecuteResult, type PreTradePolicy } from "../../src/engine/index.js";
import { TradeAmount, type Order, type Reject } from "../../src/model/index.js";
import { AccountId, instrument, Price, Quantity, Volume, type Instrument } from "../../src/param/index.js";

export const ACCOUNT = AccountId.fromU64(99224416);
export const OTHER_ACCOUNT = AccountId.fromU64(42);
export const AAPL_USD = instrument("AAPL", "USD");
export const SAP_EUR = instrument("SAP", "EUR");

export interface OrderInit {
  /** `null` leaves the field out. */
  readonly account?: AccountId | null;
  readonly instrument?: Instrument | null;
  /** Quantity; ignored when `volume` is given. Default "1". `null` leaves the trade amount out. */
  readonly qty?: string | null;
  readonly volume?: string;
  /** `null` (default for volume orders too unless given) means no price. Default "100". */
  readonly price?: string | null;
}

export function order(init: OrderInit = {}): Order {
  const account = init.account === undefined ? ACCOUNT : init.account;
  const inst = init.instrument === undefined ? AAPL_USD : init.instrument;
  const price = init.price === undefined ? "100" : init.price;
  const tradeAmount =
    init.volume !== undefined
      ? TradeAmount.volume(Volume.fromString(init.volume))
      : init.qty === null
        ? undefined
        : TradeAmount.quantity(Quantity.fromString(init.qty ?? "1"));
  return {
    operation: {
      ...(inst === null ? {} : { instrument: inst }),
      ...(account === null ? {} : { accountId: account }),
      side: "BUY",
      ...(tradeAmount === undefined ? {} : { tradeAmount }),
      ...(price === null ? {} : { price: Price.fromString(price) }),
    },
  };
}

export interface TestEngine {
  readonly engine: Engine;
  readonly clock: ManualClock;
}

export function engineWith(...policies: PreTradePolicy[]): TestEngine {
  const clock = new ManualClock(0);
  const builder = Engine.builder().clock(clock);
  for (const p of policies) builder.policy(p);
  return { engine: builder.build(), clock };
}

/** Runs both stages and commits on success, so nothing is left pending. */
export function submit(engine: Engine, o: Order): ExecuteResult {
  const result = engine.executePreTrade(o);
  if (result.ok) result.reservation.commit();
  return result;
}

/** The single reject of a failed result (fails the test if there is not exactly one). */
export function onlyReject(result: { readonly ok: boolean; readonly rejects: readonly Reject[] }): Reject {
  if (result.ok) throw new Error("expected a reject, the call passed");
  if (result.rejects.length !== 1) throw new Error(`expected one reject, got ${result.rejects.length}`);
  return result.rejects[0]!;
}
