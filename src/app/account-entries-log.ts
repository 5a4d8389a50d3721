/** What a start did with the configuration file's `accounts.list` entries (account-entries.ts), in the structured log. */
import type { AccountId } from "../param/index.js";
import type { SidecarLogger } from "../server/log/sidecar-log.js";
import type { RecoveryReport } from "../state/recovery.js";

/** How many account ids the `accounts_not_listed` warning names; its count covers them all. */
export const UNLISTED_NAMED = 100;

/**
 * One info line for the accounts whose entry the start put in force (admitted anew), and one
 * warning per group or currency an entry names that the state keeps otherwise for an account
 * it already admitted (runtime changes win: the file is out of date, or the change is lost).
 */
export function logAccountEntries(
  log: SidecarLogger,
  report: Pick<RecoveryReport, "accountEntriesApplied" | "accountEntryDifferences">,
  /** unlistedAccountIds: accounts the state keeps something for that a strict list does not name. */
  unlisted: readonly AccountId[] = [],
): void {
  if (unlisted.length > 0) {
    const named = unlisted.slice(0, UNLISTED_NAMED).map(String);
    const more = unlisted.length > named.length ? ` and ${unlisted.length - named.length} more` : "";
    log.warn(
      { event: "accounts_not_listed", count: unlisted.length, accountIds: named },
      `accounts.strict: ${unlisted.length} account${unlisted.length === 1 ? "" : "s"} the durable state keeps something for (holdings, positions, P&L, a block, a group, a currency or a pin) ${unlisted.length === 1 ? "is" : "are"} not on accounts.list: ${named.join(", ")}${more}; their orders and reports, and changes that set a control on them, are refused UNKNOWN_NAME until the list names them again`,
    );
  }
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
