/**
 * How large a policy's settings may be. The audit trail records a ConfigurePolicy with its
 * request, and the settings before and after it ran, in one record; QueryAudit always sends
 * at least one record and monitors get each as one `audit_recorded` event. Settings of 1.4 MB
 * made a record of 4.2 MB, past a client's default 4 MiB receive limit: every reader of the
 * trail was stuck on it (found by review, session 30). At most 1 MiB of settings keeps a
 * record near 3 MiB at worst. (A compare-and-set's expected settings are decided before the
 * command is journaled and are not in the record: they are not counted.) A book that needs
 * more per-account entries than fit should use groups or tiers.
 */
export const MAX_POLICY_SETTINGS_JSON_BYTES = 1024 * 1024;

/**
 * The UTF-8 size of `settings` as the trail writes it (re-serialized, without whitespace).
 * Callers pass the settings as they apply, defaults filled in (what GetPolicySettings returns
 * and a compare-and-set sends again), so that settings read back can always be sent back; and
 * the settings as sent too, which a conflicting compare-and-set or a policy without runtime
 * settings is recorded with (admin-service.ts).
 */
export function policySettingsJsonBytes(settings: unknown): number {
  return Buffer.byteLength(JSON.stringify(settings) ?? "", "utf8");
}

/** Why `settings` are too large, or undefined. */
export function policySettingsTooLarge(settings: unknown): string | undefined {
  const bytes = policySettingsJsonBytes(settings);
  if (bytes <= MAX_POLICY_SETTINGS_JSON_BYTES) return undefined;
  return `settings take ${bytes} bytes of JSON, more than ${MAX_POLICY_SETTINGS_JSON_BYTES} (the audit trail records them before and after a change in one record: use groups or tiers for large books)`;
}

/**
 * Why a change from `current` to `next` settings is refused for size, or undefined. Only a
 * change that takes them past the bound *and* grows them is: settings read back (which the
 * global trading state may take past the bound by one entry: admin-service.ts) can always be
 * sent back, and a change that shrinks them always goes through (found by review).
 */
export function settingsChangeTooLarge(next: unknown, current: unknown): string | undefined {
  const tooLarge = policySettingsTooLarge(next);
  return tooLarge !== undefined && policySettingsJsonBytes(next) > policySettingsJsonBytes(current) ? tooLarge : undefined;
}
