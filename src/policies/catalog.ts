/** The built-in policies by type name; each folder describes its own policy (catalog-entry.ts). */
import type { PreTradePolicy } from "../engine/index.js";
import type { AccountId } from "../param/index.js";
import { currentSettings, type PolicyAccountState, type PolicyCatalogEntry } from "./catalog-entry.js";
import { ORDER_SIZE_LIMIT_ENTRY } from "./order-size-limit/catalog-entry.js";
import { ORDER_VALIDATION_ENTRY } from "./order-validation/catalog-entry.js";
import { PNL_BOUNDS_KILL_SWITCH_ENTRY } from "./pnl-bounds-kill-switch/catalog-entry.js";
import { RATE_LIMIT_ENTRY } from "./rate-limit/catalog-entry.js";
import type { Json } from "./settings-json.js";
import { SPOT_FUNDS_ENTRY } from "./spot-funds/catalog-entry.js";
import { PRICE_COLLAR_ENTRY } from "./price-collar/catalog-entry.js";
import { TWO_TIER_THROTTLE_ENTRY } from "./two-tier-throttle/catalog-entry.js";
import { REPEATED_EXECUTION_THROTTLE_ENTRY } from "./repeated-execution-throttle/catalog-entry.js";
import { GROSS_EXPOSURE_LIMIT_ENTRY } from "./gross-exposure-limit/catalog-entry.js";
import { MAX_OPEN_ORDERS_ENTRY } from "./max-open-orders/catalog-entry.js";
import { SOFT_LIMIT_ENTRY } from "./soft-limits/catalog-entry.js";
import { TRADING_STATE_ENTRY } from "./trading-state/catalog-entry.js";
import { RESTRICTED_LIST_ENTRY } from "./restricted-list/catalog-entry.js";
import { CLIENT_ORDER_ID_ENTRY } from "./client-order-id/catalog-entry.js";

export type { PolicyBuildContext, PolicyCatalogEntry, PolicyAccountState, HoldingState } from "./catalog-entry.js";

const ENTRIES = [
  ORDER_VALIDATION_ENTRY,
  RATE_LIMIT_ENTRY,
  ORDER_SIZE_LIMIT_ENTRY,
  PNL_BOUNDS_KILL_SWITCH_ENTRY,
  SPOT_FUNDS_ENTRY,
  PRICE_COLLAR_ENTRY,
  TWO_TIER_THROTTLE_ENTRY,
  REPEATED_EXECUTION_THROTTLE_ENTRY,
  GROSS_EXPOSURE_LIMIT_ENTRY,
  MAX_OPEN_ORDERS_ENTRY,
  SOFT_LIMIT_ENTRY,
  TRADING_STATE_ENTRY,
  RESTRICTED_LIST_ENTRY,
  CLIENT_ORDER_ID_ENTRY,
] as readonly PolicyCatalogEntry[];

export const POLICY_CATALOG: ReadonlyMap<string, PolicyCatalogEntry> = new Map(ENTRIES.map((e) => [e.type, e]));

/** The catalog entry of a live policy instance (by class); undefined for a custom policy. */
export function catalogEntryOf(policy: PreTradePolicy): PolicyCatalogEntry | undefined {
  return ENTRIES.find((e) => policy instanceof e.policyClass);
}

/**
 * The first policy name in `settings` (parsed by `entry`) that `policies` does not hold, with
 * its place in the settings' `policies` list: a typo there would silently watch nothing
 * (found by review). undefined when every name is known.
 */
export function unknownNamedPolicy(entry: PolicyCatalogEntry, settings: unknown, policies: readonly PreTradePolicy[]): { index: number; name: string } | undefined {
  const named = entry.configurable?.namedPolicies?.(settings) ?? [];
  const index = named.findIndex((name) => !policies.some((p) => p.name === name));
  return index < 0 ? undefined : { index, name: named[index]! };
}

/** A retunable policy's settings now, as its JSON; undefined if it has none. */
export function settingsJsonOf(policy: PreTradePolicy): Json | undefined {
  const configurable = catalogEntryOf(policy)?.configurable;
  return configurable && configurable.toJson(currentSettings(policy));
}

/** A policy's settings as GetPolicySettings shows them (and a compare-and-set compares them): `{}` when it has none. */
export function shownSettingsJson(policy: PreTradePolicy): Json {
  return settingsJsonOf(policy) ?? {};
}

/** Accounts a policy keeps state for; none for a custom policy. */
export function accountIdsOf(policy: PreTradePolicy): Iterable<AccountId> {
  return catalogEntryOf(policy)?.accountIds?.(policy) ?? [];
}

/** What a policy shows of one account in the account-state query. */
export function accountStateOf(policy: PreTradePolicy, accountId: Parameters<NonNullable<PolicyCatalogEntry["accountState"]>>[1]): PolicyAccountState {
  return catalogEntryOf(policy)?.accountState?.(policy, accountId) ?? {};
}
