/** SpotFundsPolicy's public surface: the policy, its options, settings types, JSON parser, snapshot types. */
export {
  SpotFundsPolicy,
  type SpotFundsHoldingsView,
  type SpotFundsPnlKillSwitchBarriers,
  type SpotFundsPolicyOptions,
} from "./policy.js";
export {
  copySpotFundsSettings,
  defaultSpotFundsSettings,
  MAX_SLIPPAGE_BPS,
  parseSpotFundsSettingsJson,
  validateSpotFundsSettings,
  setPositionLimit,
  type SpotFundsLimitMode,
  type SpotFundsPnlBarrier,
  type SpotFundsPricingSource,
  type SpotFundsSettings,
  type SpotFundsSlippageOverride,
} from "./settings.js";
export type { HoldRecord, SpotFundsSnapshot } from "./snapshot.js";
