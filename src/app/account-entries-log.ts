/** What a start did with the configuration file's `accounts.list` entries (account-entries.ts), in the structured log. */
import type { SidecarLogger } from "../server/log/sidecar-log.js";
import type { RecoveryReport } from "../state/recovery.js";

/**
 * One info line for the accounts whose entry the start put in force (admitted anew), and one
 * warning per group or currency an entry names that the state keeps otherwise for an account
 * it already admitted (runtime changes win: the file is out of date, or the change is lost).
 */
export function logAccountEntries(log: SidecarLogger, report: Pick<RecoveryReport, "accountEntriesApplied" | "accountEntryDifferences">): void {
  const applied = report.accountEntriesApplied.map(String);
  if (applied.length > 0) {
    log.info({ event: "account_entries_applied", accountIds: applied }, `accounts.list: the group and currency of accounts admitted anew put in force: ${applied.join(", ")}`);
  }
  for (const d of report.accountEntryDifferences) {
    const state = d.state ?? "none";
    log.warn(
      { event: "account_entry_differs", accountId: String(d.accountId), field: d.field, file: d.file, state: d.state ?? null },
      `accounts.list: account ${d.accountId} has ${d.field} ${state} in the durable state, the configuration file names ${d.file}; the state's ${d.field} stays in force (change it through AdminService, or correct the file)`,
    );
  }
}
