/** ClientOrderIdPolicy's public surface: the policy, its settings and JSON parser. */
export { ClientOrderIdPolicy } from "./policy.js";
export type { RetryCommand } from "./retry-command.js";
export { DEFAULT_RETENTION_MS, parseClientOrderIdSettingsJson, type ClientOrderIdSettings } from "./settings.js";
