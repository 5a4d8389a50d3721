/** RestrictedListPolicy's public surface: the policy, its settings and JSON parser. */
export { RestrictedListPolicy } from "./policy.js";
export { parseRestrictedListSettingsJson, restrictedListSettingsJson, type RestrictedEntry, type RestrictedListSettings } from "./settings.js";
