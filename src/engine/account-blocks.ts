/** Blocked accounts, groups and the global latch, looked up in that order; the first stored cause wins. */
import type { AccountGroupId, AccountId } from "../param/ids.js";
import type { AccountBlock, BlockInForce } from "../model/reject.js";
import { ENGINE_NAME } from "./engine-name.js";

/** The text every account sees once a kill switch fired on a report with no account. */
export const GLOBAL_BLOCK: AccountBlock = {
  policy: ENGINE_NAME,
  code: "AccountBlocked",
  reason: "account is blocked due to kill-switch",
  details: "kill-switch was previously triggered for this account",
};

/**
 * The engine's one registry of blocked accounts, groups and the global latch.
 * First cause wins: re-blocking never overwrites a stored reason.
 */
export class AccountBlocks {
  readonly accounts = new Map<AccountId, AccountBlock>();
  readonly groups = new Map<AccountGroupId, AccountBlock>();
  global: AccountBlock | undefined;

  /** True when nothing at all is blocked: the gate can skip every lookup. */
  isEmpty(): boolean {
    return this.global === undefined && this.accounts.size === 0 && this.groups.size === 0;
  }

  /** Precedence: the account's own block, then its group's, then the global one. */
  find(accountId: AccountId, group: AccountGroupId | undefined): AccountBlock | undefined {
    return (
      this.accounts.get(accountId) ?? (group === undefined ? undefined : this.groups.get(group)) ?? this.global
    );
  }

  /** What `find` finds, and whose it is (the operator's reads; the order path needs only the block). */
  findInForce(accountId: AccountId, group: AccountGroupId | undefined): BlockInForce | undefined {
    const own = this.accounts.get(accountId);
    if (own !== undefined) return { block: own, scope: "account" };
    const ofGroup = group === undefined ? undefined : this.groups.get(group);
    if (ofGroup !== undefined) return { block: ofGroup, scope: "group" };
    return this.global === undefined ? undefined : { block: this.global, scope: "global" };
  }

  /** Returns true if this call stored the block (the account was not blocked before). */
  blockAccount(accountId: AccountId, block: AccountBlock): boolean {
    if (this.accounts.has(accountId)) return false;
    this.accounts.set(accountId, block);
    return true;
  }

  blockGroup(group: AccountGroupId, block: AccountBlock): boolean {
    if (this.groups.has(group)) return false;
    this.groups.set(group, block);
    return true;
  }

  blockGlobal(block: AccountBlock): void {
    this.global ??= block;
  }
}
