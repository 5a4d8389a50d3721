/** Start-stage sanity check: refuses an order whose quantity or volume is missing or zero. */
import type { PolicyGroupId } from "../../param/ids.js";
import type { Order } from "../../model/order.js";
import type { PolicyReject } from "../../model/reject.js";
import type { PreTradeContext, PreTradePolicy } from "../../engine/pretrade/policy.js";
import { MISSING_TRADE_AMOUNT, ZERO_QUANTITY, ZERO_VOLUME } from "./rejects.js";

/**
 * Start-stage sanity check: the trade amount must be non-zero. Stateless, so the engine's
 * default dry-run delegation to the normal hook is already side-effect free. It has no
 * settings and is not runtime-configurable (OpenPit's configurator has no entry for it).
 * Price is deliberately not checked: market orders have none and negative prices exist.
 */
export class OrderValidationPolicy implements PreTradePolicy {
  static readonly NAME = "OrderValidationPolicy";
  readonly name = OrderValidationPolicy.NAME;
  readonly builtIn = true;
  /** Nothing to snapshot: no settings, no counters. */
  readonly stateless = true;
  readonly policyGroupId: PolicyGroupId | undefined;

  constructor(options?: { policyGroupId?: PolicyGroupId }) {
    this.policyGroupId = options?.policyGroupId;
  }

  checkPreTradeStart(_ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    const amount = order.operation?.tradeAmount;
    if (amount === undefined) return MISSING_TRADE_AMOUNT;
    if (!amount.value.isZero()) return undefined;
    return amount.kind === "quantity" ? ZERO_QUANTITY : ZERO_VOLUME;
  }
}
