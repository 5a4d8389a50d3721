/**
 * An integer limit's usage as plain numbers: the four counting controls (max open orders,
 * both throttles, the rate limit's account barrier) report one count against one integer
 * max. Soft limits read every watched usage at every commit; through `integerUsage` the
 * reading needs no decimal, object or array per usage (the `Quantity`s are made only for
 * an event). `limitUsage`, the engine's general form, is derived from it.
 */
import type { AccountId } from "../param/ids.js";
import { Quantity } from "../param/values.js";
import type { LimitUsage, PreTradePolicy, UsageContext } from "../engine/pretrade/policy.js";

/** Filled in by `integerUsage`: which limit, the count used now and the max (both safe integers ≥ 0). */
export interface IntegerUsage {
  limit: string;
  usage: number;
  max: number;
}

export interface IntegerUsageSource {
  /**
   * Read-only, like `limitUsage`: fills `out` and returns true, or returns false when no
   * limit applies to the account (`limitUsage` would answer undefined).
   */
  integerUsage(ctx: UsageContext, accountId: AccountId, out: IntegerUsage): boolean;
}

/** The policy's integer form, when it has one. */
export function integerUsageSource(policy: PreTradePolicy): IntegerUsageSource | undefined {
  return typeof (policy as Partial<IntegerUsageSource>).integerUsage === "function" ? (policy as unknown as IntegerUsageSource) : undefined;
}

/** `limitUsage` from `integerUsage`: the same numbers as decimals (scale 0). */
export function integerLimitUsage(source: IntegerUsageSource, ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined {
  const out: IntegerUsage = { limit: "", usage: 0, max: 0 };
  if (!source.integerUsage(ctx, accountId, out)) return undefined;
  return [{ limit: out.limit, usage: Quantity.fromInt(out.usage), max: Quantity.fromInt(out.max) }];
}
