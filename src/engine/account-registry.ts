/** Which group each account is in and which currency it uses (own, else its group's, else the default). */
import { AccountGroupId, type AccountId } from "../param/ids.js";
import type { Asset } from "../param/instrument.js";
import { AccountGroupRegistrationError } from "./errors.js";
import type { AccountsView } from "./pretrade/policy.js";

/** Account groups and account currencies: plain maps, resolved live at every lookup. */
export class AccountRegistry implements AccountsView {
  readonly groupByAccount = new Map<AccountId, AccountGroupId>();
  readonly currencyByAccount = new Map<AccountId, Asset>();
  /** Group 0 holds the engine-wide default currency. */
  readonly currencyByGroup = new Map<AccountGroupId, Asset>();

  // Empty maps are not asked: a lookup by a bigint key hashes the bigint (about 35 ns), and
  // most deployments have no groups or no per-account currencies.
  groupOf(accountId: AccountId): AccountGroupId | undefined {
    return this.groupByAccount.size === 0 ? undefined : this.groupByAccount.get(accountId);
  }

  currencyOf(accountId: AccountId): Asset | undefined {
    const own = this.currencyByAccount.size === 0 ? undefined : this.currencyByAccount.get(accountId);
    if (own !== undefined) return own;
    const group = this.groupOf(accountId);
    return (group === undefined ? undefined : this.currencyByGroup.get(group)) ?? this.currencyByGroup.get(AccountGroupId.DEFAULT);
  }

  knownAccounts(): Iterable<AccountId> {
    return new Set([...this.groupByAccount.keys(), ...this.currencyByAccount.keys()]);
  }

  /** A detached copy: what the registry read before a change (for re-evaluations). */
  clone(): AccountRegistry {
    const copy = new AccountRegistry();
    for (const [a, g] of this.groupByAccount) copy.groupByAccount.set(a, g);
    for (const [a, c] of this.currencyByAccount) copy.currencyByAccount.set(a, c);
    for (const [g, c] of this.currencyByGroup) copy.currencyByGroup.set(g, c);
    return copy;
  }

  /** Atomic: if any account is already in a group (even this one), nothing changes. */
  registerGroup(accounts: readonly AccountId[], group: AccountGroupId): void {
    if (group === AccountGroupId.DEFAULT) {
      throw new AccountGroupRegistrationError("ReservedGroup", "account group 0 is reserved");
    }
    for (const account of accounts) {
      const current = this.groupByAccount.get(account);
      if (current !== undefined) {
        throw new AccountGroupRegistrationError(
          "AlreadyRegistered",
          `an account is already registered in group ${current}`,
        );
      }
    }
    for (const account of accounts) this.groupByAccount.set(account, group);
  }

  /**
   * Atomic: each account into its `group` (out of any group it is in) and its own
   * `currency`; a field left out changes nothing. Group 0 is refused before anything changes.
   */
  applyEntries(entries: readonly { readonly accountId: AccountId; readonly group?: AccountGroupId; readonly currency?: Asset }[]): void {
    for (const e of entries) {
      if (e.group === AccountGroupId.DEFAULT) throw new AccountGroupRegistrationError("ReservedGroup", "account group 0 is reserved");
    }
    for (const e of entries) {
      if (e.group !== undefined) this.groupByAccount.set(e.accountId, e.group);
      if (e.currency !== undefined) this.currencyByAccount.set(e.accountId, e.currency);
    }
  }

  /** Atomic: every account must currently be in `group`. */
  unregisterGroup(accounts: readonly AccountId[], group: AccountGroupId): void {
    for (const account of accounts) {
      const current = this.groupByAccount.get(account);
      if (current !== group) {
        throw new AccountGroupRegistrationError(
          "NotInGroup",
          `an account is not in requested group ${group} (current group: ${current ?? "none"})`,
        );
      }
    }
    for (const account of accounts) this.groupByAccount.delete(account);
  }
}
