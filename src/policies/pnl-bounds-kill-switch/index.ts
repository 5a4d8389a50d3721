/** PnlBoundsKillSwitchPolicy's public surface: the policy, its snapshot, settings types and JSON parser. */
export { PnlBoundsKillSwitchPolicy, type PnlBoundsKillSwitchSnapshot } from "./policy.js";
export {
  copyPnlBoundsKillSwitchSettings,
  parsePnlBoundsKillSwitchSettingsJson,
  validatePnlBoundsKillSwitchSettings,
  type ParsePnlBoundsKillSwitchOptions,
  type PnlBoundsAccountBarrier,
  type PnlBoundsAccountBarrierWithSeed,
  type PnlBoundsBrokerBarrier,
  type PnlBoundsKillSwitchInitialSettings,
  type PnlBoundsKillSwitchSettings,
} from "./settings.js";
