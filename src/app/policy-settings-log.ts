/**
 * What the configuration file's policy settings say against the state a start restored, in
 * the structured log. The file's settings seed a fresh state only: on an existing one the
 * durable state's are in force (docs/durability.md), so an operator who tightened a limit in
 * the file and restarted was told nothing while the old limit stayed (found by review,
 * session 44). Compared as GetPolicySettings shows them, against what the file's settings
 * would put in force on a fresh state.
 */
import { catalogEntryOf, shownSettingsJson } from "../policies/catalog.js";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import type { SidecarLogger } from "../server/log/sidecar-log.js";
import type { SidecarState } from "../state/sidecar-state.js";
import { buildState } from "./build-sidecar.js";

/** A configured policy whose settings in force are not the file's. */
export interface PolicySettingsDifference {
  /** Its index in `policies`. */
  readonly index: number;
  readonly policy: string;
  /** As the file's settings would apply on a fresh state. */
  readonly file: unknown;
  /** As the restored state applies them. */
  readonly state: unknown;
}

export function policySettingsDifferences(config: SidecarConfig, state: SidecarState): PolicySettingsDifference[] {
  // Policies are built from their settings and the listed instruments alone: the account list
  // (a million entries in some deployments) is left out of this throwaway build.
  const seeded = buildState({ ...config, accounts: { ...config.accounts, list: [] } }).engine;
  const out: PolicySettingsDifference[] = [];
  config.policies.forEach((p, index) => {
    const fresh = seeded.policy(p.type);
    const inForce = state.engine.policy(p.type);
    if (fresh === undefined || inForce === undefined) return;
    // Settings an operator command moves as trading goes (a halt) are not the file's to compare
    // with (found by review: every restart during a halt said to undo it with ConfigurePolicy).
    if (catalogEntryOf(inForce)?.settingsMovedBy !== undefined) return;
    const file = shownSettingsJson(fresh);
    const held = shownSettingsJson(inForce);
    if (JSON.stringify(file) !== JSON.stringify(held)) out.push({ index, policy: p.type, file, state: held });
  });
  return out;
}

export function logPolicySettings(log: SidecarLogger, config: SidecarConfig, state: SidecarState): void {
  for (const d of policySettingsDifferences(config, state)) {
    log.warn(
      { event: "policy_settings_differ", index: d.index, policy: d.policy, file: d.file, state: d.state },
      `policies[${d.index}] (${d.policy}): the durable state's settings are in force, not the configuration file's (the file's seed a fresh state only); change them with ConfigurePolicy (openpit configure ${d.policy} --set …)`,
    );
  }
}
