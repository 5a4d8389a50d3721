/** OrderSizeLimitPolicy's public surface: the policy, its settings types, validation and JSON parser. */
export { OrderSizeLimitPolicy } from "./policy.js";
export {
  parseOrderSizeLimitSettingsJson,
  validateOrderSizeLimitSettings,
  type OrderSizeAccountAssetBarrier,
  type OrderSizeAssetBarrier,
  type OrderSizeLimit,
  type OrderSizeLimitSettings,
} from "./settings.js";
