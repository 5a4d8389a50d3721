/** What every built-in policy's folder tells the sidecar about it: build, retune, show, from JSON. */
import type { AccountId, PolicyGroupId } from "../param/index.js";
import type { Asset } from "../param/instrument.js";
import type { Pnl, PositionSize, Price } from "../param/values.js";
import type { PnlState } from "../model/pnl-state.js";
import type { ConfigurablePolicy, PolicyClass, PreTradePolicy } from "../engine/index.js";
import type { MarketDataSource } from "../marketdata/index.js";
import type { Json } from "./settings-json.js";

export interface PolicyBuildContext {
  readonly policyGroupId: PolicyGroupId | undefined;
  readonly marketData: MarketDataSource;
}

/** One (account, asset) slot a policy keeps, as the account-state query shows it. */
export interface HoldingState {
  readonly asset: Asset;
  readonly available: PositionSize;
  readonly held: PositionSize;
  readonly incoming: PositionSize;
  readonly averageEntryPrice?: Price;
  readonly realizedPnl?: PnlState;
}

/** What one policy shows of one account; each part is optional. */
export interface PolicyAccountState {
  readonly holdings?: readonly HoldingState[];
  readonly pnlAccumulators?: readonly { readonly asset: Asset; readonly pnl: Pnl }[];
  readonly accountPnl?: PnlState;
}

export interface PolicyCatalogEntry<P extends PreTradePolicy = PreTradePolicy> {
  /** The configuration's `type`, also the policy's default name. */
  readonly type: string;
  readonly policyClass: PolicyClass<P>;
  create(settings: Json, path: string, ctx: PolicyBuildContext): P;
  /** Absent for policies without runtime settings. */
  readonly configurable?: {
    parseUpdate(json: Json, path: string): unknown;
    toJson(settings: unknown): Json;
    /**
     * The other policies its settings name (SoftLimitPolicy's `policies`), by their place in
     * the settings' `policies` list: each must be in the engine (checked at start and on
     * ConfigurePolicy); absent = it names none.
     */
    namedPolicies?(settings: unknown): readonly string[];
  };
  /**
   * The operator's reasons `json` (settings the parser accepted) carries, each with its path
   * under the settings (`states[3].reason`): bounded as SetTradingState's reason is where an
   * operator writes settings (ConfigurePolicy, the file; server/codec/reason.ts), not by the
   * parser, which a replay runs too. Absent = none.
   */
  operatorReasons?(json: Json): Iterable<{ readonly path: string; readonly reason: string }>;
  /**
   * The operator command other than ConfigurePolicy that changes these settings as trading goes
   * (SetTradingState); absent = none. A start does not compare such settings with the file's
   * (policy-settings-log.ts): a halt set by the command is not a file gone stale.
   */
  readonly settingsMovedBy?: string;
  /** Accounts this policy keeps state for (the operator's account list); absent = none. */
  accountIds?(policy: P): Iterable<AccountId>;
  /** What the account-state query shows of this policy; absent = nothing. */
  accountState?(policy: P, accountId: AccountId): PolicyAccountState;
}

/** Value objects render as decimal strings; ids (bigint) as digit strings. */
export function plainJson(settings: unknown): Json {
  return JSON.parse(JSON.stringify(settings, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

/** The policy-group option a constructor takes, when the configuration set one. */
export function groupOption(ctx: PolicyBuildContext): { policyGroupId?: PolicyGroupId } {
  return ctx.policyGroupId === undefined ? {} : { policyGroupId: ctx.policyGroupId };
}

/** The settings a retunable policy holds now (a copy). */
export function currentSettings(policy: PreTradePolicy): unknown {
  return (policy as ConfigurablePolicy<unknown>).settingsDraft();
}
