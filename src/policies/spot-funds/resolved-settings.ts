/** SpotFunds settings indexed for per-order lookups of slippage, limit mode and P&L barrier. */
import type { AccountGroupId, AccountId, InstrumentId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import { Price, type Quantity } from "../../param/values.js";
import {
  copySpotFundsSettings,
  type SpotFundsLimitMode,
  type SpotFundsPnlBarrier,
  type SpotFundsPricingSource,
  type SpotFundsSettings,
} from "./settings.js";

/** A slippage value with its price multipliers precomputed, so a market order costs one multiplication. */
export interface Slippage {
  readonly bps: number;
  /** 1 + bps / 10 000 */
  readonly buyFactor: Price;
  /** 1 − bps / 10 000 */
  readonly sellFactor: Price;
}

const ONE = Price.fromInt(1);
const BPS_PER_UNIT = Price.fromInt(10_000);

function slippage(bps: number): Slippage {
  const fraction = Price.fromInt(bps).div(BPS_PER_UNIT);
  return { bps, buyFactor: ONE.add(fraction), sellFactor: ONE.sub(fraction) };
}

/** The account-group lookup of the current call; only asked for when a group tier exists. */
export interface GroupSource {
  accountGroup(): AccountGroupId | undefined;
}

/** The account's currency, asked for only when a barrier names one. */
export type CurrencySource = () => Asset | undefined;

const NO_CURRENCY: CurrencySource = () => undefined;

/**
 * The barrier that applies to an account. `currencyMismatch` (the account's currency) is set
 * when an account-tier barrier is written in another currency: that fails closed (blocks).
 */
export interface EffectivePnlBarrier extends SpotFundsPnlBarrier {
  readonly currencyMismatch?: Asset;
}

function nested<K1, K2, V>(map: Map<K1, Map<K2, V>>, k1: K1): Map<K2, V> {
  let inner = map.get(k1);
  if (inner === undefined) {
    inner = new Map();
    map.set(k1, inner);
  }
  return inner;
}

/**
 * The published settings in the shape the hot path reads: every cascade is a couple of
 * Map lookups, the account group is resolved only if some group tier is configured, and
 * slippage multipliers are built once here instead of per order. Immutable; a retune
 * builds a new instance.
 */
export class ResolvedSpotFundsSettings {
  /** The validated settings this index was built from (a private copy). */
  readonly source: SpotFundsSettings;
  readonly pricingSource: SpotFundsPricingSource;
  readonly hasPnlBarriers: boolean;
  /** Per account, per asset: the worst-case position limits (empty = no position checks). */
  readonly positionLimits: ReadonlyMap<AccountId, ReadonlyMap<Asset, Quantity>>;
  private readonly globalSlippage: Slippage;
  private readonly instrumentSlippage = new Map<InstrumentId, Slippage>();
  private readonly accountSlippage = new Map<InstrumentId, Map<AccountId, Slippage>>();
  private readonly groupSlippage = new Map<InstrumentId, Map<AccountGroupId, Slippage>>();

  constructor(settings: SpotFundsSettings) {
    this.source = copySpotFundsSettings(settings);
    this.pricingSource = settings.pricingSource;
    this.globalSlippage = slippage(settings.slippageBps);
    for (const o of settings.slippageOverrides) {
      const value = slippage(o.slippageBps);
      if (o.accountId !== undefined) nested(this.accountSlippage, o.instrumentId).set(o.accountId, value);
      else if (o.accountGroupId !== undefined) nested(this.groupSlippage, o.instrumentId).set(o.accountGroupId, value);
      else this.instrumentSlippage.set(o.instrumentId, value);
    }
    const s = this.source;
    this.positionLimits = s.positionLimits;
    this.hasPnlBarriers = s.pnlBarrier !== undefined || s.accountGroupPnlBarriers.size > 0 || s.accountPnlBarriers.size > 0;
  }

  /** Slippage cascade: (instrument, account) → (instrument, group) → instrument → global. */
  slippageFor(instrumentId: InstrumentId, accountId: AccountId, groups: GroupSource): Slippage {
    const own = this.accountSlippage.get(instrumentId)?.get(accountId);
    if (own !== undefined) return own;
    const byGroup = this.groupSlippage.get(instrumentId);
    if (byGroup !== undefined) {
      const group = groups.accountGroup();
      const value = group === undefined ? undefined : byGroup.get(group);
      if (value !== undefined) return value;
    }
    return this.instrumentSlippage.get(instrumentId) ?? this.globalSlippage;
  }

  /** Limit-mode cascade: account → account group → global. */
  limitModeFor(accountId: AccountId, groups: GroupSource): SpotFundsLimitMode {
    const s = this.source;
    // An empty map is not asked: a lookup by a bigint key hashes the bigint every time.
    const own = s.accountLimitModes.size === 0 ? undefined : s.accountLimitModes.get(accountId);
    if (own !== undefined) return own;
    if (s.accountGroupLimitModes.size > 0) {
      const group = groups.accountGroup();
      const value = group === undefined ? undefined : s.accountGroupLimitModes.get(group);
      if (value !== undefined) return value;
    }
    return s.limitMode;
  }

  /**
   * The effective account-P&L barrier (OpenPit 3dec858 `pnl_barrier_for`): an account-tier
   * barrier always applies, but one written in another currency than the account's (when
   * that is known) fails closed (`currencyMismatch`). The group tier, then the global one,
   * apply only when their currency is the account's, or either is unknown; a mismatch is
   * skipped. Bounds are compared as stored, never converted.
   */
  pnlBarrierFor(accountId: AccountId, groups: GroupSource, currency: CurrencySource = NO_CURRENCY): EffectivePnlBarrier | undefined {
    if (!this.hasPnlBarriers) return undefined;
    const s = this.source;
    const own = s.accountPnlBarriers.get(accountId);
    if (own !== undefined) {
      if (own.currency === undefined) return own;
      const account = currency();
      return account === undefined || account === own.currency ? own : { ...own, currencyMismatch: account };
    }
    const fits = (b: SpotFundsPnlBarrier): boolean => {
      if (b.currency === undefined) return true;
      const account = currency();
      return account === undefined || account === b.currency;
    };
    if (s.accountGroupPnlBarriers.size > 0) {
      const group = groups.accountGroup();
      const value = group === undefined ? undefined : s.accountGroupPnlBarriers.get(group);
      if (value !== undefined && fits(value)) return value;
    }
    return s.pnlBarrier !== undefined && fits(s.pnlBarrier) ? s.pnlBarrier : undefined;
  }
}
