/**
 * What a start (a file journal's recovery, a replicated start, a failover's takeover) finds the
 * restored state holding against the configuration file, in the structured log: the account
 * entries, the default currency, the listed instruments and the policy settings, each warned of
 * where the state's stays in force. One place, so that every start path says all of it.
 */
import { AccountGroupId } from "../param/index.js";
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
  logDefaultCurrency(log, config, state);
  logListedInstruments(log, config.marketData.instruments, state.marketData);
  logPolicySettings(log, config, state);
}

/**
 * `accounts.defaultCurrency` seeds a fresh state only (group 0's currency; the durable state's
 * stays, `SetGroupCurrency` changes it). A file that names another was passed over without a
 * word, and the start line shows the file's (found by review): P&L barriers apply by currency,
 * so the operator must hear which one is in force.
 */
function logDefaultCurrency(log: SidecarLogger, config: SidecarConfig, state: SidecarState): void {
  const file = config.accounts.defaultCurrency;
  const held = state.engine.accounts().groupCurrencyOf(AccountGroupId.DEFAULT);
  if (file === undefined || file === held) return;
  log.warn(
    { event: "default_currency_differs", file, state: held ?? null },
    `accounts.defaultCurrency: the durable state's ${held ?? "(none)"} is in force, not the file's ${file} (the file seeds a fresh state only); change it with SetGroupCurrency for group 0`,
  );
}
