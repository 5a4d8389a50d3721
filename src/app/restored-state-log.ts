/**
 * What a start (a file journal's recovery, a replicated start, a failover's takeover) finds the
 * restored state holding against the configuration file, in the structured log: the account
 * entries, the listed instruments and the policy settings, each warned of where the state's
 * stays in force. One place, so that every start path says all of it.
 */
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import type { SidecarLogger } from "../server/log/sidecar-log.js";
import { unlistedAccountIds } from "../state/account-directory.js";
import type { RecoveryReport } from "../state/recovery.js";
import type { SidecarState } from "../state/sidecar-state.js";
import { logAccountEntries } from "./account-entries-log.js";
import { logListedInstruments } from "./listed-instruments-log.js";
import { logPolicySettings } from "./policy-settings-log.js";

export function logRestoredAgainstFile(
  log: SidecarLogger,
  config: SidecarConfig,
  state: SidecarState,
  report: Pick<RecoveryReport, "accountEntriesApplied" | "accountEntryDifferences">,
): void {
  logAccountEntries(log, report, unlistedAccountIds(state));
  logListedInstruments(log, config.marketData.instruments, state.marketData);
  logPolicySettings(log, config, state);
}
