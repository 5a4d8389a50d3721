/** The built-in policies by type name: how each is built, retuned and shown from JSON. */
import type { PolicyGroupId } from "../param/index.js";
import type { ConfigurablePolicy, PolicyClass, PreTradePolicy } from "../engine/index.js";
import type { MarketDataSource } from "../marketdata/index.js";
import { OrderSizeLimitPolicy, parseOrderSizeLimitSettingsJson } from "./order-size-limit/index.js";
import { OrderValidationPolicy } from "./order-validation/index.js";
import { PnlBoundsKillSwitchPolicy, parsePnlBoundsKillSwitchSettingsJson } from "./pnl-bounds-kill-switch/index.js";
import { RateLimitPolicy, parseRateLimitSettingsJson } from "./rate-limit/index.js";
import { SpotFundsPolicy, parseSpotFundsSettingsJson, type SpotFundsSettings } from "./spot-funds/index.js";
import type { Json } from "./settings-json.js";

export interface PolicyBuildContext {
  readonly policyGroupId: PolicyGroupId | undefined;
  readonly marketData: MarketDataSource;
}

/** How the sidecar builds, retunes and shows one kind of built-in policy from JSON. */
export interface PolicyCatalogEntry {
  readonly type: string;
  create(settings: Json, path: string, ctx: PolicyBuildContext): PreTradePolicy;
  /** Absent for policies without settings. */
  readonly configurable?: {
    readonly policyClass: PolicyClass<ConfigurablePolicy<unknown>>;
    parseUpdate(json: Json, path: string): unknown;
    toJson(settings: unknown): Json;
  };
}

/** Value objects render as decimal strings; ids (bigint) as digit strings. */
function plainJson(settings: unknown): Json {
  return JSON.parse(JSON.stringify(settings, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

/** SpotFunds keeps keyed settings in Maps; its JSON form lists them (see its parser). */
function spotFundsSettingsToJson(s: SpotFundsSettings): Json {
  return plainJson({
    slippageBps: s.slippageBps,
    pricingSource: s.pricingSource,
    slippageOverrides: s.slippageOverrides,
    limitMode: s.limitMode,
    accountLimitModes: [...s.accountLimitModes].map(([accountId, limitMode]) => ({ accountId, limitMode })),
    accountGroupLimitModes: [...s.accountGroupLimitModes].map(([accountGroupId, limitMode]) => ({ accountGroupId, limitMode })),
    pnlBarrier: s.pnlBarrier,
    accountGroupPnlBarriers: [...s.accountGroupPnlBarriers].map(([accountGroupId, b]) => ({ accountGroupId, ...b })),
    accountPnlBarriers: [...s.accountPnlBarriers].map(([accountId, b]) => ({ accountId, ...b })),
  });
}

const opts = (ctx: PolicyBuildContext) => (ctx.policyGroupId === undefined ? {} : { policyGroupId: ctx.policyGroupId });

const ENTRIES: readonly PolicyCatalogEntry[] = [
  {
    type: OrderValidationPolicy.NAME,
    create: (_settings, _path, ctx) => new OrderValidationPolicy(opts(ctx)),
  },
  {
    type: RateLimitPolicy.NAME,
    create: (json, path, ctx) => new RateLimitPolicy(parseRateLimitSettingsJson(json, path), opts(ctx)),
    configurable: { policyClass: RateLimitPolicy, parseUpdate: parseRateLimitSettingsJson, toJson: plainJson },
  },
  {
    type: OrderSizeLimitPolicy.NAME,
    create: (json, path, ctx) => new OrderSizeLimitPolicy(parseOrderSizeLimitSettingsJson(json, path), opts(ctx)),
    configurable: { policyClass: OrderSizeLimitPolicy, parseUpdate: parseOrderSizeLimitSettingsJson, toJson: plainJson },
  },
  {
    type: PnlBoundsKillSwitchPolicy.NAME,
    create: (json, path, ctx) => new PnlBoundsKillSwitchPolicy(parsePnlBoundsKillSwitchSettingsJson(json, path), opts(ctx)),
    configurable: {
      policyClass: PnlBoundsKillSwitchPolicy,
      parseUpdate: (json, path) => parsePnlBoundsKillSwitchSettingsJson(json, path, { allowInitialPnl: false }),
      toJson: plainJson,
    },
  },
  {
    type: SpotFundsPolicy.NAME,
    create: (json, path, ctx) =>
      new SpotFundsPolicy(parseSpotFundsSettingsJson(json ?? {}, path), { ...opts(ctx), marketData: ctx.marketData }),
    configurable: {
      policyClass: SpotFundsPolicy,
      parseUpdate: parseSpotFundsSettingsJson,
      toJson: (s) => spotFundsSettingsToJson(s as SpotFundsSettings),
    },
  },
];

export const POLICY_CATALOG: ReadonlyMap<string, PolicyCatalogEntry> = new Map(ENTRIES.map((e) => [e.type, e]));

/** The catalog entry of a live policy instance (by class), for retuning it by name. */
export function catalogEntryOf(policy: PreTradePolicy): PolicyCatalogEntry | undefined {
  return ENTRIES.find((e) => e.configurable !== undefined && policy instanceof e.configurable.policyClass);
}
